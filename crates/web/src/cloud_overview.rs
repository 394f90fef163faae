//! The inventory's figures as of a day (issue #11): compliance counts per
//! ministry, the hosting mix, the pipeline of migrations, the sensitive
//! applications that breach the doctrine and the derogations about to end.
//! At scale the inventory holds hundreds of thousands of applications whose
//! facts and evaluations weigh about a kilobyte each, so the figures are
//! computed range by range as the applications are read and only they are
//! kept; a list of applications is read for the ministry it is about.

use std::collections::BTreeMap;
use std::sync::Arc;

use cosinum_domain::OrgId;
use cosinum_domain::authz::{Access, Actor, allows};
use cosinum_domain::cloud::compliance::{Evaluation, Status, Verdict, evaluate, hosting_on};
use cosinum_domain::cloud::types::{AppFacts, CloudApplication, Environment, Offer, Rule};
use cosinum_domain::organisation::Organisation;
use cosinum_store::among::Among;
use cosinum_store::cloud;
use time::{Date, Duration};

use crate::AppState;
use crate::api::cloud::{Compliance, MinistryCompliance, cloud_resource};
use crate::committee::signals::code_of;
use crate::error::AppError;

/// Application ids read at a time when the whole inventory is gone through.
const SPAN: i64 = 4096;

/// A sensitive application that breaches the doctrine, and why.
#[derive(Debug, Clone)]
pub struct Breach {
    pub id: i64,
    pub name: String,
    pub ministry: OrgId,
    /// The rules breached, each once, in the order they were checked.
    pub rules: Vec<&'static str>,
    /// "rule : message" of each breached finding.
    pub reasons: Vec<String>,
}

/// A derogation ending within 90 days.
#[derive(Debug, Clone)]
pub struct Expiring {
    pub id: i64,
    pub name: String,
    pub ministry: OrgId,
    pub rule: Rule,
    pub end: Date,
    pub granted_by: String,
}

/// The figures over the applications a reader may read, as of a day.
#[derive(Debug, Clone)]
pub struct CloudOverview {
    pub as_of: Date,
    /// Verdict counts per ministry (its `ministry` label is left empty).
    pub by_ministry: BTreeMap<OrgId, MinistryCompliance>,
    /// Applications in production, by kind of offer of their production hosting.
    pub mix: BTreeMap<&'static str, usize>,
    /// Applications with a production hosting on the day.
    pub hosted: usize,
    /// Production hostings planned after the day, per quarter ("2027 T1").
    pub pipeline: BTreeMap<String, usize>,
    /// By name then id.
    pub sensitive_breaches: Vec<Breach>,
    /// By end date.
    pub expiring: Vec<Expiring>,
}

impl CloudOverview {
    fn new(as_of: Date) -> CloudOverview {
        CloudOverview {
            as_of,
            by_ministry: BTreeMap::new(),
            mix: BTreeMap::new(),
            hosted: 0,
            pipeline: BTreeMap::new(),
            sensitive_breaches: Vec::new(),
            expiring: Vec::new(),
        }
    }

