//! What the data would put on the committee's agenda as of a date: one
//! [`Signal`] per object and rule, each with the French sentence that
//! explains it. The findings come from each module's own report builders
//! (the figures of its pages); the rules that group them into proposals are
//! in `cosinum_domain::committee::rules`.
//!
//! The loaders shared with the briefing sheets (the portfolio's DINUM
//! ratings, the fund and the talent period in force) live here too, so a
//! sheet and a proposal read the same data (the ministries over capacity
//! come from `api::funding_capacity::ministries_over_capacity`).

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::committee::ObjectRef;
use cosinum_domain::committee::decisions::Alert;
use cosinum_domain::committee::rules::{ProjectFacts, Rule, Signal, Thresholds, project_signals};
use cosinum_domain::funding::report::FundReport;
use cosinum_domain::funding::{Fund, Window};
use cosinum_domain::organisation::Organisation;
use cosinum_domain::projects::avis::{AvisStatus, status};
use cosinum_domain::projects::project::Review;
use cosinum_domain::reuse::feedback::Verdict as ReuseVerdict;
use cosinum_domain::talent::hr_return::Period;
use time::Date;

use super::committee_reader;
use super::fiches::{self, object, short_date};
use crate::AppState;
use crate::error::AppError;
use crate::format;
use crate::portfolio::ProjectLine;

/// Everything the data would put on the agenda as of `as_of`, one Signal per object and rule.
pub async fn gather(
    state: &AppState,
    as_of: Date,
    thresholds: &Thresholds,
) -> Result<Vec<Signal>, AppError> {
    let orgs = state.organisations(true).await?;
    let mut out = projects(state, as_of, thresholds).await?;
    out.extend(avis(state, as_of, &orgs).await?);
    out.extend(capacity(state, as_of, &orgs).await?);
    out.extend(credit_lag(state, as_of, &orgs).await?);
    out.extend(cloud(state, as_of, &orgs).await?);
    out.extend(talent(state, as_of, &orgs).await?);
    out.extend(reuse(state, as_of).await?);
    out.extend(follow_up(state, as_of, &orgs).await?);
    Ok(out)
}

/// An organisation's code, or its id when it is unknown.
pub(crate) fn code_of(orgs: &[Organisation], id: OrgId) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map_or_else(|| id.to_string(), |o| o.code.clone())
}

fn pct0(v: f64) -> String {
    format!("{} %", format::number(v * 100.0, 0))
}

// ----------------------------------------------------------------- projects

/// Each project's DINUM rating at its last rated review on or before
/// `as_of`, and at the rated review before that one.
pub(super) fn dinum_ratings(
    reviews: &[Review],
    as_of: Date,
) -> HashMap<i64, (Option<u8>, Option<u8>)> {
    let mut rated: HashMap<i64, Vec<(Date, i64, u8)>> = HashMap::new();
    for r in reviews.iter().filter(|r| r.review_date <= as_of) {
        if let Some(x) = r.dinum_rating {
            rated
                .entry(r.project_id)
                .or_default()
                .push((r.review_date, r.id, x.0));
        }
    }
    rated
        .into_iter()
        .map(|(p, mut v)| {
            v.sort();
            let last = v.last().map(|x| x.2);
            let before = v.iter().rev().nth(1).map(|x| x.2);
            (p, (last, before))
        })
        .collect()
}

/// The facts the project rules read: drifts against the baseline in force
/// and the DINUM ratings.
pub(super) fn project_facts(
    lines: &[ProjectLine],
    ratings: &HashMap<i64, (Option<u8>, Option<u8>)>,
) -> Vec<ProjectFacts> {
    lines
        .iter()
        .map(|l| {
            let (now, before) = ratings.get(&l.project_id).copied().unwrap_or_default();
            ProjectFacts {
                project: object("project", l.project_id, l.name.clone()),
                ministry: l.ministry_code.clone(),
                budget_drift: l.budget_drift_current,
                calendar_drift: l.calendar_drift_current,
                dinum_rating: now,
                previous_dinum_rating: before,
            }
        })
        .collect()
}

