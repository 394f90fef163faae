//! Funding forms: an application's page (decision, credit movements,
//! withdrawal), filing and editing an application with a preview of what it
//! would do to the ministry's load, and a ministry's capacity grid.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::funding::{ApplicationFields, Semester, Status};
use cosinum_domain::money::Euros;
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::StoreError;
use cosinum_store::funding::{self, applications};
use serde::Deserialize;

use super::funding::{meur, pct};
use super::organisations::{SelectOption, optional_options};
use super::{Crumb, Layout, NoticeQuery, fr_date, render, render_status};
use crate::AppState;
use crate::api::funding::{application_resource, runs_funds};
use crate::api::funding_applications::{checked_fields, detail};
use crate::api::funding_capacity::ministry_loads;
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;

pub(super) fn day(field: &str, s: &str) -> Result<time::Date, ValidationError> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| ValidationError::new(field, "date invalide (AAAA-MM-JJ)"))
}

/// An amount typed in euros: "250 000", "250000 €", "-1 200,50" (rounded
/// to the euro).
pub(super) fn euros(field: &str, s: &str) -> Result<Euros, ValidationError> {
    let v: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '€')
        .collect();
    v.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(|x| Euros(x.round() as i64))
        .ok_or_else(|| ValidationError::new(field, "montant en euros attendu (par exemple 250000)"))
}

/// "2022S1: 4; 2022S2: 6" → workload.
fn workload(s: &str) -> Result<Vec<(Semester, f64)>, ValidationError> {
    s.split([';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (sem, pm) = p.split_once(':').ok_or_else(|| {
                ValidationError::new(
                    "workload",
                    format!("« {p} » : écrivez SEMESTRE: MOIS-PERSONNES, par exemple 2022S2: 6"),
                )
            })?;
            let sem = Semester::parse(sem).ok_or_else(|| {
                ValidationError::new(
                    "workload",
                    format!("semestre invalide : « {} »", sem.trim()),
                )
            })?;
            let pm: f64 = pm.trim().replace(',', ".").parse().map_err(|_| {
                ValidationError::new(
                    "workload",
                    format!("mois-personnes invalides : « {} »", pm.trim()),
                )
            })?;
            Ok((sem, pm))
        })
        .collect()
}

#[derive(Default, Deserialize)]
pub struct ApplicationForm {
    #[serde(default)]
    pub(super) organisation_id: String,
    #[serde(default)]
    pub(super) window_id: String,
    #[serde(default)]
    pub(super) title: String,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) total_cost: String,
    #[serde(default)]
    pub(super) requested: String,
    #[serde(default)]
    pub(super) planned_start: String,
    #[serde(default)]
    pub(super) planned_end: String,
    #[serde(default)]
    pub(super) workload: String,
    #[serde(default)]
    pub(super) project_id: String,
    #[serde(default)]
    pub(super) inventory_id: String,
    /// "apercu" to see the effect on the load without filing.
    #[serde(default)]
    pub(super) action: String,
    #[serde(default)]
    pub(super) version: i64,
}

impl ApplicationForm {
    pub(super) fn fields(
        &self,
        submitted_on: time::Date,
    ) -> Result<ApplicationFields, ValidationError> {
        Ok(ApplicationFields {
            organisation_id: OrgId(
                self.organisation_id.trim().parse().map_err(|_| {
                    ValidationError::new("organisation_id", "choisissez un ministère")
                })?,
            ),
            window_id: self
                .window_id
                .trim()
                .parse()
                .map_err(|_| ValidationError::new("window_id", "choisissez un guichet"))?,
            title: self.title.clone(),
            description: self.description.clone(),
            total_cost: euros("total_cost", &self.total_cost)?,
            requested: euros("requested", &self.requested)?,
            project_id: match self.project_id.trim() {
                "" => None,
                p => Some(
                    p.parse()
                        .map_err(|_| ValidationError::new("project_id", "grand projet inconnu"))?,
                ),
            },
            inventory_id: match self.inventory_id.trim() {
                "" => None,
                i => Some(i.parse().map_err(|_| {
                    ValidationError::new("inventory_id", "application inconnue de l'inventaire")
                })?),
            },
            planned_start: day("planned_start", &self.planned_start)?,
            planned_end: day("planned_end", &self.planned_end)?,
            submitted_on,
            workload: workload(&self.workload)?,
        })
    }
}

#[derive(Template)]
#[template(path = "funding/form.html")]
pub(super) struct ApplicationFormPage {
    layout: Layout,
    heading: String,
    action: String,
    v: ApplicationForm,
    organisations: Vec<SelectOption>,
    windows: Vec<SelectOption>,
    projects: Vec<SelectOption>,
    inventory: Vec<SelectOption>,
    error_field: String,
    error_message: String,
    pub(super) conflict: Vec<super::history::ChangeView>,
    pub(super) has_conflict: bool,
    /// The preview: semester, load now, load with the application, over.
    impact: Vec<(String, String, String, bool)>,
}

