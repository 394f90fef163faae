//! Rows read generically from the template database (a SQLite file holding
//! the realistic demo), and the deterministic randomness of the copies.

use std::collections::HashMap;

use sqlx::{Column, Row, TypeInfo, ValueRef};

use crate::db::Db;
use crate::error::StoreResult;

/// One cell, as SQLite stores it. Dates and timestamps are SQLite's text,
/// which PostgreSQL parses in a `COPY`; booleans are 0/1, which it parses too.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Value {
    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// The rows of one table, columns in table order.
#[derive(Debug, Clone)]
pub(crate) struct TableRows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl TableRows {
    /// The position of `column` (the specs name only columns that exist:
    /// a missing one is a programming error caught by the tests).
    pub(crate) fn col(&self, column: &str) -> anyhow::Result<usize> {
        self.columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| anyhow::anyhow!("column {column} not found"))
    }

    /// The largest `id` (0 for an empty table).
    pub(crate) fn max_id(&self) -> anyhow::Result<i64> {
        let i = self.col("id")?;
        Ok(self
            .rows
            .iter()
            .filter_map(|r| r[i].int())
            .max()
            .unwrap_or(0))
    }
}

/// Every row of `table` of a SQLite database, in `rowid` order.
pub(crate) async fn read_table(template: &Db, table: &str) -> StoreResult<TableRows> {
    let Db::Sqlite(pool) = template else {
        return Err(anyhow::anyhow!("the template database must be SQLite").into());
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM {table} ORDER BY rowid"
    )))
    .fetch_all(pool)
    .await?;
    // From the schema, not the rows: an empty table has columns too.
    let info: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
    )))
    .fetch_all(pool)
    .await?;
    let columns: Vec<String> = info.into_iter().map(|(n,)| n).collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut cells = Vec::with_capacity(row.columns().len());
        for c in row.columns() {
            let raw = row.try_get_raw(c.ordinal())?;
            let kind = raw.type_info().name().to_owned();
            let cell = if raw.is_null() {
                Value::Null
            } else {
                // Unchecked: the declared type (DATE, BOOLEAN…) says nothing
                // more than the storage class read here.
                match kind.as_str() {
                    "INTEGER" | "BOOLEAN" | "BIGINT" | "INT8" => {
                        Value::Int(row.try_get_unchecked(c.ordinal())?)
                    }
                    "REAL" | "FLOAT" | "DOUBLE" | "NUMERIC" => {
                        Value::Real(row.try_get_unchecked(c.ordinal())?)
                    }
                    _ => Value::Text(row.try_get_unchecked(c.ordinal())?),
                }
            };
            cells.push(cell);
        }
        out.push(cells);
    }
    Ok(TableRows { columns, rows: out })
}

/// `(id, natural key)` of a table shared by every copy, to carry references
/// across databases by meaning rather than by id.
pub(crate) async fn keyed_ids(
    db: &Db,
    table: &str,
    key: &str,
) -> StoreResult<HashMap<String, i64>> {
    let sql = format!("SELECT id, CAST({key} AS TEXT) FROM {table}");
    let rows: Vec<(i64, String)> =
        on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id, k)| (k, id)).collect())
}

/// A fixed, well-mixed hash (SplitMix64's finaliser): the copies' figures
/// depend only on (seed, copy, template id), never on the order of work.
pub(crate) fn mix(seed: u64, copy: u64, id: i64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(copy.wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(id as u64);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in [0, 1) from [`mix`].
pub(crate) fn unit(seed: u64, copy: u64, id: i64) -> f64 {
    (mix(seed, copy, id) >> 11) as f64 / (1u64 << 53) as f64
}

/// A cost multiplier in [0.5, 2): one per object and copy, applied to all
/// of its amounts so that drifts and ratios keep their meaning.
pub(crate) fn factor(seed: u64, copy: u64, id: i64) -> f64 {
    0.5 * 4f64.powf(unit(seed, copy, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_stay_within_their_range_and_differ_between_copies() {
        let mut seen = std::collections::HashSet::new();
        for copy in 0..50 {
            for id in 0..50 {
                let f = factor(7, copy, id);
                assert!((0.5..2.0).contains(&f), "{f}");
                seen.insert(f.to_bits());
            }
        }
        assert!(seen.len() > 2_400, "{} distinct factors", seen.len());
        assert_eq!(factor(7, 3, 9), factor(7, 3, 9));
        assert_ne!(factor(7, 3, 9), factor(8, 3, 9));
    }
}
