//! Applying a published edition of the portfolio (a Panorama file): the
//! complete list of projects at its date. All or nothing, audited, and
//! idempotent: importing the same edition twice changes nothing.

use std::collections::{HashMap, HashSet};

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, FieldChange, diff};
use cosinum_domain::organisation::{OrgKind, OrganisationFields, normalise_code};
use cosinum_domain::projects::project::{BaselineFields, Project, Review};
use cosinum_domain::projects::{Estimate, Phase};
use serde_json::{Value, json};
use time::Date;

use super::import_state::{Latest, ReviewAt, State};
use super::import_write::{BATCH_LINES, Pending, Target, update_projects, upsert_edition};
use crate::audit::AuditCtx;
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
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
pub(super) fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The figures a line gives for its review (what decides whether the
/// review at that date changes).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Figures {
    cost: Option<cosinum_domain::money::Euros>,
    start: Option<Date>,
    forecast_end: Option<Date>,
    phase: Phase,
    figures_withheld: bool,
}

impl Figures {
    fn of(r: &Review) -> Figures {
        Figures {
            cost: r.cost,
            start: r.start,
            forecast_end: r.forecast_end,
            phase: r.phase,
            figures_withheld: r.figures_withheld,
        }
    }

    fn apply(self, r: &mut Review) {
        r.cost = self.cost;
        r.start = self.start;
        r.forecast_end = self.forecast_end;
        r.phase = self.phase;
        r.figures_withheld = self.figures_withheld;
    }
}

fn changes_json(changes: &[FieldChange]) -> StoreResult<String> {
    Ok(serde_json::to_string(changes).map_err(anyhow::Error::from)?)
}

/// Applies the edition dated `as_of` from `source` (file name, for the record).
///
/// The database is read up front in a few queries; each line is then
/// decided in memory, exactly as a line-by-line import through the
/// ordinary audited functions would (same rows, same ids, same audit lines
/// in the same order), and the rows are written in bulk every few thousand
/// lines. Existing rows are only updated where something changed.
/// `progress` is told how many lines are decided and written, batch by batch.
pub async fn apply_edition(
    tx: &mut Tx,
    ctx: &AuditCtx,
    as_of: Date,
    source: &str,
    lines: &[EditionLine],
    progress: &mut (dyn FnMut(usize) + Send),
) -> StoreResult<ImportOutcome> {
    let mut outcome = ImportOutcome {
        lines: lines.len(),
        ..Default::default()
    };
    let mut state = State::load(tx, as_of).await?;
    let mut out = Pending::default();
    let mut orgs: HashMap<String, OrgId> = HashMap::new();
    let mut members: Vec<usize> = Vec::with_capacity(lines.len());
    let mut listed: HashSet<usize> = HashSet::with_capacity(lines.len());
    let mut seen = HashSet::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        if n % BATCH_LINES == 0 && n > 0 {
            out.flush(tx, ctx, &mut state).await?;
            progress(n);
        }
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
                        // Its audit line comes after those of the lines before.
                        out.flush(tx, ctx, &mut state).await?;
                        organisations::create(tx, ctx, &fields).await?.id
                    }
                };
                orgs.insert(code.clone(), id);
                id
            }
        };
        let key = name_key(&line.name);
        if !seen.insert((org, key.clone())) {
            return Err(cosinum_domain::ValidationError::new(
                "Nom du projet",
                format!(
                    "ligne {} : le projet « {} » figure deux fois pour {code}",
                    line.line, line.name
                ),
            )
            .into());
        }
        let phase = line.estimate.as_ref().map(|e| e.phase);
        let slot = match state.by_name.get(&(org, key)) {
            Some(&slot) => {
                // A project reached again under a former name: what the
                // first line decided must be in the database first.
                if !listed.insert(slot) {
                    out.flush(tx, ctx, &mut state).await?;
                }
                slot
            }
            None => {
                let slot = create_project(&mut state, &mut out, org, line, phase, as_of)?;
                listed.insert(slot);
                outcome.projects_created += 1;
                slot
            }
        };
        members.push(slot);
        let figures = Figures {
            cost: line.estimate.as_ref().and_then(|e| e.cost),
            start: line.estimate.as_ref().and_then(|e| e.start),
            forecast_end: line.estimate.as_ref().and_then(|e| e.forecast_end),
            phase: phase.unwrap_or(state.projects[slot].first_phase),
            figures_withheld: line.estimate.as_ref().is_none_or(|e| e.figures_withheld),
        };
        match state.reviews_at.get(&slot) {
            Some(at) if Figures::of(&at.review) == figures => outcome.reviews_unchanged += 1,
            Some(_) => {
                update_review(tx, &mut state, &mut out, slot, figures).await?;
                follow_latest(&mut state, &mut out, slot)?;
                outcome.reviews_updated += 1;
            }
            None => {
                create_review(&mut state, &mut out, slot, figures, as_of)?;
                follow_latest(&mut state, &mut out, slot)?;
                outcome.reviews_created += 1;
            }
        }
        // The open data never published initial baselines (MP §0.1): the first
        // published figures stand in for them, and the ledger says so.
        if let (Some(cost), Some(start), Some(end)) =
            (figures.cost, figures.start, figures.forecast_end)
            && figures.phase != Phase::Cadrage
            && !figures.figures_withheld
            && end > start
            && !state.projects[slot].has_baseline
        {
            let b = BaselineFields {
                approved_on: as_of,
                cost,
                start,
                planned_end: end,
                reason: "Référence reconstituée : première publication au panorama (les données ouvertes ne publient pas la référence initiale)".into(),
                approved_by: format!("import {source}"),
            };
            add_baseline(&mut state, &mut out, slot, b)?;
            outcome.baselines_reconstructed += 1;
        }
    }
    out.flush(tx, ctx, &mut state).await?;
    let member_ids: Vec<i64> = members.iter().map(|&s| state.projects[s].p.id).collect();
    let previous = state.previous_members(as_of);
    let current: HashSet<i64> = member_ids.iter().copied().collect();
    outcome.entered = current.difference(&previous).count();
    outcome.exited = previous.difference(&current).count();
    let (edition_id, changed) = upsert_edition(tx, &mut state, as_of, source, &member_ids).await?;
    outcome.edition_changed = changed;
    if changed {
        // The membership is part of what the portfolio shows: its change is
        // recorded like any other (caches of the portfolio follow the history).
        let change = FieldChange {
            field: "projets".into(),
            before: json!(previous.len()),
            after: json!(member_ids.len()),
        };
        out.audit(
            "portfolio_edition",
            Target::Id(edition_id),
            1,
            AuditAction::Update,
            changes_json(&[change])?,
        );
    }
    // Entries and exits follow from the editions: a project absent from a
    // later edition left the panorama on that edition's date.
    let mut spans: Vec<(i64, (Date, Option<Date>))> =
        state.membership_spans().into_iter().collect();
    spans.sort_unstable_by_key(|(id, _)| *id);
    for (project_id, (entered, exited)) in spans {
        let Some(&slot) = state.by_id.get(&project_id) else {
            return Err(StoreError::NotFound);
        };
        let p = &state.projects[slot].p;
        if p.entered_on != entered || p.exited_on != exited {
            update_project(&mut state, &mut out, slot, |p| {
                p.entered_on = entered;
                p.exited_on = exited;
            })?;
        }
    }
    out.flush(tx, ctx, &mut state).await?;
    update_projects(tx, &mut state).await?;
    progress(lines.len());
    Ok(outcome)
}

