//! Applying a published edition of the portfolio (a Panorama file): the
//! complete list of projects at its date. All or nothing, audited, and
//! idempotent: importing the same edition twice changes nothing.

use std::collections::{HashMap, HashSet};

use cosinum_domain::OrgId;
use cosinum_domain::organisation::{OrgKind, OrganisationFields, normalise_code};
use cosinum_domain::projects::project::{BaselineFields, ProjectFields, Review, ReviewFields};
use cosinum_domain::projects::{Estimate, Phase};
use time::Date;

use super::{baselines, editions, reviews};
use crate::audit::AuditCtx;
use crate::db::Tx;
use crate::error::StoreResult;
use crate::organisations;

/// The source of reviews coming from published editions: one per project and
/// date, whichever file revision brought it.
pub const SOURCE_PANORAMA: &str = "panorama";

/// One project line of an edition.
#[derive(Debug, Clone)]
pub struct EditionLine {
    /// Line in the file, for messages.
    pub line: usize,
    pub ministry_code: String,
    pub ministry_name: String,
    pub name: String,
    pub interministerial: bool,
    pub description: String,
    pub links: Vec<String>,
    pub functional_zone: String,
    pub funding: String,
    /// `None` when the figures (and phase) are withheld.
    pub estimate: Option<Estimate>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub lines: usize,
    pub projects_created: usize,
    pub reviews_created: usize,
    pub reviews_updated: usize,
    pub reviews_unchanged: usize,
    pub organisations_created: Vec<String>,
    pub baselines_reconstructed: usize,
    pub entered: usize,
    pub exited: usize,
    pub edition_changed: bool,
}

impl ImportOutcome {
    /// Whether the import changed anything at all.
    pub fn changed(&self) -> bool {
        self.projects_created
            + self.reviews_created
            + self.reviews_updated
            + self.baselines_reconstructed
            > 0
            || !self.organisations_created.is_empty()
            || self.edition_changed
    }
}

/// Panorama acronyms of former governments → codes of the referential.
/// Ministries are re-cut at each government: the same portfolio line keeps
/// its ministry through renamings (MP §1.3; helper report on the raw files).
pub const MINISTRY_ALIASES: &[(&str, &str)] = &[
    ("MI", "MININT"),
    ("MCAP", "MEF"),
    ("MEFR", "MEF"),
    ("MINEFI", "MEF"),
    ("MENESR", "MENJ"),
    ("MEN", "MENJ"),
    ("MENJS", "MENJ"),
    ("MINDEF", "MINARM"),
    ("MAR", "MINARM"),
    ("MAAF", "MASA"),
    ("MAA", "MASA"),
    ("MCAS", "MTSS"),
    ("MSS", "MTSS"),
    ("MASS", "MTSS"),
    ("MEEM", "MTE"),
    ("MTES", "MTE"),
    ("MAEDI", "MEAE"),
    ("MEA", "MEAE"),
    ("MCC", "MC"),
    ("PM", "SPM"),
];

/// The referential's code for a ministry acronym, current or former.
pub fn canonical_code(raw: &str) -> String {
    let code = normalise_code(&raw.replace(['/', ' ', '.'], "-"))
        .unwrap_or_else(|_| raw.trim().to_ascii_uppercase());
    MINISTRY_ALIASES
        .iter()
        .find(|(alias, _)| *alias == code)
        .map_or(code, |(_, target)| (*target).to_owned())
}

/// A name compared the way the Panorama's editors retyped it: case and runs
/// of spaces do not matter.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn same_figures(r: &Review, f: &ReviewFields) -> bool {
    r.cost == f.cost
        && r.start == f.start
        && r.forecast_end == f.forecast_end
        && r.phase == f.phase
        && r.figures_withheld == f.figures_withheld
}

