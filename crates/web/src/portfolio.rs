//! The portfolio report as of a date: edition figures, breakdowns and what
//! changed since the previous edition. One function builds it for the API,
//! the pages and `cosinum portfolio --json`, so they always agree.

use std::collections::HashMap;
use std::sync::Arc;

use cosinum_domain::OrgId;
use cosinum_domain::organisation::Organisation;
use cosinum_domain::projects::ProjectSnapshot;
use cosinum_domain::projects::edition::{self, EditionFigures, MethodVersion, SizeBand};
use cosinum_store::Db;
use cosinum_store::among::Owners;
use cosinum_store::projects::editions::{self, PortfolioData};
use serde::Serialize;
use time::{Date, Month};
use utoipa::ToSchema;

use crate::error::AppError;

/// The figures of an edition (or of one group of it). Drifts are ratios
/// (0.25 = +25 %), `null` where no project has a baseline.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Figures {
    /// Projects in the portfolio at the date.
    pub projects: usize,
    pub interministerial: usize,
    /// Total full cost in M€, excluding projects in Cadrage or with withheld figures.
    pub total_cost_meur: f64,
    /// Projects counted in the total cost.
    pub costed_projects: usize,
    pub mean_duration_years: Option<f64>,
    /// Unweighted mean of per-project calendar drifts (the DINUM's published definition).
    pub mean_calendar_drift: Option<f64>,
    /// Unweighted mean of per-project budget drifts (the DINUM's published definition).
    pub mean_budget_drift: Option<f64>,
    /// Σ(current − baseline) / Σ baseline, on durations.
    pub weighted_calendar_drift: Option<f64>,
    /// Σ(current − baseline) / Σ baseline, on costs.
    pub weighted_budget_drift: Option<f64>,
    /// Denominators of the drift means.
    pub calendar_drift_projects: usize,
    pub budget_drift_projects: usize,
}

impl From<&EditionFigures> for Figures {
    fn from(f: &EditionFigures) -> Self {
        Self {
            projects: f.projects,
            interministerial: f.interministerial,
            total_cost_meur: f.total_cost.meur(),
            costed_projects: f.costed_projects,
            mean_duration_years: f.mean_duration_years,
            mean_calendar_drift: f.mean_calendar_drift,
            mean_budget_drift: f.mean_budget_drift,
            weighted_calendar_drift: f.weighted_calendar_drift,
            weighted_budget_drift: f.weighted_budget_drift,
            calendar_drift_projects: f.calendar_drift_projects,
            budget_drift_projects: f.budget_drift_projects,
        }
    }
}

/// The figures of one group of a breakdown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Group {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A cost re-estimate between two editions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReestimateJson {
    pub project_id: i64,
    pub name: String,
    pub before_meur: f64,
    pub after_meur: f64,
    pub change: f64,
}

/// What changed since the previous edition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Changes {
    pub previous_as_of: Date,
    pub entered: Vec<i64>,
    pub exited: Vec<i64>,
    /// The largest cost re-estimates, largest first (at most 10).
    pub reestimates: Vec<ReestimateJson>,
}

/// The portfolio as of a date, computed under a named method version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PortfolioReport {
    pub as_of: Date,
    /// The method version that produced these figures (e.g. `dinum-2017`).
    pub method: &'static str,
    pub method_label: &'static str,
    #[serde(flatten)]
    pub figures: Figures,
    pub by_ministry: Vec<Group>,
    pub by_phase: Vec<Group>,
    pub by_size_band: Vec<Group>,
    pub by_functional_zone: Vec<Group>,
    pub changes: Option<Changes>,
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

/// The [`ReportInputs`] as of now, shared between requests while nothing is
/// written (loading them reads every project and review); kept between
/// requests only up to a weight (`web.cache_keep_mib`).
pub struct InputsCache(crate::cache::KeyedCache<(), ReportInputs>);

impl InputsCache {
    /// Keeps the inputs while they weigh at most `limit` bytes.
    pub fn kept_up_to(limit: usize) -> Self {
        Self(crate::cache::KeyedCache::default().kept_up_to(limit, ReportInputs::approx_bytes))
    }

    pub async fn get(
        &self,
        db: &Db,
        orgs: Arc<Vec<Organisation>>,
    ) -> Result<Arc<ReportInputs>, AppError> {
        self.0
            .get(db, (), || ReportInputs::load_with(db, orgs, None))
            .await
    }

    /// The inputs if they are held now (kept, or in use by another request).
    pub async fn held(&self, db: &Db) -> Result<Option<Arc<ReportInputs>>, AppError> {
        self.0.held(db, &()).await
    }
}

/// What a report is computed from, loaded once (a page computes several).
pub struct ReportInputs {
    pub data: PortfolioData,
    /// Every organisation, archived ones included.
    pub orgs: Arc<Vec<Organisation>>,
    pub published: Vec<editions::Edition>,
}

impl ReportInputs {
    pub async fn load(db: &Db) -> Result<ReportInputs, AppError> {
        let orgs = Arc::new(cosinum_store::organisations::list(db, true).await?);
        Self::load_with(db, orgs, None).await
    }