pub(super) async fn form_page(
    state: &AppState,
    page: &SignedPage,
    existing: Option<i64>,
    v: ApplicationForm,
    error: Option<&ValidationError>,
) -> Result<ApplicationFormPage, PageError> {
    let orgs = state.organisations(false).await?;
    let organisations: Vec<SelectOption> = orgs
        .iter()
        .filter(|o| {
            allows(
                Some(page.actor()),
                Access::Write,
                &application_resource(o.id),
            )
        })
        .map(|o| SelectOption {
            value: o.id.0.to_string(),
            label: format!("{} — {}", o.code, o.name),
            selected: v.organisation_id == o.id.0.to_string(),
        })
        .collect();
    if organisations.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let today = time::OffsetDateTime::now_utc().date();
    let windows = funding::windows(&state.db)
        .await?
        .into_iter()
        .filter(|w| existing.is_some() || (w.opens <= today && today <= w.closes))
        .map(|w| SelectOption {
            selected: v.window_id == w.id.to_string(),
            label: format!(
                "{} — {} (cofinancement jusqu'à {} %, clôture le {})",
                w.code,
                w.theme,
                number(w.max_rate * 100.0, 0),
                fr_date(w.closes)
            ),
            value: w.id.to_string(),
        })
        .collect();
    let projects = optional_options(
        "Aucun",
        &v.project_id,
        cosinum_store::projects::list(&state.db, false)
            .await?
            .into_iter()
            .filter(|x| {
                allows(
                    Some(page.actor()),
                    Access::Write,
                    &application_resource(x.organisation_id),
                )
            })
            .map(|x| (x.id.to_string(), x.name)),
    );
    let inventory = optional_options(
        "Aucune",
        &v.inventory_id,
        cosinum_store::cloud::applications(&state.db)
            .await?
            .into_iter()
            .filter(|x| {
                allows(
                    Some(page.actor()),
                    Access::Write,
                    &application_resource(x.organisation_id),
                )
            })
            .map(|x| (x.id.to_string(), x.name)),
    );
    let (heading, action) = match existing {
        Some(id) => (
            format!("Modifier le dossier {id}"),
            format!("/financements/dossiers/{id}/modifier"),
        ),
        None => (
            "Déposer un dossier".to_owned(),
            "/financements/dossiers/nouveau".to_owned(),
        ),
    };
    Ok(ApplicationFormPage {
        layout: Layout::new(
            &page.ctx,
            heading.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Financements", "/financements"),
                Crumb::here(heading.clone()),
            ],
        ),
        heading,
        action,
        v,
        organisations,
        windows,
        projects,
        inventory,
        error_field: error.map(|e| e.field.clone()).unwrap_or_default(),
        error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
        conflict: Vec::new(),
        has_conflict: false,
        impact: Vec::new(),
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    page: SignedPage,
) -> Result<Response, PageError> {
    let v = ApplicationForm {
        organisation_id: page
            .actor()
            .organisation
            .map(|o| o.0.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    render(&form_page(&state, &page, None, v, None).await?)
}

/// Files the application, or (`action=apercu`) shows what it would do to
/// the ministry's load first.
pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ApplicationForm>,
) -> Result<Response, PageError> {
    let today = time::OffsetDateTime::now_utc().date();
    let checked = match f.fields(today) {
        Ok(x) => checked_fields(&state, page.actor(), x).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    let fields = match checked {
        Ok(x) => x,
        Err(AppError::Invalid(e)) => {
            let view = form_page(&state, &page, None, f, Some(&e)).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
        Err(e) => return Err(e.into()),
    };
    if f.action == "apercu" {
        let lines = ministry_loads(&state, fields.organisation_id, today, &fields.workload).await?;
        let mut view = form_page(&state, &page, None, f, None).await?;
        view.impact = lines
            .iter()
            .filter_map(|l| {
                let with = l.with_application()?;
                (with.total > l.load().total).then(|| {
                    (
                        l.load().semester.to_string(),
                        pct(l.load().ratio),
                        pct(with.ratio),
                        with.over,
                    )
                })
            })
            .collect();
        return render(&view);
    }
    let mut tx = state.db.begin().await?;
    match applications::create(&mut tx, &page.audit(), &fields).await {
        Ok(a) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/financements/dossiers/{}?ok=cree", a.id)).into_response())
        }
        Err(StoreError::Duplicate { .. }) => {
            let e = ValidationError::new(
                "title",
                "ce ministère a déjà un dossier de ce titre à ce guichet",
            );
            let view = form_page(&state, &page, None, f, Some(&e)).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "funding/show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    version: i64,
    title: String,
    ministry: String,
    window: String,
    status: &'static str,
    pending: bool,
    facts: Vec<(&'static str, String)>,
    consumption: Vec<(&'static str, String)>,
    lag: Option<String>,
    movements: Vec<(String, &'static str, String, String)>,
    can_write: bool,
    can_run: bool,
    project_id: Option<i64>,
    inventory_id: Option<i64>,
    granted: bool,
    today: String,
    statuses: Vec<SelectOption>,
    reuse: Option<super::reuse_panel::ReusePanel>,
    /// The committee's decisions about this object.
    committee: Vec<super::committee_decisions::LineView>,
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    axum::extract::Query(notice): axum::extract::Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let d = detail(&state, page.actor(), id).await?;
    let a = d.base().application();
    let c = d.base().consumption();
    let f = &a.fields;
    let facts = vec![
        (
            "Description",
            if f.description.is_empty() {
                "—".into()
            } else {
                f.description.clone()
            },
        ),
        ("Coût total", meur(f.total_cost)),
        ("Montant demandé", meur(f.requested)),
        ("Montant accordé", a.granted.map_or("—".into(), meur)),
        (
            "Calendrier prévu",
            format!(
                "du {} au {}",
                fr_date(f.planned_start),
                fr_date(f.planned_end)
            ),
        ),
        ("Déposé le", fr_date(f.submitted_on)),
        (
            "Instruit depuis le",
            a.reviewed_on.map_or("—".into(), fr_date),
        ),
        ("Décision le", a.decided_on.map_or("—".into(), fr_date)),
        (
            "Motif",
            if a.motive.is_empty() {
                "—".into()
            } else {
                a.motive.clone()
            },
        ),
        (
            "Grand projet lié",
            match f.project_id {
                Some(p) => cosinum_store::projects::get(&state.db, p)
                    .await
                    .map_or_else(|_| format!("n° {p}"), |p| p.name),
                None => "—".into(),
            },
        ),
        (
            "Application de l'inventaire",
            match f.inventory_id {
                Some(i) => cosinum_store::cloud::application(&state.db, i)
                    .await
                    .map_or_else(|_| format!("n° {i}"), |a| a.name),
                None => "—".into(),
            },
        ),
        (
            "Charge interne",
            if f.workload.is_empty() {
                "—".into()
            } else {
                f.workload
                    .iter()
                    .map(|(s, pm)| format!("{s} : {} mois-personnes", number(*pm, 1)))
                    .collect::<Vec<_>>()
                    .join(" ; ")
            },
        ),
    ];
    let consumption = vec![
        (
            "AE engagées",
            format!("{} ({})", meur(c.engaged), pct(c.engaged_rate)),
        ),
        (
            "CP payés",
            format!("{} ({})", meur(c.paid), pct(c.paid_rate)),
        ),
        ("Restes à payer", meur(c.restes_a_payer)),
    ];
    let lag = d.lag().map(|l| {
        format!(
            "{} du calendrier écoulé, {} des CP payés : retard de {} points.",
            pct(Some(l.expected)),
            pct(Some(l.actual)),
            number(l.gap * 100.0, 0)
        )
    });
    let movements = d
        .movements()
        .iter()
        .map(|m| {
            (
                fr_date(m.date),
                m.kind.label_fr(),
                meur(m.amount),
                m.reference.clone(),
            )
        })
        .collect();
    let resource = application_resource(f.organisation_id);
    let statuses = [
        Status::UnderReview,
        Status::Granted,
        Status::Rejected,
        Status::Withdrawn,
    ]
    .into_iter()
    .filter(|s| a.status.can_move_to(*s))
    .map(|s| SelectOption {
        value: s.as_str().into(),
        label: s.label_fr().into(),
        selected: false,
    })
    .collect();
    let reuse = super::reuse_panel::panel(
        &state,
        &page,
        cosinum_search::Kind::FundingApplication,
        id,
        format!("/financements/dossiers/{id}"),
        5,
    )
    .await?;
    render(&ShowPage {
        reuse,
        committee: super::committee_decisions::about(&state, "funding_application", id).await?,
        layout: Layout::new(
            &page.ctx,
            f.title.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Financements", "/financements"),
                Crumb::link(
                    d.base().ministry().to_owned(),
                    format!("/financements/ministeres/{}", d.base().ministry()),
                ),
                Crumb::here(f.title.clone()),
            ],
        )
        .with_notice(notice.ok.as_deref()),
        id,
        version: a.version,
        title: f.title.clone(),
        ministry: d.base().ministry().to_owned(),
        window: d.base().window().to_owned(),
        status: a.status.label_fr(),
        pending: a.status.pending(),
        facts,
        consumption,
        lag,
        movements,
        can_write: allows(Some(page.actor()), Access::Write, &resource),
        can_run: runs_funds(page.actor()),
        project_id: f.project_id,
        inventory_id: f.inventory_id,
        granted: a.status == Status::Granted,
        today: time::OffsetDateTime::now_utc().date().to_string(),
        statuses,
    })
}
