//! Key figures of the public pages, computed from a published [`Table`] only
//! (never from live data): what is withheld or internal cannot leak into a
//! total, and a figure always agrees with the file it comes from.

use serde::Serialize;

use super::Table;
use crate::demarches::method::{Colour, Method};

/// The panorama's key figures (MP §1.4 « chiffres clés »).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanoramaFigures {
    /// « Nombre de projets référencés ».
    pub projects: usize,
    /// « Nombre de projets interministériels » (count of « Oui »).
    pub interministerial: usize,
    /// Sum of the published estimated costs, in M€: projects in cadrage or
    /// with withheld figures publish none, so they are left out, as the
    /// DINUM's definition says.
    pub total_cost_meur: f64,
    /// Projects counted in the total.
    pub costed_projects: usize,
    /// Mean of the published durations, in years.
    pub mean_duration_years: Option<f64>,
    /// Per ministry (sigle): projects and published cost, largest cost first.
    pub by_ministry: Vec<(String, usize, f64)>,
    /// Per phase: projects, in the order phases first appear.
    pub by_phase: Vec<(String, usize)>,
}

/// The panorama's key figures from its public table. A column closed by
/// the rules simply contributes nothing.
pub fn panorama(table: &Table) -> PanoramaFigures {
    let mut out = PanoramaFigures {
        projects: table.rows.len(),
        interministerial: 0,
        total_cost_meur: 0.0,
        costed_projects: 0,
        mean_duration_years: None,
        by_ministry: Vec::new(),
        by_phase: Vec::new(),
    };
    let mut durations = Vec::new();
    for row in &table.rows {
        let get = |k: &str| table.value(row, k);
        if matches!(get("interministeriel"), Some(super::Value::Bool(true))) {
            out.interministerial += 1;
        }
        let cost = get("cout_estime").and_then(super::Value::as_number);
        if let Some(c) = cost {
            out.total_cost_meur += c;
            out.costed_projects += 1;
        }
        if let Some(d) = get("duree").and_then(super::Value::as_number) {
            durations.push(d);
        }
        let ministry = get("ministere_porteur")
            .and_then(super::Value::as_text)
            .unwrap_or("—")
            .to_owned();
        match out.by_ministry.iter_mut().find(|(m, _, _)| *m == ministry) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 += cost.unwrap_or(0.0);
            }
            None => out.by_ministry.push((ministry, 1, cost.unwrap_or(0.0))),
        }
        if let Some(phase) = get("phase").and_then(super::Value::as_text) {
            match out.by_phase.iter_mut().find(|(p, _)| p == phase) {
                Some(entry) => entry.1 += 1,
                None => out.by_phase.push((phase.to_owned(), 1)),
            }
        }
    }
    if !durations.is_empty() {
        out.mean_duration_years = Some(durations.iter().sum::<f64>() / durations.len() as f64);
    }
    out.by_ministry
        .sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The published level of an indicator in a row, read back against the
/// method: its colour and whether it is the goal (DM §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PublishedLevel {
    pub colour: Colour,
    pub goal: bool,
}

/// The level labelled `label` of indicator `slug` under `method`.
pub fn level_of(method: &Method, slug: &str, label: &str) -> Option<PublishedLevel> {
    let level = method
        .indicator(slug)?
        .levels
        .iter()
        .find(|l| l.label_fr == label)?;
    Some(PublishedLevel {
        colour: level.colour,
        goal: level.goal,
    })
}

/// One indicator's share of démarches at goal, over the rows where the
/// indicator was assessed to a level (DM §1.6: « non applicable » and
/// not-yet-measured values are left out of the denominator).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalShare {
    pub slug: String,
    pub label: String,
    pub at_goal: usize,
    pub assessed: usize,
}

impl GoalShare {
    /// The share in percent, `None` when nothing was assessed.
    pub fn percent(&self) -> Option<f64> {
        (self.assessed > 0).then(|| 100.0 * self.at_goal as f64 / self.assessed as f64)
    }
}

/// Goal shares of each published indicator that has a goal, over the rows
/// `keep` accepts (all of them, or one ministry's).
pub fn goal_shares(
    method: &Method,
    table: &Table,
    keep: impl Fn(&super::Row) -> bool,
) -> Vec<GoalShare> {
    method
        .indicators
        .iter()
        .filter(|i| i.has_goal())
        .filter_map(|i| {
            let key = format!("{}.niveau", i.slug);
            if !table.has_field(&key) {
                return None;
            }
            let mut share = GoalShare {
                slug: i.slug.to_owned(),
                label: i.label_fr.to_owned(),
                at_goal: 0,
                assessed: 0,
            };
            for row in table.rows.iter().filter(|r| keep(r)) {
                let level = table
                    .value(row, &key)
                    .and_then(super::Value::as_text)
                    .and_then(|l| level_of(method, i.slug, l));
                if let Some(level) = level {
                    share.assessed += 1;
                    share.at_goal += usize::from(level.goal);
                }
            }
            Some(share)
        })
        .collect()
}