async fn projects(state: &AppState, as_of: Date, t: &Thresholds) -> Result<Vec<Signal>, AppError> {
    let spec = crate::portfolio::FoldSpec {
        lines: crate::portfolio::Lines::Figures,
        ..crate::portfolio::FoldSpec::report(as_of, &cosinum_domain::projects::edition::DINUM_2017)
    };
    let lines = crate::portfolio::folded(state, None, &spec, |_| true)
        .await?
        .lines;
    let reviews = cosinum_store::projects::reviews::list_all_figures(&state.db).await?;
    let ratings = dinum_ratings(&reviews, as_of);
    Ok(project_signals(&project_facts(&lines, &ratings), t))
}

/// Avis whose one-month delay ran out by `as_of` without a verdict, and
/// projects of 9 M€ or more without any avis.
async fn avis(
    state: &AppState,
    as_of: Date,
    orgs: &[Organisation],
) -> Result<Vec<Signal>, AppError> {
    let projects = cosinum_store::projects::list(&state.db, true).await?;
    let project = |id: i64| projects.iter().find(|p| p.id == id);
    let mut out = Vec::new();
    for a in cosinum_store::projects::avis::list_all(&state.db).await? {
        if a.received_on > as_of {
            continue;
        }
        let AvisStatus::DeemedFavourable { since } = status(&a.case(), as_of) else {
            continue;
        };
        let (name, ministry) = project(a.project_id).map_or_else(
            || (format!("Projet {}", a.project_id), String::new()),
            |p| (p.name.clone(), code_of(orgs, p.organisation_id)),
        );
        out.push(Signal {
            rule: Rule::AvisOverdue,
            object: object("avis", a.id, format!("Avis sur {name}")),
            detail: format!(
                "{name} ({ministry}) : dossier reçu le {}, délai d'un mois échu le {} sans avis \
                 rendu (avis réputé favorable)",
                short_date(a.received_on),
                short_date(since.previous_day().unwrap_or(since)),
            ),
        });
    }
    for m in crate::api::avis::missing_on(state, as_of, |_| true).await? {
        let ministry =
            project(m.project_id).map_or_else(String::new, |p| code_of(orgs, p.organisation_id));
        out.push(Signal {
            rule: Rule::AvisOverdue,
            object: object("project", m.project_id, m.name.clone()),
            detail: format!(
                "{} ({ministry}) : coût de {}, {} requis et jamais sollicité",
                m.name,
                format::meur(m.cost_meur),
                m.required.label_fr().to_lowercase()
            ),
        });
    }
    Ok(out)
}

// ------------------------------------------------------------------ funding

/// The fund in force on `as_of`: the latest one started by then.
pub(super) fn fund_as_of(funds: Vec<Fund>, as_of: Date) -> Option<Fund> {
    funds
        .into_iter()
        .filter(|f| f.start <= as_of)
        .max_by_key(|f| (f.start, f.id))
}

/// The fund in force on `as_of` and its report over every ministry.
pub(super) async fn current_fund(
    state: &AppState,
    as_of: Date,
) -> Result<Option<(Fund, Vec<Window>, FundReport)>, AppError> {
    let funds = cosinum_store::funding::funds(&state.db).await?;
    let Some(fund) = fund_as_of(funds, as_of) else {
        return Ok(None);
    };
    let r = crate::api::funding::report_for(state, &committee_reader(), Some(&fund.code), as_of)
        .await?;
    Ok(Some((*r).clone()))
}

async fn capacity(
    state: &AppState,
    as_of: Date,
    orgs: &[Organisation],
) -> Result<Vec<Signal>, AppError> {
    Ok(
        crate::api::funding_capacity::ministries_over_capacity(state, as_of)
            .await?
            .into_iter()
            .filter_map(|(org, loads)| {
                let worst = loads
                    .iter()
                    .max_by(|a, b| a.ratio.unwrap_or(0.0).total_cmp(&b.ratio.unwrap_or(0.0)))?;
                let o = orgs.iter().find(|o| o.id == org);
                let code = code_of(orgs, org);
                let semesters: Vec<String> = loads.iter().map(|l| l.semester.to_string()).collect();
                Some(Signal {
                    rule: Rule::OverCapacity,
                    object: object(
                        "organisation",
                        org.0,
                        o.map_or_else(|| code.clone(), |o| o.name.clone()),
                    ),
                    detail: format!(
                        "{} ({code}) : charge de {} p.-mois pour une capacité déclarée de {} en {} \
                     ({}){}",
                        o.map_or_else(|| code.clone(), |o| o.name.clone()),
                        format::number(worst.total, 0),
                        format::number(worst.capacity.unwrap_or(0.0), 0),
                        worst.semester,
                        worst.ratio.map_or_else(String::new, pct0),
                        if semesters.len() > 1 {
                            format!(" ; semestres en dépassement : {}", semesters.join(", "))
                        } else {
                            String::new()
                        }
                    ),
                })
            })
            .collect(),
    )
}

