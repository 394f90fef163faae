//! A campaign item's page: last period's values beside the form to update
//! them (a ministry, while the item is editable), the quality flags, the
//! DINUM's comment, and — for the DINUM — accepting or returning it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::campaigns::fields::{FieldKind, Values, fields};
use cosinum_domain::campaigns::{Decision, ItemStatus};
use serde::Deserialize;

use super::campaigns::Notice;
use super::{Crumb, Layout, fr_datetime, render, render_status};
use crate::AppState;
use crate::campaigns::{self, enters, steers};
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

/// One field of the form: key, label, last period's value, current value, help.
struct FieldLine {
    key: &'static str,
    label: &'static str,
    previous: String,
    current: String,
    multiline: bool,
    hint: &'static str,
    flag: String,
}

#[derive(Template)]
#[template(path = "campaigns/item.html")]
struct ItemPage {
    layout: Layout,
    campaign_id: i64,
    id: i64,
    version: i64,
    label: String,
    status: &'static str,
    badge: &'static str,
    fields: Vec<FieldLine>,
    flags: Vec<String>,
    comment: String,
    trail: Vec<(String, String)>,
    can_edit: bool,
    can_decide: bool,
    error: String,
    error_field: String,
}

fn hint(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Phase => {
            "cadrage, conception / réalisation, expérimentation, déploiement, terminé ou abandonné"
        }
        FieldKind::MillionEuros => "en millions d'euros, ex. 12,5",
        FieldKind::Date => "jj/mm/aaaa",
        FieldKind::Rating => "1 (bonne) à 4 (en difficulté)",
        FieldKind::Text => "obligatoire si la dérive dépasse le seuil",
        FieldKind::Indicator => "valeur, niveau, « n/a » ou vide",
        FieldKind::Count => "nombre entier",
        FieldKind::Fte => "équivalents temps plein, ex. 12,5",
    }
}

async fn item_page(
    state: &AppState,
    page: &SignedPage,
    campaign_id: i64,
    id: i64,
    notice: Option<&str>,
    entered: Option<&Values>,
    error: Option<cosinum_domain::ValidationError>,
) -> Result<ItemPage, PageError> {
    let (c, item) = campaigns::item_for(state, page.actor(), campaign_id, id).await?;
    let current = entered.unwrap_or_else(|| item.current_values());
    let lines = fields(c.kind, c.reference_date)
        .into_iter()
        .map(|f| FieldLine {
            key: f.key,
            label: f.label,
            previous: item.previous_values.get(f.key).cloned().unwrap_or_default(),
            current: current.get(f.key).cloned().unwrap_or_default(),
            multiline: f.kind == FieldKind::Text,
            hint: hint(f.kind),
            flag: item
                .flags
                .iter()
                .filter(|x| x.field == f.key)
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    let mut trail = Vec::new();
    if let (Some(at), Some(by)) = (item.received_at, &item.received_by) {
        trail.push((format!("Saisi par {by}"), fr_datetime(at)));
    }
    if let (Some(at), Some(by)) = (item.submitted_at, &item.submitted_by) {
        trail.push((format!("Attesté par {by}"), fr_datetime(at)));
    }
    if let (Some(at), Some(by)) = (item.reviewed_at, &item.reviewed_by) {
        trail.push((
            format!(
                "{} par {by}",
                if item.status == ItemStatus::Accepted {
                    "Accepté"
                } else {
                    "Examiné"
                }
            ),
            fr_datetime(at),
        ));
    }
    let (error, error_field) =
        error.map_or((String::new(), String::new()), |e| (e.message, e.field));
    Ok(ItemPage {
        layout: Layout::new(
            &page.ctx,
            item.label.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Campagnes", "/campagnes"),
                Crumb::link(&c.title, format!("/campagnes/{}", c.id)),
                Crumb::here(&item.label),
            ],
        )
        .with_notice(notice),
        campaign_id: c.id,
        id: item.id,
        version: item.version,
        label: item.label.clone(),
        status: item.status.label_fr(),
        badge: item.status.badge(),
        fields: lines,
        flags: item.flags.iter().map(|f| f.message.clone()).collect(),
        comment: item.review_comment.clone(),
        trail,
        can_edit: c.is_open()
            && item.status.editable()
            && enters(page.actor(), item.organisation_id),
        can_decide: c.is_open() && item.status == ItemStatus::Submitted && steers(page.actor()),
        error,
        error_field,
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path((cid, id)): Path<(i64, i64)>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    render(&item_page(&state, &page, cid, id, q.ok.as_deref(), None, None).await?)
}

/// Saving the form: every field `v_<key>`, plus the version read.
pub async fn save(
    State(state): State<AppState>,
    page: SignedPage,
    Path((cid, id)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let version: i64 = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let values: Values = pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("v_").map(|k| (k.to_owned(), v.clone())))
        .collect();
    match campaigns::save_values(
        &state,
        page.actor(),
        &page.audit(),
        cid,
        id,
        version,
        &values,
    )
    .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/campagnes/{cid}/elements/{id}?ok=enregistre")).into_response(),
        ),
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &item_page(&state, &page, cid, id, None, Some(&values), Some(e)).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    version: i64,
    decision: String,
    #[serde(default)]
    comment: String,
}

pub async fn decide(
    State(state): State<AppState>,
    page: SignedPage,
    Path((cid, id)): Path<(i64, i64)>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let decision = match f.decision.as_str() {
        "accept" => Decision::Accept,
        "return" => Decision::Return,
        _ => return Err(AppError::BadRequest("Décision inconnue".into()).into()),
    };
    match campaigns::review(
        &state,
        page.actor(),
        &page.audit(),
        (cid, id),
        campaigns::Verdict {
            version: f.version,
            decision,
            comment: &f.comment,
        },
    )
    .await
    {
        Ok(_) => {
            let ok = if decision == Decision::Accept {
                "accepte"
            } else {
                "renvoye"
            };
            Ok(Redirect::to(&format!("/campagnes/{cid}?ok={ok}")).into_response())
        }
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &item_page(&state, &page, cid, id, None, None, Some(e)).await?,
        ),
        Err(e) => Err(e.into()),
    }
}
