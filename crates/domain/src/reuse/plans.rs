//! Ministries' investment plans: per year, the digital investments a
//! ministry intends to make, so that the DINUM can point out what was
//! already done elsewhere before it is built again (issue #8; the 2023
//! rewrite of décret 2019-1088 art. 6 gives the DINUM the coordination of
//! ministries' roadmaps, MP §5).
//!
//! A plan is submitted in revisions: a draft is edited, submitted (then
//! frozen), reviewed by the DINUM; a later revision starts as a copy of the
//! previous one. Lines keep a stable key across revisions, so the changes
//! from one plan to the next can be listed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::OrgId;
use crate::money::Euros;
use crate::validation::{ValidationError, optional_text, required_text};

/// Where a revision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Submitted,
    Reviewed,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 3] = [
        PlanStatus::Draft,
        PlanStatus::Submitted,
        PlanStatus::Reviewed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Submitted => "submitted",
            PlanStatus::Reviewed => "reviewed",
        }
    }

    pub fn parse(s: &str) -> Option<PlanStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            PlanStatus::Draft => "Brouillon",
            PlanStatus::Submitted => "Transmis",
            PlanStatus::Reviewed => "Examiné par la DINUM",
        }
    }

    /// Whether the next step is allowed: a draft is submitted by its
    /// ministry; a submitted plan is reviewed by the DINUM.
    pub fn can_become(self, next: PlanStatus) -> bool {
        matches!(
            (self, next),
            (PlanStatus::Draft, PlanStatus::Submitted)
                | (PlanStatus::Submitted, PlanStatus::Reviewed)
        )
    }
}

/// Planned credits for one year of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearAmount {
    pub year: i32,
    /// Autorisations d'engagement.
    pub ae: Euros,
    /// Crédits de paiement.
    pub cp: Euros,
}

/// One line of a plan: an investment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanLine {
    pub id: i64,
    /// Stable across revisions (the line of a later revision keeps the key
    /// of the line it was copied from).
    pub key: String,
    pub title: String,
    pub description: String,
    pub functional_zone: String,
    /// An existing major project this line continues, if any.
    pub project_id: Option<i64>,
    /// An application of the inventory this line concerns, if any.
    pub application_id: Option<i64>,
    pub expected_start: Option<Date>,
    /// By year, each year once.
    pub amounts: Vec<YearAmount>,
    pub version: i64,
}

impl PlanLine {
    /// Checks a line; texts trimmed, amounts sorted by year.
    pub fn validated(&self) -> Result<PlanLine, ValidationError> {
        let title = required_text("title", &self.title, 300)?;
        let description =
            optional_text("description", Some(&self.description), 5000)?.unwrap_or_default();
        let functional_zone =
            optional_text("functional_zone", Some(&self.functional_zone), 200)?.unwrap_or_default();
        let mut amounts = self.amounts.clone();
        amounts.sort_by_key(|a| a.year);
        let mut years = BTreeSet::new();
        for a in &amounts {
            if !(2000..=2100).contains(&a.year) {
                return Err(ValidationError::new(
                    "amounts",
                    format!("année invalide : {}", a.year),
                ));
            }
            if !years.insert(a.year) {
                return Err(ValidationError::new(
                    "amounts",
                    format!("l'année {} figure deux fois", a.year),
                ));
            }
            if a.ae.0 < 0 || a.cp.0 < 0 {
                return Err(ValidationError::new(
                    "amounts",
                    format!("{} : montants positifs attendus", a.year),
                ));
            }
        }
        Ok(PlanLine {
            title,
            description,
            functional_zone,
            amounts,
            ..self.clone()
        })
    }

    /// Σ AE and Σ CP over every year.
    pub fn total(&self) -> (Euros, Euros) {
        (
            self.amounts.iter().map(|a| a.ae).sum(),
            self.amounts.iter().map(|a| a.cp).sum(),
        )
    }
}

/// A revision of a ministry's plan for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub id: i64,
    pub organisation_id: OrgId,
    /// The year the plan is for.
    pub year: i32,
    /// 1 for the first submission, then 2, 3…
    pub revision: i32,
    pub status: PlanStatus,
    pub submitted_on: Option<Date>,
    pub reviewed_on: Option<Date>,
    pub lines: Vec<PlanLine>,
    pub version: i64,
}

/// How a line differs between two plans.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum LineChange {
    Added,
    Removed,
    /// The fields that changed (`amounts`, `title`, …).
    Changed {
        fields: Vec<&'static str>,
    },
}