async fn credit_lag(
    state: &AppState,
    as_of: Date,
    orgs: &[Organisation],
) -> Result<Vec<Signal>, AppError> {
    let Some((fund, _, report)) = current_fund(state, as_of).await? else {
        return Ok(vec![]);
    };
    Ok(report
        .lagging
        .iter()
        .map(|l| Signal {
            rule: Rule::CreditLag,
            object: object("funding_application", l.application_id, l.title.clone()),
            detail: format!(
                "{} ({}, {}) : CP payés {} du montant accordé de {} pour {} du calendrier écoulé",
                l.title,
                code_of(orgs, l.organisation_id),
                fund.code,
                pct0(l.lag.actual),
                fiches::meur_of_euros(l.granted.0),
                pct0(l.lag.expected)
            ),
        })
        .collect())
}

// -------------------------------------------------------------------- cloud

async fn cloud(
    state: &AppState,
    as_of: Date,
    orgs: &[Organisation],
) -> Result<Vec<Signal>, AppError> {
    let overview = crate::cloud_overview::overview(state, &committee_reader(), as_of).await?;
    Ok(overview
        .sensitive_breaches
        .iter()
        .map(|a| {
            let rules = &a.rules;
            Signal {
                rule: Rule::SensitiveNonCompliant,
                object: object("application", a.id, a.name.clone()),
                detail: format!(
                    "{} ({}) : données d'une sensibilité particulière, hébergement non conforme \
                     à la doctrine « Cloud au centre » (règle{} {} non respectée{})",
                    a.name,
                    code_of(orgs, a.ministry),
                    fiches::plural(rules.len()),
                    rules.join(", "),
                    fiches::plural(rules.len()),
                ),
            }
        })
        .collect())
}

// ------------------------------------------------------------------- talent

/// The latest period with returns that ended on or before `as_of`.
pub(super) fn period_as_of<'a>(
    periods: impl IntoIterator<Item = &'a str>,
    as_of: Date,
) -> Option<Period> {
    periods
        .into_iter()
        .filter_map(Period::parse)
        .filter(|p| p.end() <= as_of)
        .max()
}

/// The talent report of the latest period ended by `as_of`, over every
/// ministry, with the configured bands.
pub(super) async fn talent_summary(
    state: &AppState,
    as_of: Date,
) -> Result<Option<crate::talent_report::TalentSummary>, AppError> {
    let summary = {
        let all = state.hr_returns().await?;
        let Some(period) = period_as_of(all.iter().map(|r| r.period.as_str()), as_of) else {
            return Ok(None);
        };
        let orgs = state.organisations(true).await?;
        crate::talent_report::build(
            &all,
            &orgs,
            Some(&period.code()),
            |_| true,
            state.config.talent_bands,
        )
    };
    match summary {
        Some(s) => Ok(Some(
            crate::api::talent::with_delivery(state, s, None, |_| true).await?,
        )),
        None => Ok(None),
    }
}

