//! Organisations pages: the directory as a tree, one organisation, its forms.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::authz::{Access, Resource, allows};
use cosinum_domain::organisation::{OrgKind, Organisation, OrganisationInput, tree_order};
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::{audit, organisations};
use serde::Deserialize;

use super::history::{ChangeView, change_views};
use super::{Crumb, Layout, fr_date, render, render_status};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

/// One line of the directory table.
struct OrgLine {
    id: i64,
    code: String,
    name: String,
    kind: &'static str,
    depth: usize,
    validity: String,
    archived: bool,
}

fn validity(o: &Organisation) -> String {
    match o.valid_to {
        Some(end) => format!("du {} au {}", fr_date(o.valid_from), fr_date(end)),
        None => format!("depuis le {}", fr_date(o.valid_from)),
    }
}

#[derive(Template)]
#[template(path = "organisations/list.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<OrgLine>,
    include_archived: bool,
    can_create: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    archives: Option<String>,
    ok: Option<String>,
}

/// Whether the actor may create at least one organisation somewhere.
fn can_create_any(page: &SignedPage, orgs: &[Organisation]) -> bool {
    let actor = Some(page.actor());
    allows(actor, Access::Write, &Resource::organisation_record(None))
        || orgs.iter().any(|o| {
            allows(
                actor,
                Access::Write,
                &Resource::organisation_record(Some(o.id)),
            )
        })
}

pub async fn list(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require(&page, Access::Read, &Resource::organisation_directory())?;
    let include_archived = q.archives.is_some();
    let orgs = organisations::list(&state.db, include_archived).await?;
    let lines = tree_order(&orgs)
        .into_iter()
        .map(|(depth, o)| OrgLine {
            id: o.id.0,
            code: o.code.clone(),
            name: o.name.clone(),
            kind: o.kind.label_fr(),
            depth: depth.min(3),
            validity: validity(o),
            archived: o.archived,
        })
        .collect();
    let layout = Layout::new(
        &page.ctx,
        "Organisations",
        vec![Crumb::link("Accueil", "/"), Crumb::here("Organisations")],
    )
    .with_notice(q.ok.as_deref());
    render(&ListPage {
        layout,
        lines,
        include_archived,
        can_create: can_create_any(&page, &orgs),
    })
}

fn require(page: &SignedPage, access: Access, resource: &Resource) -> Result<(), PageError> {
    if allows(Some(page.actor()), access, resource) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

#[derive(Template)]
#[template(path = "organisations/show.html")]
struct ShowPage {
    layout: Layout,
    org: Organisation,
    kind: &'static str,
    validity: String,
    parent: Option<Organisation>,
    children: Vec<Organisation>,
    can_write: bool,
    /// The committee's decisions this organisation owns or that concern it.
    committee: Vec<super::committee_decisions::LineView>,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    ok: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    require(&page, Access::Read, &Resource::organisation_directory())?;
    let db = &state.db;
    let org = organisations::get(db, OrgId(id)).await?;
    let parent = match org.parent_id {
        Some(p) => Some(organisations::get(db, p).await?),
        None => None,
    };
    let mut children: Vec<Organisation> = organisations::list(db, true)
        .await?
        .into_iter()
        .filter(|o| o.parent_id == Some(org.id))
        .collect();
    children.sort_by(|a, b| a.name.cmp(&b.name));
    let can_write = allows(
        Some(page.actor()),
        Access::Write,
        &Resource::organisation_record(org.parent_id),
    );
    let layout = Layout::new(
        &page.ctx,
        org.name.clone(),
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Organisations", "/organisations"),
            Crumb::here(org.code.clone()),
        ],
    )
    .with_notice(q.ok.as_deref());
    let committee = super::committee_decisions::of_organisation(&state, id, &org.code).await?;
    render(&ShowPage {
        committee,
        layout,
        kind: org.kind.label_fr(),
        validity: validity(&org),
        org,
        parent,
        children,
        can_write,
    })
}

/// An option of a `<select>`.
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A select's options: "none" first (selected when `selected` is empty),
/// then each `(value, label)`.
pub fn optional_options(
    none_label: &str,
    selected: &str,
    items: impl IntoIterator<Item = (String, String)>,
) -> Vec<SelectOption> {
    let mut out = vec![SelectOption {
        value: String::new(),
        label: none_label.to_owned(),
        selected: selected.is_empty(),
    }];
    out.extend(items.into_iter().map(|(value, label)| SelectOption {
        selected: value == selected,
        value,
        label,
    }));
    out
}