    /// The inputs of the projects of `owners` (all when `None`), with
    /// `orgs`, every organisation: reports over those projects say what the
    /// whole inputs would (`PortfolioData::load_of`).
    pub async fn load_with(
        db: &Db,
        orgs: Arc<Vec<Organisation>>,
        owners: Option<Owners>,
    ) -> Result<ReportInputs, AppError> {
        Ok(ReportInputs {
            data: PortfolioData::load_of(db, owners).await?,
            orgs,
            published: editions::list(db).await?,
        })
    }

    /// About how many bytes the inputs take in memory.
    pub fn approx_bytes(&self) -> usize {
        let orgs = self.orgs.capacity() * std::mem::size_of::<Organisation>()
            + self
                .orgs
                .iter()
                .map(|o| o.code.capacity() + o.name.capacity())
                .sum::<usize>();
        self.data.approx_bytes()
            + orgs
            + self.published.capacity() * std::mem::size_of::<editions::Edition>()
    }

    /// The report as of `as_of` over the organisations `visible` accepts.
    pub fn report(
        &self,
        as_of: Date,
        method: &'static MethodVersion,
        visible: impl Fn(OrgId) -> bool,
    ) -> PortfolioReport {
        build(self, as_of, method, visible)
    }
}

fn build(
    inputs: &ReportInputs,
    as_of: Date,
    method: &'static MethodVersion,
    visible: impl Fn(OrgId) -> bool,
) -> PortfolioReport {
    let data = &inputs.data;
    let orgs = &inputs.orgs;
    let org_label: HashMap<OrgId, (String, String)> = orgs
        .iter()
        .map(|o| (o.id, (o.code.clone(), o.name.clone())))
        .collect();
    let keep = |s: &ProjectSnapshot| visible(s.ministry);
    let snapshots: Vec<ProjectSnapshot> = data.snapshots(as_of).into_iter().filter(keep).collect();
    let figures = edition::edition(&snapshots, as_of, method);
    let groups = |map: std::collections::BTreeMap<String, EditionFigures>,
                  label: &dyn Fn(&str) -> String| {
        map.iter()
            .map(|(k, f)| Group {
                key: k.clone(),
                label: label(k),
                figures: f.into(),
            })
            .collect::<Vec<_>>()
    };
    let by_ministry = {
        let map = edition::breakdown(&snapshots, as_of, method, |s| {
            org_label
                .get(&s.ministry)
                .map_or_else(|| s.ministry.to_string(), |(code, _)| code.clone())
        });
        // By code through a map: a scan of the organisations per group is
        // quadratic in the number of ministries.
        let name_of: HashMap<&str, &str> = orgs
            .iter()
            .map(|o| (o.code.as_str(), o.name.as_str()))
            .collect();
        groups(map, &|code| {
            name_of
                .get(code)
                .map_or_else(|| code.to_owned(), |n| (*n).to_owned())
        })
    };
    let by_phase = {
        let map = edition::breakdown(&snapshots, as_of, method, |s| s.phase.as_str().to_owned());
        groups(map, &|k| {
            cosinum_domain::projects::Phase::parse(k)
                .map_or_else(|| k.to_owned(), |p| p.label_fr().to_owned())
        })
    };
    let by_size_band = {
        let map = edition::breakdown(&snapshots, as_of, method, |s| {
            s.cost.map_or("inconnu".to_owned(), |c| {
                SizeBand::of(c).as_str().to_owned()
            })
        });
        groups(map, &|k| {
            SizeBand::ALL
                .iter()
                .find(|b| b.as_str() == k)
                .map_or_else(|| "Coût non publié".to_owned(), |b| b.label_fr().to_owned())
        })
    };
    let by_functional_zone = {
        let map = edition::breakdown(&snapshots, as_of, method, |s| {
            if s.functional_zone.is_empty() {
                "Non renseignée".to_owned()
            } else {
                s.functional_zone.clone()
            }
        });
        groups(map, &|k| k.to_owned())
    };
    // Compare with the edition before the latest data of the portfolio (not
    // before `as_of` itself: between two reviews nothing moves).
    let published = &inputs.published;
    let latest_data = data
        .latest_review_until(as_of)
        .into_iter()
        .chain(published.iter().map(|e| e.as_of))
        .filter(|d| *d <= as_of)
        .max()
        .unwrap_or(as_of);
    let previous_as_of = published
        .iter()
        .rev()
        .map(|e| e.as_of)
        .find(|d| *d < latest_data)
        .unwrap_or_else(|| previous_half_year_end(latest_data));
    let changes = (previous_as_of < as_of).then(|| {
        let before: Vec<ProjectSnapshot> = data
            .snapshots(previous_as_of)
            .into_iter()
            .filter(keep)
            .collect();
        let c = edition::changes(&before, &snapshots);
        let name = |id: i64| {
            data.projects
                .iter()
                .find(|p| p.id == id)
                .map_or_else(String::new, |p| p.name.clone())
        };
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
                    name: name(r.project_id),
                    before_meur: r.before.meur(),
                    after_meur: r.after.meur(),
                    change: r.change,
                })
                .collect(),
        }
    });
    PortfolioReport {
        as_of,
        method: method.code,
        method_label: method.label_fr,
        figures: (&figures).into(),
        by_ministry,
        by_phase,
        by_size_band,
        by_functional_zone,
        changes,
    }
}

