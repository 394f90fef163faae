//! A collection campaign's page — completeness per organisation with its
//! chart, late returns, the items to examine, the ministry's to-do list,
//! template and attestation — and its actions (attest, accept, close). The
//! list and opening are in `campaign_list`, notifications in `notifications`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::OrgId;
use cosinum_domain::campaigns::ItemStatus;
use serde::Deserialize;

use super::{Crumb, Layout, fr_date, fr_datetime, render, render_status};
use crate::AppState;
use crate::campaigns::{self, attests, enters, steers};
use crate::charts;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

#[derive(Deserialize)]
pub struct Notice {
    pub ok: Option<String>,
}

/// One organisation's line on a campaign's page.
struct OrgLine {
    id: i64,
    code: String,
    name: String,
    expected: usize,
    not_started: usize,
    draft: usize,
    submitted: usize,
    returned: usize,
    accepted: usize,
    percent: u32,
    late: bool,
    flagged: usize,
    attested: String,
    can_attest: bool,
}

/// One item on a campaign's page.
struct ItemLine {
    id: i64,
    org: String,
    label: String,
    status: &'static str,
    badge: &'static str,
    flags: Vec<String>,
    comment: String,
}

#[derive(Template)]
#[template(path = "campaigns/show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    version: i64,
    title: String,
    kind: &'static str,
    what: &'static str,
    open: bool,
    status: &'static str,
    reference: String,
    opens: String,
    deadline: String,
    reminders: String,
    closed: String,
    percent: u32,
    transmitted: usize,
    expected: usize,
    orgs: Vec<OrgLine>,
    chart_svg: String,
    status_svg: String,
    to_examine: Vec<ItemLine>,
    more_to_examine: usize,
    /// Transmitted items no check flagged (in the organisation shown, or all).
    unflagged: usize,
    items: Vec<ItemLine>,
    more_items: usize,
    /// The organisation the lists are limited to: id, code.
    selected: Option<(i64, String)>,
    steer: bool,
    can_fill: bool,
    statement: &'static str,
    error: String,
}

/// Items listed at once on a campaign's page; past it, filter by organisation.
const LISTED: usize = 40;

async fn show_page(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    notice: Option<&str>,
    organisation: Option<i64>,
    error: String,
) -> Result<ShowPage, PageError> {
    let (v, items) = campaigns::view(state, page.actor(), id).await?;
    let c = &v.campaign;
    let code_of = |org: OrgId| {
        v.organisations
            .iter()
            .find(|o| o.organisation_id == org.0)
            .map_or_else(String::new, |o| o.code.clone())
    };
    let line = |i: &cosinum_store::campaigns::Item| ItemLine {
        id: i.id,
        org: code_of(i.organisation_id),
        label: i.label.clone(),
        status: i.status.label_fr(),
        badge: i.status.badge(),
        flags: i.flags.iter().map(|f| f.message.clone()).collect(),
        comment: i.review_comment.clone(),
    };
    let steer = steers(page.actor());
    // One organisation's items when one is chosen; else all the caller sees.
    let shown: Vec<&cosinum_store::campaigns::Item> = items
        .iter()
        .filter(|i| organisation.is_none_or(|o| i.organisation_id.0 == o))
        .collect();
    let orgs: Vec<OrgLine> = v
        .organisations
        .iter()
        .map(|o| OrgLine {
            id: o.organisation_id,
            code: o.code.clone(),
            name: o.name.clone(),
            expected: o.counts.expected,
            not_started: o.counts.not_started,
            draft: o.counts.draft,
            submitted: o.counts.submitted,
            returned: o.counts.returned,
            accepted: o.counts.accepted,
            percent: o.percent.round() as u32,
            late: o.late,
            flagged: o.flagged,
            attested: o
                .attestations
                .last()
                .map(|a| {
                    format!(
                        "{} ({}), le {}",
                        a.person_name,
                        a.person_role,
                        fr_datetime(a.attested_at)
                    )
                })
                .unwrap_or_default(),
            can_attest: c.is_open() && attests(page.actor(), OrgId(o.organisation_id)),
        })
        .collect();
    let bars: Vec<(String, f64)> = v
        .organisations
        .iter()
        .map(|o| (o.code.clone(), o.percent))
        .collect();
    let statuses: Vec<(String, f64)> = ItemStatus::ALL
        .iter()
        .map(|s| {
            (
                s.label_fr().to_owned(),
                v.by_status.get(s.as_str()).copied().unwrap_or(0) as f64,
            )
        })
        .collect();
    let late_codes: Vec<String> = v
        .organisations
        .iter()
        .filter(|o| o.late)
        .map(|o| o.code.clone())
        .collect();
    Ok(ShowPage {
        layout: Layout::new(
            &page.ctx,
            c.title.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Campagnes", "/campagnes"),
                Crumb::here(&c.title),
            ],
        )
        .with_notice(notice),
        id: c.id,
        version: c.version,
        title: c.title.clone(),
        kind: c.kind.label_fr(),
        what: c.kind.item_label_fr(),
        open: c.is_open(),
        status: c.status.label_fr(),
        reference: fr_date(c.reference_date),
        opens: fr_date(c.opens_on),
        deadline: fr_date(c.deadline),
        reminders: c
            .reminder_days
            .iter()
            .map(|d| format!("J-{d}"))
            .collect::<Vec<_>>()
            .join(", "),
        closed: match (&c.closed_at, &c.closed_by) {
            (Some(at), Some(by)) => format!("close le {} par {by}", fr_datetime(*at)),
            _ => String::new(),
        },
        percent: v.totals.percent().round() as u32,
        transmitted: v.totals.transmitted(),
        expected: v.totals.expected,
        chart_svg: charts::bar_chart(
            &format!("campagne-{id}-completude"),
            "Complétude par organisation (éléments transmis ou acceptés, en %)",
            "Part des éléments attendus que chaque organisation a transmis ; le détail est dans le tableau qui suit.",
            &bars,
            |x| format!("{x:.0} %"),
            |x| c.is_open() && x < 100.0 && campaigns::today() > c.deadline,
        ),
        status_svg: charts::bar_chart(
            &format!("campagne-{id}-statuts"),
            "Éléments par statut",
            &format!(
                "Nombre d'éléments dans chaque statut ; organisations en retard : {}.",
                if late_codes.is_empty() {
                    "aucune".into()
                } else {
                    late_codes.join(", ")
                }
            ),
            &statuses,
            |x| format!("{x:.0}"),
            |_| false,
        ),
        to_examine: if steer {
            shown
                .iter()
                .filter(|i| i.status == ItemStatus::Submitted)
                .take(LISTED)
                .map(|i| line(i))
                .collect()
        } else {
            Vec::new()
        },
        more_to_examine: if steer {
            shown
                .iter()
                .filter(|i| i.status == ItemStatus::Submitted)
                .count()
                .saturating_sub(LISTED)
        } else {
            0
        },
        more_items: shown.len().saturating_sub(LISTED),
        unflagged: shown
            .iter()
            .filter(|i| i.status == ItemStatus::Submitted && i.flags.is_empty())
            .count(),
        items: shown.iter().take(LISTED).map(|i| line(i)).collect(),
        selected: organisation
            .and_then(|o| v.organisations.iter().find(|x| x.organisation_id == o))
            .map(|o| (o.organisation_id, o.code.clone())),
        steer,
        can_fill: c.is_open()
            && items
                .iter()
                .any(|i| enters(page.actor(), i.organisation_id) && i.status.editable()),
        statement: cosinum_store::campaigns::items::STATEMENT,
        orgs,
        error,
    })
}

