//! Bulk entry of an edition: one ministry's démarches in rows, the edition's
//! indicators in columns. Every cell is checked before anything is written;
//! the problems are listed by démarche and indicator; a cell someone else
//! changed since the page was opened refuses the whole save.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::demarches::{Assessment, assess, parse_raw};
use cosinum_store::StoreError;
use cosinum_store::demarches::{self, ValueWrite};
use serde::Deserialize;

use super::demarche_forms::hint;
use super::organisations::SelectOption;
use super::{Crumb, Layout, fr_date, render, render_status};
use crate::AppState;
use crate::api::demarches::demarche_resource;
use crate::api::demarches_files::find_edition;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

#[derive(Deserialize)]
pub struct BulkQuery {
    edition: Option<String>,
    ministere: Option<String>,
    ok: Option<String>,
}

struct Column {
    label: &'static str,
    hint: String,
}

struct GridCell {
    name: String,
    expected_name: String,
    value: String,
    expected: String,
    label: String,
    error: bool,
}

struct GridRow {
    id: i64,
    name: String,
    cells: Vec<GridCell>,
}

#[derive(Template)]
#[template(path = "demarches/bulk.html")]
struct BulkPage {
    layout: Layout,
    editions: Vec<SelectOption>,
    ministries: Vec<SelectOption>,
    edition: String,
    edition_fr: String,
    method_label: &'static str,
    ministry: String,
    columns: Vec<Column>,
    rows: Vec<GridRow>,
    problems: Vec<String>,
}

fn parse_edition(s: Option<&str>) -> Result<Option<time::Date>, PageError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("Date d'édition invalide : {s}")).into()),
    }
}

/// Builds the grid; `typed` (name → value) and `problems` after a refused save.
async fn bulk_page(
    state: &AppState,
    page: &SignedPage,
    edition: Option<time::Date>,
    ministry: Option<&str>,
    typed: Option<&[(String, String)]>,
    problems: Vec<String>,
    bad_cells: &[String],
) -> Result<BulkPage, PageError> {
    let (e, m) = find_edition(state, edition).await?;
    let orgs = state.organisations(false).await?;
    let writable: Vec<_> = orgs
        .iter()
        .filter(|o| allows(Some(page.actor()), Access::Write, &demarche_resource(o.id)))
        .collect();
    if writable.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let all = demarches::list(&state.db).await?;
    // Default: the user's own ministry, else the first with démarches.
    let chosen = ministry
        .and_then(|c| writable.iter().find(|o| o.code.eq_ignore_ascii_case(c)))
        .or_else(|| {
            writable
                .iter()
                .find(|o| Some(o.id) == page.actor().organisation)
        })
        .or_else(|| {
            writable
                .iter()
                .find(|o| all.iter().any(|d| d.organisation_id == o.id))
        })
        .copied()
        .ok_or(AppError::Forbidden)?;
    let stored = demarches::raw_values(&state.db, e.edition_date).await?;
    let typed_value =
        |name: &str| typed.and_then(|t| t.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
    let rows = all
        .iter()
        .filter(|d| d.organisation_id == chosen.id)
        .map(|d| GridRow {
            id: d.id,
            name: d.name.clone(),
            cells: m
                .indicators
                .iter()
                .map(|i| {
                    let name = format!("v_{}_{}", d.id, i.slug);
                    let expected_name = format!("e_{}_{}", d.id, i.slug);
                    let current = stored
                        .get(&(d.id, i.slug.to_owned()))
                        .cloned()
                        .unwrap_or_default();
                    GridCell {
                        value: typed_value(&name).unwrap_or_else(|| current.clone()),
                        expected: typed_value(&expected_name).unwrap_or(current),
                        label: format!("{} — {}", d.name, i.label_fr),
                        error: bad_cells.contains(&name),
                        name,
                        expected_name,
                    }
                })
                .collect(),
        })
        .collect();
    let all_editions = state.demarche_editions().await?;
    Ok(BulkPage {
        layout: Layout::new(
            &page.ctx,
            "Saisie d'une édition",
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Démarches en ligne", "/demarches"),
                Crumb::here("Saisie d'une édition"),
            ],
        ),
        editions: all_editions
            .iter()
            .rev()
            .map(|x| SelectOption {
                value: x.edition_date.to_string(),
                label: format!("{} ({})", fr_date(x.edition_date), x.method),
                selected: x.id == e.id,
            })
            .collect(),
        ministries: writable
            .iter()
            .map(|o| SelectOption {
                value: o.code.clone(),
                label: format!("{} — {}", o.code, o.name),
                selected: o.id == chosen.id,
            })
            .collect(),
        edition: e.edition_date.to_string(),
        edition_fr: fr_date(e.edition_date),
        method_label: m.label_fr,
        ministry: chosen.code.clone(),
        columns: m
            .indicators
            .iter()
            .map(|i| Column {
                label: i.label_fr,
                hint: hint(i),
            })
            .collect(),
        rows,
        problems,
    })
}

