//! The register of decisions across every session: each decision with its
//! session, point, owner, follow-up alerts, searchable by words, owner,
//! status, alert and object. The actions dashboard and the object pages
//! read it too.

use std::collections::HashMap;

use cosinum_domain::committee::decisions::Status;
use cosinum_store::committee::decisions::Decision;
use cosinum_store::committee::{self as store, Session};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::IntoParams;

use super::documents::{decision_alerts, owner_labels, reference};
use crate::AppState;
use crate::error::AppError;

/// A decision as listed.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterLine {
    #[serde(flatten)]
    pub decision: Decision,
    /// How the decision is cited ("S3-2-1").
    pub reference: String,
    pub session_title: String,
    pub held_on: Date,
    pub point_title: String,
    pub owner_code: String,
    pub owner_name: String,
    pub status_label: &'static str,
    /// "En retard", "Point d'avancement manquant".
    pub alerts: Vec<&'static str>,
    /// The date by which the next progress note is expected (open decisions).
    pub next_update_due: Option<Date>,
}

/// Filters of the register (all optional, combined).
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct RegisterFilter {
    /// Words that must all appear in the decision, its point or its objects
    /// (accents and case ignored).
    pub q: Option<String>,
    /// `open`, `in_progress`, `done`, `cancelled`, or `pending` (open or in progress).
    pub status: Option<String>,
    /// The owner organisation's code.
    pub owner: Option<String>,
    /// Only decisions with an alert.
    pub alert: Option<bool>,
    pub session: Option<i64>,
    /// Only decisions about this object (`project:12`).
    pub object: Option<String>,
}

/// Lowercase without accents, so « echeance » finds « échéance ».
pub fn fold(s: &str) -> String {
    s.replace(['œ', 'Œ'], "oe")
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

struct Context {
    sessions: HashMap<i64, Session>,
    points: HashMap<i64, (String, Vec<cosinum_store::committee::points::Point>)>,
    owners: HashMap<i64, (String, String)>,
}

async fn context(state: &AppState) -> Result<Context, AppError> {
    let sessions: HashMap<i64, Session> = store::sessions(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut points = HashMap::new();
    for id in sessions.keys() {
        let all = store::points::for_session(&state.db, *id).await?;
        for p in &all {
            points.insert(p.id, (p.title.clone(), all.clone()));
        }
    }
    Ok(Context {
        sessions,
        points,
        owners: owner_labels(state).await?,
    })
}

fn to_line(ctx: &Context, d: Decision, today: Date) -> Option<RegisterLine> {
    let s = ctx.sessions.get(&d.session_id)?;
    let (point_title, siblings) = ctx.points.get(&d.point_id)?;
    let (owner_code, owner_name) = ctx.owners.get(&d.owner_id.0).cloned().unwrap_or_default();
    let f = super::documents::follow_up(&d, s.held_on);
    Some(RegisterLine {
        reference: reference(&d, siblings),
        session_title: s.title.clone(),
        held_on: s.held_on,
        point_title: point_title.clone(),
        owner_code,
        owner_name,
        status_label: d.status.label_fr(),
        alerts: decision_alerts(&d, s.held_on, today),
        next_update_due: d
            .status
            .is_open()
            .then(|| cosinum_domain::committee::decisions::next_update_due(&f)),
        decision: d,
    })
}

/// One decision as listed in the register.
pub async fn line(state: &AppState, id: i64, today: Date) -> Result<RegisterLine, AppError> {
    let d = store::decisions::get(&state.db, id).await?;
    let ctx = context(state).await?;
    to_line(&ctx, d, today).ok_or(AppError::NotFound)
}

/// The decisions matching `f`, newest session first.
pub async fn search(
    state: &AppState,
    f: &RegisterFilter,
    today: Date,
) -> Result<Vec<RegisterLine>, AppError> {
    let decisions = match f.object.as_deref().filter(|o| !o.trim().is_empty()) {
        Some(o) => {
            let (kind, id) =
                cosinum_domain::committee::ObjectRef::parse_key(o).ok_or_else(|| {
                    AppError::BadRequest(format!("Objet invalide : {o} (attendu : type:numéro)"))
                })?;
            store::decisions::for_object(&state.db, &kind, id).await?
        }
        None => store::decisions::all(&state.db).await?,
    };
    let status = match f.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some("pending") => Some(None),
        Some(s) => {
            Some(Some(Status::parse(s).ok_or_else(|| {
                AppError::BadRequest(format!("Statut inconnu : {s}"))
            })?))
        }
    };
    // Object pages (every project, application… page) ask for their
    // decisions and most have none: skip loading every session's points.
    if decisions.is_empty() {
        return Ok(Vec::new());
    }
    let words: Vec<String> =
        f.q.as_deref()
            .map(fold)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
    let owner = f
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_uppercase);
    let ctx = context(state).await?;
    Ok(decisions
        .into_iter()
        .filter(|d| f.session.is_none_or(|s| d.session_id == s))
        .filter(|d| match status {
            None => true,
            Some(None) => d.status.is_open(),
            Some(Some(s)) => d.status == s,
        })
        .filter_map(|d| to_line(&ctx, d, today))
        .filter(|l| owner.as_deref().is_none_or(|o| l.owner_code == o))
        .filter(|l| !f.alert.unwrap_or(false) || !l.alerts.is_empty())
        .filter(|l| {
            if words.is_empty() {
                return true;
            }
            let objects: Vec<&str> = l
                .decision
                .objects
                .iter()
                .map(|o| o.label.as_str())
                .collect();
            let hay = fold(&format!(
                "{} {} {} {} {}",
                l.decision.text,
                l.point_title,
                l.owner_code,
                l.owner_name,
                objects.join(" ")
            ));
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(
            fold("Échéance À RESPECTER, cœur"),
            "echeance a respecter, coeur"
        );
    }
}
