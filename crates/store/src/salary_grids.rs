//! The salary reference grid for contract digital staff, one row per version
//! ("2021-12", "2024-01") with its cells. Importing a version again replaces
//! its cells; the audit history keeps every cell's before and after.

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::talent::salary::{Grid, GridCell};
use serde_json::{Map, Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};

pub const OBJECT_TYPE: &str = "salary_grid";

/// A stored grid.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredGrid {
    pub id: i64,
    pub version: i64,
    pub grid: Grid,
}

type GridRow = (i64, String, Date, Option<f64>, i64, String);
type CellRow = (i64, String, String, Option<i64>, i64);

/// Every grid, oldest first, with its cells in their order.
pub async fn grids(db: &Db) -> StoreResult<Vec<StoredGrid>> {
    let heads: Vec<GridRow> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, code, valid_from, variable_max, version, source FROM salary_grids ORDER BY valid_from, code")
        .fetch_all(p).await)?;
    let cells: Vec<CellRow> = on_pool!(db, p => sqlx::query_as(
        "SELECT grid_id, job, band, low, high FROM salary_grid_cells ORDER BY grid_id, position")
        .fetch_all(p).await)?;
    Ok(heads
        .into_iter()
        .map(
            |(id, code, valid_from, variable_max, version, source)| StoredGrid {
                id,
                version,
                grid: Grid {
                    version: code,
                    valid_from,
                    variable_max,
                    source,
                    cells: cells
                        .iter()
                        .filter(|c| c.0 == id)
                        .map(|c| GridCell {
                            job: c.1.clone(),
                            band: c.2.clone(),
                            low: c.3,
                            high: c.4,
                        })
                        .collect(),
                },
            },
        )
        .collect())
}

/// The audited view: the grid's dates and one field per cell.
fn view(g: &Grid) -> Value {
    let mut m = Map::new();
    m.insert("valid_from".into(), json!(g.valid_from));
    m.insert("variable_max".into(), json!(g.variable_max));
    m.insert("source".into(), json!(g.source));
    for c in &g.cells {
        let amount = match c.low {
            Some(low) => format!("{low}–{}", c.high),
            None => c.high.to_string(),
        };
        m.insert(format!("{} / {}", c.job, c.band), Value::String(amount));
    }
    Value::Object(m)
}

/// What storing a grid did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Created(i64),
    Replaced(i64),
    Unchanged(i64),
}

async fn insert_cells(tx: &mut Tx, id: i64, g: &Grid) -> StoreResult<()> {
    for (i, c) in g.cells.iter().enumerate() {
        on_tx!(tx, x => sqlx::query(
            "INSERT INTO salary_grid_cells (grid_id, position, job, band, low, high) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(i as i64).bind(&c.job).bind(&c.band).bind(c.low).bind(c.high)
            .execute(x).await.map(|_| ()))?;
    }
    Ok(())
}

/// Stores a grid (validated here) under its version code, replacing the
/// cells of an existing version with the same code.
pub async fn store(tx: &mut Tx, ctx: &AuditCtx, g: &Grid) -> StoreResult<Stored> {
    let g = g.validated()?;
    let existing: Option<GridRow> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, code, valid_from, variable_max, version, source FROM salary_grids WHERE code = $1")
        .bind(&g.version).fetch_optional(c).await)?;
    let now = OffsetDateTime::now_utc();
    let Some((id, _, valid_from, variable_max, version, source)) = existing else {
        let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
            "INSERT INTO salary_grids (code, valid_from, variable_max, source, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id")
            .bind(&g.version).bind(g.valid_from).bind(g.variable_max).bind(&g.source).bind(now)
            .fetch_one(c).await).map_err(StoreError::unique("version"))?;
        insert_cells(tx, id, &g).await?;
        audit::record(
            tx,
            ctx,
            OBJECT_TYPE,
            id,
            1,
            AuditAction::Create,
            &diff(&Value::Null, &view(&g)),
        )
        .await?;
        return Ok(Stored::Created(id));
    };
    let cells: Vec<CellRow> = on_tx!(tx, c => sqlx::query_as(
        "SELECT grid_id, job, band, low, high FROM salary_grid_cells WHERE grid_id = $1 ORDER BY position")
        .bind(id).fetch_all(c).await)?;
    let old = Grid {
        version: g.version.clone(),
        valid_from,
        variable_max,
        source,
        cells: cells
            .into_iter()
            .map(|c| GridCell {
                job: c.1,
                band: c.2,
                low: c.3,
                high: c.4,
            })
            .collect(),
    };
    if old == g {
        return Ok(Stored::Unchanged(id));
    }
    on_tx!(tx, c => sqlx::query("DELETE FROM salary_grid_cells WHERE grid_id = $1").bind(id).execute(c).await.map(|_| ()))?;
    insert_cells(tx, id, &g).await?;
    on_tx!(tx, c => sqlx::query(
        "UPDATE salary_grids SET valid_from = $1, variable_max = $2, source = $3, version = $4, updated_at = $5 WHERE id = $6")
        .bind(g.valid_from).bind(g.variable_max).bind(&g.source).bind(version + 1).bind(now).bind(id)
        .execute(c).await.map(|_| ()))?;
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        version + 1,
        AuditAction::Update,
        &diff(&view(&old), &view(&g)),
    )
    .await?;
    Ok(Stored::Replaced(id))
}
