//! `/publication`: the DINUM's publication desk — each dataset's rules
//! field by field, preparing a release under embargo, checking its files,
//! and publishing it (an administrator or the committee's chair) or
//! discarding it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::publication::{Dataset, ReleaseStatus, Rules, Visibility};
use cosinum_store::publication as store;

use super::committee::{parse_date, refusal};
use super::public_data::{changes_fr, date_fr};
use super::{Crumb, Layout, NoticeQuery, render, render_status};
use crate::AppState;
use crate::api::publication::{FieldRule, rules_view};
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;
use crate::publication;

/// A dataset's section of the desk.
struct DatasetSection {
    code: &'static str,
    title: &'static str,
    condition: Option<String>,
    version: i64,
    /// One line per rule key (an indicator's value and level share one).
    rules: Vec<RuleLine>,
}

struct RuleLine {
    key: String,
    names: String,
    description: String,
    options: Vec<(&'static str, &'static str, bool)>,
}

/// A release on the desk.
struct ReleaseRow {
    id: i64,
    version: i64,
    title: &'static str,
    number: i64,
    status: &'static str,
    embargoed: bool,
    public: bool,
    as_of: String,
    prepared: String,
    published: String,
    rows: i64,
    changes: String,
    files: Vec<(String, String)>,
    public_href: String,
}

#[derive(Template)]
#[template(path = "publication/desk.html")]
struct DeskPage {
    layout: Layout,
    error: Option<String>,
    sections: Vec<DatasetSection>,
    releases: Vec<ReleaseRow>,
    may_publish: bool,
    today: String,
}

fn lines(fields: &[FieldRule]) -> Vec<RuleLine> {
    let mut out: Vec<RuleLine> = Vec::new();
    for f in fields {
        if let Some(l) = out.iter_mut().find(|l| l.key == f.rule_key) {
            l.names.push_str(&format!(" · {}", f.name));
            continue;
        }
        let choices: &[Visibility] = if f.withholdable {
            &[Visibility::Withheld, Visibility::Internal]
        } else {
            &[Visibility::Public, Visibility::Internal]
        };
        out.push(RuleLine {
            key: f.rule_key.clone(),
            names: f.name.clone(),
            description: f.description.clone(),
            options: choices
                .iter()
                .map(|v| (v.as_str(), v.label_fr(), v.as_str() == f.visibility))
                .collect(),
        });
    }
    out
}

async fn desk(
    state: &AppState,
    page: &SignedPage,
    error: Option<String>,
) -> Result<DeskPage, PageError> {
    if !publication::may_read(page.actor()) {
        return Err(AppError::Forbidden.into());
    }
    let mut sections = Vec::new();
    for d in Dataset::ALL {
        let v = rules_view(state, d).await?;
        sections.push(DatasetSection {
            code: d.as_str(),
            title: d.title_fr(),
            condition: v.condition,
            version: v.version,
            rules: lines(&v.fields),
        });
    }
    let today = time::OffsetDateTime::now_utc().date();
    let releases = store::releases(&state.db, None)
        .await?
        .into_iter()
        .map(|r| ReleaseRow {
            id: r.id,
            version: r.version,
            title: r.dataset.title_fr(),
            number: r.number,
            status: r.status.label_fr(),
            embargoed: r.status == ReleaseStatus::Embargoed,
            public: r.is_public(today),
            as_of: date_fr(r.as_of),
            prepared: format!("{} par {}", date_fr(r.prepared_on), r.prepared_by),
            published: match (&r.published_by, r.public_from) {
                (Some(by), Some(from)) => format!("par {by}, public le {}", date_fr(from)),
                _ => String::new(),
            },
            rows: r.row_count,
            changes: changes_fr(&r.changelog),
            files: r
                .files
                .iter()
                .map(|f| {
                    let short = match f.name.rsplit('.').next() {
                        Some("csv") => "CSV",
                        Some("md") => "Changements",
                        _ if f.name == "schema.json" => "Schéma",
                        _ if f.name == "datapackage.json" => "Data Package",
                        _ => "JSON",
                    };
                    (
                        short.to_owned(),
                        format!("/publication/versions/{}/fichiers/{}", r.id, f.name),
                    )
                })
                .collect(),
            public_href: format!("/donnees/{}/versions/{}", r.dataset.as_str(), r.number),
        })
        .collect();
    Ok(DeskPage {
        layout: Layout::new(
            &page.ctx,
            "Publication des données ouvertes",
            vec![Crumb::here("Publication")],
        ),
        error,
        sections,
        releases,
        may_publish: publication::may_publish(state, page.actor()).await?,
        today: today.to_string(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    axum::extract::Query(notice): axum::extract::Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut p = desk(&state, &page, None).await?;
    p.layout = p.layout.with_notice(notice.ok.as_deref());
    render(&p)
}

async fn back(
    state: &AppState,
    page: &SignedPage,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to("/publication?ok=enregistre").into_response()),
        Err(AppError::BadRequest(m)) => render_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &desk(state, page, Some(m)).await?,
        ),
        Err(e) => {
            let (status, msg) = refusal(e)?;
            render_status(status, &desk(state, page, Some(msg)).await?)
        }
    }
}