/// A project first listed by `line`, as `projects::create` would record it.
fn create_project(
    state: &mut State,
    out: &mut Pending,
    org: OrgId,
    line: &EditionLine,
    phase: Option<Phase>,
    as_of: Date,
) -> StoreResult<usize> {
    let p = Project {
        id: 0,
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
        archived: false,
        version: 1,
        aliases: String::new(),
    };
    // The unique constraint would refuse it (a homonym archived, say).
    if state.names.contains(&(org, p.name.clone())) {
        return Err(StoreError::Duplicate {
            field: "name".into(),
        });
    }
    let changes = super::import_json::project_created(&p)?;
    let slot = state.add(p);
    out.create_project(slot);
    out.audit(
        super::OBJECT_TYPE,
        Target::Project(slot),
        1,
        AuditAction::Create,
        changes,
    );
    Ok(slot)
}

/// The Panorama review of the project in `slot` at `as_of`, as
/// `reviews::create` would record it.
fn create_review(
    state: &mut State,
    out: &mut Pending,
    slot: usize,
    figures: Figures,
    as_of: Date,
) -> StoreResult<()> {
    let mut review = Review {
        id: 0,
        project_id: 0,
        review_date: as_of,
        source: SOURCE_PANORAMA.to_owned(),
        cost: None,
        start: None,
        forecast_end: None,
        phase: figures.phase,
        figures_withheld: false,
        ministry_rating: None,
        dinum_rating: None,
        narrative: String::new(),
        milestones: Vec::new(),
        risks: Vec::new(),
        version: 1,
    };
    figures.apply(&mut review);
    let changes = match super::import_json::review_created(&review)? {
        Some(changes) => changes,
        None => changes_json(&diff(&Value::Null, &super::reviews::audit_view(&review)))?,
    };
    let target = out.create_review(slot, review.clone());
    out.audit(
        super::reviews::OBJECT_TYPE,
        target,
        1,
        AuditAction::Create,
        changes,
    );
    let known = &mut state.projects[slot];
    if known.latest.is_none_or(|l| l.is_before(as_of, None)) {
        known.latest = Some(Latest {
            date: as_of,
            id: None,
            phase: figures.phase,
            figures_withheld: figures.figures_withheld,
        });
    }
    state.reviews_at.insert(
        slot,
        ReviewAt {
            id: None,
            review,
            archived: false,
        },
    );
    Ok(())
}

