//! Investment plans: the consolidated view of a year (per ministry and
//! functional zone, with the changes since each ministry's previous plan),
//! a plan's page (lines, changes, comments, steps), and opening a revision.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::money::Euros;
use cosinum_domain::reuse::plans::{LineChange, PlanStatus};
use cosinum_domain::{OrgId, ValidationError};
use serde::Deserialize;

use super::organisations::SelectOption;
use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::api::plans::{
    StatusChange, can_write_plan, change_status, comment, consolidated_of, open_revision,
    reviews_plans, view,
};
use crate::charts;
use crate::error::{AppError, PageError};
use crate::format::{meur, number};
use crate::identity::SignedPage;

fn m(e: Euros) -> String {
    meur(e.meur())
}

#[derive(Deserialize)]
pub struct YearQuery {
    annee: Option<i32>,
    ok: Option<String>,
}

/// A plan in force: id, ministry, revision, status label, lines, AE, CP,
/// changed lines, AE change.
type PlanRow = (
    i64,
    String,
    i32,
    &'static str,
    usize,
    String,
    String,
    usize,
    String,
);

#[derive(Template)]
#[template(path = "plans/consolidated.html")]
struct ConsolidatedPage {
    layout: Layout,
    year: i32,
    years: Vec<(i32, bool)>,
    plans: Vec<PlanRow>,
    credit_years: Vec<i32>,
    by_ministry: Vec<(String, Vec<String>)>,
    by_zone: Vec<(String, Vec<String>)>,
    chart_svg: String,
    drafts_only: Vec<String>,
    organisations: Vec<SelectOption>,
    error: String,
}

async fn consolidated_page(
    state: &AppState,
    page: &SignedPage,
    year: i32,
    notice: Option<&str>,
    error: String,
) -> Result<ConsolidatedPage, PageError> {
    let c = consolidated_of(state, page.actor(), year).await?;
    let mut credit_years: Vec<i32> = c
        .by_ministry
        .values()
        .flat_map(|y| y.keys().copied())
        .collect();
    credit_years.sort();
    credit_years.dedup();
    let table = |cons: &cosinum_domain::reuse::plans::Consolidation| {
        cons.iter()
            .map(|(k, years)| {
                let cells = credit_years
                    .iter()
                    .map(|y| {
                        years
                            .get(y)
                            .map_or("—".into(), |(ae, cp)| format!("{} / {}", m(*ae), m(*cp)))
                    })
                    .collect();
                (k.clone(), cells)
            })
            .collect::<Vec<_>>()
    };
    let bars: Vec<(String, f64)> = c
        .plans
        .iter()
        .map(|p| (p.ministry.clone(), p.total_ae.meur()))
        .collect();
    let this_year = time::OffsetDateTime::now_utc().year();
    let organisations = state
        .organisations(false)
        .await?
        .iter()
        .filter(|o| can_write_plan(page.actor(), o.id))
        .map(|o| SelectOption {
            value: o.id.0.to_string(),
            label: format!("{} — {}", o.code, o.name),
            selected: page.actor().organisation == Some(o.id),
        })
        .collect();
    Ok(ConsolidatedPage {
        layout: Layout::new(
            &page.ctx,
            format!("Plans d'investissement {year}"),
            vec![Crumb::link("Accueil", "/"), Crumb::here("Réutilisation")],
        )
        .with_notice(notice),
        years: (this_year - 2..=this_year + 1)
            .rev()
            .map(|y| (y, y == year))
            .collect(),
        plans: c
            .plans
            .iter()
            .map(|p| {
                (
                    p.plan_id,
                    p.ministry.clone(),
                    p.revision,
                    PlanStatus::parse(&p.status).map_or("", PlanStatus::label_fr),
                    p.lines,
                    m(p.total_ae),
                    m(p.total_cp),
                    p.changed_lines,
                    format!(
                        "{}{}",
                        if p.ae_delta.0 > 0 { "+" } else { "" },
                        m(p.ae_delta)
                    ),
                )
            })
            .collect(),
        by_ministry: table(&c.by_ministry),
        by_zone: table(&c.by_zone),
        chart_svg: charts::bar_chart(
            "plans-ae",
            &format!("Autorisations d'engagement prévues par ministère, plans {year}"),
            "Total des AE de chaque plan en vigueur, toutes années ; les montants sont dans le tableau qui suit.",
            &bars,
            |v| format!("{} M€", number(v, 1)),
            |_| false,
        ),
        credit_years,
        drafts_only: c.drafts_only,
        organisations,
        error,
        year,
    })
}

