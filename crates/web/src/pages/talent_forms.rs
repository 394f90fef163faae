//! HR returns by hand: the list of a period's returns, the form to declare
//! one and to correct it at the version read.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::ValidationError;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::talent::hr_return::Period;
use cosinum_domain::talent::rates::rates;
use serde::Deserialize;

use super::organisations::SelectOption;
use super::talent::pct1;
use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::api::talent::hr_resource;
use crate::api::talent_returns::{HrReturnWrite, write};
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    periode: String,
    /// Only this ministry (its code).
    #[serde(default)]
    ministere: String,
    ok: Option<String>,
}

/// A listed return: id, ministry, region, period, headcount at the end,
/// turnover, vacancy, and whether the reader may correct it.
type ReturnLine = (i64, String, String, String, u32, String, String, bool);

#[derive(Template)]
#[template(path = "talent/returns.html")]
struct ListPage {
    layout: Layout,
    period: String,
    periods: Vec<(String, bool)>,
    rows: Vec<ReturnLine>,
}

pub async fn list(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let all: Vec<_> = cosinum_store::talent::stored_returns(&state.db)
        .await?
        .into_iter()
        .filter(|s| {
            allows(
                Some(page.actor()),
                Access::Read,
                &hr_resource(s.r.organisation_id),
            )
        })
        .collect();
    // Newest first, in the periods' own order (a year after its semesters).
    let mut periods: Vec<Period> = all
        .iter()
        .filter_map(|s| Period::parse(&s.r.period))
        .collect();
    periods.sort();
    periods.dedup();
    let periods: Vec<String> = periods.iter().rev().map(|p| p.code()).collect();
    let period = if q.periode.is_empty() {
        periods.first().cloned().unwrap_or_default()
    } else {
        q.periode.clone()
    };
    let orgs = state.organisations(true).await?;
    let mut rows: Vec<_> = all
        .iter()
        .filter(|s| s.r.period == period)
        .map(|s| {
            let x = rates([&s.r]);
            (
                s.id,
                orgs.iter()
                    .find(|o| o.id == s.r.organisation_id)
                    .map_or_else(String::new, |o| o.code.clone()),
                s.r.region.clone(),
                s.r.period.clone(),
                s.r.headcount_end,
                pct1(x.turnover),
                pct1(x.vacancy_rate),
                allows(
                    Some(page.actor()),
                    Access::Write,
                    &hr_resource(s.r.organisation_id),
                ),
            )
        })
        .collect();
    rows.retain(|r| q.ministere.is_empty() || r.1 == q.ministere);
    rows.sort_by(|a, b| (&a.1, &a.2).cmp(&(&b.1, &b.2)));
    render(&ListPage {
        layout: Layout::new(
            &page.ctx,
            format!("Retours RH {period}"),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Talents du numérique", "/talents"),
                Crumb::here("Retours RH"),
            ],
        )
        .with_notice(q.ok.as_deref()),
        periods: periods.iter().map(|p| (p.clone(), *p == period)).collect(),
        period,
        rows,
    })
}

/// The form's fields, as typed.
#[derive(Default, Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    headcount_start: String,
    #[serde(default)]
    contract_start: String,
    #[serde(default)]
    headcount_end: String,
    #[serde(default)]
    contract_end: String,
    #[serde(default)]
    entries: String,
    #[serde(default)]
    exits: String,
    #[serde(default)]
    exits_retirement: String,
    #[serde(default)]
    exits_resignation: String,
    #[serde(default)]
    exits_end_of_contract: String,
    #[serde(default)]
    exits_mobility: String,
    #[serde(default)]
    positions_opened: String,
    #[serde(default)]
    vacant_end: String,
    #[serde(default)]
    median_days_to_fill: String,
    #[serde(default)]
    external_fte: String,
    #[serde(default)]
    external_spend_meur: String,
    #[serde(default)]
    version: i64,
}

fn count(field: &str, v: &str) -> Result<Option<u32>, ValidationError> {
    let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<u32>()
        .map(Some)
        .map_err(|_| ValidationError::new(field, "nombre entier positif attendu"))
}

fn required(field: &str, v: &str) -> Result<u32, ValidationError> {
    count(field, v)?.ok_or_else(|| ValidationError::new(field, "ce champ est obligatoire"))
}

fn decimal(field: &str, v: &str) -> Result<Option<f64>, ValidationError> {
    let v: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .map(Some)
        .ok_or_else(|| {
            ValidationError::new(field, "nombre positif attendu (virgule décimale acceptée)")
        })
}

impl ReturnForm {
    fn write(&self) -> Result<HrReturnWrite, ValidationError> {
        Ok(HrReturnWrite {
            organisation_id: self
                .organisation_id
                .trim()
                .parse()
                .map_err(|_| ValidationError::new("organisation_id", "choisissez un ministère"))?,
            region: self.region.clone(),
            period: self.period.clone(),
            headcount_start: required("headcount_start", &self.headcount_start)?,
            headcount_end: required("headcount_end", &self.headcount_end)?,
            contract_start: count("contract_start", &self.contract_start)?,
            contract_end: count("contract_end", &self.contract_end)?,
            entries: required("entries", &self.entries)?,
            exits: required("exits", &self.exits)?,
            exits_retirement: count("exits_retirement", &self.exits_retirement)?,
            exits_resignation: count("exits_resignation", &self.exits_resignation)?,
            exits_end_of_contract: count("exits_end_of_contract", &self.exits_end_of_contract)?,
            exits_mobility: count("exits_mobility", &self.exits_mobility)?,
            positions_opened: required("positions_opened", &self.positions_opened)?,
            vacant_end: required("vacant_end", &self.vacant_end)?,
            median_days_to_fill: count("median_days_to_fill", &self.median_days_to_fill)?,
            external_fte: decimal("external_fte", &self.external_fte)?,
            external_spend: decimal("external_spend_meur", &self.external_spend_meur)?
                .map(|m| (m * 1_000_000.0).round() as i64),
            version: Some(self.version),
        })
    }