/// New figures for the review already recorded at the edition's date (a
/// corrected file): the ratings and narrative stay, milestones and risks go,
/// as `reviews::update` with the import's fields would leave them.
async fn update_review(
    tx: &mut Tx,
    state: &mut State,
    out: &mut Pending,
    slot: usize,
    figures: Figures,
) -> StoreResult<()> {
    let Some(at) = state.reviews_at.get_mut(&slot) else {
        return Err(StoreError::NotFound);
    };
    let Some(id) = at.id else {
        return Err(anyhow::anyhow!("review of project slot {slot} not written yet").into());
    };
    let before = at.review.clone();
    let mut after = before.clone();
    figures.apply(&mut after);
    after.milestones.clear();
    after.risks.clear();
    after.version += 1;
    let version = after.version;
    on_tx!(tx, c => sqlx::query(
        "UPDATE project_reviews SET cost_eur = $1, start_on = $2, forecast_end_on = $3, phase = $4, \
         figures_withheld = $5, version = $6, updated_at = $7 WHERE id = $8")
        .bind(figures.cost.map(|c| c.0))
        .bind(figures.start)
        .bind(figures.forecast_end)
        .bind(figures.phase.as_str())
        .bind(figures.figures_withheld)
        .bind(version)
        .bind(time::OffsetDateTime::now_utc())
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if !before.milestones.is_empty() || !before.risks.is_empty() {
        on_tx!(tx, c => sqlx::query("DELETE FROM review_milestones WHERE review_id = $1")
            .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        on_tx!(tx, c => sqlx::query("DELETE FROM review_risks WHERE review_id = $1")
            .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    let changes = diff(
        &super::reviews::audit_view(&before),
        &super::reviews::audit_view(&after),
    );
    out.audit(
        super::reviews::OBJECT_TYPE,
        Target::Id(id),
        version,
        AuditAction::Update,
        changes_json(&changes)?,
    );
    let archived = at.archived;
    at.review = after;
    let known = &mut state.projects[slot];
    if let Some(latest) = known.latest.as_mut()
        && !archived
        && latest.id == Some(id)
    {
        latest.phase = figures.phase;
        latest.figures_withheld = figures.figures_withheld;
    }
    Ok(())
}

/// Keeps the project's phase and "figures withheld" flag equal to its
/// latest review's, as `reviews::create` and `update` do after each review.
fn follow_latest(state: &mut State, out: &mut Pending, slot: usize) -> StoreResult<()> {
    let known = &state.projects[slot];
    let Some(latest) = known.latest else {
        return Ok(());
    };
    if known.p.phase == latest.phase && known.p.figures_withheld == latest.figures_withheld {
        return Ok(());
    }
    update_project(state, out, slot, |p| {
        p.phase = latest.phase;
        p.figures_withheld = latest.figures_withheld;
    })
}

/// Changes a project as `projects::update` would: a new version, and an
/// audit line when a field shown in the history changed.
fn update_project(
    state: &mut State,
    out: &mut Pending,
    slot: usize,
    change: impl FnOnce(&mut Project),
) -> StoreResult<()> {
    let p = &mut state.projects[slot].p;
    let before = super::audit_view(p);
    change(p);
    p.version += 1;
    let changes = diff(&before, &super::audit_view(p));
    if !changes.is_empty() {
        out.audit(
            super::OBJECT_TYPE,
            Target::Project(slot),
            p.version,
            AuditAction::Update,
            changes_json(&changes)?,
        );
    }
    Ok(())
}

/// The reconstructed original baseline, as `baselines::add` would record it
/// (the project's version moves).
fn add_baseline(
    state: &mut State,
    out: &mut Pending,
    slot: usize,
    b: BaselineFields,
) -> StoreResult<()> {
    b.check(true)?;
    let known = &mut state.projects[slot];
    known.p.version += 1;
    known.has_baseline = true;
    let change = FieldChange {
        field: "baseline (référence initiale)".to_owned(),
        before: Value::Null,
        after: json!({
            "approved_on": b.approved_on.to_string(),
            "cost_meur": b.cost.meur(),
            "start": b.start.to_string(),
            "planned_end": b.planned_end.to_string(),
            "reason": b.reason,
            "approved_by": b.approved_by,
        }),
    };
    out.audit(
        super::OBJECT_TYPE,
        Target::Project(slot),
        known.p.version,
        AuditAction::Update,
        changes_json(&[change])?,
    );
    out.add_baseline(slot, b);
    Ok(())
}