    /// Counts one application evaluated as of the overview's day.
    fn add(&mut self, offers: &[Offer], a: &CloudApplication, f: &AppFacts, e: &Evaluation) {
        let as_of = self.as_of;
        count(
            self.by_ministry.entry(a.organisation_id).or_default(),
            e.verdict,
        );
        if let Some(h) = hosting_on(&f.hostings, as_of).get(&Environment::Production)
            && let Some(o) = offers.iter().find(|o| o.id == h.offer_id)
        {
            *self.mix.entry(o.kind.label_fr()).or_default() += 1;
            self.hosted += 1;
        }
        for h in f
            .hostings
            .iter()
            .filter(|h| h.since > as_of && h.environment == Environment::Production)
        {
            let quarter = format!(
                "{} T{}",
                h.since.year(),
                (u8::from(h.since.month()) - 1) / 3 + 1
            );
            *self.pipeline.entry(quarter).or_default() += 1;
        }
        if e.sensitive == Some(true) && e.verdict == Verdict::NonCompliant {
            self.sensitive_breaches.push(Breach {
                id: a.id,
                name: a.name.clone(),
                ministry: a.organisation_id,
                rules: e.breached_rules(),
                reasons: e
                    .findings
                    .iter()
                    .filter(|f| f.status == Status::Breached)
                    .map(|f| format!("{} : {}", f.rule, f.message))
                    .collect(),
            });
        }
        for d in &f.derogations {
            if let Some(end) = d.end
                && end >= as_of
                && end <= as_of + Duration::days(90)
            {
                self.expiring.push(Expiring {
                    id: a.id,
                    name: a.name.clone(),
                    ministry: a.organisation_id,
                    rule: d.rule,
                    end,
                    granted_by: d.granted_by.clone(),
                });
            }
        }
    }

    /// Puts the lists in the order they are shown.
    fn finish(mut self) -> CloudOverview {
        self.sensitive_breaches
            .sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        self.expiring
            .sort_by(|a, b| (a.end, &a.name, a.id).cmp(&(b.end, &b.name, b.id)));
        self
    }

    /// The compliance per ministry (by code) and in all.
    pub fn compliance(&self, orgs: &[Organisation]) -> Compliance {
        let mut by: BTreeMap<String, MinistryCompliance> = BTreeMap::new();
        let mut total = MinistryCompliance {
            ministry: "Ensemble".into(),
            ..Default::default()
        };
        for (org, c) in &self.by_ministry {
            let code = code_of(orgs, *org);
            let m = by
                .entry(code.clone())
                .or_insert_with(|| MinistryCompliance {
                    ministry: code,
                    ..Default::default()
                });
            merge(m, c);
            merge(&mut total, c);
        }
        Compliance {
            as_of: self.as_of,
            doctrine: cosinum_domain::cloud::types::Doctrine::in_force(self.as_of)
                .map(|d| d.as_str()),
            total,
            by_ministry: by.into_values().collect(),
        }
    }
}

/// Counts one verdict.
fn count(c: &mut MinistryCompliance, v: Verdict) {
    c.applications += 1;
    match v {
        Verdict::Compliant => c.compliant += 1,
        Verdict::NonCompliant => c.non_compliant += 1,
        Verdict::UnderDerogation => c.under_derogation += 1,
        Verdict::NotApplicable => c.not_applicable += 1,
    }
    rate(c);
}

/// Adds the counts of `part` (of other applications) to `into`.
fn merge(into: &mut MinistryCompliance, part: &MinistryCompliance) {
    into.applications += part.applications;
    into.compliant += part.compliant;
    into.non_compliant += part.non_compliant;
    into.under_derogation += part.under_derogation;
    into.not_applicable += part.not_applicable;
    rate(into);
}

/// Compliant ÷ (applications − not applicable), none when nothing applies.
fn rate(c: &mut MinistryCompliance) {
    let applicable = c.applications - c.not_applicable;
    c.compliance_rate = (applicable > 0).then(|| c.compliant as f64 / applicable as f64);
}

/// Whether `actor` may read the applications of `org`.
fn reads(actor: &Actor, org: OrgId) -> bool {
    allows(Some(actor), Access::Read, &cloud_resource(org))
}

/// Hands the applications `actor` may read, with their facts, to `each`:
/// the whole inventory range by range for whoever sees everything, else the
/// ministries of the actor's scope one by one.
async fn readable(
    state: &AppState,
    actor: &Actor,
    mut each: impl FnMut(Vec<(CloudApplication, AppFacts)>),
) -> Result<(), AppError> {
    if actor.sees_everything() {
        cloud::evaluable_in_chunks(&state.db, SPAN, each).await?;
    } else {
        for org in actor.scope.iter().filter(|o| reads(actor, **o)) {
            each(cloud::evaluable(&state.db, Among::Ministry(*org)).await?);
        }
    }
    Ok(())
}