    fn of(w: &HrReturnWrite) -> ReturnForm {
        let o = |x: Option<u32>| x.map(|v| v.to_string()).unwrap_or_default();
        ReturnForm {
            organisation_id: w.organisation_id.to_string(),
            region: w.region.clone(),
            period: w.period.clone(),
            headcount_start: w.headcount_start.to_string(),
            contract_start: o(w.contract_start),
            headcount_end: w.headcount_end.to_string(),
            contract_end: o(w.contract_end),
            entries: w.entries.to_string(),
            exits: w.exits.to_string(),
            exits_retirement: o(w.exits_retirement),
            exits_resignation: o(w.exits_resignation),
            exits_end_of_contract: o(w.exits_end_of_contract),
            exits_mobility: o(w.exits_mobility),
            positions_opened: w.positions_opened.to_string(),
            vacant_end: w.vacant_end.to_string(),
            median_days_to_fill: o(w.median_days_to_fill),
            external_fte: w
                .external_fte
                .map(|x| number(x, 1).replace('\u{202f}', ""))
                .unwrap_or_default(),
            external_spend_meur: w
                .external_spend
                .map(|e| number(e as f64 / 1_000_000.0, 3).replace('\u{202f}', ""))
                .unwrap_or_default(),
            version: w.version.unwrap_or(1),
        }
    }
}

#[derive(Template)]
#[template(path = "talent/form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    editing: bool,
    v: ReturnForm,
    organisations: Vec<SelectOption>,
    error_field: String,
    error_message: String,
    conflict: Vec<super::history::ChangeView>,
    has_conflict: bool,
}

async fn form_page(
    state: &AppState,
    page: &SignedPage,
    existing: Option<i64>,
    v: ReturnForm,
    error: Option<&ValidationError>,
) -> Result<FormPage, PageError> {
    let organisations: Vec<SelectOption> = state
        .organisations(false)
        .await?
        .iter()
        .filter(|o| allows(Some(page.actor()), Access::Write, &hr_resource(o.id)))
        .map(|o| SelectOption {
            value: o.id.0.to_string(),
            label: format!("{} — {}", o.code, o.name),
            selected: v.organisation_id == o.id.0.to_string(),
        })
        .collect();
    if organisations.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let (heading, action) = match existing {
        Some(id) => (
            format!("Corriger le retour RH {} — {}", v.region, v.period),
            format!("/talents/retours/{id}/modifier"),
        ),
        None => (
            "Déclarer un retour RH".to_owned(),
            "/talents/retours/nouveau".to_owned(),
        ),
    };
    Ok(FormPage {
        layout: Layout::new(
            &page.ctx,
            heading.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Talents du numérique", "/talents"),
                Crumb::here(heading.clone()),
            ],
        ),
        heading,
        action,
        editing: existing.is_some(),
        v,
        organisations,
        error_field: error.map(|e| e.field.clone()).unwrap_or_default(),
        error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
        conflict: Vec::new(),
        has_conflict: false,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    page: SignedPage,
) -> Result<Response, PageError> {
    let v = ReturnForm {
        organisation_id: page
            .actor()
            .organisation
            .map(|o| o.0.to_string())
            .unwrap_or_default(),
        period: (time::OffsetDateTime::now_utc().year() - 1).to_string(),
        ..Default::default()
    };
    render(&form_page(&state, &page, None, v, None).await?)
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let s = cosinum_store::talent::get(&state.db, id).await?;
    if !allows(
        Some(page.actor()),
        Access::Read,
        &hr_resource(s.r.organisation_id),
    ) {
        return Err(AppError::NotFound.into());
    }
    if !allows(
        Some(page.actor()),
        Access::Write,
        &hr_resource(s.r.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    render(
        &form_page(
            &state,
            &page,
            Some(id),
            ReturnForm::of(&HrReturnWrite::of(&s)),
            None,
        )
        .await?,
    )
}

async fn submit(
    state: &AppState,
    page: &SignedPage,
    id: Option<i64>,
    f: ReturnForm,
) -> Result<Response, PageError> {
    let body = match f.write() {
        Ok(b) => b,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(state, page, id, f, Some(&e)).await?,
            );
        }
    };
    match write(state, page.actor(), &page.audit(), id, &body).await {
        Ok(s) => Ok(Redirect::to(&format!(
            "/talents/retours?periode={}&ok={}",
            s.r.period,
            if id.is_some() { "enregistre" } else { "cree" }
        ))
        .into_response()),
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(state, page, id, f, Some(&e)).await?,
        ),
        Err(AppError::Conflict { .. }) if id.is_some() => {
            let id = id.unwrap_or_default();
            let changes = cosinum_store::audit::changes_since(
                &state.db,
                cosinum_store::talent::OBJECT_TYPE,
                id,
                f.version,
            )
            .await?;
            let mut f = f;
            f.version = cosinum_store::talent::get(&state.db, id).await?.version;
            let mut view = form_page(state, page, Some(id), f, None).await?;
            view.conflict = super::history::change_views(&changes);
            view.has_conflict = true;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ReturnForm>,
) -> Result<Response, PageError> {
    submit(&state, &page, None, f).await
}

pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<ReturnForm>,
) -> Result<Response, PageError> {
    submit(&state, &page, Some(id), f).await
}
