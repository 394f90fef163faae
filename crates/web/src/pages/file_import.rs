//! Sending a file from a page — funding applications or movements, an
//! application inventory, HR returns, the salary grid, investment plans: upload, preview (nothing written), confirm (checked
//! again, then applied all or nothing).

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::funding_import::{LineChange, LineProblem};
use crate::identity::SignedPage;

/// Which import a page runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Funding,
    Inventory,
    HrReturns,
    SalaryGrid,
    Plans,
    /// A collection campaign's template (its number).
    Campaign(i64),
}

/// What the checks found, whatever the import.
struct Checked {
    applied: bool,
    layout_label: &'static str,
    ignored_columns: Vec<String>,
    changes: Vec<LineChange>,
    problems: Vec<LineProblem>,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Funding => "funding",
            Kind::Inventory => "inventory",
            Kind::HrReturns => "hr_returns",
            Kind::SalaryGrid => "salary_grid",
            Kind::Plans => "plans",
            Kind::Campaign(_) => "campaign",
        }
    }

    /// The module's pages' root.
    fn base(self) -> String {
        match self {
            Kind::Campaign(id) => return format!("/campagnes/{id}"),
            Kind::Funding => "/financements",
            Kind::Inventory => "/hebergement",
            Kind::HrReturns => "/talents",
            Kind::SalaryGrid => "/talents/grille",
            Kind::Plans => "/reutilisation",
        }
        .into()
    }

    fn layout(self, page: &SignedPage) -> Layout {
        let (title, parent) = match self {
            Kind::Funding => ("Importer des dossiers ou des mouvements", "Financements"),
            Kind::Inventory => (
                "Importer un inventaire d'applications",
                "Hébergement et cloud",
            ),
            Kind::HrReturns => ("Importer des retours RH", "Talents du numérique"),
            Kind::SalaryGrid => (
                "Importer une grille de rémunération",
                "Talents du numérique",
            ),
            Kind::Plans => ("Importer un plan d'investissement", "Réutilisation"),
            Kind::Campaign(_) => ("Importer le modèle de la campagne", "Campagne"),
        };
        Layout::new(
            &page.ctx,
            title,
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link(parent, self.base()),
                Crumb::here("Import"),
            ],
        )
    }

    async fn check(
        self,
        state: &AppState,
        page: &SignedPage,
        name: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<Checked, AppError> {
        let (actor, ctx) = (page.actor(), page.audit());
        Ok(match self {
            Kind::Funding => {
                let r =
                    crate::api::funding_files::run_import(state, actor, &ctx, name, bytes, dry_run)
                        .await?;
                Checked {
                    applied: r.applied,
                    layout_label: match r.layout {
                        "movements" => "mouvements de crédits",
                        "applications" => "dossiers",
                        _ => "",
                    },
                    ignored_columns: r.ignored_columns,
                    changes: r.changes,
                    problems: r.problems,
                }
            }
            Kind::Inventory => {
                let r =
                    crate::api::cloud_files::run_import(state, actor, &ctx, name, bytes, dry_run)
                        .await?;
                Checked {
                    applied: r.applied,
                    layout_label: "",
                    ignored_columns: r.ignored_columns,
                    changes: r.changes,
                    problems: r.problems,
                }
            }
            Kind::HrReturns => {
                let r =
                    crate::api::talent_files::run_import(state, actor, &ctx, name, bytes, dry_run)
                        .await?;
                Checked {
                    applied: r.applied,
                    layout_label: "retours RH",
                    ignored_columns: r.ignored_columns,
                    changes: r.changes,
                    problems: r.problems,
                }
            }
            Kind::SalaryGrid => {
                let r =
                    crate::api::talent_grid::run_import(state, actor, &ctx, name, bytes, dry_run)
                        .await?;
                Checked {
                    applied: r.applied,
                    layout_label: "grille de rémunération",
                    ignored_columns: r.ignored_columns,
                    changes: r.changes,
                    problems: r.problems,
                }
            }
            Kind::Plans => {
                let r =
                    crate::api::plan_files::run_import(state, actor, &ctx, name, bytes, dry_run)
                        .await?;
                Checked {
                    applied: r.applied,
                    layout_label: "plans d'investissement",
                    ignored_columns: r.ignored_columns,
                    changes: r.changes,
                    problems: r.problems,
                }
            }
            Kind::Campaign(id) => {
                let r =
                    crate::campaign_files::run_import(state, actor, &ctx, id, name, bytes, dry_run)
                        .await?;
                Checked {
                    applied: r.applied,
                    layout_label: "",
                    ignored_columns: r.ignored_columns,
                    changes: r.changes,
                    problems: r.problems,
                }
            }
        })
    }
}

#[derive(Template)]
#[template(path = "import_file.html")]
struct ImportPage {
    layout: Layout,
    kind: &'static str,
    base: String,
    uploaded: bool,
    file_name: String,
    content: String,
    layout_label: &'static str,
    ignored_columns: Vec<String>,
    changes: Vec<LineChange>,
    problems: Vec<LineProblem>,
}

fn blank(kind: Kind, page: &SignedPage) -> ImportPage {
    ImportPage {
        layout: kind.layout(page),
        kind: kind.code(),
        base: kind.base(),
        uploaded: false,
        file_name: String::new(),
        content: String::new(),
        layout_label: "",
        ignored_columns: vec![],
        changes: vec![],
        problems: vec![],
    }
}

