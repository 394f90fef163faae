//! The history page of any audited object.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use cosinum_domain::authz::{Access, allows};
use cosinum_store::{AuditEntry, audit};
use serde_json::Value;

use super::{Crumb, Layout, fr_datetime, render};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;
use crate::objects;

/// One field change, formatted for people.
pub struct ChangeView {
    pub at: String,
    pub actor: String,
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A JSON value as a person reads it (no quotes, "—" for nothing).
fn readable(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "oui".into(),
        Value::Bool(false) => "non".into(),
        other => other.to_string(),
    }
}

/// Flattens history entries into one line per changed field.
pub fn change_views(entries: &[AuditEntry]) -> Vec<ChangeView> {
    entries
        .iter()
        .flat_map(|e| {
            e.changes.iter().map(move |c| ChangeView {
                at: fr_datetime(e.at),
                actor: e.actor_label.clone(),
                field: c.field.clone(),
                before: readable(&c.before),
                after: readable(&c.after),
            })
        })
        .collect()
}

/// One history entry with its field changes.
struct EntryView {
    at: String,
    actor: String,
    via: String,
    action: &'static str,
    version: i64,
    changes: Vec<ChangeView>,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    layout: Layout,
    label: String,
    kind: &'static str,
    href: Option<String>,
    entries: Vec<EntryView>,
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path((object_type, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let (state, page, object_type) = (&state, &page, object_type.as_str());
    let object = objects::find(&state.db, object_type, id).await?;
    if !allows(Some(page.actor()), Access::Read, &object.resource) {
        return Err(AppError::Forbidden.into());
    }
    let history = audit::history(&state.db, object_type, id).await?;
    let entries = history
        .iter()
        .rev()
        .map(|e| EntryView {
            at: fr_datetime(e.at),
            actor: e.actor_label.clone(),
            via: match e.via.as_str() {
                "web" => "site".into(),
                "api" => "API".into(),
                "cli" => "ligne de commande".into(),
                _ => "plateforme".into(),
            },
            action: e.action.label_fr(),
            version: e.object_version,
            changes: change_views(std::slice::from_ref(e)),
        })
        .collect();
    let mut crumbs = vec![Crumb::link("Accueil", "/")];
    if let Some(href) = &object.href {
        crumbs.push(Crumb::link(object.label.clone(), href.clone()));
    }
    crumbs.push(Crumb::here("Historique"));
    let layout = Layout::new(&page.ctx, format!("Historique — {}", object.label), crumbs);
    render(&HistoryPage {
        layout,
        label: object.label,
        kind: object.kind_label,
        href: object.href,
        entries,
    })
}
