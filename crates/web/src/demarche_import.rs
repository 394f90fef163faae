//! An edition of the observatory sent as a file (page or API): read it under
//! the edition's method, check it against the database and the caller's
//! rights, show every change, then apply it all or nothing.

use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_io::observatoire::read_observatoire;
use cosinum_store::demarches::import::{self, Applied, Plan, method_for};
use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::demarches::demarche_resource;
use crate::error::AppError;
use crate::template_import::Problem;

/// One line's outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObservatoireLineChange {
    pub line: usize,
    /// `new_demarche`, `updated` or `unchanged`.
    pub kind: &'static str,
    pub demarche: String,
    pub detail: String,
}

/// What an import would do, for people (page) and programs (API).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preview {
    pub edition: Date,
    /// The method the file was read with: the edition's own, or the one in
    /// force on its date for a new edition.
    pub method: &'static str,
    pub method_label: &'static str,
    pub new_edition: bool,
    /// `(header, indicator slug)` of each indicator column recognised.
    pub indicator_columns: Vec<(String, String)>,
    /// Columns neither recognised nor derived: not read.
    pub ignored_columns: Vec<String>,
    pub changes: Vec<ObservatoireLineChange>,
    pub problems: Vec<Problem>,
}

/// Whether `actor` may open a new edition (the DINUM's steering).
pub fn can_open_edition(actor: &Actor) -> bool {
    allows(
        Some(actor),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    )
}

/// Reads and checks a file as the edition dated `edition`. The plan is
/// returned only when there is no problem.
pub async fn check(
    state: &AppState,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    edition: Date,
) -> Result<(Preview, Option<Plan>), AppError> {
    let method = method_for(&state.db, edition).await?;
    let mut preview = Preview {
        edition,
        method: method.code,
        method_label: method.label_fr,
        new_edition: false,
        indicator_columns: Vec::new(),
        ignored_columns: Vec::new(),
        changes: Vec::new(),
        problems: Vec::new(),
    };
    let file = match read_observatoire(file_name, bytes, method) {
        Ok(file) => file,
        Err(errors) => {
            preview.problems = errors.0.iter().map(Problem::from).collect();
            return Ok((preview, None));
        }
    };
    preview.indicator_columns = file
        .indicator_columns
        .iter()
        .map(|(h, s)| (h.clone(), (*s).to_owned()))
        .collect();
    preview.ignored_columns = file.ignored_columns.clone();
    let write = |org| allows(Some(actor), Access::Write, &demarche_resource(org));
    let rights = import::Rights {
        write: &write,
        open_edition: can_open_edition(actor),
    };
    let plan = import::plan(&state.db, &file.rows, edition, method, &rights).await?;
    let short = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    preview.new_edition = plan.new_edition;
    preview.changes = plan
        .changes
        .iter()
        .map(|c| ObservatoireLineChange {
            line: c.line,
            kind: c.kind,
            demarche: c.demarche.clone(),
            detail: c.detail.clone(),
        })
        .collect();
    preview.problems = plan
        .problems
        .iter()
        .map(|p| Problem {
            file: short.to_owned(),
            row: p.row,
            column: p.column.clone(),
            message: p.message.clone(),
        })
        .collect();
    let plan = preview.problems.is_empty().then_some(plan);
    Ok((preview, plan))
}

/// Applies a checked plan in one transaction, audited as `ctx`.
pub async fn apply(
    state: &AppState,
    ctx: &cosinum_store::AuditCtx,
    plan: &Plan,
    file_name: &str,
) -> Result<Applied, AppError> {
    let mut tx = state.db.begin().await?;
    let applied = import::apply(&mut tx, ctx, plan, &format!("import {file_name}")).await?;
    tx.commit().await?;
    Ok(applied)
}
