//! The portfolio report, its projects' lines and its half-yearly trend,
//! computed in one pass over the portfolio's inputs: whole, or part by part
//! as read from the database (issue #11: at N=1000 the whole history weighs
//! ~70 MB, a part of 4,096 projects a twelfth of it). Both give the same
//! figures to the last bit, since the parts come in the whole inputs' order
//! and every figure is a sum taken in that order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cosinum_domain::OrgId;
use cosinum_domain::organisation::Organisation;
use cosinum_domain::projects::edition::{
    self, CostsById, EditionFigures, EditionSums, MethodVersion, SizeBand,
};
use cosinum_domain::projects::{Phase, ProjectSnapshot};
use cosinum_store::Db;
use cosinum_store::projects::editions::{self, PortfolioData};
use time::{Date, Month};

use super::{Changes, Group, PortfolioReport, ProjectLine, ReestimateJson, ReportInputs};
use crate::error::AppError;

/// How many projects a part holds when the portfolio is read part by part.
pub const PART_SIZE: usize = 4096;

/// Which projects' lines a pass over the portfolio gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    None,
    /// Figures and names, with description, links and funding programmes
    /// left empty (tens of megabytes at scale).
    Figures,
    /// With those texts too.
    WithTexts,
}

/// What a pass over the portfolio computes beside the report.
#[derive(Debug, Clone, Copy)]
pub struct FoldSpec {
    pub as_of: Date,
    pub method: &'static MethodVersion,
    /// The projects' lines, sorted by name.
    pub lines: Lines,
    /// The key figures at each half-year end up to `as_of`, over at most
    /// eight years from the first review.
    pub trend: bool,
}

impl FoldSpec {
    /// The report alone.
    pub fn report(as_of: Date, method: &'static MethodVersion) -> Self {
        Self {
            as_of,
            method,
            lines: Lines::None,
            trend: false,
        }
    }
}

/// What a pass computed.
pub struct Folded {
    pub report: PortfolioReport,
    /// Sorted by name, case aside; empty unless asked.
    pub lines: Vec<ProjectLine>,
    /// Empty unless asked.
    pub trend: Vec<(Date, EditionFigures)>,
    /// The names of the projects in the edition or in the previous one.
    pub names: HashMap<i64, String>,
}

impl ReportInputs {
    /// One pass over these inputs, over the organisations `visible` accepts.
    pub fn fold(&self, spec: &FoldSpec, visible: impl Fn(OrgId) -> bool) -> Folded {
        let mut fold = Fold::new(spec, &self.orgs, &self.data.review_dates, &self.published);
        fold.add(&self.data, &visible);
        fold.finish()
    }
}

/// One pass over the portfolio read from `db` part by part (`part_size`
/// projects at a time), with `orgs`, every organisation: the same as
/// [`ReportInputs::fold`] on the whole inputs. Also returns about how many
/// bytes the whole inputs would have taken ([`PortfolioData::approx_bytes`]
/// summed over the parts).
pub async fn fold_parts(
    db: &Db,
    orgs: &[Organisation],
    spec: &FoldSpec,
    visible: impl Fn(OrgId) -> bool + Sync,
    part_size: usize,
) -> Result<(Folded, usize), AppError> {
    let published = editions::list(db).await?;
    let mut parts = PortfolioData::parts(db, part_size).await?;
    let mut fold = Fold::new(spec, orgs, parts.review_dates(), &published);
    let mut bytes = std::mem::size_of_val(orgs);
    while let Some(part) = parts.next().await? {
        bytes += part.approx_bytes();
        fold.add(&part, &visible);
    }
    Ok((fold.finish(), bytes))
}

/// The sums under way.
struct Fold<'a> {
    spec: FoldSpec,
    /// The comparison point, when before `as_of`.
    previous: Option<Date>,
    org_list: &'a [Organisation],
    orgs: HashMap<OrgId, &'a Organisation>,
    whole: EditionSums,
    by_ministry: BTreeMap<String, EditionSums>,
    by_phase: BTreeMap<String, EditionSums>,
    by_size_band: BTreeMap<String, EditionSums>,
    by_functional_zone: BTreeMap<String, EditionSums>,
    before: CostsById,
    after: CostsById,
    names: HashMap<i64, String>,
    lines: Vec<ProjectLine>,
    trend: Vec<(Date, EditionSums)>,
}

