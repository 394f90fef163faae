//! Points the data put on the agenda by themselves (peers.md §9.1): a major
//! project drifting past a threshold or rated red by the DINUM, an avis past
//! its deadline, a ministry asking for more than it can deliver, credits
//! consumed behind schedule, sensitive data hosted outside the doctrine,
//! turnover outliers, reuse pairs flagged for the committee, and the
//! follow-up of open decisions. Each proposal says why it was made.

use serde::Serialize;

use super::{ObjectRef, Topic};

/// The rule that proposed a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    ProjectDrift,
    ProjectRatedRed,
    AvisOverdue,
    OverCapacity,
    CreditLag,
    SensitiveNonCompliant,
    TurnoverOutlier,
    ReuseCandidates,
    DecisionFollowUp,
}

impl Rule {
    pub const ALL: [Rule; 9] = [
        Rule::ProjectDrift,
        Rule::ProjectRatedRed,
        Rule::AvisOverdue,
        Rule::OverCapacity,
        Rule::CreditLag,
        Rule::SensitiveNonCompliant,
        Rule::TurnoverOutlier,
        Rule::ReuseCandidates,
        Rule::DecisionFollowUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::ProjectDrift => "project_drift",
            Rule::ProjectRatedRed => "project_rated_red",
            Rule::AvisOverdue => "avis_overdue",
            Rule::OverCapacity => "over_capacity",
            Rule::CreditLag => "credit_lag",
            Rule::SensitiveNonCompliant => "sensitive_non_compliant",
            Rule::TurnoverOutlier => "turnover_outlier",
            Rule::ReuseCandidates => "reuse_candidates",
            Rule::DecisionFollowUp => "decision_follow_up",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn topic(self) -> Topic {
        match self {
            Rule::ProjectDrift | Rule::ProjectRatedRed | Rule::AvisOverdue => Topic::Projects,
            Rule::OverCapacity | Rule::CreditLag => Topic::Funding,
            Rule::SensitiveNonCompliant => Topic::Cloud,
            Rule::TurnoverOutlier => Topic::Talent,
            Rule::ReuseCandidates => Topic::Reuse,
            Rule::DecisionFollowUp => Topic::FollowUp,
        }
    }

    /// The title of the proposed point.
    pub fn title_fr(self) -> &'static str {
        match self {
            Rule::ProjectDrift => "Grands projets en dérive",
            Rule::ProjectRatedRed => "Grands projets en alerte (météo DINUM rouge)",
            Rule::AvisOverdue => "Avis conformes en retard",
            Rule::OverCapacity => "Ministères au-delà de leur capacité à faire",
            Rule::CreditLag => "Consommation des crédits en retard",
            Rule::SensitiveNonCompliant => "Données sensibles hébergées hors doctrine",
            Rule::TurnoverOutlier => "Taux de rotation atypiques",
            Rule::ReuseCandidates => "Doublons à arbitrer entre ministères",
            Rule::DecisionFollowUp => "Suivi des décisions des séances précédentes",
        }
    }

    /// How long the committee usually spends on such a point (minutes).
    pub fn default_minutes(self) -> i64 {
        match self {
            Rule::DecisionFollowUp => 15,
            Rule::ProjectDrift | Rule::ProjectRatedRed => 20,
            _ => 10,
        }
    }
}

/// Thresholds of the rules (configurable: `web.committee_rules` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Budget or calendar drift against the current baseline from which a
    /// project is proposed (0.2 = +20 %).
    pub drift: f64,
    /// The DINUM rating, on the four-level scale (1 = best), from which a
    /// project counts as red.
    pub red_rating: u8,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            drift: 0.20,
            red_rating: 4,
        }
    }
}

/// A major project as of the session's cut-off date.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectFacts {
    pub project: ObjectRef,
    pub ministry: String,
    pub budget_drift: Option<f64>,
    pub calendar_drift: Option<f64>,
    pub dinum_rating: Option<u8>,
    /// The DINUM rating at the previous review, to tell a project that
    /// turned red from one that has been red for a year.
    pub previous_dinum_rating: Option<u8>,
}

/// A finding another module already made by its own rule (an overdue avis,
/// a capacity overload…), with the sentence that explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub rule: Rule,
    pub object: ObjectRef,
    pub detail: String,
}

/// A point the data propose for the agenda.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    pub rule: Rule,
    pub topic: Topic,
    pub title: String,
    /// Why: one line per object concerned.
    pub reasons: Vec<String>,
    pub objects: Vec<ObjectRef>,
    pub duration_minutes: i64,
}

fn pct(x: f64) -> String {
    format!("{:+.0} %", x * 100.0).replace('.', ",")
}