/// One project of the portfolio as of a date, with its figures: the dashboard
/// table and every export are built from these.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectLine {
    pub project_id: i64,
    pub ministry_code: String,
    pub ministry_name: String,
    pub name: String,
    pub description: String,
    pub links: String,
    pub interministerial: bool,
    pub phase: &'static str,
    pub phase_label: &'static str,
    pub functional_zone: String,
    pub funding_programmes: String,
    pub start: Option<Date>,
    pub forecast_end: Option<Date>,
    pub duration_years: Option<f64>,
    /// `null` when withheld or not known.
    pub cost_meur: Option<f64>,
    pub original_cost_meur: Option<f64>,
    pub current_baseline_cost_meur: Option<f64>,
    pub budget_drift_original: Option<f64>,
    pub calendar_drift_original: Option<f64>,
    pub budget_drift_current: Option<f64>,
    pub calendar_drift_current: Option<f64>,
    pub rebaselines: usize,
    pub figures_withheld: bool,
}

impl ReportInputs {
    /// The projects of the portfolio on `as_of` that `visible` accepts, by name.
    pub fn lines(&self, as_of: Date, visible: impl Fn(OrgId) -> bool) -> Vec<ProjectLine> {
        self.lines_of(as_of, visible, true)
    }

    /// [`Self::lines`] with their description, links and funding programmes
    /// left empty: for figures and names, without copying every project's
    /// texts (tens of megabytes at scale).
    pub fn figure_lines(&self, as_of: Date, visible: impl Fn(OrgId) -> bool) -> Vec<ProjectLine> {
        self.lines_of(as_of, visible, false)
    }

    fn lines_of(
        &self,
        as_of: Date,
        visible: impl Fn(OrgId) -> bool,
        texts: bool,
    ) -> Vec<ProjectLine> {
        use cosinum_domain::projects::drift::{budget_drift, calendar_drift};
        let text = |t: &String| if texts { t.clone() } else { String::new() };
        // Looked up in maps: a scan per line made the list quadratic (50,000
        // projects and 20,000 organisations at scale).
        let projects: std::collections::HashMap<i64, &cosinum_domain::projects::project::Project> =
            self.data.projects.iter().map(|p| (p.id, p)).collect();
        let orgs: std::collections::HashMap<OrgId, &cosinum_domain::organisation::Organisation> =
            self.orgs.iter().map(|o| (o.id, o)).collect();
        let mut out: Vec<ProjectLine> = self
            .data
            .snapshots(as_of)
            .into_iter()
            .filter(|s| visible(s.ministry))
            .filter_map(|s| {
                let p = *projects.get(&s.project_id)?;
                let org = orgs.get(&s.ministry).copied();
                let shown = !s.figures_withheld;
                let drift = |b: Option<&cosinum_domain::projects::Baseline>| {
                    let b = b.filter(|_| shown);
                    (
                        b.zip(s.cost).and_then(|(b, c)| budget_drift(b, c)),
                        b.zip(s.forecast_end)
                            .and_then(|(b, e)| calendar_drift(b, e)),
                    )
                };
                let (bo, co) = drift(s.original.as_ref());
                let (bc, cc) = drift(s.current.as_ref());
                Some(ProjectLine {
                    project_id: p.id,
                    ministry_code: org.map_or_else(String::new, |o| o.code.clone()),
                    ministry_name: org.map_or_else(String::new, |o| o.name.clone()),
                    name: p.name.clone(),
                    description: text(&p.description),
                    links: text(&p.links),
                    interministerial: s.interministerial,
                    phase: s.phase.as_str(),
                    phase_label: s.phase.label_fr(),
                    functional_zone: s.functional_zone.clone(),
                    funding_programmes: text(&p.funding_programmes),
                    start: s.start.filter(|_| shown),
                    forecast_end: s.forecast_end.filter(|_| shown),
                    duration_years: s
                        .start
                        .zip(s.forecast_end)
                        .filter(|_| shown)
                        .map(|(a, b)| (b - a).whole_days() as f64 / edition::DAYS_PER_YEAR),
                    cost_meur: s.cost.filter(|_| shown).map(|c| c.meur()),
                    original_cost_meur: s.original.as_ref().map(|b| b.cost.meur()),
                    current_baseline_cost_meur: s.current.as_ref().map(|b| b.cost.meur()),
                    budget_drift_original: bo,
                    calendar_drift_original: co,
                    budget_drift_current: bc,
                    calendar_drift_current: cc,
                    rebaselines: s.rebaselines,
                    figures_withheld: s.figures_withheld,
                })
            })
            .collect();
        out.sort_by_key(|l| l.name.to_lowercase());
        out
    }
}