async fn preview(
    kind: Kind,
    state: &AppState,
    page: &SignedPage,
    file_name: String,
    bytes: Vec<u8>,
) -> Result<Response, PageError> {
    let c = kind.check(state, page, &file_name, &bytes, true).await?;
    let status = if c.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = ImportPage {
        uploaded: true,
        content: STANDARD.encode(&bytes),
        file_name,
        layout_label: c.layout_label,
        ignored_columns: c.ignored_columns,
        changes: c.changes,
        problems: c.problems,
        ..blank(kind, page)
    };
    render_status(status, &view)
}

async fn upload(
    kind: Kind,
    state: &AppState,
    page: &SignedPage,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let u = super::upload::read_upload(multipart).await?;
    preview(kind, state, page, u.name, u.bytes).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    file_name: String,
    content: String,
}

/// Applies the previewed file, checked again (the data may have moved).
async fn confirm(
    kind: Kind,
    state: &AppState,
    page: &SignedPage,
    f: ConfirmForm,
) -> Result<Response, PageError> {
    let bytes = STANDARD
        .decode(f.content.as_bytes())
        .map_err(|_| AppError::BadRequest("Contenu du fichier altéré : renvoyez-le.".into()))?;
    let c = kind.check(state, page, &f.file_name, &bytes, false).await?;
    if !c.applied {
        return preview(kind, state, page, f.file_name, bytes).await;
    }
    let unchanged = c.changes.iter().all(|x| x.kind == "unchanged");
    let done = match kind {
        Kind::Plans if unchanged => "/reutilisation?ok=inchange".into(),
        Kind::Campaign(id) if unchanged => format!("/campagnes/{id}?ok=inchange"),
        Kind::Funding => "/financements?ok=importe_financements".into(),
        Kind::Inventory => "/hebergement?ok=importe_inventaire".into(),
        Kind::HrReturns => "/talents?ok=importe_rh".into(),
        Kind::SalaryGrid => "/talents/grille?ok=importe_grille".into(),
        Kind::Plans => "/reutilisation?ok=importe_plan".into(),
        Kind::Campaign(id) => format!("/campagnes/{id}?ok=importe_campagne"),
    };
    Ok(Redirect::to(&done).into_response())
}

pub async fn funding_form(page: SignedPage) -> Result<Response, PageError> {
    render(&blank(Kind::Funding, &page))
}

pub async fn funding_upload(
    State(state): State<AppState>,
    page: SignedPage,
    multipart: Multipart,
) -> Result<Response, PageError> {
    upload(Kind::Funding, &state, &page, multipart).await
}

pub async fn funding_confirm(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    confirm(Kind::Funding, &state, &page, f).await
}

pub async fn inventory_form(page: SignedPage) -> Result<Response, PageError> {
    render(&blank(Kind::Inventory, &page))
}

pub async fn inventory_upload(
    State(state): State<AppState>,
    page: SignedPage,
    multipart: Multipart,
) -> Result<Response, PageError> {
    upload(Kind::Inventory, &state, &page, multipart).await
}

pub async fn inventory_confirm(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    confirm(Kind::Inventory, &state, &page, f).await
}

pub async fn hr_form(page: SignedPage) -> Result<Response, PageError> {
    render(&blank(Kind::HrReturns, &page))
}

pub async fn hr_upload(
    State(state): State<AppState>,
    page: SignedPage,
    multipart: Multipart,
) -> Result<Response, PageError> {
    upload(Kind::HrReturns, &state, &page, multipart).await
}

pub async fn hr_confirm(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    confirm(Kind::HrReturns, &state, &page, f).await
}

pub async fn grid_form(page: SignedPage) -> Result<Response, PageError> {
    use cosinum_domain::authz::{Access, Owner, Resource, allows};
    if !allows(
        Some(page.actor()),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    ) {
        return Err(AppError::Forbidden.into());
    }
    render(&blank(Kind::SalaryGrid, &page))
}

pub async fn grid_upload(
    State(state): State<AppState>,
    page: SignedPage,
    multipart: Multipart,
) -> Result<Response, PageError> {
    upload(Kind::SalaryGrid, &state, &page, multipart).await
}

pub async fn grid_confirm(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    confirm(Kind::SalaryGrid, &state, &page, f).await
}

pub async fn plans_form(
    State(state): State<AppState>,
    page: SignedPage,
) -> Result<Response, PageError> {
    if !crate::api::plan_files::may_import(&state, page.actor()).await? {
        return Err(AppError::Forbidden.into());
    }
    render(&blank(Kind::Plans, &page))
}

pub async fn plans_upload(
    State(state): State<AppState>,
    page: SignedPage,
    multipart: Multipart,
) -> Result<Response, PageError> {
    upload(Kind::Plans, &state, &page, multipart).await
}

pub async fn plans_confirm(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    confirm(Kind::Plans, &state, &page, f).await
}

pub async fn campaign_form(
    State(state): State<AppState>,
    page: SignedPage,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Result<Response, PageError> {
    crate::campaigns::campaign_for(&state, page.actor(), id).await?;
    render(&blank(Kind::Campaign(id), &page))
}

pub async fn campaign_upload(
    State(state): State<AppState>,
    page: SignedPage,
    axum::extract::Path(id): axum::extract::Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    upload(Kind::Campaign(id), &state, &page, multipart).await
}

pub async fn campaign_confirm(
    State(state): State<AppState>,
    page: SignedPage,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    confirm(Kind::Campaign(id), &state, &page, f).await
}