/// The project signals: drift over the threshold on either axis, and a red
/// DINUM rating (saying whether it just turned red).
pub fn project_signals(projects: &[ProjectFacts], t: &Thresholds) -> Vec<Signal> {
    let mut out = vec![];
    for p in projects {
        let mut over = vec![];
        if let Some(b) = p.budget_drift.filter(|b| *b >= t.drift) {
            over.push(format!("dérive budgétaire {}", pct(b)));
        }
        if let Some(c) = p.calendar_drift.filter(|c| *c >= t.drift) {
            over.push(format!("dérive calendaire {}", pct(c)));
        }
        if !over.is_empty() {
            out.push(Signal {
                rule: Rule::ProjectDrift,
                object: p.project.clone(),
                detail: format!(
                    "{} ({}) : {} (seuil {})",
                    p.project.label,
                    p.ministry,
                    over.join(", "),
                    pct(t.drift)
                ),
            });
        }
        if let Some(r) = p.dinum_rating.filter(|r| *r >= t.red_rating) {
            let since = match p.previous_dinum_rating {
                Some(prev) if prev < t.red_rating => format!("passée de {prev} à {r}"),
                Some(_) => "rouge depuis au moins deux revues".into(),
                None => format!("{r} à la première revue notée"),
            };
            out.push(Signal {
                rule: Rule::ProjectRatedRed,
                object: p.project.clone(),
                detail: format!("{} ({}) : météo DINUM {since}", p.project.label, p.ministry),
            });
        }
    }
    out
}

/// Groups signals into one proposal per rule, in [`Rule::ALL`] order,
/// leaving out the rules already on the agenda (`scheduled`).
pub fn proposals(signals: &[Signal], scheduled: &[Rule]) -> Vec<Proposal> {
    Rule::ALL
        .into_iter()
        .filter(|r| !scheduled.contains(r))
        .filter_map(|rule| {
            let mine: Vec<&Signal> = signals.iter().filter(|s| s.rule == rule).collect();
            if mine.is_empty() {
                return None;
            }
            let mut objects: Vec<ObjectRef> = mine.iter().map(|s| s.object.clone()).collect();
            objects.sort();
            objects.dedup_by(|a, b| a.kind == b.kind && a.id == b.id);
            Some(Proposal {
                rule,
                topic: rule.topic(),
                title: rule.title_fr().to_owned(),
                reasons: mine.iter().map(|s| s.detail.clone()).collect(),
                objects,
                duration_minutes: rule.default_minutes(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn project(id: i64, budget: Option<f64>, rating: Option<u8>, prev: Option<u8>) -> ProjectFacts {
        ProjectFacts {
            project: ObjectRef {
                kind: "project".into(),
                id,
                label: format!("Projet {id}"),
            },
            ministry: "MININT".into(),
            budget_drift: budget,
            calendar_drift: None,
            dinum_rating: rating,
            previous_dinum_rating: prev,
        }
    }

    #[test]
    fn drift_at_the_threshold_is_proposed_below_it_is_not() {
        let t = Thresholds::default();
        let s = project_signals(
            &[
                project(1, Some(0.20), None, None),
                project(2, Some(0.19), None, None),
            ],
            &t,
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].object.id, 1);
        assert_eq!(
            s[0].detail,
            "Projet 1 (MININT) : dérive budgétaire +20 % (seuil +20 %)"
        );
    }

    #[test]
    fn red_rating_says_whether_it_just_turned_red() {
        let t = Thresholds::default();
        let s = project_signals(
            &[
                project(1, None, Some(4), Some(2)),
                project(2, None, Some(4), Some(4)),
                project(3, None, Some(3), Some(2)),
            ],
            &t,
        );
        assert_eq!(s.len(), 2);
        assert!(s[0].detail.ends_with("passée de 2 à 4"), "{}", s[0].detail);
        assert!(s[1].detail.ends_with("rouge depuis au moins deux revues"));
    }

    #[test]
    fn one_proposal_per_rule_not_already_scheduled() {
        let t = Thresholds::default();
        let mut signals = project_signals(&[project(1, Some(0.5), Some(4), None)], &t);
        signals.push(Signal {
            rule: Rule::AvisOverdue,
            object: ObjectRef {
                kind: "project".into(),
                id: 1,
                label: "Projet 1".into(),
            },
            detail: "avis attendu depuis le 2 mai".into(),
        });
        let p = proposals(&signals, &[Rule::ProjectRatedRed]);
        let rules: Vec<_> = p.iter().map(|p| p.rule).collect();
        assert_eq!(rules, [Rule::ProjectDrift, Rule::AvisOverdue]);
        assert_eq!(p[1].reasons, ["avis attendu depuis le 2 mai"]);
        assert_eq!(p[0].topic, Topic::Projects);
    }

    proptest! {
        /// Every signal ends up in exactly one proposal unless its rule is scheduled.
        #[test]
        fn no_signal_is_lost(rules in proptest::collection::vec(0usize..9, 0..30), scheduled in proptest::collection::vec(0usize..9, 0..3)) {
            let signals: Vec<Signal> = rules.iter().enumerate().map(|(i, r)| Signal {
                rule: Rule::ALL[*r],
                object: ObjectRef { kind: "project".into(), id: i as i64 + 1, label: String::new() },
                detail: format!("s{i}"),
            }).collect();
            let scheduled: Vec<Rule> = scheduled.iter().map(|i| Rule::ALL[*i]).collect();
            let p = proposals(&signals, &scheduled);
            let reasons: usize = p.iter().map(|p| p.reasons.len()).sum();
            let expected = signals.iter().filter(|s| !scheduled.contains(&s.rule)).count();
            prop_assert_eq!(reasons, expected);
            prop_assert!(p.iter().all(|p| !scheduled.contains(&p.rule)));
        }
    }
}
