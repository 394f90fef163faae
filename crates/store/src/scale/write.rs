//! Bulk writers: multi-row `INSERT`s on SQLite, `COPY … FROM STDIN` on
//! PostgreSQL, both inside the caller's transaction.

use std::fmt::Write as _;

use super::rows::Value;
use crate::db::Tx;
use crate::error::StoreResult;

/// SQLite accepts at most 32,766 bound parameters per statement.
const SQLITE_MAX_PARAMS: usize = 32_000;
/// Rows per multi-row statement: past a few hundred the gain vanishes.
const SQLITE_MAX_ROWS: usize = 500;

/// Writes `rows` (each with one value per column of `columns`) into `table`.
pub(crate) async fn write_rows(
    tx: &mut Tx,
    table: &str,
    columns: &[String],
    rows: &[Vec<Value>],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match tx {
        Tx::Sqlite(t) => {
            let per = (SQLITE_MAX_PARAMS / columns.len()).clamp(1, SQLITE_MAX_ROWS);
            for chunk in rows.chunks(per) {
                let sql = insert_sql(table, columns, chunk.len());
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for v in chunk.iter().flatten() {
                    q = match v {
                        Value::Null => q.bind(None::<i64>),
                        Value::Int(i) => q.bind(*i),
                        Value::Real(r) => q.bind(*r),
                        Value::Text(s) => q.bind(s.as_str()),
                    };
                }
                q.execute(&mut **t).await?;
            }
        }
        Tx::Postgres(t) => {
            let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
            let mut copy = t.copy_in_raw(&sql).await?;
            let mut buf = String::with_capacity(1 << 20);
            for row in rows {
                copy_line(&mut buf, row);
                if buf.len() > (1 << 20) {
                    copy.send(std::mem::take(&mut buf).into_bytes()).await?;
                }
            }
            if !buf.is_empty() {
                copy.send(buf.into_bytes()).await?;
            }
            copy.finish().await?;
        }
    }
    Ok(())
}

/// `INSERT INTO t (a, b) VALUES (?, ?), (?, ?)…` for `n` rows.
fn insert_sql(table: &str, columns: &[String], n: usize) -> String {
    let one = format!("({})", vec!["?"; columns.len()].join(", "));
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&one);
    }
    sql
}

/// One line of PostgreSQL's `COPY` text format: tab-separated, `\N` for
/// NULL, backslash escapes for the separators.
fn copy_line(buf: &mut String, row: &[Value]) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        match v {
            Value::Null => buf.push_str("\\N"),
            Value::Int(n) => {
                let _ = write!(buf, "{n}");
            }
            Value::Real(r) => {
                let _ = write!(buf, "{r}");
            }
            Value::Text(s) => {
                for ch in s.chars() {
                    match ch {
                        '\\' => buf.push_str("\\\\"),
                        '\t' => buf.push_str("\\t"),
                        '\n' => buf.push_str("\\n"),
                        '\r' => buf.push_str("\\r"),
                        c => buf.push(c),
                    }
                }
            }
        }
    }
    buf.push('\n');
}

/// Moves PostgreSQL's identity sequence of `table` past the ids written
/// explicitly, so that the next ordinary insert does not collide.
pub(crate) async fn reset_identity(tx: &mut Tx, table: &str) -> StoreResult<()> {
    if let Tx::Postgres(t) = tx {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_escape_separators_and_mark_nulls() {
        let mut buf = String::new();
        copy_line(
            &mut buf,
            &[
                Value::Int(-3),
                Value::Null,
                Value::Text("a\tb\\c\nd".into()),
                Value::Real(0.25),
            ],
        );
        assert_eq!(buf, "-3\t\\N\ta\\tb\\\\c\\nd\t0.25\n");
    }

    #[test]
    fn insert_statements_have_one_placeholder_per_cell() {
        let cols = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(
            insert_sql("t", &cols, 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