impl<'a> Fold<'a> {
    fn new(
        spec: &FoldSpec,
        orgs: &'a [Organisation],
        review_dates: &BTreeSet<Date>,
        published: &[editions::Edition],
    ) -> Self {
        let as_of = spec.as_of;
        let previous = comparison_point(review_dates, published, as_of);
        let trend = if spec.trend {
            // Half-year ends over at most eight years, from the first data.
            let first = review_dates.first().copied().unwrap_or(as_of);
            let from = first.max(as_of.replace_year(as_of.year() - 8).unwrap_or(first));
            trend_dates(from, as_of)
                .into_iter()
                .map(|d| (d, EditionSums::default()))
                .collect()
        } else {
            Vec::new()
        };
        Self {
            spec: *spec,
            previous: (previous < as_of).then_some(previous),
            org_list: orgs,
            // Looked up in a map: a scan per snapshot is quadratic at scale.
            orgs: orgs.iter().map(|o| (o.id, o)).collect(),
            whole: EditionSums::default(),
            by_ministry: BTreeMap::new(),
            by_phase: BTreeMap::new(),
            by_size_band: BTreeMap::new(),
            by_functional_zone: BTreeMap::new(),
            before: CostsById::new(),
            after: CostsById::new(),
            names: HashMap::new(),
            lines: Vec::new(),
            trend,
        }
    }

    /// Adds the projects of `data` (the whole inputs or a part).
    fn add(&mut self, data: &PortfolioData, visible: &dyn Fn(OrgId) -> bool) {
        let method = self.spec.method;
        let projects: HashMap<i64, &cosinum_domain::projects::project::Project> =
            data.projects.iter().map(|p| (p.id, p)).collect();
        let shown = |day: Date| {
            data.snapshots(day)
                .into_iter()
                .filter(|s| visible(s.ministry))
        };
        for s in shown(self.spec.as_of) {
            self.whole.add(&s, method);
            let org = self.orgs.get(&s.ministry).copied();
            let groups = [
                (
                    &mut self.by_ministry,
                    org.map_or_else(|| s.ministry.to_string(), |o| o.code.clone()),
                ),
                (&mut self.by_phase, s.phase.as_str().to_owned()),
                (&mut self.by_size_band, size_band_key(&s)),
                (&mut self.by_functional_zone, zone_key(&s)),
            ];
            for (group, key) in groups {
                group.entry(key).or_default().add(&s, method);
            }
            self.after
                .insert(s.project_id, edition::cost_in_edition(&s));
            if let Some(p) = projects.get(&s.project_id) {
                self.names.insert(p.id, p.name.clone());
                if self.spec.lines != Lines::None {
                    let texts = self.spec.lines == Lines::WithTexts;
                    self.lines.push(super::line(&s, p, org, texts));
                }
            }
        }
        if let Some(previous) = self.previous {
            for s in shown(previous) {
                self.before
                    .insert(s.project_id, edition::cost_in_edition(&s));
                if let Some(p) = projects.get(&s.project_id) {
                    self.names.entry(p.id).or_insert_with(|| p.name.clone());
                }
            }
        }
        for (day, sums) in &mut self.trend {
            for s in shown(*day) {
                sums.add(&s, method);
            }
        }
    }

