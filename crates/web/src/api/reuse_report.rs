//! `GET /api/v1/reuse/duplicates`: the duplicates report for the committee
//! — pairs of similar efforts in different ministries, ranked by
//! similarity then by the amount at stake, with the verdicts given on them
//! — in JSON, CSV or Excel.

use axum::Json;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use cosinum_domain::authz::Actor;
use cosinum_domain::reuse::feedback::Verdict;
use cosinum_io::xlsx_out::{Cell, write_xlsx};
use cosinum_search::{Kind, Pair, PairOptions};
use cosinum_store::reuse_feedback::Feedback;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::search::visible_ministries;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DuplicatesParams {
    /// Lowest similarity reported, 0–1 (default 0.1).
    pub threshold: Option<f32>,
    /// Only pairs with an object of this kind (`project`, `application`,
    /// `funding_application`, `plan_line`).
    pub kind: Option<String>,
    /// Only pairs involving this ministry (its code).
    pub ministry: Option<String>,
    /// Also list the pairs judged not relevant (default: counted, not listed).
    pub include_dismissed: Option<bool>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// A pair with the verdicts given on it, in either direction.
#[derive(Serialize)]
pub struct JudgedPair {
    #[serde(flatten)]
    pub pair: Pair,
    pub verdicts: Vec<Feedback>,
}

/// The report.
#[derive(Serialize, ToSchema)]
pub struct Duplicates {
    pub threshold: f32,
    #[schema(value_type = Vec<Object>)]
    pub pairs: Vec<JudgedPair>,
    /// Pairs judged not relevant (left out unless asked for).
    pub dismissed: usize,
    /// Sum of the amounts at stake of the pairs listed, euros.
    pub total_at_stake: i64,
}

/// Builds the report for `actor` (pairs whose both sides they read).
pub async fn duplicates_of(
    state: &AppState,
    actor: &Actor,
    p: &DuplicatesParams,
) -> Result<Duplicates, AppError> {
    let threshold = p.threshold.unwrap_or(PairOptions::default().threshold);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(AppError::BadRequest(format!(
            "Seuil invalide : {threshold} (entre 0 et 1)"
        )));
    }
    let kind = match p.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(
            Kind::parse(k).ok_or_else(|| AppError::BadRequest(format!("Type inconnu : {k}")))?,
        ),
    };
    let ministry = p.ministry.clone().filter(|m| !m.is_empty());
    let visible = visible_ministries(state, actor).await?;
    let options = PairOptions {
        threshold,
        ..PairOptions::default()
    };
    let pairs = state.search.pairs(&state.db, visible, options).await?;
    let feedback = cosinum_store::reuse_feedback::all(&state.db).await?;
    let on = |f: &Feedback, a: &cosinum_search::Doc, b: &cosinum_search::Doc| {
        f.source_kind == a.kind.as_str()
            && f.source_id == a.id
            && f.candidate_kind == b.kind.as_str()
            && f.candidate_id == b.id
    };
    let mut dismissed = 0;
    let mut out = Vec::new();
    for pair in pairs {
        let sides = [&pair.a, &pair.b];
        if kind.is_some_and(|k| sides.iter().all(|d| d.kind != k))
            || ministry
                .as_ref()
                .is_some_and(|m| sides.iter().all(|d| d.ministry != *m))
        {
            continue;
        }
        let verdicts: Vec<Feedback> = feedback
            .iter()
            .filter(|f| on(f, &pair.a, &pair.b) || on(f, &pair.b, &pair.a))
            .cloned()
            .collect();
        if verdicts.iter().any(|f| f.verdict == Verdict::NotRelevant) {
            dismissed += 1;
            if !p.include_dismissed.unwrap_or(false) {
                continue;
            }
        }
        out.push(JudgedPair { pair, verdicts });
    }
    Ok(Duplicates {
        threshold,
        total_at_stake: out.iter().filter_map(|p| p.pair.amount_at_stake).sum(),
        pairs: out,
        dismissed,
    })
}

const HEADER: [&str; 13] = [
    "Rang",
    "Similarité (%)",
    "Ministère A",
    "Type A",
    "Objet A",
    "Ministère B",
    "Type B",
    "Objet B",
    "Même zone fonctionnelle",
    "Mots communs",
    "Montant A (€)",
    "Montant B (€)",
    "Montant en jeu (€)",
];

fn cells(rank: usize, p: &JudgedPair) -> Vec<Cell> {
    let amount = |a: Option<i64>| a.map_or(Cell::Empty, |v| Cell::Number(v as f64));
    let pair = &p.pair;
    vec![
        Cell::Number(rank as f64),
        Cell::Number((f64::from(pair.similarity) * 100.0).round()),
        Cell::Text(pair.a.ministry.clone()),
        Cell::Text(pair.a.kind.label_fr().to_owned()),
        Cell::Text(pair.a.title.clone()),
        Cell::Text(pair.b.ministry.clone()),
        Cell::Text(pair.b.kind.label_fr().to_owned()),
        Cell::Text(pair.b.title.clone()),
        Cell::Text(if pair.same_zone { "oui" } else { "non" }.to_owned()),
        Cell::Text(pair.shared_terms.join(", ")),
        amount(pair.a.amount),
        amount(pair.b.amount),
        amount(pair.amount_at_stake),
    ]
}

/// Similar efforts in different ministries, ranked: by similarity (cosine
/// of the TF-IDF vectors of the two descriptions), then by the amount at
/// stake (the smaller of the two amounts). Pairs judged not relevant are
/// counted, and listed only on request.
#[utoipa::path(get, path = "/api/v1/reuse/duplicates", tag = "reuse", params(DuplicatesParams), security(("bearer" = [])),
    responses((status = 200, body = Duplicates), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn duplicates(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<DuplicatesParams>,
) -> Result<Response, ApiError> {
    let report = duplicates_of(&state, caller.actor(), &p).await?;
    let rows: Vec<Vec<Cell>> = report
        .pairs
        .iter()
        .enumerate()
        .map(|(i, p)| cells(i + 1, p))
        .collect();
    let attachment = |ext: &str| format!("attachment; filename=\"doublons.{ext}\"");
    match p.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(report).into_response()),
        "csv" => {
            let mut out = Vec::new();
            cosinum_io::csv_out::write_csv(
                &mut out,
                &HEADER,
                rows.iter().map(|r| r.iter().map(Cell::csv_text).collect()),
            )
            .map_err(anyhow::Error::from)?;
            Ok((
                [
                    (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (CONTENT_DISPOSITION, attachment("csv")),
                ],
                out,
            )
                .into_response())
        }
        "xlsx" => {
            let notes = vec![
                format!(
                    "Paires d'efforts similaires dans des ministères différents, seuil de similarité {} %.",
                    (report.threshold * 100.0).round()
                ),
                "Similarité : cosinus des vecteurs TF-IDF des deux descriptions (intitulé compté deux fois).".to_owned(),
                "Montant en jeu : le plus petit des deux montants, ce qu'une réutilisation éviterait au moins de dépenser deux fois.".to_owned(),
                format!("{} paire(s) jugée(s) non pertinente(s) non listée(s).", report.dismissed),
            ];
            let bytes = write_xlsx("Doublons", &HEADER, &rows, &notes)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok((
                [
                    (
                        CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (CONTENT_DISPOSITION, attachment("xlsx")),
                ],
                bytes,
            )
                .into_response())
        }
        other => Err(
            AppError::BadRequest(format!("Format inconnu : {other} (json, csv ou xlsx)")).into(),
        ),
    }
}
