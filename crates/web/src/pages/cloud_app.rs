//! An application of the inventory: its card, its verdict rule by rule as of
//! a date, its hosting (planned migrations included), assessments and
//! derogations; the guided sensitivity questionnaire (the 2023 two-test
//! rule) and the hosting form for those who edit it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::cloud::compliance::{Status, evaluate};
use cosinum_domain::cloud::types::{Answers, Assessment, Environment, Hosting};
use cosinum_store::cloud;
use serde::Deserialize;

use super::organisations::SelectOption;
use super::{Crumb, Layout, NoticeQuery, fr_date, render};
use crate::AppState;
use crate::api::cloud::cloud_resource;
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;

#[derive(Deserialize)]
pub struct DayQuery {
    date: Option<String>,
}

fn parse_day(s: &str) -> Result<time::Date, AppError> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| AppError::BadRequest(format!("Date invalide : {s}")))
}

#[derive(Template)]
#[template(path = "cloud/show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    name: String,
    as_of: String,
    as_of_fr: String,
    facts: Vec<(&'static str, String)>,
    verdict: &'static str,
    verdict_class: &'static str,
    findings: Vec<(&'static str, &'static str, String, String)>,
    hostings: Vec<(String, String, String, bool)>,
    assessments: Vec<(String, String, &'static str, &'static str)>,
    derogations: Vec<(String, String, String, String, String)>,
    can_write: bool,
    today: String,
    environments: Vec<SelectOption>,
    offers: Vec<SelectOption>,
    reuse: Option<super::reuse_panel::ReusePanel>,
    /// The committee's decisions about this object.
    committee: Vec<super::committee_decisions::LineView>,
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<DayQuery>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let a = cloud::application(&state.db, id).await?;
    let resource = cloud_resource(a.organisation_id);
    if !allows(Some(page.actor()), Access::Read, &resource) {
        return Err(AppError::NotFound.into());
    }
    let today = time::OffsetDateTime::now_utc().date();
    let as_of = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => parse_day(d)?,
        None => today,
    };
    let offers = cloud::offers(&state.db).await?;
    let (_, f) = cloud::evaluable(&state.db, cosinum_store::among::Among::Ids(id, id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let e = evaluate(&f, &offers, as_of);
    let org = cosinum_store::organisations::get(&state.db, a.organisation_id).await?;
    let offer_name = |id: i64| {
        offers
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let n = a.needs;
    let facts = vec![
        ("Ministère", format!("{} — {}", org.code, org.name)),
        ("Statut", a.status.label_fr().to_owned()),
        (
            "Description",
            if a.description.is_empty() {
                "—".into()
            } else {
                a.description.clone()
            },
        ),
        (
            "Utilisateurs",
            a.users.map_or("—".into(), |u| number(u as f64, 0)),
        ),
        (
            "Grand projet lié",
            match a.project_id {
                Some(p) => cosinum_store::projects::get(&state.db, p)
                    .await
                    .map_or_else(|_| format!("n° {p}"), |p| p.name),
                None => "—".into(),
            },
        ),
        (
            "Coût complet",
            a.full_cost
                .map_or("—".into(), |c| format!("{} M€", number(c.meur(), 2))),
        ),
        (
            "Nouveau projet ou évolution majeure",
            if a.new_or_major {
                "Oui".into()
            } else {
                "Non".into()
            },
        ),
        (
            "Besoins de sécurité (DICT, de 1 à 4)",
            format!(
                "disponibilité {}, intégrité {}, confidentialité {}, traçabilité {}",
                n.availability, n.integrity, n.confidentiality, n.traceability
            ),
        ),
        (
            "Classification",
            match a.classification {
                cosinum_domain::cloud::types::Classification::None => "Non classifiée".into(),
                cosinum_domain::cloud::types::Classification::DiffusionRestreinte => {
                    "Diffusion Restreinte".into()
                }
            },
        ),
        (
            "Données d'une sensibilité particulière",
            match e.sensitive {
                Some(true) => "Oui".into(),
                Some(false) => "Non".into(),
                None => "Non évaluée à cette date".into(),
            },
        ),
    ];
    let findings = e
        .findings
        .iter()
        .map(|x| {
            (
                x.rule,
                match x.status {
                    Status::Met => "Respectée",
                    Status::Breached => "Non respectée",
                    Status::Derogation => "Dérogation",
                    Status::Notice => "Information",
                },
                x.message.clone(),
                x.remedy.clone().unwrap_or_default(),
            )
        })
        .collect();
    let mut hostings: Vec<_> = f.hostings.iter().collect();
    hostings.sort_by_key(|h| (h.environment, h.since));
    let hostings = hostings
        .into_iter()
        .map(|h| {
            (
                h.environment.label_fr().to_owned(),
                offer_name(h.offer_id),
                fr_date(h.since),
                h.since > today,
            )
        })
        .collect();
    let assessments = f
        .assessments
        .iter()
        .map(|x| {
            (
                fr_date(x.date),
                x.assessed_by.clone(),
                x.answers.doctrine().label_fr(),
                if x.answers.sensitive() {
                    "sensibles"
                } else {
                    "non sensibles"
                },
            )
        })
        .collect();
    let derogations = f
        .derogations
        .iter()
        .map(|d| {
            (
                format!("{:?}", d.rule),
                d.granted_by.clone(),
                format!(
                    "du {} au {}",
                    fr_date(d.start),
                    d.end.map_or("—".into(), fr_date)
                ),
                format!(
                    "{}{}",
                    if d.comparative_study {
                        "étude comparative ; "
                    } else {
                        ""
                    },
                    if d.pm_validated {
                        "validée par le Premier ministre"
                    } else {
                        "sans validation du Premier ministre"
                    }
                ),
                d.justification.clone(),
            )
        })
        .collect();
    let (verdict_class, verdict) = match e.verdict {
        cosinum_domain::cloud::compliance::Verdict::Compliant => {
            ("fr-badge--success", e.verdict.label_fr())
        }
        cosinum_domain::cloud::compliance::Verdict::NonCompliant => {
            ("fr-badge--error", e.verdict.label_fr())
        }
        cosinum_domain::cloud::compliance::Verdict::UnderDerogation => {
            ("fr-badge--warning", e.verdict.label_fr())
        }
        cosinum_domain::cloud::compliance::Verdict::NotApplicable => ("", e.verdict.label_fr()),
    };
    let reuse = super::reuse_panel::panel(
        &state,
        &page,
        cosinum_search::Kind::Application,
        id,
        format!("/hebergement/applications/{id}"),
        5,
    )
    .await?;
    render(&ShowPage {
        reuse,
        committee: super::committee_decisions::about(&state, "application", id).await?,
        layout: Layout::new(
            &page.ctx,
            a.name.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Hébergement et cloud", "/hebergement"),
                Crumb::here(a.name.clone()),
            ],
        )
        .with_notice(notice.ok.as_deref()),
        id,
        name: a.name.clone(),
        as_of: as_of.to_string(),
        as_of_fr: fr_date(as_of),
        facts,
        verdict,
        verdict_class,
        findings,
        hostings,
        assessments,
        derogations,
        can_write: allows(Some(page.actor()), Access::Write, &resource),
        today: today.to_string(),
        environments: Environment::ALL
            .iter()
            .map(|e| SelectOption {
                value: e.as_str().into(),
                label: e.label_fr().into(),
                selected: *e == Environment::Production,
            })
            .collect(),
        offers: offers
            .iter()
            .map(|o| SelectOption {
                value: o.id.to_string(),
                label: format!("{} ({})", o.name, o.kind.label_fr()),
                selected: false,
            })
            .collect(),
    })
}

async fn writable(state: &AppState, page: &SignedPage, id: i64) -> Result<(), PageError> {
    let a = cloud::application(&state.db, id).await?;
    if !allows(
        Some(page.actor()),
        Access::Read,
        &cloud_resource(a.organisation_id),
    ) {
        return Err(AppError::NotFound.into());
    }
    if !allows(
        Some(page.actor()),
        Access::Write,
        &cloud_resource(a.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    Ok(())
}

/// The questionnaire's answers (checkboxes: present when ticked).
#[derive(Deserialize)]
pub struct QuestionnaireForm {
    date: String,
    assessed_by: String,
    legal_secret: Option<String>,
    essential_mission: Option<String>,
    breach_public_order: Option<String>,
    breach_public_security: Option<String>,
    breach_health_life: Option<String>,
    breach_intellectual_property: Option<String>,
}

/// Records an assessment from the guided questionnaire.
pub async fn assess(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<QuestionnaireForm>,
) -> Result<Response, PageError> {
    writable(&state, &page, id).await?;
    let a = Assessment {
        date: parse_day(&f.date)?,
        assessed_by: f.assessed_by,
        answers: Answers::V2023 {
            legal_secret: f.legal_secret.is_some(),
            essential_mission: f.essential_mission.is_some(),
            breach_public_order: f.breach_public_order.is_some(),
            breach_public_security: f.breach_public_security.is_some(),
            breach_health_life: f.breach_health_life.is_some(),
            breach_intellectual_property: f.breach_intellectual_property.is_some(),
        },
    };
    let mut tx = state.db.begin().await?;
    cloud::add_assessment(&mut tx, &page.audit(), id, &a).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/hebergement/applications/{id}?ok=enregistre")).into_response())
}

#[derive(Deserialize)]
pub struct HostingForm {
    environment: String,
    offer_id: i64,
    since: String,
}

/// Records a hosting or a planned migration.
pub async fn host(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<HostingForm>,
) -> Result<Response, PageError> {
    writable(&state, &page, id).await?;
    let environment = Environment::parse(&f.environment)
        .ok_or_else(|| AppError::BadRequest("Environnement inconnu.".into()))?;
    if !cloud::offers(&state.db)
        .await?
        .iter()
        .any(|o| o.id == f.offer_id)
    {
        return Err(AppError::BadRequest("Offre inconnue.".into()).into());
    }
    let h = Hosting {
        environment,
        offer_id: f.offer_id,
        since: parse_day(&f.since)?,
    };
    let mut tx = state.db.begin().await?;
    cloud::add_hosting(&mut tx, &page.audit(), id, &h).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/hebergement/applications/{id}?ok=enregistre")).into_response())
}
