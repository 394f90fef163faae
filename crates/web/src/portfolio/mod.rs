//! The portfolio report as of a date: edition figures, breakdowns and what
//! changed since the previous edition. One function builds it for the API,
//! the pages and `cosinum portfolio --json`, so they always agree.

use std::collections::HashMap;
use std::sync::Arc;

use cosinum_domain::OrgId;
use cosinum_domain::organisation::Organisation;
use cosinum_domain::projects::ProjectSnapshot;
use cosinum_domain::projects::edition::{self, EditionFigures, MethodVersion};
use cosinum_domain::projects::project::Project;
use cosinum_store::Db;
use cosinum_store::among::Owners;
use cosinum_store::projects::editions::{self, PortfolioData};
use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use crate::error::AppError;

mod fold;
pub use fold::{FoldSpec, Folded, Lines, PART_SIZE, fold_parts};

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

/// The [`ReportInputs`] as of now, shared between requests while nothing is
/// written (loading them reads every project and review); kept between
/// requests only up to a weight (`web.cache_keep_mib`).
pub struct InputsCache {
    cache: crate::cache::KeyedCache<(), ReportInputs>,
    limit: usize,
    /// How the whole inputs compare with `limit`, as last weighed
    /// ([`Weight`] as a byte, so that requests read it without a lock).
    weight: std::sync::atomic::AtomicU8,
}

/// How the whole inputs compare with the limit of what is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Weight {
    /// Not weighed since start-up.
    Unknown,
    Light,
    Heavy,
}

impl InputsCache {
    /// Keeps the inputs while they weigh at most `limit` bytes.
    pub fn kept_up_to(limit: usize) -> Self {
        Self {
            cache: crate::cache::KeyedCache::default()
                .kept_up_to(limit, ReportInputs::approx_bytes),
            limit,
            weight: (Weight::Unknown as u8).into(),
        }
    }

    pub async fn get(
        &self,
        db: &Db,
        orgs: Arc<Vec<Organisation>>,
    ) -> Result<Arc<ReportInputs>, AppError> {
        let inputs = self
            .cache
            .get(db, (), || ReportInputs::load_with(db, orgs, None))
            .await?;
        self.weighed(inputs.approx_bytes());
        Ok(inputs)
    }

    /// The inputs if they are held now (kept, or in use by another request).
    pub async fn held(&self, db: &Db) -> Result<Option<Arc<ReportInputs>>, AppError> {
        self.cache.held(db, &()).await
    }

    /// Records that the whole inputs weigh about `bytes`.
    fn weighed(&self, bytes: usize) {
        let weight = if bytes > self.limit {
            Weight::Heavy
        } else {
            Weight::Light
        };
        self.weight
            .store(weight as u8, std::sync::atomic::Ordering::Relaxed);
    }

    fn weight(&self) -> Weight {
        match self.weight.load(std::sync::atomic::Ordering::Relaxed) {
            x if x == Weight::Light as u8 => Weight::Light,
            x if x == Weight::Heavy as u8 => Weight::Heavy,
            _ => Weight::Unknown,
        }
    }

    /// Whether the whole inputs are known to be too heavy to keep: a reader
    /// limited to some organisations then reads their projects only.
    pub fn known_heavy(&self) -> bool {
        self.weight() == Weight::Heavy
    }

    /// Whether the whole inputs may be too heavy to keep: not weighed yet,
    /// or weighed so. The whole portfolio is then folded part by part
    /// (which weighs it) rather than read whole only to learn, at scale,
    /// that it cannot be kept.
    fn maybe_heavy(&self) -> bool {
        self.weight() != Weight::Light
    }
}

/// One pass over the portfolio as `spec` says, over the organisations
/// `visible` accepts (among `owners`, when the reader is limited to some).
/// From the whole inputs when they are held or light enough to keep, from
/// the reader's projects' when limited to some; otherwise — the whole
/// portfolio at scale — read part by part, so its history is never held
/// whole (issue #11).
pub async fn folded(
    state: &crate::AppState,
    owners: Option<&std::collections::BTreeSet<OrgId>>,
    spec: &FoldSpec,
    visible: impl Fn(OrgId) -> bool + Sync,
) -> Result<Folded, AppError> {
    let cache = &state.portfolio_inputs;
    let whole = owners.is_some() || !cache.maybe_heavy() || cache.held(&state.db).await?.is_some();
    if whole {
        return Ok(state.portfolio_inputs_of(owners).await?.fold(spec, visible));
    }
    let orgs = state.organisations(true).await?;
    let (folded, bytes) = fold_parts(&state.db, &orgs, spec, visible, PART_SIZE).await?;
    cache.weighed(bytes);
    Ok(folded)
}

/// The projects' lines with their texts on `as_of`, over the organisations
/// `visible` accepts (among `owners`): what exports and templates list.
pub async fn lines_with_texts(
    state: &crate::AppState,
    owners: Option<&std::collections::BTreeSet<OrgId>>,
    as_of: Date,
    visible: impl Fn(OrgId) -> bool + Sync,
) -> Result<Vec<ProjectLine>, AppError> {
    let spec = FoldSpec {
        lines: Lines::WithTexts,
        ..FoldSpec::report(as_of, &edition::DINUM_2017)
    };
    Ok(folded(state, owners, &spec, visible).await?.lines)
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
        self.fold(&FoldSpec::report(as_of, method), visible).report
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
        // Looked up in maps: a scan per line made the list quadratic (50,000
        // projects and 20,000 organisations at scale).
        let projects: HashMap<i64, &Project> =
            self.data.projects.iter().map(|p| (p.id, p)).collect();
        let orgs: HashMap<OrgId, &Organisation> = self.orgs.iter().map(|o| (o.id, o)).collect();
        let mut out: Vec<ProjectLine> = self
            .data
            .snapshots(as_of)
            .into_iter()
            .filter(|s| visible(s.ministry))
            .filter_map(|s| {
                let p = projects.get(&s.project_id)?;
                Some(line(&s, p, orgs.get(&s.ministry).copied(), texts))
            })
            .collect();
        out.sort_by_key(|l| l.name.to_lowercase());
        out
    }
}

/// The line of project `p` from its snapshot `s`, in organisation `org`;
/// its description, links and funding programmes left empty unless `texts`.
fn line(s: &ProjectSnapshot, p: &Project, org: Option<&Organisation>, texts: bool) -> ProjectLine {
    use cosinum_domain::projects::drift::{budget_drift, calendar_drift};
    let text = |t: &String| if texts { t.clone() } else { String::new() };
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
    ProjectLine {
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
    }
}