/// The overview of the applications `actor` may read, as of `day`; the
/// same for whoever sees everything, so kept while nothing is written.
pub async fn overview(
    state: &AppState,
    actor: &Actor,
    day: Date,
) -> Result<Arc<CloudOverview>, AppError> {
    if actor.sees_everything() {
        return state
            .cloud_overviews
            .get(&state.db, day, || build(state, actor, day))
            .await;
    }
    Ok(Arc::new(build(state, actor, day).await?))
}

async fn build(state: &AppState, actor: &Actor, day: Date) -> Result<CloudOverview, AppError> {
    let offers = cloud::offers(&state.db).await?;
    let mut o = CloudOverview::new(day);
    readable(state, actor, |chunk| {
        for (a, f) in chunk {
            let e = evaluate(&f, &offers, day);
            o.add(&offers, &a, &f, &e);
        }
    })
    .await?;
    Ok(o.finish())
}

/// An application, its facts and its evaluation as of a day.
pub type EvaluatedApp = (CloudApplication, AppFacts, Evaluation);

/// The applications `among` names that `actor` may read, each evaluated
/// as of `day`, by name then id.
pub async fn evaluated_among(
    state: &AppState,
    actor: &Actor,
    among: Among,
    day: Date,
) -> Result<(Vec<Offer>, Vec<EvaluatedApp>), AppError> {
    let offers = cloud::offers(&state.db).await?;
    let apps = cloud::evaluable(&state.db, among)
        .await?
        .into_iter()
        .filter(|(a, _)| reads(actor, a.organisation_id))
        .map(|(a, f)| {
            let e = evaluate(&f, &offers, day);
            (a, f, e)
        })
        .collect();
    Ok((offers, apps))
}

/// Every application `actor` may read, evaluated as of `day`, by name then
/// id: for the lists and files of the whole inventory (read when asked for,
/// never kept).
pub async fn evaluated(
    state: &AppState,
    actor: &Actor,
    day: Date,
) -> Result<(Vec<Offer>, Vec<EvaluatedApp>), AppError> {
    if actor.sees_everything() {
        return evaluated_among(state, actor, Among::All, day).await;
    }
    let offers = cloud::offers(&state.db).await?;
    let mut apps = Vec::new();
    readable(state, actor, |chunk| {
        apps.extend(chunk.into_iter().map(|(a, f)| {
            let e = evaluate(&f, &offers, day);
            (a, f, e)
        }));
    })
    .await?;
    apps.sort_by(|(a, ..), (b, ..)| (&a.name, a.id).cmp(&(&b.name, b.id)));
    Ok((offers, apps))
}

