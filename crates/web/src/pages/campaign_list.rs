//! The list of collection campaigns, with the completeness of the running
//! ones by kind, and — for the DINUM — opening a campaign.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::OrgId;
use cosinum_domain::campaigns::fields::parse_date;
use cosinum_domain::campaigns::{CampaignFields, CampaignKind, parse_reminder_days};
use cosinum_domain::organisation::OrgKind;
use serde::Deserialize;

use super::campaigns::Notice;
use super::organisations::SelectOption;
use super::{Crumb, Layout, fr_date, render, render_status};
use crate::AppState;
use crate::api::campaigns::summaries;
use crate::campaigns::{self, OpenRequest, steers};
use crate::charts;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

/// A campaign in the list: id, title, kind, status, reference, deadline,
/// transmitted, expected, percent, late organisations.
struct Row {
    id: i64,
    title: String,
    kind: &'static str,
    open: bool,
    status: &'static str,
    reference: String,
    deadline: String,
    transmitted: usize,
    expected: usize,
    percent: u32,
    late: String,
}

#[derive(Template)]
#[template(path = "campaigns/list.html")]
struct ListPage {
    layout: Layout,
    chart_svg: String,
    rows: Vec<Row>,
    can_open: bool,
    kinds: Vec<(&'static str, &'static str)>,
    ministries: Vec<SelectOption>,
    form: OpenForm,
    error: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct OpenForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reference_date: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    reminders: String,
}

async fn list_page(
    state: &AppState,
    page: &SignedPage,
    notice: Option<&str>,
    form: OpenForm,
    error: String,
) -> Result<ListPage, PageError> {
    let rows: Vec<Row> = summaries(state, page.actor())
        .await?
        .into_iter()
        .map(|s| Row {
            id: s.campaign.id,
            title: s.campaign.title.clone(),
            kind: s.campaign.kind.label_fr(),
            open: s.campaign.is_open(),
            status: s.campaign.status.label_fr(),
            reference: fr_date(s.campaign.reference_date),
            deadline: fr_date(s.campaign.deadline),
            transmitted: s.transmitted,
            expected: s.expected,
            percent: (100 * s.transmitted)
                .checked_div(s.expected)
                .map_or(100, |p| p as u32),
            late: s.late_organisations.join(", "),
        })
        .collect();
    let ministries = cosinum_store::organisations::list(&state.db, false)
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Ministry)
        .map(|o| SelectOption {
            value: o.id.0.to_string(),
            label: format!("{} — {}", o.code, o.name),
            selected: false,
        })
        .collect();
    let bars: Vec<(String, f64)> = rows
        .iter()
        .filter(|r| r.open)
        .map(|r| {
            (
                format!("{} — {}", r.kind, r.reference),
                f64::from(r.percent),
            )
        })
        .collect();
    let chart_svg = charts::bar_chart(
        "campagnes-completude",
        "Complétude des campagnes en cours, par type d'élément (en %)",
        "Part des éléments attendus transmis ou acceptés dans chaque campagne en cours ; le détail est dans le tableau.",
        &bars,
        |x| format!("{x:.0} %"),
        |_| false,
    );
    Ok(ListPage {
        chart_svg,
        layout: Layout::new(
            &page.ctx,
            "Campagnes de collecte",
            vec![Crumb::link("Accueil", "/"), Crumb::here("Campagnes")],
        )
        .with_notice(notice),
        rows,
        can_open: steers(page.actor()),
        kinds: campaigns::kinds(),
        ministries,
        form,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let form = OpenForm {
        reminders: "14, 7, 2".into(),
        ..OpenForm::default()
    };
    render(&list_page(&state, &page, q.ok.as_deref(), form, String::new()).await?)
}

fn form_value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

fn date_field(raw: &str, field: &str, label: &str) -> Result<time::Date, AppError> {
    parse_date(raw).ok_or_else(|| {
        AppError::Invalid(cosinum_domain::ValidationError::new(
            field,
            format!("{label} : date attendue (jj/mm/aaaa)"),
        ))
    })
}

/// Opening a campaign from the list's form (repeated `organisation` boxes).
pub async fn open(
    State(state): State<AppState>,
    page: SignedPage,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = OpenForm {
        title: form_value(&pairs, "title").into(),
        kind: form_value(&pairs, "kind").into(),
        reference_date: form_value(&pairs, "reference_date").into(),
        opens_on: form_value(&pairs, "opens_on").into(),
        deadline: form_value(&pairs, "deadline").into(),
        reminders: form_value(&pairs, "reminders").into(),
    };
    let request = || -> Result<OpenRequest, AppError> {
        Ok(OpenRequest {
            fields: CampaignFields {
                title: form.title.clone(),
                kind: CampaignKind::parse(&form.kind).ok_or_else(|| {
                    AppError::Invalid(cosinum_domain::ValidationError::new(
                        "kind",
                        "choisissez ce que la campagne collecte",
                    ))
                })?,
                reference_date: date_field(
                    &form.reference_date,
                    "reference_date",
                    "Date de référence",
                )?,
                opens_on: date_field(&form.opens_on, "opens_on", "Ouverture")?,
                deadline: date_field(&form.deadline, "deadline", "Échéance")?,
                reminder_days: parse_reminder_days(&form.reminders)?,
            },
            organisations: pairs
                .iter()
                .filter(|(k, _)| k == "organisation")
                .filter_map(|(_, v)| v.parse().ok().map(OrgId))
                .collect(),
        })
    };
    let outcome = match request() {
        Ok(r) => campaigns::open(&state, page.actor(), &page.audit(), &r).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(c) => {
            Ok(Redirect::to(&format!("/campagnes/{}?ok=campagne_ouverte", c.id)).into_response())
        }
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &list_page(&state, &page, None, form, e.message).await?,
        ),
        Err(e) => Err(e.into()),
    }
}