async fn talent(
    state: &AppState,
    as_of: Date,
    orgs: &[Organisation],
) -> Result<Vec<Signal>, AppError> {
    let Some(s) = talent_summary(state, as_of).await? else {
        return Ok(vec![]);
    };
    let b = s.bands;
    Ok(s.by_ministry
        .iter()
        .filter(|m| !m.alerts.is_empty())
        .filter_map(|m| {
            let o = orgs.iter().find(|o| o.code == m.ministry)?;
            let turnover = m.rates.turnover.map_or_else(|| "—".to_owned(), pct0);
            let why = if m
                .alerts
                .contains(&cosinum_domain::talent::dispersion::Alert::TurnoverTooHigh)
            {
                format!(
                    "taux de rotation {turnover} en {}, au-dessus du seuil de {}",
                    s.period,
                    pct0(b.turnover_high)
                )
            } else {
                format!(
                    "taux de rotation {turnover} en {}, sous le seuil de {} avec {} d'externes",
                    s.period,
                    pct0(b.turnover_low),
                    m.rates.external_share.map_or_else(|| "—".to_owned(), pct0)
                )
            };
            Some(Signal {
                rule: Rule::TurnoverOutlier,
                object: object("organisation", o.id.0, o.name.clone()),
                detail: format!("{} ({}) : {why}", o.name, o.code),
            })
        })
        .collect())
}

// -------------------------------------------------------------------- reuse

/// Labels and ministries of the searchable objects that reuse verdicts
/// name (`kind`, id → doc), as the search index holds them: a handful of
/// objects, looked up rather than every document read again.
pub(super) async fn documents<'a>(
    state: &AppState,
    named: impl IntoIterator<Item = (&'a str, i64)>,
) -> Result<HashMap<(String, i64), cosinum_search::Doc>, AppError> {
    let index = state.search.index(&state.db).await?;
    Ok(named
        .into_iter()
        .filter_map(|(kind, id)| {
            let doc = index.get(cosinum_search::Kind::parse(kind)?, id)?;
            Some(((kind.to_owned(), id), doc))
        })
        .collect())
}

/// The objects each reuse verdict names, both sides.
pub(super) fn named_by<'a>(
    feedback: &'a [&'a cosinum_store::reuse_feedback::Feedback],
) -> impl Iterator<Item = (&'a str, i64)> {
    feedback.iter().flat_map(|f| {
        [
            (f.source_kind.as_str(), f.source_id),
            (f.candidate_kind.as_str(), f.candidate_id),
        ]
    })
}

async fn reuse(state: &AppState, as_of: Date) -> Result<Vec<Signal>, AppError> {
    let flagged: Vec<_> = cosinum_store::reuse_feedback::all(&state.db)
        .await?
        .into_iter()
        .filter(|f| f.verdict == ReuseVerdict::Committee && f.at.date() <= as_of)
        .collect();
    if flagged.is_empty() {
        return Ok(vec![]);
    }
    let docs = documents(state, named_by(&flagged.iter().collect::<Vec<_>>())).await?;
    let name = |kind: &str, id: i64| {
        docs.get(&(kind.to_owned(), id)).map_or_else(
            || (format!("{} {id}", fiches::kind_label(kind)), String::new()),
            |d| (d.title.clone(), d.ministry.clone()),
        )
    };
    Ok(flagged
        .iter()
        .map(|f| {
            let (a, ma) = name(&f.source_kind, f.source_id);
            let (b, mb) = name(&f.candidate_kind, f.candidate_id);
            // The smaller of the two amounts, as in the duplicates report.
            let stake = [
                (&f.source_kind, f.source_id),
                (&f.candidate_kind, f.candidate_id),
            ]
            .into_iter()
            .filter_map(|(k, id)| docs.get(&(k.clone(), id)).and_then(|d| d.amount))
            .min()
            .map_or_else(String::new, |x| {
                format!(", {} en jeu", fiches::meur_of_euros(x))
            });
            Signal {
                rule: Rule::ReuseCandidates,
                object: object(&f.source_kind, f.source_id, a.clone()),
                detail: format!(
                    "{a} ({ma}) ressemble à {b} ({mb}) : à arbitrer en comité{stake}{}",
                    if f.note.trim().is_empty() {
                        String::new()
                    } else {
                        format!(" — « {} »", f.note.trim())
                    }
                ),
            }
        })
        .collect())
}

// ---------------------------------------------------------------- follow-up