/// The applications of `ids` that `actor` may read, evaluated as of `day`,
/// by name then id; read by ranges of ids, each holding some of them.
pub async fn evaluated_ids(
    state: &AppState,
    actor: &Actor,
    ids: &[i64],
    day: Date,
) -> Result<Vec<EvaluatedApp>, AppError> {
    let mut wanted = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let mut out = Vec::new();
    let mut rest = wanted.as_slice();
    while let Some(&first) = rest.first() {
        let n = rest.partition_point(|id| *id - first < SPAN);
        let (group, after) = rest.split_at(n);
        let last = group[group.len() - 1];
        let (_, apps) = evaluated_among(state, actor, Among::Ids(first, last), day).await?;
        out.extend(
            apps.into_iter()
                .filter(|(a, ..)| group.binary_search(&a.id).is_ok()),
        );
        rest = after;
    }
    out.sort_by(|(a, ..), (b, ..)| (&a.name, a.id).cmp(&(&b.name, b.id)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const VERDICTS: [Verdict; 4] = [
        Verdict::Compliant,
        Verdict::NonCompliant,
        Verdict::UnderDerogation,
        Verdict::NotApplicable,
    ];

    fn org(id: i64, code: &str) -> Organisation {
        crate::fixtures::ministry(id, code)
    }

    /// Counts `verdicts` (ministry, verdict index) into an overview.
    fn counted(verdicts: &[(i64, usize)]) -> CloudOverview {
        let mut o = CloudOverview::new(date!(2026 - 06 - 30));
        for &(m, v) in verdicts {
            count(o.by_ministry.entry(OrgId(m)).or_default(), VERDICTS[v]);
        }
        o
    }

    #[test]
    fn compliance_counts_each_verdict_and_rates_the_applicable_ones() {
        let o = counted(&[(1, 0), (1, 0), (1, 1), (1, 3), (2, 3), (3, 2)]);
        let orgs = [org(1, "MEF"), org(2, "MI"), org(3, "MJ")];
        let c = o.compliance(&orgs);
        let codes: Vec<&str> = c.by_ministry.iter().map(|m| m.ministry.as_str()).collect();
        assert_eq!(codes, ["MEF", "MI", "MJ"]);
        let mef = &c.by_ministry[0];
        assert_eq!(
            (mef.applications, mef.compliant, mef.non_compliant),
            (4, 2, 1)
        );
        assert_eq!(mef.compliance_rate, Some(2.0 / 3.0));
        // Nothing applies to MI: no rate rather than 0 %.
        assert_eq!(c.by_ministry[1].compliance_rate, None);
        assert_eq!(c.by_ministry[2].compliance_rate, Some(0.0));
        assert_eq!(c.total.ministry, "Ensemble");
        assert_eq!(c.total.applications, 6);
        assert_eq!(c.total.compliance_rate, Some(2.0 / 4.0));
    }

    proptest! {
        /// Counting range by range (as the inventory is read) and merging
        /// gives the counts of one pass; the total is the sum of the
        /// ministries; two organisations sharing a code are one line.
        #[test]
        fn counts_merge_whatever_the_ranges(
            verdicts in proptest::collection::vec((1i64..6, 0usize..4), 0..200),
            cut in 0usize..200,
        ) {
            let cut = cut.min(verdicts.len());
            let whole = counted(&verdicts);
            let (a, b) = (counted(&verdicts[..cut]), counted(&verdicts[cut..]));
            let mut merged = a.by_ministry.clone();
            for (m, c) in &b.by_ministry {
                merge(merged.entry(*m).or_default(), c);
            }
            prop_assert_eq!(&merged, &whole.by_ministry);

            // Organisations 4 and 5 both answer to "MX".
            let orgs = [org(1, "A"), org(2, "B"), org(3, "C"), org(4, "MX"), org(5, "MX")];
            let c = whole.compliance(&orgs);
            prop_assert_eq!(c.total.applications, verdicts.len());
            for (i, v) in VERDICTS.iter().enumerate() {
                let n = verdicts.iter().filter(|(_, x)| *x == i).count();
                let got = match v {
                    Verdict::Compliant => c.total.compliant,
                    Verdict::NonCompliant => c.total.non_compliant,
                    Verdict::UnderDerogation => c.total.under_derogation,
                    Verdict::NotApplicable => c.total.not_applicable,
                };
                prop_assert_eq!(got, n);
            }
            let sum: usize = c.by_ministry.iter().map(|m| m.applications).sum();
            prop_assert_eq!(sum, verdicts.len());
            let mx = verdicts.iter().filter(|(m, _)| *m >= 4).count();
            let line = c.by_ministry.iter().find(|m| m.ministry == "MX");
            prop_assert_eq!(line.map_or(0, |m| m.applications), mx);
            for m in c.by_ministry.iter().chain([&c.total]) {
                let applicable = m.applications - m.not_applicable;
                let expected = (applicable > 0).then(|| m.compliant as f64 / applicable as f64);
                prop_assert_eq!(m.compliance_rate, expected);
            }
        }
    }
}