pub async fn consolidated(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = q
        .annee
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().year());
    render(&consolidated_page(&state, &page, year, q.ok.as_deref(), String::new()).await?)
}

#[derive(Deserialize)]
pub struct OpenForm {
    organisation_id: String,
    year: String,
}

pub async fn open(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<OpenForm>,
) -> Result<Response, PageError> {
    let year: i32 = f.year.trim().parse().unwrap_or(0);
    let org = f
        .organisation_id
        .trim()
        .parse()
        .map(OrgId)
        .map_err(|_| AppError::BadRequest("Ministère manquant".into()))?;
    match open_revision(&state, page.actor(), &page.audit(), org, year).await {
        Ok(id) => Ok(Redirect::to(&format!("/reutilisation/plans/{id}?ok=cree")).into_response()),
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &consolidated_page(&state, &page, year, None, e.message).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

/// One line as shown.
struct LineRow {
    id: i64,
    title: String,
    description: String,
    zone: String,
    start: String,
    amounts: Vec<String>,
    comments: Vec<(String, String, String)>,
    /// Already done elsewhere: kind, title, ministry, url, shared words, score %.
    reuse: Option<super::reuse_panel::ReusePanel>,
}

#[derive(Template)]
#[template(path = "plans/show.html")]
struct PlanPage {
    layout: Layout,
    id: i64,
    version: i64,
    ministry: String,
    year: i32,
    revision: i32,
    status: &'static str,
    draft: bool,
    dates: String,
    years: Vec<i32>,
    lines: Vec<LineRow>,
    totals: Vec<String>,
    previous: String,
    changes: Vec<(String, String, String, String)>,
    can_edit: bool,
    can_submit: bool,
    can_review: bool,
    can_revise: bool,
    can_comment: bool,
    error: String,
}

async fn plan_page(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    notice: Option<&str>,
    error: String,
) -> Result<PlanPage, PageError> {
    let v = view(state, page.actor(), id).await?;
    let p = &v.plan;
    let years: Vec<i32> = v.totals.keys().copied().collect();
    let writer = can_write_plan(page.actor(), p.organisation_id);
    let draft = p.status == PlanStatus::Draft;
    let field = |f: &str| match f {
        "title" => "intitulé",
        "description" => "description",
        "functional_zone" => "zone fonctionnelle",
        "links" => "liens",
        "expected_start" => "début prévu",
        _ => "montants",
    };
    let fr = super::fr_date;
    // The reuse panel: for each line, the closest efforts of other ministries.
    let mut reuse = std::collections::HashMap::new();
    for l in &p.lines {
        let panel = super::reuse_panel::panel(
            state,
            page,
            cosinum_search::Kind::PlanLine,
            l.id,
            format!("/reutilisation/plans/{}", p.id),
            3,
        )
        .await?;
        reuse.insert(l.id, panel);
    }
    Ok(PlanPage {
        layout: Layout::new(
            &page.ctx,
            format!(
                "Plan d'investissement {} {} — révision {}",
                v.ministry, p.year, p.revision
            ),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Réutilisation", format!("/reutilisation?annee={}", p.year)),
                Crumb::here(format!("{} {} r{}", v.ministry, p.year, p.revision)),
            ],
        )
        .with_notice(notice),
        id: p.id,
        version: p.version,
        ministry: v.ministry_name.clone(),
        year: p.year,
        revision: p.revision,
        status: p.status.label_fr(),
        draft,
        dates: [
            p.submitted_on.map(|d| format!("transmis le {}", fr(d))),
            p.reviewed_on.map(|d| format!("examiné le {}", fr(d))),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", "),
        lines: p
            .lines
            .iter()
            .map(|l| LineRow {
                id: l.id,
                title: l.title.clone(),
                description: l.description.clone(),
                zone: l.functional_zone.clone(),
                start: l.expected_start.map_or("—".into(), fr),
                amounts: years
                    .iter()
                    .map(|y| {
                        l.amounts
                            .iter()
                            .find(|a| a.year == *y)
                            .map_or("—".into(), |a| format!("{} / {}", m(a.ae), m(a.cp)))
                    })
                    .collect(),
                comments: v
                    .comments
                    .iter()
                    .filter(|c| c.line_id == l.id)
                    .map(|c| (c.author.clone(), super::fr_datetime(c.at), c.body.clone()))
                    .collect(),
                reuse: reuse.remove(&l.id).flatten(),
            })
            .collect(),
        totals: years
            .iter()
            .map(|y| {
                v.totals
                    .get(y)
                    .map_or("—".into(), |(ae, cp)| format!("{} / {}", m(*ae), m(*cp)))
            })
            .collect(),
        years,
        previous: v
            .previous
            .map_or_else(String::new, |(y, r)| format!("plan {y}, révision {r}")),
        changes: v
            .changes
            .iter()
            .map(|c| {
                let what = match &c.change {
                    LineChange::Added => "Ajoutée".to_owned(),
                    LineChange::Removed => "Retirée".to_owned(),
                    LineChange::Changed { fields } => {
                        format!(
                            "Modifiée : {}",
                            fields
                                .iter()
                                .map(|f| field(f))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                };
                let sign = |e: Euros| format!("{}{}", if e.0 > 0 { "+" } else { "" }, m(e));
                (c.title.clone(), what, sign(c.ae_delta), sign(c.cp_delta))
            })
            .collect(),
        can_edit: writer && draft,
        can_submit: writer && draft && !p.lines.is_empty(),
        can_review: reviews_plans(page.actor()) && p.status == PlanStatus::Submitted,
        can_revise: writer && !draft,
        can_comment: reviews_plans(page.actor()) || writer,
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<super::NoticeQuery>,
) -> Result<Response, PageError> {
    render(&plan_page(&state, &page, id, q.ok.as_deref(), String::new()).await?)
}

#[derive(Deserialize)]
pub struct StepForm {
    status: String,
    version: i64,
}

pub async fn step(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, PageError> {
    let body = StatusChange {
        status: f.status,
        version: f.version,
    };
    match change_status(&state, page.actor(), &page.audit(), id, &body).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/reutilisation/plans/{id}?ok=enregistre")).into_response())
        }
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &plan_page(&state, &page, id, None, e.message).await?,
        ),
        Err(AppError::Conflict { .. }) => render_status(
            StatusCode::CONFLICT,
            &plan_page(
                &state,
                &page,
                id,
                None,
                "Ce plan a été modifié par quelqu'un d'autre : vérifiez-le, puis recommencez."
                    .into(),
            )
            .await?,
        ),
        Err(e) => Err(e.into()),
    }
}

/// Opens the next revision of the plan shown.
pub async fn revise(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let p = cosinum_store::plans::plan(&state.db, id).await?;
    if !allows(
        Some(page.actor()),
        Access::Read,
        &crate::api::plans::plan_resource(p.organisation_id),
    ) {
        return Err(AppError::NotFound.into());
    }
    match open_revision(
        &state,
        page.actor(),
        &page.audit(),
        p.organisation_id,
        p.year,
    )
    .await
    {
        Ok(new) => Ok(Redirect::to(&format!("/reutilisation/plans/{new}?ok=cree")).into_response()),
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &plan_page(&state, &page, id, None, e.message).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    line_id: i64,
    body: String,
}

pub async fn add_comment(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> Result<Response, PageError> {
    match comment(&state, page.actor(), &page.audit(), f.line_id, &f.body).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/reutilisation/plans/{id}?ok=enregistre#ligne-{}",
            f.line_id
        ))
        .into_response()),
        Err(AppError::Invalid(ValidationError { message, .. })) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &plan_page(&state, &page, id, None, message).await?,
        ),
        Err(e) => Err(e.into()),
    }
}