/// What the form shows: the values typed (or stored) and, after a refused
/// submission, why.
#[derive(Default)]
struct FormValues {
    code: String,
    name: String,
    kind: String,
    parent_id: String,
    valid_from: String,
    valid_to: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "organisations/form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    heading: String,
    values: FormValues,
    kinds: Vec<SelectOption>,
    parents: Vec<SelectOption>,
    error_field: String,
    error_message: String,
    /// Set when the submission was refused because someone else changed the object.
    conflict: Vec<ChangeView>,
    has_conflict: bool,
}

impl FormPage {
    async fn build(
        state: &AppState,
        page: &SignedPage,
        existing: Option<&Organisation>,
        values: FormValues,
    ) -> Result<Self, PageError> {
        let actor = Some(page.actor());
        let orgs = state.organisations(false).await?;
        let mut parents = Vec::new();
        if allows(actor, Access::Write, &Resource::organisation_record(None)) {
            parents.push(SelectOption {
                value: String::new(),
                label: "Aucune (ministère)".into(),
                selected: values.parent_id.is_empty(),
            });
        }
        for (depth, o) in tree_order(&orgs) {
            let is_self = existing.is_some_and(|e| e.id == o.id);
            if is_self
                || !allows(
                    actor,
                    Access::Write,
                    &Resource::organisation_record(Some(o.id)),
                )
            {
                continue;
            }
            parents.push(SelectOption {
                value: o.id.0.to_string(),
                label: format!("{}{} — {}", "  ".repeat(depth), o.code, o.name),
                selected: values.parent_id == o.id.0.to_string(),
            });
        }
        let kinds = OrgKind::ALL
            .iter()
            .map(|k| SelectOption {
                value: k.as_str().into(),
                label: k.label_fr().into(),
                selected: values.kind == k.as_str(),
            })
            .collect();
        let (title, action, mut crumbs) = match existing {
            Some(o) => (
                format!("Modifier {}", o.code),
                format!("/organisations/{}/modifier", o.id),
                vec![Crumb::link(
                    o.code.clone(),
                    format!("/organisations/{}", o.id),
                )],
            ),
            None => (
                "Nouvelle organisation".to_owned(),
                "/organisations".to_owned(),
                vec![],
            ),
        };
        let mut breadcrumbs = vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Organisations", "/organisations"),
        ];
        breadcrumbs.append(&mut crumbs);
        breadcrumbs.push(Crumb::here(title.clone()));
        Ok(Self {
            layout: Layout::new(&page.ctx, title.clone(), breadcrumbs),
            action,
            heading: title,
            values,
            kinds,
            parents,
            error_field: String::new(),
            error_message: String::new(),
            conflict: Vec::new(),
            has_conflict: false,
        })
    }

    fn with_error(mut self, e: &ValidationError) -> Self {
        self.error_field = e.field.clone();
        self.error_message = e.message.clone();
        self
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    page: SignedPage,
) -> Result<Response, PageError> {
    let form = FormPage::build(
        &state,
        &page,
        None,
        FormValues {
            kind: "direction".into(),
            ..Default::default()
        },
    )
    .await?;
    if form.parents.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    render(&form)
}

/// The organisation form as posted.
#[derive(Deserialize)]
pub struct OrgForm {
    code: String,
    name: String,
    kind: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    version: i64,
}

impl OrgForm {
    fn values(&self) -> FormValues {
        FormValues {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            parent_id: self.parent_id.clone(),
            valid_from: self.valid_from.clone(),
            valid_to: self.valid_to.clone(),
            version: self.version,
        }
    }