/// A line's change, with what it does to the totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineDiff {
    pub key: String,
    pub title: String,
    #[serde(flatten)]
    pub change: LineChange,
    /// Total AE and CP after minus before (euros).
    pub ae_delta: Euros,
    pub cp_delta: Euros,
}

/// The lines that were added, removed or changed from `before` to `after`
/// (matched by key), in the order of `after` then the removed ones.
pub fn changes(before: &[PlanLine], after: &[PlanLine]) -> Vec<LineDiff> {
    let old: BTreeMap<&str, &PlanLine> = before.iter().map(|l| (l.key.as_str(), l)).collect();
    let new_keys: BTreeSet<&str> = after.iter().map(|l| l.key.as_str()).collect();
    let delta = |a: Option<&PlanLine>, b: Option<&PlanLine>| {
        let t = |l: Option<&PlanLine>| l.map_or((Euros(0), Euros(0)), PlanLine::total);
        let ((ae0, cp0), (ae1, cp1)) = (t(a), t(b));
        (Euros(ae1.0 - ae0.0), Euros(cp1.0 - cp0.0))
    };
    let mut out = Vec::new();
    for l in after {
        let prev = old.get(l.key.as_str()).copied();
        let change = match prev {
            None => LineChange::Added,
            Some(p) => {
                let fields: Vec<&'static str> = [
                    (p.title != l.title, "title"),
                    (p.description != l.description, "description"),
                    (p.functional_zone != l.functional_zone, "functional_zone"),
                    (
                        p.project_id != l.project_id || p.application_id != l.application_id,
                        "links",
                    ),
                    (p.expected_start != l.expected_start, "expected_start"),
                    (p.amounts != l.amounts, "amounts"),
                ]
                .into_iter()
                .filter_map(|(c, f)| c.then_some(f))
                .collect();
                if fields.is_empty() {
                    continue;
                }
                LineChange::Changed { fields }
            }
        };
        let (ae_delta, cp_delta) = delta(prev, Some(l));
        out.push(LineDiff {
            key: l.key.clone(),
            title: l.title.clone(),
            change,
            ae_delta,
            cp_delta,
        });
    }
    for l in before.iter().filter(|l| !new_keys.contains(l.key.as_str())) {
        let (ae_delta, cp_delta) = delta(Some(l), None);
        out.push(LineDiff {
            key: l.key.clone(),
            title: l.title.clone(),
            change: LineChange::Removed,
            ae_delta,
            cp_delta,
        });
    }
    out
}

/// Planned AE and CP per group and per year.
pub type Consolidation = BTreeMap<String, BTreeMap<i32, (Euros, Euros)>>;

/// Sums the lines of `plans` per group (`group` of a plan and a line: its
/// ministry, its functional zone…) and per year of credits.
pub fn consolidate<'a>(
    plans: impl IntoIterator<Item = &'a Plan>,
    group: impl Fn(&Plan, &PlanLine) -> String,
) -> Consolidation {
    let mut out = Consolidation::new();
    for p in plans {
        for l in &p.lines {
            let g = out.entry(group(p, l)).or_default();
            for a in &l.amounts {
                let e = g.entry(a.year).or_insert((Euros(0), Euros(0)));
                *e = (e.0 + a.ae, e.1 + a.cp);
            }
        }
    }
    out
}

/// The plan that counts for a ministry and a year: its latest revision that
/// was submitted (a draft is the ministry's work in progress).
pub fn plan_in_force(plans: &[Plan], org: OrgId, year: i32) -> Option<&Plan> {
    plans
        .iter()
        .filter(|p| p.organisation_id == org && p.year == year && p.status != PlanStatus::Draft)
        .max_by_key(|p| p.revision)
}

/// What a plan is compared with: the ministry's previous submitted revision
/// for the same year, else its plan in force for the year before.
pub fn previous_plan<'a>(plans: &'a [Plan], plan: &Plan) -> Option<&'a Plan> {
    plans
        .iter()
        .filter(|p| {
            p.organisation_id == plan.organisation_id
                && p.year == plan.year
                && p.revision < plan.revision
                && p.status != PlanStatus::Draft
        })
        .max_by_key(|p| p.revision)
        .or_else(|| plan_in_force(plans, plan.organisation_id, plan.year - 1))
}

#[cfg(test)]
#[path = "plans_tests.rs"]
mod tests;
