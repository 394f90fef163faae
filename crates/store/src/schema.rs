//! A backend-neutral description of the schema, to prove that the SQLite and
//! PostgreSQL migrations build the same tables and columns.

use std::collections::BTreeMap;

use crate::db::Db;

/// A column as both backends can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column {
    pub name: String,
    /// Portable type class: `integer`, `text`, `boolean`, `date`, `timestamp`, `real`.
    pub class: String,
    pub not_null: bool,
}

/// Table name → columns (sorted by name), migration bookkeeping excluded.
pub type Schema = BTreeMap<String, Vec<Column>>;

fn class_of(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let class = if t.contains("int") {
        "integer"
    } else if t.contains("timestamp") || t == "datetime" {
        "timestamp"
    } else if t == "date" {
        "date"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("real") || t.contains("double") || t.contains("numeric") {
        "real"
    } else if t.contains("text") || t.contains("char") {
        "text"
    } else if t == "blob" || t == "bytea" {
        "bytes"
    } else {
        return format!("other:{t}");
    };
    class.to_owned()
}

/// Reads the current schema from the database catalogue.
pub async fn describe(db: &Db) -> anyhow::Result<Schema> {
    let rows: Vec<(String, String, String, bool, bool)> = match db {
        Db::Sqlite(p) => {
            sqlx::query_as(
                "SELECT m.name, c.name, c.type, c.\"notnull\" != 0, c.pk != 0 \
                 FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
            )
            .fetch_all(p)
            .await?
        }
        Db::Postgres(p) => {
            sqlx::query_as(
                "SELECT c.table_name::text, c.column_name::text, c.data_type::text, \
                        c.is_nullable = 'NO', false \
                 FROM information_schema.columns c \
                 WHERE c.table_schema = current_schema() AND c.table_name NOT LIKE '_sqlx%'",
            )
            .fetch_all(p)
            .await?
        }
    };
    let mut schema = Schema::new();
    for (table, name, declared, not_null, pk) in rows {
        schema.entry(table).or_default().push(Column {
            name,
            class: class_of(&declared),
            // SQLite does not flag an INTEGER PRIMARY KEY as NOT NULL, but it is.
            not_null: not_null || pk,
        });
    }
    for cols in schema.values_mut() {
        cols.sort();
    }
    Ok(schema)
}
