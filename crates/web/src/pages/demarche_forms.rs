//! Forms of the online-services module: a démarche's card (create, edit) and
//! its values in an edition. Bulk entry of a whole edition is in
//! `demarche_bulk`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::demarches::demarche::{AUDIENCES, Demarche, DemarcheFields};
use cosinum_domain::demarches::{Indicator, Scale};
use cosinum_domain::organisation::tree_order;
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::StoreError;
use cosinum_store::demarches;
use serde::Deserialize;

use super::organisations::SelectOption;
use super::{Crumb, Layout, fr_date, render, render_status};
use crate::AppState;
use crate::api::demarches::demarche_resource;
use crate::api::demarches_crud::check_values;
use crate::api::demarches_files::find_edition;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

/// The démarche, if the user may write it.
pub(super) async fn writable(
    state: &AppState,
    page: &SignedPage,
    id: i64,
) -> Result<Demarche, PageError> {
    let d = demarches::get(&state.db, id).await?;
    if d.archived {
        return Err(AppError::NotFound.into());
    }
    if !allows(
        Some(page.actor()),
        Access::Write,
        &demarche_resource(d.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    Ok(d)
}

/// What a user may type for an indicator, in French.
pub(super) fn hint(i: &Indicator) -> String {
    let levels: Vec<String> = i
        .levels
        .iter()
        .map(|l| match (l.min, l.max) {
            (None, None) => l.values.first().copied().unwrap_or(l.label_fr).to_owned(),
            (Some(lo), None) => format!("{} dès {lo}", l.label_fr),
            (None, Some(hi)) => format!("{} sous {hi}", l.label_fr),
            (Some(lo), Some(hi)) => format!("{} de {lo} à {hi}", l.label_fr),
        })
        .collect();
    let unit = match i.scale {
        Scale::Numeric { unit, .. } => format!("nombre ({unit}) ; "),
        Scale::Categorical => String::new(),
    };
    format!(
        "{unit}{} ; ou « n/a », « À venir », vide",
        levels.join(", ")
    )
}

#[derive(Default, Deserialize)]
pub struct DemarcheForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    administration: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    particuliers: Option<String>,
    #[serde(default)]
    professionnels: Option<String>,
    #[serde(default)]
    associations: Option<String>,
    #[serde(default)]
    collectivites: Option<String>,
    #[serde(default)]
    url: String,
    #[serde(default)]
    annual_volume: String,
    #[serde(default)]
    online_volume: String,
    #[serde(default)]
    online_since: String,
    #[serde(default)]
    version: i64,
}

fn volume(field: &str, v: &str) -> Result<Option<i64>, ValidationError> {
    let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<i64>()
        .map(Some)
        .map_err(|_| ValidationError::new(field, "nombre entier attendu (par exemple 1200000)"))
}

impl DemarcheForm {
    fn fields(&self) -> Result<DemarcheFields, ValidationError> {
        let audiences = [
            ("particuliers", &self.particuliers),
            ("professionnels", &self.professionnels),
            ("associations", &self.associations),
            ("collectivites", &self.collectivites),
        ]
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(a, _)| (*a).to_owned())
        .collect();
        let online_since = match self.online_since.trim() {
            "" => None,
            s => Some(
                time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                    .map_err(|_| {
                        ValidationError::new("online_since", "date invalide (AAAA-MM-JJ)")
                    })?,
            ),
        };
        DemarcheFields {
            organisation_id: OrgId(
                self.organisation_id.trim().parse().map_err(|_| {
                    ValidationError::new("organisation_id", "choisissez un ministère")
                })?,
            ),
            administration: self.administration.clone(),
            name: self.name.clone(),
            audiences,
            url: self.url.clone(),
            annual_volume: volume("annual_volume", &self.annual_volume)?,
            online_volume: volume("online_volume", &self.online_volume)?,
            online_since,
        }
        .validated()
    }

    fn has(&self, a: &str) -> bool {
        match a {
            "particuliers" => self.particuliers.is_some(),
            "professionnels" => self.professionnels.is_some(),
            "associations" => self.associations.is_some(),
            _ => self.collectivites.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "demarches/form.html")]
struct DemarcheFormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    v: DemarcheForm,
    organisations: Vec<SelectOption>,
    audiences: Vec<(&'static str, &'static str, bool)>,
    error_field: String,
    error_message: String,
    conflict: Vec<super::history::ChangeView>,
    has_conflict: bool,
}

