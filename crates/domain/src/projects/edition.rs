//! The portfolio "edition" as of a date: the Panorama's key figures ("chiffres
//! clés", MP §1.4) computed from per-project snapshots, under an explicit and
//! stored method version (MP §0 points 2–3: the DINSIC changed its method in
//! June 2017, so every published aggregate carries its method).

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use super::drift::{budget_drift, calendar_drift, relative_change};
use super::{Baseline, Phase, ProjectSnapshot};
use crate::money::Euros;

/// Which baseline per-project drifts are measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DriftReference {
    /// The first approved baseline ("par rapport aux prévisions initiales", MP §1.4).
    OriginalBaseline,
    /// The baseline in force at the date, after re-baselines (MP §1.9).
    CurrentBaseline,
}

/// A version of the method computing the edition's figures, kept as data so
/// that every published aggregate names the method it was computed with
/// (MP §0 point 2, MP §5).
#[derive(Debug, Clone, Serialize)]
pub struct MethodVersion {
    /// Stable identifier stored with every aggregate.
    pub code: &'static str,
    /// Name shown in pages.
    pub label_fr: &'static str,
    /// What the method computes, shown in pages.
    pub description: &'static str,
    pub drift_against: DriftReference,
    /// Whether closed projects (Terminé, Abandonné) count in the drift means.
    pub include_closed_in_drift: bool,
}

/// Days per year when turning durations into years, as the Panorama does.
pub const DAYS_PER_YEAR: f64 = 365.0;

/// The published DINUM definition (MP §1.4 "Chiffres clés", MP §0 points 2–3):
/// unweighted mean of per-project rates "par rapport aux prévisions initiales"
/// over "l'ensemble des projets présents dans le panorama"; total cost
/// excluding projects in cadrage or with withheld figures. The default method.
pub const DINUM_2017: MethodVersion = MethodVersion {
    code: "dinum-2017",
    label_fr: "Méthode DINUM (prévisions initiales)",
    description: "Taux d'écart moyens : moyenne non pondérée des taux d'écart de chaque projet \
                  par rapport aux prévisions initiales (première trajectoire approuvée), pour \
                  l'ensemble des projets présents. Coût total : somme des coûts estimés, hors \
                  projets en cadrage et projets dont les éléments chiffrés ne sont pas publiés.",
    drift_against: DriftReference::OriginalBaseline,
    include_closed_in_drift: true,
};

/// Same as [`DINUM_2017`] but against the baseline in force at the date: what
/// remains visible after re-baselines — set side by side with the default it
/// shows how much drift re-baselining hides (MP §1.9).
pub const CURRENT_BASELINE: MethodVersion = MethodVersion {
    code: "baseline-courante-2026",
    label_fr: "Trajectoire en vigueur (après rebasages)",
    description: "Mêmes règles que la méthode DINUM, mais les écarts sont mesurés par rapport à \
                  la trajectoire en vigueur à la date de l'édition, après d'éventuels rebasages. \
                  L'écart avec la méthode DINUM mesure la dérive absorbée par les rebasages.",
    drift_against: DriftReference::CurrentBaseline,
    include_closed_in_drift: true,
};

static METHODS: [MethodVersion; 2] = [DINUM_2017, CURRENT_BASELINE];

/// Every method version, the default ([`DINUM_2017`]) first.
pub fn methods() -> &'static [MethodVersion] {
    &METHODS
}

/// The method version with this code, if any.
pub fn method(code: &str) -> Option<&'static MethodVersion> {
    METHODS.iter().find(|m| m.code == code)
}

/// Cost bands of the Panorama ("Coût estimé par tranche", MP §1.3), from the
/// 9 M€ threshold up. Bounds: `< 9`, `[9, 20)`, `[20, 100]`, `> 100` M€ — the
/// Panorama says "entre 20 et 100 M€" and "> 100 M€", so 100 M€ is in 20–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SizeBand {
    Under9,
    From9To20,
    From20To100,
    Over100,
}

impl SizeBand {
    pub const ALL: [SizeBand; 4] = [
        SizeBand::Under9,
        SizeBand::From9To20,
        SizeBand::From20To100,
        SizeBand::Over100,
    ];

    /// The band of a full cost (MP §1.3 column 11; 9 M€ is the threshold of
    /// the arrêté du 5 juin 2020 art. 1, so 9 M€ itself is in 9–20).
    pub fn of(cost: Euros) -> SizeBand {
        match cost.0 {
            c if c < 9_000_000 => SizeBand::Under9,
            c if c < 20_000_000 => SizeBand::From9To20,
            c if c <= 100_000_000 => SizeBand::From20To100,
            _ => SizeBand::Over100,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SizeBand::Under9 => "lt9",
            SizeBand::From9To20 => "9-20",
            SizeBand::From20To100 => "20-100",
            SizeBand::Over100 => "gt100",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            SizeBand::Under9 => "< 9 M€",
            SizeBand::From9To20 => "9–20 M€",
            SizeBand::From20To100 => "20–100 M€",
            SizeBand::Over100 => "> 100 M€",
        }
    }
}