async fn follow_up(
    state: &AppState,
    as_of: Date,
    orgs: &[Organisation],
) -> Result<Vec<Signal>, AppError> {
    Ok(fiches::decisions_before(state, as_of)
        .await?
        .iter()
        .filter(|f| f.decision.status.is_open())
        .map(|f| {
            let d = &f.decision;
            let owner = orgs.iter().find(|o| o.id == d.owner_id);
            let code = code_of(orgs, d.owner_id);
            let o: ObjectRef = d.objects.first().cloned().unwrap_or_else(|| {
                object(
                    "organisation",
                    d.owner_id.0,
                    owner.map_or_else(|| code.clone(), |o| o.name.clone()),
                )
            });
            let alerts = if f.alerts.is_empty() {
                String::new()
            } else {
                format!(
                    " — {}",
                    f.alerts
                        .iter()
                        .map(|a| match a {
                            Alert::Overdue => "en retard".to_owned(),
                            Alert::UpdateMissing => "point d'avancement manquant".to_owned(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            Signal {
                rule: Rule::DecisionFollowUp,
                object: o,
                detail: format!(
                    "{} ({code}) : « {} » ({}), échéance le {}, {}{alerts}",
                    owner.map_or_else(|| code.clone(), |o| o.name.clone()),
                    d.text,
                    fiches::reference(f).to_lowercase(),
                    short_date(d.due_on),
                    d.status.label_fr().to_lowercase(),
                ),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosinum_domain::money::Euros;
    use cosinum_domain::projects::Phase;
    use cosinum_domain::projects::project::Rating;
    use time::macros::date;

    fn review(id: i64, project: i64, day: Date, rating: Option<u8>) -> Review {
        Review {
            id,
            project_id: project,
            review_date: day,
            source: "revue".into(),
            cost: Some(Euros(1)),
            start: None,
            forecast_end: None,
            phase: Phase::ConceptionRealisation,
            figures_withheld: false,
            ministry_rating: None,
            dinum_rating: rating.map(Rating),
            narrative: String::new(),
            milestones: vec![],
            risks: vec![],
            version: 1,
        }
    }

    #[test]
    fn ratings_are_read_as_of_the_date_skipping_unrated_reviews() {
        let reviews = [
            review(1, 7, date!(2024 - 06 - 30), Some(2)),
            review(2, 7, date!(2024 - 12 - 31), None),
            review(3, 7, date!(2025 - 03 - 31), Some(4)),
            review(4, 7, date!(2025 - 09 - 30), Some(1)),
            review(5, 8, date!(2025 - 09 - 30), Some(4)),
        ];
        let r = dinum_ratings(&reviews, date!(2025 - 06 - 15));
        assert_eq!(r.get(&7), Some(&(Some(4), Some(2))));
        assert_eq!(r.get(&8), None);
        let later = dinum_ratings(&reviews, date!(2025 - 12 - 31));
        assert_eq!(later.get(&7), Some(&(Some(1), Some(4))));
        assert_eq!(later.get(&8), Some(&(Some(4), None)));
    }

    #[test]
    fn the_talent_period_is_the_latest_ended_by_the_date() {
        let periods = ["2023", "2024S1", "2024S2", "2024", "2025S1"];
        let p = |d| period_as_of(periods, d).map(|p| p.code());
        assert_eq!(p(date!(2025 - 06 - 15)).as_deref(), Some("2024"));
        assert_eq!(p(date!(2025 - 06 - 30)).as_deref(), Some("2025S1"));
        assert_eq!(p(date!(2024 - 07 - 01)).as_deref(), Some("2024S1"));
        assert_eq!(p(date!(2023 - 12 - 30)), None);
    }

    #[test]
    fn the_fund_in_force_is_the_latest_started() {
        let fund = |id, start| Fund {
            id,
            code: format!("F{id}"),
            name: String::new(),
            programme: String::new(),
            envelope: Euros(0),
            start,
            end: date!(2030 - 12 - 31),
            rules: String::new(),
            decision_target_days: 60,
            version: 1,
        };
        let funds = || {
            vec![
                fund(1, date!(2021 - 01 - 01)),
                fund(2, date!(2025 - 01 - 01)),
            ]
        };
        assert_eq!(
            fund_as_of(funds(), date!(2024 - 06 - 30)).map(|f| f.id),
            Some(1)
        );
        assert_eq!(
            fund_as_of(funds(), date!(2025 - 06 - 30)).map(|f| f.id),
            Some(2)
        );
        assert!(fund_as_of(funds(), date!(2020 - 06 - 30)).is_none());
    }
}