fn field<'a>(f: &'a [(String, String)], name: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn version_of(f: &[(String, String)]) -> Result<i64, AppError> {
    field(f, "version")
        .parse()
        .map_err(|_| AppError::BadRequest("Version manquante".into()))
}

/// `POST /publication/{dataset}/regles`: `regle_<key>` = public | withheld | internal.
pub async fn set_rules(
    State(state): State<AppState>,
    page: SignedPage,
    Path(code): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let result = async {
        let d = Dataset::parse(&code).ok_or(AppError::NotFound)?;
        let mut rules = Rules::default();
        for (k, v) in &f {
            if let Some(key) = k.strip_prefix("regle_") {
                let vis = Visibility::parse(v)
                    .ok_or_else(|| AppError::BadRequest(format!("Règle inconnue : {v}")))?;
                rules.0.insert(key.to_owned(), vis);
            }
        }
        publication::set_rules(
            &state,
            page.actor(),
            &page.audit(),
            d,
            &rules,
            version_of(&f)?,
        )
        .await
        .map(|_| ())
    }
    .await;
    back(&state, &page, result).await
}

/// `POST /publication/versions`: prepares a release (`dataset`, `as_of`).
pub async fn prepare(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let result = async {
        let d = Dataset::parse(field(&f, "dataset"))
            .ok_or_else(|| AppError::BadRequest("Jeu de données inconnu".into()))?;
        let as_of = parse_date("as_of", field(&f, "as_of"))?;
        publication::prepare(&state, page.actor(), &page.audit(), d, as_of)
            .await
            .map(|_| ())
    }
    .await;
    back(&state, &page, result).await
}

/// `POST /publication/versions/{id}`: `action` = publier | abandonner.
pub async fn decide(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let result = async {
        let to = match field(&f, "action") {
            "publier" => ReleaseStatus::Published,
            "abandonner" => ReleaseStatus::Discarded,
            _ => return Err(AppError::BadRequest("Action inconnue".into())),
        };
        let from = match field(&f, "public_from").trim() {
            "" => None,
            s => Some(parse_date("public_from", s)?),
        };
        publication::decide(
            &state,
            page.actor(),
            &page.audit(),
            id,
            to,
            from,
            version_of(&f)?,
        )
        .await
        .map(|_| ())
    }
    .await;
    back(&state, &page, result).await
}

/// `GET /publication/versions/{id}/fichiers/{name}`: a file, before or after publication.
pub async fn file(
    State(state): State<AppState>,
    page: SignedPage,
    Path((id, name)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    if !publication::may_read(page.actor()) {
        return Err(AppError::Forbidden.into());
    }
    let (meta, bytes) = store::file(&state.db, id, &name).await?;
    Ok(crate::api::public::file_body(&meta, bytes, None))
}