/// The key figures of an edition (MP §1.4 "Chiffres clés").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditionFigures {
    pub as_of: Date,
    /// Code of the [`MethodVersion`] used.
    pub method: &'static str,
    pub projects: usize,
    pub interministerial: usize,
    pub total_cost: Euros,
    pub costed_projects: usize,
    pub mean_duration_years: Option<f64>,
    pub mean_calendar_drift: Option<f64>,
    pub mean_budget_drift: Option<f64>,
    pub weighted_calendar_drift: Option<f64>,
    pub weighted_budget_drift: Option<f64>,
    pub calendar_drift_projects: usize,
    pub budget_drift_projects: usize,
}

/// The key figures of the edition made of `snapshots` (each describing its
/// project as of `as_of`, which is recorded, not used to filter), under
/// `method` (MP §1.4 "Chiffres clés" and "Formulas to implement", MP §0
/// points 2–3):
///
/// - `projects` — "Nombre de projets référencés": every snapshot.
/// - `interministerial` — "Nombre de projets interministériels": snapshots flagged.
/// - `total_cost` — "Total des coûts prévisionnels … hors projets en cadrage
///   [ou en révision de trajectoire]": Σ cost over snapshots with a cost,
///   figures not withheld and phase ≠ Cadrage; `costed_projects` counts them.
/// - `mean_duration_years` — "Moyenne des durées": arithmetic mean, over
///   snapshots not withheld with both a start and a forecast end, of
///   (forecast end − start) in days / 365: the Panorama's own durations are
///   day counts divided by 365 (e.g. 3.750684931… = 1369 / 365 in the 2016 file).
/// - Per-project drifts — against the original baseline or the baseline in
///   force, per `method.drift_against`, of the snapshot's own cost and
///   forecast end ([`budget_drift`], [`calendar_drift`]); snapshots with
///   withheld figures are skipped, and closed ones (Terminé, Abandonné) too
///   unless `method.include_closed_in_drift`. A project counts for a drift
///   when it has the reference baseline and the figure.
/// - `mean_*_drift` — "Moyenne des taux d'écart": unweighted arithmetic mean of
///   the per-project rates (`None` when no project has one).
/// - `weighted_budget_drift` — Σ(cost − baseline cost) / Σ baseline cost, and
///   `weighted_calendar_drift` — Σ(forecast duration − baseline duration) /
///   Σ baseline duration in days, over the same projects as the means (the
///   cost-weighted "agrégé" reading, MP §1.4).
/// - `*_drift_projects` — how many projects each mean is over (its denominator).
pub fn edition(
    snapshots: &[ProjectSnapshot],
    as_of: Date,
    method: &MethodVersion,
) -> EditionFigures {
    let mut sums = EditionSums::default();
    for s in snapshots {
        sums.add(s, method);
    }
    sums.figures(as_of, method)
}

/// Running sums of one kind of drift.
#[derive(Debug, Clone, Default)]
struct DriftSums {
    rates: f64,
    count: usize,
    reference: i128,
    current: i128,
}

impl DriftSums {
    fn add(&mut self, rate: f64, reference: i64, current: i64) {
        self.rates += rate;
        self.count += 1;
        self.reference += i128::from(reference);
        self.current += i128::from(current);
    }

    fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.rates / self.count as f64)
    }

    fn weighted(&self) -> Option<f64> {
        relative_change(self.reference as f64, self.current as f64)
    }
}

/// The [`edition`] figures under way: snapshots are added one at a time, so
/// the figures of a portfolio read project by project never need every
/// snapshot at once (issue #11). Added in the same order, the figures are
/// those of [`edition`] to the last bit (its means are sums in that order).
#[derive(Debug, Clone, Default)]
pub struct EditionSums {
    projects: usize,
    interministerial: usize,
    total_cost: i64,
    costed_projects: usize,
    duration_years: f64,
    durations: usize,
    budget: DriftSums,
    calendar: DriftSums,
}

impl EditionSums {
    /// Counts `s` under `method` (the rules of [`edition`]).
    pub fn add(&mut self, s: &ProjectSnapshot, method: &MethodVersion) {
        self.projects += 1;
        self.interministerial += usize::from(s.interministerial);
        if s.figures_withheld {
            return;
        }
        if s.phase != Phase::Cadrage
            && let Some(cost) = s.cost
        {
            self.total_cost = self.total_cost.saturating_add(cost.0);
            self.costed_projects += 1;
        }
        if let (Some(start), Some(end)) = (s.start, s.forecast_end) {
            self.duration_years += (end - start).whole_days() as f64 / DAYS_PER_YEAR;
            self.durations += 1;
        }
        if s.phase.is_closed() && !method.include_closed_in_drift {
            return;
        }
        let Some(b) = reference_baseline(s, method) else {
            return;
        };
        if let Some(cost) = s.cost
            && let Some(rate) = budget_drift(b, cost)
        {
            self.budget.add(rate, b.cost.0, cost.0);
        }
        if let Some(end) = s.forecast_end
            && let Some(rate) = calendar_drift(b, end)
        {
            self.calendar
                .add(rate, b.duration_days(), (end - b.start).whole_days());
        }
    }

