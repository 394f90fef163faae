//! The salary grid browser (one version: jobs × experience bands) and the
//! salary check form: for a job, a band, a proposed salary and a date, where
//! the salary stands in the grid in force (CTR §B.2).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use cosinum_domain::authz::{Access, Owner, Resource, allows};
use cosinum_domain::talent::salary::{Check, Grid, grid_on};
use serde::Deserialize;
use time::Date;

use super::organisations::SelectOption;
use super::{Crumb, Layout, render};
use crate::AppState;
use crate::api::talent_grid::{SalaryCheckRequest, salary_check};
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;

#[derive(Deserialize, Default)]
pub struct GridQuery {
    /// The version shown (default: in force today).
    #[serde(default)]
    version: String,
    #[serde(default)]
    metier: String,
    #[serde(default)]
    experience: String,
    #[serde(default)]
    salaire: String,
    #[serde(default)]
    date: String,
    ok: Option<String>,
}

/// The outcome of a check, for the page.
struct Outcome {
    /// DSFR alert kind: success, warning, error, info.
    kind: &'static str,
    title: &'static str,
    message: String,
}

#[derive(Template)]
#[template(path = "talent/grid.html")]
struct GridPage {
    layout: Layout,
    versions: Vec<SelectOption>,
    grid: Option<Grid>,
    bands: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    variable: String,
    jobs: Vec<SelectOption>,
    band_options: Vec<SelectOption>,
    q: GridQuery,
    error: String,
    outcome: Option<Outcome>,
    can_import: bool,
}

fn euros(x: i64) -> String {
    format!("{} €", number(x as f64, 0))
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<GridQuery>,
) -> Result<Response, PageError> {
    let grids: Vec<Grid> = cosinum_store::salary_grids::grids(&state.db)
        .await?
        .into_iter()
        .map(|g| g.grid)
        .collect();
    let mut error = String::new();
    let date = match q.date.trim() {
        "" => None,
        d => match Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")) {
            Ok(d) => Some(d),
            Err(_) => {
                error = format!("Date invalide : {d}");
                None
            }
        },
    };
    let today = time::OffsetDateTime::now_utc().date();
    let shown = grids
        .iter()
        .find(|g| g.version == q.version)
        .or_else(|| grid_on(&grids, date.unwrap_or(today)))
        .or(grids.last())
        .cloned();
    let checking = !q.metier.is_empty() || !q.salaire.is_empty();
    let salary: Option<i64> = q
        .salaire
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .ok()
        .filter(|s| *s > 0);
    if checking && salary.is_none() && error.is_empty() {
        error = "Indiquez un salaire annuel brut en euros, par exemple 52 000.".into();
    }
    let outcome = match (checking && error.is_empty(), salary) {
        (true, Some(salary)) => {
            let r = salary_check(
                &grids,
                &SalaryCheckRequest {
                    job: q.metier.clone(),
                    band: q.experience.clone(),
                    salary,
                    date,
                },
            );
            let (kind, title) = match r.check {
                Check::WithinGrid { .. } => ("success", "Dans la grille"),
                Check::BelowRange { .. } => ("info", "Sous la fourchette"),
                Check::AboveGrid { .. } => (
                    "warning",
                    "Visa préalable du contrôleur budgétaire nécessaire",
                ),
                Check::UnknownJob { .. } | Check::NoGrid => ("error", "Vérification impossible"),
            };
            let variable = r
                .variable_max
                .map(|v| {
                    format!(
                        " Part variable possible en plus : jusqu'à {} % du fixe.",
                        number(v * 100.0, 0)
                    )
                })
                .unwrap_or_default();
            Some(Outcome {
                kind,
                title,
                message: format!("{}{variable}", r.message),
            })
        }
        _ => None,
    };
    let (bands, rows, variable, jobs, band_options) = match &shown {
        None => (vec![], vec![], String::new(), vec![], vec![]),
        Some(g) => {
            let bands: Vec<String> = g.bands().into_iter().map(str::to_owned).collect();
            let rows = g
                .jobs()
                .into_iter()
                .map(|job| {
                    let cells = bands
                        .iter()
                        .map(|b| match g.cell(job, b) {
                            None => "—".into(),
                            Some(c) => match c.low {
                                Some(low) => format!("{} – {}", euros(low), euros(c.high)),
                                None => euros(c.high),
                            },
                        })
                        .collect();
                    (job.to_owned(), cells)
                })
                .collect();
            let option = |v: &str, selected: &str| SelectOption {
                value: v.to_owned(),
                label: v.to_owned(),
                selected: v == selected,
            };
            (
                bands.clone(),
                rows,
                g.variable_max.map_or("aucune".into(), |v| {
                    format!("jusqu'à {} % du fixe", number(v * 100.0, 0))
                }),
                g.jobs().into_iter().map(|j| option(j, &q.metier)).collect(),
                bands.iter().map(|b| option(b, &q.experience)).collect(),
            )
        }
    };
    let can_import = allows(
        Some(page.actor()),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    );
    let view = GridPage {
        layout: Layout::new(
            &page.ctx,
            "Grille de rémunération des contractuels du numérique",
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Talents du numérique", "/talents"),
                Crumb::here("Grille de rémunération"),
            ],
        )
        .with_notice(q.ok.as_deref()),
        versions: grids
            .iter()
            .map(|g| SelectOption {
                value: g.version.clone(),
                label: format!(
                    "{} (en vigueur le {})",
                    g.version,
                    super::fr_date(g.valid_from)
                ),
                selected: shown.as_ref().is_some_and(|s| s.version == g.version),
            })
            .collect(),
        grid: shown,
        bands,
        rows,
        variable,
        jobs,
        band_options,
        q,
        error,
        outcome,
        can_import,
    };
    if view.grid.is_none() && !view.versions.is_empty() {
        return Err(AppError::NotFound.into());
    }
    render(&view)
}
