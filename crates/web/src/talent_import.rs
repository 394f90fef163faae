//! HR returns and salary grids sent as files (page, API, command line):
//! every line checked against the database (ministry, rights), every change
//! listed before anything is written, then applied in one transaction, all
//! or nothing. A file applied twice changes nothing the second time.

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::talent::hr_return::HrReturn;
use cosinum_domain::talent::salary::Grid;
use cosinum_io::talent::HrReturnRow;
use cosinum_store::talent::{self, Mode};
use cosinum_store::{AuditCtx, Db, StoreResult, salary_grids};
use serde::Serialize;
use utoipa::ToSchema;

use crate::funding_import::{LineChange, LineProblem};

/// What the caller may do: record the returns of this ministry.
pub type Rights<'a> = &'a (dyn Fn(OrgId) -> bool + Sync);

/// What an HR-returns import would do.
#[derive(Default)]
pub struct ReturnsPlan {
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    ops: Vec<(HrReturn, Mode)>,
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct TalentApplied {
    pub created: usize,
    pub updated: usize,
}

/// The labels of the fields that differ, for the preview.
fn changed_fields(a: &HrReturn, b: &HrReturn) -> Vec<&'static str> {
    let e = (&a.exit_reasons, &b.exit_reasons);
    [
        (a.headcount_start != b.headcount_start, "effectif début"),
        (a.headcount_end != b.headcount_end, "effectif fin"),
        (
            a.contract_start != b.contract_start || a.contract_end != b.contract_end,
            "contractuels",
        ),
        (a.entries != b.entries, "entrées"),
        (a.exits != b.exits, "sorties"),
        (e.0 != e.1, "sorties par motif"),
        (a.positions_opened != b.positions_opened, "postes ouverts"),
        (a.vacant_end != b.vacant_end, "postes vacants"),
        (
            a.median_days_to_fill != b.median_days_to_fill,
            "délai de recrutement",
        ),
        (a.external_fte != b.external_fte, "ETP externes"),
        (a.external_spend != b.external_spend, "dépenses externes"),
    ]
    .into_iter()
    .filter_map(|(changed, label)| changed.then_some(label))
    .collect()
}

/// Checks every line of an HR-returns file.
pub async fn plan_returns(
    db: &Db,
    rows: &[HrReturnRow],
    can_write: Rights<'_>,
) -> StoreResult<ReturnsPlan> {
    let orgs = cosinum_store::organisations::list(db, false).await?;
    let stored = talent::stored_returns(db).await?;
    let by_key: HashMap<(OrgId, &str, &str), &talent::StoredReturn> = stored
        .iter()
        .map(|s| {
            (
                (
                    s.r.organisation_id,
                    s.r.region.as_str(),
                    s.r.period.as_str(),
                ),
                s,
            )
        })
        .collect();
    let mut plan = ReturnsPlan::default();
    for row in rows {
        let mut problem = |column: &str, message: String| {
            plan.problems.push(LineProblem {
                row: row.line,
                column: column.into(),
                message,
            });
        };
        let Some(org) = cosinum_store::organisations::resolve(&orgs, &row.ministry) else {
            problem(
                "Ministère",
                format!("ministère inconnu : « {} »", row.ministry),
            );
            continue;
        };
        if !can_write(org.id) {
            problem(
                "Ministère",
                format!("vous ne pouvez pas déclarer les retours RH de {}", org.code),
            );
            continue;
        }
        let r = HrReturn {
            organisation_id: org.id,
            ..row.r.clone()
        };
        let label = format!("{} — {} — {}", org.code, r.region, r.period);
        let mut notes = r.warnings();
        let (kind, mode) = match by_key.get(&(org.id, r.region.as_str(), r.period.as_str())) {
            None => ("new_return", Some(Mode::Upsert)),
            Some(s) if s.r == r => ("unchanged", None),
            Some(s) => {
                notes.insert(
                    0,
                    format!("modifié : {}", changed_fields(&s.r, &r).join(", ")),
                );
                ("updated", Some(Mode::UpdateAt(s.version)))
            }
        };
        if let Some(mode) = mode {
            plan.ops.push((r, mode));
        }
        plan.changes.push(LineChange {
            line: row.line,
            kind,
            label,
            detail: match (kind, notes.is_empty()) {
                ("unchanged", true) => "aucun changement".into(),
                ("new_return", true) => "nouveau retour".into(),
                _ => notes.join(" ; "),
            },
        });
    }
    Ok(plan)
}

/// Applies a plan without problems, in one transaction.
pub async fn apply_returns(
    db: &Db,
    ctx: &AuditCtx,
    plan: &ReturnsPlan,
) -> StoreResult<TalentApplied> {
    let mut tx = db.begin().await?;
    let mut done = TalentApplied::default();
    for (r, mode) in &plan.ops {
        talent::record(&mut tx, ctx, r, *mode).await?;
        match mode {
            Mode::UpdateAt(_) => done.updated += 1,
            _ => done.created += 1,
        }
    }
    tx.commit().await?;
    Ok(done)
}

/// What a grid import would do: one line per version in the file.
pub struct GridsPlan {
    pub changes: Vec<LineChange>,
    grids: Vec<Grid>,
}

/// Compares each grid of a file with the stored version of the same code.
pub async fn plan_grids(db: &Db, grids: Vec<Grid>) -> StoreResult<GridsPlan> {
    let stored = salary_grids::grids(db).await?;
    let mut changes = Vec::new();
    for (i, g) in grids.iter().enumerate() {
        let old = stored.iter().find(|s| s.grid.version == g.version);
        let (kind, detail) = match old {
            None => (
                "new_grid",
                format!(
                    "nouvelle grille en vigueur le {} : {} métiers × {} niveaux d'expérience",
                    g.valid_from,
                    g.jobs().len(),
                    g.bands().len()
                ),
            ),
            Some(s) if s.grid == *g => ("unchanged", "aucun changement".into()),
            Some(s) => {
                let differing = g
                    .cells
                    .iter()
                    .filter(|c| s.grid.cell(&c.job, &c.band) != Some(c))
                    .count()
                    + s.grid
                        .cells
                        .iter()
                        .filter(|c| g.cell(&c.job, &c.band).is_none())
                        .count();
                (
                    "updated",
                    format!(
                        "{differing} montant(s) ou ligne(s) modifié(s), en vigueur le {}",
                        g.valid_from
                    ),
                )
            }
        };
        changes.push(LineChange {
            line: i + 1,
            kind,
            label: format!("Grille {}", g.version),
            detail,
        });
    }
    Ok(GridsPlan { changes, grids })
}

/// Stores every grid of the plan, in one transaction.
pub async fn apply_grids(db: &Db, ctx: &AuditCtx, plan: &GridsPlan) -> StoreResult<TalentApplied> {
    let mut tx = db.begin().await?;
    let mut done = TalentApplied::default();
    for g in &plan.grids {
        match salary_grids::store(&mut tx, ctx, g).await? {
            salary_grids::Stored::Created(_) => done.created += 1,
            salary_grids::Stored::Replaced(_) => done.updated += 1,
            salary_grids::Stored::Unchanged(_) => {}
        }
    }
    tx.commit().await?;
    Ok(done)
}