    fn finish(self) -> Folded {
        let FoldSpec { as_of, method, .. } = self.spec;
        let name_of: HashMap<&str, &str> = self
            .org_list
            .iter()
            .map(|o| (o.code.as_str(), o.name.as_str()))
            .collect();
        let groups = |map: BTreeMap<String, EditionSums>, label: &dyn Fn(&str) -> String| {
            map.into_iter()
                .map(|(key, sums)| Group {
                    label: label(&key),
                    key,
                    figures: (&sums.figures(as_of, method)).into(),
                })
                .collect::<Vec<_>>()
        };
        let names = self.names;
        let changes = self.previous.map(|previous_as_of| {
            let c = edition::changes_of_costs(&self.before, &self.after);
            Changes {
                previous_as_of,
                entered: c.entered,
                exited: c.exited,
                reestimates: c
                    .reestimates
                    .iter()
                    .filter(|r| r.change.abs() >= 0.0005)
                    .take(10)
                    .map(|r| ReestimateJson {
                        project_id: r.project_id,
                        name: names.get(&r.project_id).cloned().unwrap_or_default(),
                        before_meur: r.before.meur(),
                        after_meur: r.after.meur(),
                        change: r.change,
                    })
                    .collect(),
            }
        });
        let report = PortfolioReport {
            as_of,
            method: method.code,
            method_label: method.label_fr,
            figures: (&self.whole.figures(as_of, method)).into(),
            by_ministry: groups(self.by_ministry, &|code| {
                name_of
                    .get(code)
                    .map_or_else(|| code.to_owned(), |n| (*n).to_owned())
            }),
            by_phase: groups(self.by_phase, &|k| {
                Phase::parse(k).map_or_else(|| k.to_owned(), |p| p.label_fr().to_owned())
            }),
            by_size_band: groups(self.by_size_band, &|k| {
                SizeBand::ALL
                    .iter()
                    .find(|b| b.as_str() == k)
                    .map_or_else(|| "Coût non publié".to_owned(), |b| b.label_fr().to_owned())
            }),
            by_functional_zone: groups(self.by_functional_zone, &|k| k.to_owned()),
            changes,
        };
        let mut lines = self.lines;
        lines.sort_by_key(|l| l.name.to_lowercase());
        Folded {
            report,
            lines,
            trend: self
                .trend
                .into_iter()
                .map(|(day, sums)| (day, sums.figures(day, method)))
                .collect(),
            names,
        }
    }
}

fn size_band_key(s: &ProjectSnapshot) -> String {
    s.cost.map_or("inconnu".to_owned(), |c| {
        SizeBand::of(c).as_str().to_owned()
    })
}

fn zone_key(s: &ProjectSnapshot) -> String {
    if s.functional_zone.is_empty() {
        "Non renseignée".to_owned()
    } else {
        s.functional_zone.clone()
    }
}

/// The edition `as_of` is compared with: the published edition before the
/// latest data of the portfolio (not before `as_of` itself: between two
/// reviews nothing moves), or the half-year end before those data.
fn comparison_point(
    review_dates: &BTreeSet<Date>,
    published: &[editions::Edition],
    as_of: Date,
) -> Date {
    let latest_data = review_dates
        .range(..=as_of)
        .next_back()
        .copied()
        .into_iter()
        .chain(published.iter().map(|e| e.as_of))
        .filter(|d| *d <= as_of)
        .max()
        .unwrap_or(as_of);
    published
        .iter()
        .rev()
        .map(|e| e.as_of)
        .find(|d| *d < latest_data)
        .unwrap_or_else(|| previous_half_year_end(latest_data))
}

/// The last half-year end (30 June or 31 December) strictly before `day`:
/// the comparison point when no edition was published.
fn previous_half_year_end(day: Date) -> Date {
    let y = day.year();
    let candidates = [
        Date::from_calendar_date(y, Month::June, 30),
        Date::from_calendar_date(y - 1, Month::December, 31),
        Date::from_calendar_date(y - 1, Month::June, 30),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|d| *d < day)
        .unwrap_or(day)
}

/// Half-year ends from `from` to `to`, plus `to` itself.
fn trend_dates(from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::new();
    for year in from.year()..=to.year() {
        for (m, d) in [(Month::June, 30), (Month::December, 31)] {
            if let Ok(day) = Date::from_calendar_date(year, m, d)
                && day >= from
                && day < to
            {
                out.push(day);
            }
        }
    }
    out.push(to);
    out
}