    fn input(&self) -> Result<OrganisationInput, ValidationError> {
        let date = |field: &str, v: &str| -> Result<Option<time::Date>, ValidationError> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            time::Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
                .map(Some)
                .map_err(|_| {
                    ValidationError::new(field, "date invalide (format attendu : AAAA-MM-JJ)")
                })
        };
        let parent_id = match self.parent_id.trim() {
            "" => None,
            p => Some(
                p.parse()
                    .map_err(|_| ValidationError::new("parent_id", "organisation inconnue"))?,
            ),
        };
        Ok(OrganisationInput {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            parent_id,
            valid_from: date("valid_from", &self.valid_from)?,
            valid_to: date("valid_to", &self.valid_to)?,
        })
    }
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Form(form): Form<OrgForm>,
) -> Result<Response, PageError> {
    let fields = match form.input().and_then(|i| i.validate(today())) {
        Ok(f) => f,
        Err(e) => {
            let view = FormPage::build(&state, &page, None, form.values())
                .await?
                .with_error(&e);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    require(
        &page,
        Access::Write,
        &Resource::organisation_record(fields.parent_id),
    )?;
    let mut tx = state.db.begin().await?;
    match organisations::create(&mut tx, &page.audit(), &fields).await {
        Ok(org) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/organisations/{}?ok=cree", org.id)).into_response())
        }
        Err(cosinum_store::StoreError::Invalid(e)) => {
            form_error(&state, &page, None, &form, &e).await
        }
        Err(cosinum_store::StoreError::Duplicate { field }) => {
            let e = ValidationError::new(field, "cette valeur est déjà utilisée");
            form_error(&state, &page, None, &form, &e).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn form_error(
    state: &AppState,
    page: &SignedPage,
    existing: Option<&Organisation>,
    form: &OrgForm,
    e: &ValidationError,
) -> Result<Response, PageError> {
    let view = FormPage::build(state, page, existing, form.values())
        .await?
        .with_error(e);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let org = organisations::get(&state.db, OrgId(id)).await?;
    require(
        &page,
        Access::Write,
        &Resource::organisation_record(org.parent_id),
    )?;
    let values = FormValues {
        code: org.code.clone(),
        name: org.name.clone(),
        kind: org.kind.as_str().into(),
        parent_id: org.parent_id.map(|p| p.0.to_string()).unwrap_or_default(),
        valid_from: org.valid_from.to_string(),
        valid_to: org.valid_to.map(|d| d.to_string()).unwrap_or_default(),
        version: org.version,
    };
    render(&FormPage::build(&state, &page, Some(&org), values).await?)
}

pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(form): Form<OrgForm>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let current = organisations::get(db, OrgId(id)).await?;
    require(
        &page,
        Access::Write,
        &Resource::organisation_record(current.parent_id),
    )?;
    let fields = match form.input().and_then(|i| i.validate(today())) {
        Ok(f) => f,
        Err(e) => return form_error(&state, &page, Some(&current), &form, &e).await,
    };
    // Moving an organisation needs the right to write under its new parent too.
    require(
        &page,
        Access::Write,
        &Resource::organisation_record(fields.parent_id),
    )?;
    let mut tx = db.begin().await?;
    match organisations::update(&mut tx, &page.audit(), OrgId(id), form.version, &fields).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/organisations/{id}?ok=enregistre")).into_response())
        }
        Err(cosinum_store::StoreError::Conflict { .. }) => {
            drop(tx);
            // Show what the other person changed; keep what this user typed,
            // and let them submit again knowingly against the current version.
            let changes =
                audit::changes_since(db, organisations::OBJECT_TYPE, id, form.version).await?;
            let latest = organisations::get(db, OrgId(id)).await?;
            let mut values = form.values();
            values.version = latest.version;
            let mut view = FormPage::build(&state, &page, Some(&latest), values).await?;
            view.conflict = change_views(&changes);
            view.has_conflict = true;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(cosinum_store::StoreError::Invalid(e)) => {
            form_error(&state, &page, Some(&current), &form, &e).await
        }
        Err(cosinum_store::StoreError::Duplicate { field }) => {
            let e = ValidationError::new(field, "cette valeur est déjà utilisée");
            form_error(&state, &page, Some(&current), &form, &e).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct VersionForm {
    version: i64,
}

async fn set_archived(
    state: AppState,
    page: SignedPage,
    id: i64,
    version: i64,
    archived: bool,
) -> Result<Response, PageError> {
    let org = organisations::get(&state.db, OrgId(id)).await?;
    require(
        &page,
        Access::Write,
        &Resource::organisation_record(org.parent_id),
    )?;
    let mut tx = state.db.begin().await?;
    organisations::set_archived(&mut tx, &page.audit(), OrgId(id), version, archived).await?;
    tx.commit().await?;
    let notice = if archived { "archive" } else { "restaure" };
    Ok(Redirect::to(&format!("/organisations/{id}?ok={notice}")).into_response())
}

pub async fn archive(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> Result<Response, PageError> {
    set_archived(state, page, id, form.version, true).await
}

pub async fn restore(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> Result<Response, PageError> {
    set_archived(state, page, id, form.version, false).await
}