pub async fn form(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<BulkQuery>,
) -> Result<Response, PageError> {
    let edition = parse_edition(q.edition.as_deref())?;
    let mut view = bulk_page(
        &state,
        &page,
        edition,
        q.ministere.as_deref(),
        None,
        vec![],
        &[],
    )
    .await?;
    view.layout = view.layout.with_notice(q.ok.as_deref());
    render(&view)
}

pub async fn save(
    State(state): State<AppState>,
    page: SignedPage,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let edition = parse_edition(get("edition").as_deref())?
        .ok_or_else(|| AppError::BadRequest("Édition manquante.".into()))?;
    let ministry = get("ministere").unwrap_or_default();
    let (e, m) = find_edition(&state, Some(edition)).await?;
    let all = demarches::list(&state.db).await?;
    let mut values = Vec::new();
    let mut problems = Vec::new();
    let mut bad = Vec::new();
    for (name, raw) in &form {
        let Some(rest) = name.strip_prefix("v_") else {
            continue;
        };
        let Some((id, slug)) = rest.split_once('_') else {
            continue;
        };
        let (Ok(id), Some(i)) = (id.parse::<i64>(), m.indicator(slug)) else {
            return Err(AppError::BadRequest(format!("Champ inconnu : {name}")).into());
        };
        let Some(d) = all.iter().find(|d| d.id == id) else {
            return Err(AppError::NotFound.into());
        };
        if !allows(
            Some(page.actor()),
            Access::Write,
            &demarche_resource(d.organisation_id),
        ) {
            return Err(AppError::Forbidden.into());
        }
        let raw = raw.trim().to_owned();
        if let Assessment::Invalid(message) = assess(i, &parse_raw(&raw)) {
            problems.push(format!("{} — {} : {message}", d.name, i.label_fr));
            bad.push(name.clone());
            continue;
        }
        values.push(ValueWrite {
            demarche_id: id,
            slug: i.slug.to_owned(),
            raw,
            expected: Some(get(&format!("e_{id}_{slug}")).unwrap_or_default()),
        });
    }
    if !problems.is_empty() {
        let view = bulk_page(
            &state,
            &page,
            Some(edition),
            Some(&ministry),
            Some(&form),
            problems,
            &bad,
        )
        .await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    let mut tx = state.db.begin().await?;
    match demarches::write_values(&mut tx, &page.audit(), e.id, &values).await {
        Ok(n) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!(
                "/demarches/saisie?edition={edition}&ministere={ministry}&ok={}",
                if n == 0 { "inchange" } else { "enregistre" }
            ))
            .into_response())
        }
        Err(StoreError::Stale(what)) => {
            drop(tx);
            let kept: Vec<(String, String)> = form
                .into_iter()
                .filter(|(k, _)| !k.starts_with("e_"))
                .collect();
            let problems = vec![format!(
                "{what}. Rien n'a été enregistré ; vos saisies sont conservées et comparées aux valeurs actuelles : vérifiez puis enregistrez à nouveau."
            )];
            let view = bulk_page(
                &state,
                &page,
                Some(edition),
                Some(&ministry),
                Some(&kept),
                problems,
                &[],
            )
            .await?;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(e) => Err(e.into()),
    }
}
