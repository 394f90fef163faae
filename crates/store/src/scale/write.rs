//! Bulk writers: multi-row `INSERT`s on SQLite, `COPY … FROM STDIN` on
//! PostgreSQL, both inside the caller's transaction.

use std::fmt::Write as _;

use time::{Date, OffsetDateTime};

use super::rows::Value;
use crate::db::Tx;
use crate::error::StoreResult;

/// SQLite accepts at most 32,766 bound parameters per statement.
const SQLITE_MAX_PARAMS: usize = 32_000;
/// Rows per multi-row statement: past a few hundred the gain vanishes.
const SQLITE_MAX_ROWS: usize = 500;

/// One cell of a bulk write, borrowed from the caller's rows. Dates,
/// timestamps and booleans are bound as sqlx binds them one by one on
/// SQLite, so rows written in bulk read back like any other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(&'a str),
    Date(Date),
    Time(OffsetDateTime),
}

impl<'a> From<&'a Value> for Cell<'a> {
    fn from(v: &'a Value) -> Self {
        match v {
            Value::Null => Cell::Null,
            Value::Int(i) => Cell::Int(*i),
            Value::Real(r) => Cell::Real(*r),
            Value::Text(s) => Cell::Text(s),
        }
    }
}

impl<'a, T> From<Option<T>> for Cell<'a>
where
    T: Into<Cell<'a>>,
{
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

impl From<i64> for Cell<'_> {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}

impl From<bool> for Cell<'_> {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Self {
        Cell::Text(v)
    }
}

impl From<Date> for Cell<'_> {
    fn from(v: Date) -> Self {
        Cell::Date(v)
    }
}

impl From<OffsetDateTime> for Cell<'_> {
    fn from(v: OffsetDateTime) -> Self {
        Cell::Time(v)
    }
}

/// Writes `rows` (each with one value per column of `columns`) into `table`.
pub(crate) async fn write_rows(
    tx: &mut Tx,
    table: &str,
    columns: &[String],
    rows: &[Vec<Value>],
) -> StoreResult<()> {
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let cells: Vec<Cell<'_>> = rows.iter().flatten().map(Cell::from).collect();
    write_cells(tx, table, &columns, &cells).await
}

/// Writes `cells`, row after row (`columns.len()` cells each), into `table`.
pub(crate) async fn write_cells(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    cells: &[Cell<'_>],
) -> StoreResult<()> {
    let width = columns.len();
    if cells.is_empty() || width == 0 {
        return Ok(());
    }
    debug_assert_eq!(cells.len() % width, 0, "{table}: ragged rows");
    match tx {
        Tx::Sqlite(t) => {
            let per = (SQLITE_MAX_PARAMS / width).clamp(1, SQLITE_MAX_ROWS);
            // Full chunks share one statement, prepared once and cached.
            let mut sql = (0, String::new());
            for chunk in cells.chunks(per * width) {
                let n = chunk.len() / width;
                if sql.0 != n {
                    sql = (n, insert_sql(table, columns, n));
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.1.as_str()));
                for v in chunk {
                    q = match *v {
                        Cell::Null => q.bind(None::<i64>),
                        Cell::Int(i) => q.bind(i),
                        Cell::Real(r) => q.bind(r),
                        Cell::Bool(b) => q.bind(b),
                        Cell::Text(s) => q.bind(s),
                        Cell::Date(d) => q.bind(d),
                        Cell::Time(t) => q.bind(t),
                    };
                }
                q.execute(&mut **t).await?;
            }
        }
        Tx::Postgres(t) => {
            let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
            let mut copy = t.copy_in_raw(&sql).await?;
            let mut buf = String::with_capacity(1 << 20);
            for row in cells.chunks(width) {
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
fn insert_sql(table: &str, columns: &[&str], n: usize) -> String {
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
fn copy_line(buf: &mut String, row: &[Cell<'_>]) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        match *v {
            Cell::Null => buf.push_str("\\N"),
            Cell::Int(n) => {
                let _ = write!(buf, "{n}");
            }
            Cell::Real(r) => {
                let _ = write!(buf, "{r}");
            }
            Cell::Bool(b) => buf.push(if b { 't' } else { 'f' }),
            Cell::Date(d) => {
                let _ = write!(buf, "{d}");
            }
            // ISO 8601 with its offset: PostgreSQL parses it whatever the
            // session's DateStyle and time zone.
            Cell::Time(t) => {
                let t = t.to_offset(time::UtcOffset::UTC);
                let _ = write!(
                    buf,
                    "{} {:02}:{:02}:{:02}.{:06}+00",
                    t.date(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.microsecond()
                );
            }
            Cell::Text(s) => {
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
                Cell::Int(-3),
                Cell::Null,
                Cell::Text("a\tb\\c\nd"),
                Cell::Real(0.25),
                Cell::Bool(true),
                Cell::Date(time::macros::date!(2021 - 06 - 30)),
                Cell::Time(time::macros::datetime!(2026-01-02 03:04:05.123456789 +01:00)),
            ],
        );
        assert_eq!(
            buf,
            "-3\t\\N\ta\\tb\\\\c\\nd\t0.25\tt\t2021-06-30\t2026-01-02 02:04:05.123456+00\n"
        );
    }

    #[test]
    fn insert_statements_have_one_placeholder_per_cell() {
        let cols = ["a", "b"];
        assert_eq!(
            insert_sql("t", &cols, 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