#[derive(Deserialize)]
pub struct ShowQuery {
    ok: Option<String>,
    organisation: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    render(
        &show_page(
            &state,
            &page,
            id,
            q.ok.as_deref(),
            q.organisation,
            String::new(),
        )
        .await?,
    )
}

#[derive(Deserialize)]
pub struct AttestForm {
    organisation_id: i64,
    #[serde(default)]
    role: String,
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn attest(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<AttestForm>,
) -> Result<Response, PageError> {
    match campaigns::attest(
        &state,
        page.actor(),
        &page.audit(),
        id,
        OrgId(f.organisation_id),
        &f.role,
        f.confirm.is_some(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/campagnes/{id}?ok=atteste")).into_response()),
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&state, &page, id, None, None, e.message).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct AcceptForm {
    organisation_id: Option<i64>,
}

pub async fn accept_unflagged(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<AcceptForm>,
) -> Result<Response, PageError> {
    let n = campaigns::accept_unflagged(
        &state,
        page.actor(),
        &page.audit(),
        id,
        f.organisation_id.map(OrgId),
    )
    .await;
    match n {
        Ok(_) => Ok(Redirect::to(&format!("/campagnes/{id}?ok=acceptes#examiner")).into_response()),
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&state, &page, id, None, None, e.message).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CloseForm {
    version: i64,
}

pub async fn close(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> Result<Response, PageError> {
    match campaigns::close(&state, page.actor(), &page.audit(), id, f.version).await {
        Ok(_) => Ok(Redirect::to(&format!("/campagnes/{id}?ok=campagne_close")).into_response()),
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&state, &page, id, None, None, e.message).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TemplateQuery {
    format: Option<String>,
}

/// The pre-filled template, from the page (session).
pub async fn template(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<TemplateQuery>,
) -> Result<Response, PageError> {
    let xlsx = q.format.as_deref() != Some("csv");
    let (bytes, name) = crate::campaign_files::template(&state, page.actor(), id, xlsx).await?;
    let kind = if xlsx {
        crate::api::demarches_files::XLSX
    } else {
        crate::api::demarches_files::CSV
    };
    Ok(crate::api::demarches_files::file_response(
        kind, &name, bytes,
    ))
}
