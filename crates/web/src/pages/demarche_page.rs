//! One démarche: its card, each indicator in each edition with its level
//! (one table per method, their indicators differ), and where its ministry
//! stands among the ministries in the latest edition.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::demarches::{Colour, assess, method, parse_raw};
use cosinum_store::demarches;

use super::demarches::{Cell, share_cell};
use super::{Crumb, Layout, NoticeQuery, fr_date, render};
use crate::AppState;
use crate::api::demarches::demarche_resource;
use crate::api::demarches_crud::position_of;
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;

/// One table per method: its title, its indicator columns, and one row per
/// edition (date, ISO date, cells).
type MethodTable = (String, Vec<String>, Vec<(String, String, Vec<Cell>)>);

/// One line of the ministry's position.
struct PositionLine {
    label: String,
    ministry: Cell,
    state: String,
    rank: String,
}

#[derive(Template)]
#[template(path = "demarches/show.html")]
struct DemarchePage {
    layout: Layout,
    /// The committee's decisions about this object.
    committee: Vec<super::committee_decisions::LineView>,
    id: i64,
    name: String,
    ministry: String,
    ministry_code: String,
    administration: String,
    audiences: String,
    url: String,
    volume: String,
    online_rate: String,
    online_since: String,
    can_write: bool,
    tables: Vec<MethodTable>,
    position_edition: String,
    position: Vec<PositionLine>,
}

pub(crate) fn level_class(colour: Option<Colour>) -> &'static str {
    match colour {
        Some(Colour::Green | Colour::Blue) => "cosinum-level-good",
        Some(Colour::Yellow | Colour::Orange) => "cosinum-level-mid",
        Some(Colour::Red) => "cosinum-level-bad",
        _ => "",
    }
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let d = demarches::get(&state.db, id).await?;
    let resource = demarche_resource(d.organisation_id);
    if d.archived || !allows(Some(page.actor()), Access::Read, &resource) {
        return Err(AppError::NotFound.into());
    }
    let org = cosinum_store::organisations::get(&state.db, d.organisation_id).await?;
    let history = demarches::history(&state.db, id).await?;
    let mut tables: Vec<MethodTable> = Vec::new();
    for (date, code, values) in history.iter().rev() {
        let Some(m) = method(code) else { continue };
        if tables.last().is_none_or(|t| t.0 != m.label_fr) {
            tables.push((
                m.label_fr.to_owned(),
                m.indicators.iter().map(|i| i.label_fr.to_owned()).collect(),
                Vec::new(),
            ));
        }
        let cells = m
            .indicators
            .iter()
            .map(|i| {
                let raw = values.get(i.slug).cloned().unwrap_or_default();
                let level = assess(i, &parse_raw(&raw)).code().and_then(|c| i.level(c));
                let text = match level {
                    Some(l) if raw.trim().to_lowercase() != l.label_fr.to_lowercase() => {
                        format!("{raw} ({})", l.label_fr)
                    }
                    Some(_) => raw,
                    None if raw.is_empty() => "—".into(),
                    None => raw,
                };
                Cell {
                    text,
                    class: level_class(level.map(|l| l.colour)),
                }
            })
            .collect();
        if let Some(t) = tables.last_mut() {
            t.2.push((fr_date(*date), date.to_string(), cells));
        }
    }
    let (position_edition, position) = match history.last() {
        Some((date, code, _)) => {
            let m = method(code)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown method {code}")))?;
            let lines = position_of(&state, &d, *date, m)
                .await?
                .into_iter()
                .map(|p| PositionLine {
                    label: m
                        .indicator(p.slug)
                        .map_or(p.slug, |i| i.label_fr)
                        .to_owned()
                        + if p.slug == "online" {
                            " (entièrement en ligne)"
                        } else {
                            ""
                        },
                    ministry: share_cell(p.reached as f64, p.denominator),
                    state: p
                        .state_share
                        .map_or("—".into(), |s| format!("{} %", number(s * 100.0, 0))),
                    rank: p.rank.map_or("—".into(), |r| {
                        format!("{r}{} sur {}", if r == 1 { "ᵉʳ" } else { "ᵉ" }, p.ranked)
                    }),
                })
                .collect();
            (fr_date(*date), lines)
        }
        None => (String::new(), Vec::new()),
    };
    let layout = Layout::new(
        &page.ctx,
        d.name.clone(),
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Démarches en ligne", "/demarches"),
            Crumb::here(d.name.clone()),
        ],
    )
    .with_notice(notice.ok.as_deref());
    render(&DemarchePage {
        layout,
        committee: super::committee_decisions::about(&state, "demarche", d.id).await?,
        id: d.id,
        ministry: format!("{} — {}", org.code, org.name),
        ministry_code: org.code.clone(),
        administration: d.administration.clone(),
        audiences: d.audiences.join(", "),
        url: d.url.clone(),
        volume: d.annual_volume.map_or("—".into(), |v| number(v as f64, 0)),
        online_rate: match (d.online_volume, d.annual_volume) {
            (Some(o), Some(t)) if t > 0 => format!("{} %", number(o as f64 / t as f64 * 100.0, 0)),
            _ => "—".into(),
        },
        online_since: d.online_since.map_or("—".into(), fr_date),
        can_write: allows(Some(page.actor()), Access::Write, &resource),
        tables,
        position_edition,
        position,
        name: d.name,
    })
}