    /// The figures of the snapshots added so far, as of `as_of`.
    pub fn figures(&self, as_of: Date, method: &MethodVersion) -> EditionFigures {
        EditionFigures {
            as_of,
            method: method.code,
            projects: self.projects,
            interministerial: self.interministerial,
            total_cost: Euros(self.total_cost),
            costed_projects: self.costed_projects,
            mean_duration_years: (self.durations > 0)
                .then(|| self.duration_years / self.durations as f64),
            mean_calendar_drift: self.calendar.mean(),
            mean_budget_drift: self.budget.mean(),
            weighted_calendar_drift: self.calendar.weighted(),
            weighted_budget_drift: self.budget.weighted(),
            calendar_drift_projects: self.calendar.count,
            budget_drift_projects: self.budget.count,
        }
    }
}

fn reference_baseline<'a>(s: &'a ProjectSnapshot, method: &MethodVersion) -> Option<&'a Baseline> {
    match method.drift_against {
        DriftReference::OriginalBaseline => s.original.as_ref(),
        DriftReference::CurrentBaseline => s.current.as_ref(),
    }
}

/// The [`edition`] figures of each group of snapshots sharing a `key` (e.g.
/// ministry, functional zone, [`SizeBand`]). Every snapshot falls in exactly
/// one group, so the groups' `projects` sum to the edition's.
pub fn breakdown<K: Ord + Clone>(
    snapshots: &[ProjectSnapshot],
    as_of: Date,
    method: &MethodVersion,
    key: impl Fn(&ProjectSnapshot) -> K,
) -> BTreeMap<K, EditionFigures> {
    let mut groups: BTreeMap<K, EditionSums> = BTreeMap::new();
    for s in snapshots {
        groups.entry(key(s)).or_default().add(s, method);
    }
    groups
        .into_iter()
        .map(|(k, sums)| (k, sums.figures(as_of, method)))
        .collect()
}

/// What changed between two editions (MP §0 point 7, MP §1.9 "exit of troubled
/// projects from the perimeter"; UK "joiners/leavers", MP §4.2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditionChanges {
    pub entered: Vec<i64>,
    pub exited: Vec<i64>,
    pub reestimates: Vec<Reestimate>,
}

/// A project's cost from one edition to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reestimate {
    pub project_id: i64,
    pub before: Euros,
    pub after: Euros,
    /// `(after − before) / before`.
    pub change: f64,
}

/// Changes from the `previous` edition to the `current` one (MP §0 point 7,
/// MP §1.8 inter-edition tracking): project ids that entered and exited
/// (sorted, without duplicates), and the cost re-estimate of every project
/// present in both with a cost in both and figures withheld in neither —
/// unchanged costs included (change 0, so the distribution, e.g. its median,
/// can be read from the list) — sorted by |change| descending, then by id.
/// A previous cost that is not positive gives no rate and is left out. If an
/// id appears twice in an edition, its last snapshot is used.
pub fn changes(previous: &[ProjectSnapshot], current: &[ProjectSnapshot]) -> EditionChanges {
    let by_id = |list: &[ProjectSnapshot]| -> CostsById {
        list.iter()
            .map(|s| (s.project_id, cost_in_edition(s)))
            .collect()
    };
    changes_of_costs(&by_id(previous), &by_id(current))
}

/// Each project's cost in an edition and whether its figures are withheld,
/// by id: all [`changes`] compares, so two editions read project by project
/// can be compared without keeping their snapshots.
pub type CostsById = BTreeMap<i64, (Option<Euros>, bool)>;

/// What [`CostsById`] keeps of a snapshot.
pub fn cost_in_edition(s: &ProjectSnapshot) -> (Option<Euros>, bool) {
    (s.cost, s.figures_withheld)
}

/// [`changes`] from each edition's [`CostsById`].
pub fn changes_of_costs(before: &CostsById, after: &CostsById) -> EditionChanges {
    let mut reestimates: Vec<Reestimate> = before
        .iter()
        .filter_map(|(&id, &(cost_before, withheld_before))| {
            let &(cost_after, withheld_after) = after.get(&id)?;
            if withheld_before || withheld_after {
                return None;
            }
            let (b, a) = (cost_before?, cost_after?);
            Some(Reestimate {
                project_id: id,
                before: b,
                after: a,
                change: relative_change(b.0 as f64, a.0 as f64)?,
            })
        })
        .collect();
    reestimates.sort_by(|x, y| {
        y.change
            .abs()
            .total_cmp(&x.change.abs())
            .then(x.project_id.cmp(&y.project_id))
    });
    EditionChanges {
        entered: after
            .keys()
            .filter(|id| !before.contains_key(id))
            .copied()
            .collect(),
        exited: before
            .keys()
            .filter(|id| !after.contains_key(id))
            .copied()
            .collect(),
        reestimates,
    }
}

#[cfg(test)]
mod tests;