/// Applies the edition dated `as_of` from `source` (file name, for the record).
pub async fn apply_edition(
    tx: &mut Tx,
    ctx: &AuditCtx,
    as_of: Date,
    source: &str,
    lines: &[EditionLine],
) -> StoreResult<ImportOutcome> {
    let mut outcome = ImportOutcome {
        lines: lines.len(),
        ..Default::default()
    };
    let mut orgs: HashMap<String, OrgId> = HashMap::new();
    let mut members = Vec::with_capacity(lines.len());
    let mut seen = HashSet::new();
    // Matched in Rust, not with SQL LOWER(): SQLite folds only ASCII, and
    // both backends must match the same names.
    // Former names of merged projects match too; archived records never do.
    let mut by_name: HashMap<(OrgId, String), cosinum_domain::projects::project::Project> =
        HashMap::new();
    for p in super::list_in_tx(tx)
        .await?
        .into_iter()
        .filter(|p| !p.archived)
    {
        for alias in p.aliases.lines().filter(|a| !a.trim().is_empty()) {
            by_name.insert((p.organisation_id, name_key(alias)), p.clone());
        }
        by_name.insert((p.organisation_id, name_key(&p.name)), p);
    }
    for line in lines {
        let code = canonical_code(&line.ministry_code);
        let org = match orgs.get(&code) {
            Some(id) => *id,
            None => {
                let id = match organisations::get_by_code_in_tx(tx, &code).await? {
                    Some(o) => o.id,
                    None => {
                        let fields = OrganisationFields {
                            code: code.clone(),
                            name: if line.ministry_name.trim().is_empty() {
                                code.clone()
                            } else {
                                line.ministry_name.trim().to_owned()
                            },
                            kind: OrgKind::Ministry,
                            parent_id: None,
                            valid_from: as_of,
                            valid_to: None,
                        };
                        outcome.organisations_created.push(code.clone());
                        organisations::create(tx, ctx, &fields).await?.id
                    }
                };
                orgs.insert(code.clone(), id);
                id
            }
        };
        if !seen.insert((org, name_key(&line.name))) {
            return Err(cosinum_domain::ValidationError::new(
                "Nom du projet",
                format!(
                    "ligne {} : le projet « {} » figure deux fois pour {code}",
                    line.line, line.name
                ),
            )
            .into());
        }
        let existing = by_name.get(&(org, name_key(&line.name))).cloned();
        let phase = line.estimate.as_ref().map(|e| e.phase);
        let project = match existing {
            Some(p) => p,
            None => {
                let fields = ProjectFields {
                    organisation_id: org,
                    name: line.name.split_whitespace().collect::<Vec<_>>().join(" "),
                    description: line.description.clone(),
                    functional_zone: line.functional_zone.clone(),
                    interministerial: line.interministerial,
                    funding_programmes: line.funding.clone(),
                    links: line.links.join("\n"),
                    phase: phase.unwrap_or(Phase::ConceptionRealisation),
                    figures_withheld: line.estimate.is_none()
                        || line.estimate.as_ref().is_some_and(|e| e.figures_withheld),
                    entered_on: as_of,
                    exited_on: None,
                };
                outcome.projects_created += 1;
                let created = super::create(tx, ctx, &fields).await?;
                by_name.insert((org, name_key(&created.name)), created.clone());
                created
            }
        };
        members.push(project.id);
        let fields = ReviewFields {
            review_date: as_of,
            cost: line.estimate.as_ref().and_then(|e| e.cost),
            start: line.estimate.as_ref().and_then(|e| e.start),
            forecast_end: line.estimate.as_ref().and_then(|e| e.forecast_end),
            phase: phase.unwrap_or(project.phase),
            figures_withheld: line.estimate.as_ref().is_none_or(|e| e.figures_withheld),
            ministry_rating: None,
            dinum_rating: None,
            narrative: String::new(),
            milestones: Vec::new(),
            risks: Vec::new(),
        };
        let previous = reviews::find(tx, project.id, as_of, SOURCE_PANORAMA).await?;
        match previous {
            Some(r) if same_figures(&r, &fields) => outcome.reviews_unchanged += 1,
            Some(r) => {
                let keep = ReviewFields {
                    ministry_rating: r.ministry_rating,
                    dinum_rating: r.dinum_rating,
                    narrative: r.narrative.clone(),
                    ..fields.clone()
                };
                reviews::update(tx, ctx, r.id, r.version, &keep).await?;
                outcome.reviews_updated += 1;
            }
            None => {
                reviews::create(tx, ctx, project.id, SOURCE_PANORAMA, &fields).await?;
                outcome.reviews_created += 1;
            }
        }
        // The open data never published initial baselines (MP §0.1): the first
        // published figures stand in for them, and the ledger says so.
        if let (Some(cost), Some(start), Some(end)) =
            (fields.cost, fields.start, fields.forecast_end)
            && fields.phase != Phase::Cadrage
            && !fields.figures_withheld
            && end > start
            && baselines::count_in_tx(tx, project.id).await? == 0
        {
            let version = super::get_in_tx(tx, project.id).await?.version;
            let b = BaselineFields {
                approved_on: as_of,
                cost,
                start,
                planned_end: end,
                reason: "Référence reconstituée : première publication au panorama (les données ouvertes ne publient pas la référence initiale)".into(),
                approved_by: format!("import {source}"),
            };
            baselines::add(tx, ctx, project.id, version, &b).await?;
            outcome.baselines_reconstructed += 1;
        }
    }
    let previous = editions::previous_members(tx, as_of).await?;
    let current: HashSet<i64> = members.iter().copied().collect();
    outcome.entered = current.difference(&previous).count();
    outcome.exited = previous.difference(&current).count();
    let (edition_id, changed) = editions::upsert(tx, as_of, source, &members).await?;
    outcome.edition_changed = changed;
    if changed {
        // The membership is part of what the portfolio shows: its change is
        // recorded like any other (caches of the portfolio follow the history).
        let change = cosinum_domain::audit::FieldChange {
            field: "projets".into(),
            before: serde_json::json!(previous.len()),
            after: serde_json::json!(members.len()),
        };
        crate::audit::record(
            tx,
            ctx,
            "portfolio_edition",
            edition_id,
            1,
            cosinum_domain::audit::AuditAction::Update,
            &[change],
        )
        .await?;
    }
    // Entries and exits follow from the editions: a project absent from a
    // later edition left the panorama on that edition's date.
    for (project_id, (entered, exited)) in editions::membership_spans(tx).await? {
        let p = super::get_in_tx(tx, project_id).await?;
        if p.entered_on != entered || p.exited_on != exited {
            let mut fields = super::fields_of(&p);
            fields.entered_on = entered;
            fields.exited_on = exited;
            super::update(tx, ctx, project_id, p.version, &fields).await?;
        }
    }
    Ok(outcome)
}