async fn form_page(
    state: &AppState,
    page: &SignedPage,
    existing: Option<i64>,
    v: DemarcheForm,
    error: Option<&ValidationError>,
) -> Result<DemarcheFormPage, PageError> {
    let orgs = state.organisations(false).await?;
    let organisations: Vec<SelectOption> = tree_order(&orgs)
        .into_iter()
        .filter(|(_, o)| allows(Some(page.actor()), Access::Write, &demarche_resource(o.id)))
        .map(|(depth, o)| SelectOption {
            value: o.id.0.to_string(),
            label: format!("{}{} — {}", "  ".repeat(depth), o.code, o.name),
            selected: v.organisation_id == o.id.0.to_string(),
        })
        .collect();
    if organisations.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let (heading, action, cancel) = match existing {
        Some(id) => (
            format!("Modifier {}", v.name),
            format!("/demarches/{id}/modifier"),
            format!("/demarches/{id}"),
        ),
        None => (
            "Suivre une nouvelle démarche".to_owned(),
            "/demarches/nouvelle".to_owned(),
            "/demarches".to_owned(),
        ),
    };
    let labels = [
        "Particuliers",
        "Professionnels",
        "Associations",
        "Collectivités",
    ];
    let audiences = AUDIENCES
        .iter()
        .zip(labels)
        .map(|(a, l)| (*a, l, v.has(a)))
        .collect();
    Ok(DemarcheFormPage {
        layout: Layout::new(
            &page.ctx,
            heading.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Démarches en ligne", "/demarches"),
                Crumb::here(heading.clone()),
            ],
        ),
        heading,
        action,
        cancel,
        v,
        organisations,
        audiences,
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
    let v = DemarcheForm {
        organisation_id: page
            .actor()
            .organisation
            .map(|o| o.0.to_string())
            .unwrap_or_default(),
        particuliers: Some("1".into()),
        ..Default::default()
    };
    render(&form_page(&state, &page, None, v, None).await?)
}

const DUPLICATE: &str = "ce ministère suit déjà une démarche de ce nom";

pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<DemarcheForm>,
) -> Result<Response, PageError> {
    let fields = match f.fields() {
        Ok(x) => x,
        Err(e) => {
            let view = form_page(&state, &page, None, f, Some(&e)).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    if !allows(
        Some(page.actor()),
        Access::Write,
        &demarche_resource(fields.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    match demarches::create(&mut tx, &page.audit(), &fields).await {
        Ok(d) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/demarches/{}?ok=cree", d.id)).into_response())
        }
        Err(StoreError::Duplicate { .. }) => {
            let e = ValidationError::new("name", DUPLICATE);
            let view = form_page(&state, &page, None, f, Some(&e)).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let d = writable(&state, &page, id).await?;
    let has = |a: &str| d.audiences.iter().any(|x| x == a).then(|| "1".to_owned());
    let v = DemarcheForm {
        organisation_id: d.organisation_id.0.to_string(),
        administration: d.administration.clone(),
        name: d.name.clone(),
        particuliers: has("particuliers"),
        professionnels: has("professionnels"),
        associations: has("associations"),
        collectivites: has("collectivites"),
        url: d.url.clone(),
        annual_volume: d.annual_volume.map(|v| v.to_string()).unwrap_or_default(),
        online_volume: d.online_volume.map(|v| v.to_string()).unwrap_or_default(),
        online_since: d.online_since.map(|v| v.to_string()).unwrap_or_default(),
        version: d.version,
    };
    render(&form_page(&state, &page, Some(id), v, None).await?)
}

pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<DemarcheForm>,
) -> Result<Response, PageError> {
    writable(&state, &page, id).await?;
    let fields = match f.fields() {
        Ok(x) => x,
        Err(e) => {
            let view = form_page(&state, &page, Some(id), f, Some(&e)).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    if !allows(
        Some(page.actor()),
        Access::Write,
        &demarche_resource(fields.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    match demarches::update(&mut tx, &page.audit(), id, f.version, &fields).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/demarches/{id}?ok=enregistre")).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            let changes = cosinum_store::audit::changes_since(
                &state.db,
                demarches::OBJECT_TYPE,
                id,
                f.version,
            )
            .await?;
            let mut f = f;
            f.version = demarches::get(&state.db, id).await?.version;
            let mut view = form_page(&state, &page, Some(id), f, None).await?;
            view.conflict = super::history::change_views(&changes);
            view.has_conflict = true;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(StoreError::Duplicate { .. }) => {
            let e = ValidationError::new("name", DUPLICATE);
            let view = form_page(&state, &page, Some(id), f, Some(&e)).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct EditionQuery {
    edition: Option<String>,
}

/// One input of the values form.
struct ValueInput {
    slug: &'static str,
    label: &'static str,
    hint: String,
    value: String,
    expected: String,
}

#[derive(Template)]
#[template(path = "demarches/values.html")]
struct ValuesPage {
    layout: Layout,
    id: i64,
    name: String,
    edition: String,
    edition_fr: String,
    method_label: &'static str,
    inputs: Vec<ValueInput>,
    error_field: String,
    error_message: String,
    conflict: Vec<super::history::ChangeView>,
    has_conflict: bool,
}

async fn values_page(
    state: &AppState,
    page: &SignedPage,
    d: &Demarche,
    edition: Option<time::Date>,
    typed: Option<&[(String, String)]>,
    error: Option<&ValidationError>,
) -> Result<ValuesPage, PageError> {
    let (e, m) = find_edition(state, edition).await?;
    let stored = demarches::raw_values(&state.db, e.edition_date).await?;
    let typed_value =
        |name: &str| typed.and_then(|t| t.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
    let inputs = m
        .indicators
        .iter()
        .map(|i| {
            let current = stored
                .get(&(d.id, i.slug.to_owned()))
                .cloned()
                .unwrap_or_default();
            ValueInput {
                slug: i.slug,
                label: i.label_fr,
                hint: hint(i),
                value: typed_value(&format!("v_{}", i.slug)).unwrap_or_else(|| current.clone()),
                expected: typed_value(&format!("e_{}", i.slug)).unwrap_or(current),
            }
        })
        .collect();
    let heading = format!("Valeurs de l'édition du {}", fr_date(e.edition_date));
    Ok(ValuesPage {
        layout: Layout::new(
            &page.ctx,
            format!("{heading} — {}", d.name),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Démarches en ligne", "/demarches"),
                Crumb::link(d.name.clone(), format!("/demarches/{}", d.id)),
                Crumb::here(heading),
            ],
        ),
        id: d.id,
        name: d.name.clone(),
        edition: e.edition_date.to_string(),
        edition_fr: fr_date(e.edition_date),
        method_label: m.label_fr,
        inputs,
        error_field: error.map(|e| e.field.clone()).unwrap_or_default(),
        error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
        conflict: Vec::new(),
        has_conflict: false,
    })
}

fn edition_param(s: Option<&str>) -> Result<Option<time::Date>, PageError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("Date d'édition invalide : {s}")).into()),
    }
}

pub async fn values_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<EditionQuery>,
) -> Result<Response, PageError> {
    let d = writable(&state, &page, id).await?;
    let edition = edition_param(q.edition.as_deref())?;
    render(&values_page(&state, &page, &d, edition, None, None).await?)
}

/// Saves a démarche's values: all checked first, nothing written on error;
/// refused if someone changed one of them since the form was opened.
pub async fn save_values(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let d = writable(&state, &page, id).await?;
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let edition = edition_param(get("edition").as_deref())?
        .ok_or_else(|| AppError::BadRequest("Édition manquante.".into()))?;
    let (e, m) = find_edition(&state, Some(edition)).await?;
    let entries = m.indicators.iter().filter_map(|i| {
        let raw = get(&format!("v_{}", i.slug))?;
        Some((
            i.slug.to_owned(),
            raw,
            Some(get(&format!("e_{}", i.slug)).unwrap_or_default()),
        ))
    });
    let values = match check_values(m, d.id, entries) {
        Ok(v) => v,
        Err(AppError::Invalid(err)) => {
            let view =
                values_page(&state, &page, &d, Some(edition), Some(&form), Some(&err)).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
        Err(other) => return Err(other.into()),
    };
    let mut tx = state.db.begin().await?;
    match demarches::write_values(&mut tx, &page.audit(), e.id, &values).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/demarches/{id}?ok=enregistre")).into_response())
        }
        Err(StoreError::Stale(what)) => {
            drop(tx);
            let err = ValidationError::new(
                "conflit",
                format!(
                    "{what}. Vos saisies sont conservées ci-dessous : vérifiez-les puis enregistrez à nouveau."
                ),
            );
            // Keep what was typed, but compare with the values stored now.
            let kept: Vec<(String, String)> = form
                .into_iter()
                .filter(|(k, _)| !k.starts_with("e_"))
                .collect();
            let view =
                values_page(&state, &page, &d, Some(edition), Some(&kept), Some(&err)).await?;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(e) => Err(e.into()),
    }
}
