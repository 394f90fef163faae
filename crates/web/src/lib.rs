//! The cosinum web platform: DSFR HTML pages in French and the JSON API
//! (`/api/v1`, described by an OpenAPI document generated from the code).
//!
//! [`build_app`] assembles the whole application from an [`AppState`], so the
//! binary and the tests start exactly the same thing (tests on port 0).

pub mod api;
mod assets;
pub mod cache;
mod campaign_files;
pub mod campaigns;
pub mod charts;
pub mod charts_stats;
pub mod cloud_import;
pub mod cloud_overview;
pub mod committee;
pub mod config;
mod csrf;
pub mod demarche_import;
mod error;
mod format;
pub mod funding_import;
mod identity;
pub mod mail;
mod nav;
mod objects;
pub mod observatory;
pub mod oidc;
mod pages;
pub mod plan_import;
pub mod portfolio;
pub mod publication;
pub mod search;
mod security;
pub mod talent_import;
pub mod talent_report;
pub mod template_import;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request};
use cosinum_store::Db;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use assets::dsfr_present;
pub use config::WebConfig;
pub use error::{AppError, ErrorBody};
pub use observatory::MinistryFigures;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Values the unit tests of several modules build alike.
#[cfg(test)]
pub(crate) mod fixtures {
    use cosinum_domain::OrgId;
    use cosinum_domain::organisation::{OrgKind, Organisation};

    /// A ministry named by its code, valid since 2020.
    pub fn ministry(id: i64, code: &str) -> Organisation {
        Organisation {
            id: OrgId(id),
            code: code.into(),
            name: code.into(),
            kind: OrgKind::Ministry,
            parent_id: None,
            valid_from: time::macros::date!(2020 - 01 - 01),
            valid_to: None,
            archived: false,
            version: 1,
        }
    }
}

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub search: Arc<search::SearchState>,
    /// Public releases parsed once (their files never change).
    pub publications: Arc<publication::public::Cache>,
    /// The identity provider, when `web.oidc` is configured.
    pub oidc: Option<Arc<oidc::Provider>>,
    /// The portfolio's inputs, kept while nothing is written.
    pub portfolio_inputs: Arc<portfolio::InputsCache>,
    /// Each edition's counts per ministry, by edition date: what evolution
    /// charts, targets, summaries and comparisons read.
    pub demarche_figures: Arc<cache::KeyedCache<time::Date, MinistryFigures>>,
    /// The editions looked at last: counts per administration and movers.
    pub demarche_digests: Arc<cache::KeyedCache<time::Date, observatory::EditionDigest>>,
    /// Funds' reports as the DINUM sees them, by fund code and day.
    pub fund_reports:
        Arc<cache::KeyedCache<(Option<String>, time::Date), api::funding::FundReportFor>>,
    /// The observatory's evolution charts as the DINUM sees them, by edition.
    pub demarche_evolutions: Arc<cache::KeyedCache<time::Date, pages::demarche_charts::Evolution>>,
    /// The démarches dashboard's edition-wide parts, for whoever sees everything.
    pub(crate) demarche_views:
        Arc<cache::KeyedCache<time::Date, pages::demarches_view::EditionView>>,
    /// The démarches' targets as the DINUM sees them, by day.
    pub target_progress:
        Arc<cache::KeyedCache<time::Date, Vec<api::demarches_targets::TargetProgress>>>,
    /// Every HR return.
    pub hr_returns: Arc<cache::KeyedCache<(), Vec<cosinum_domain::talent::hr_return::HrReturn>>>,
    /// The observatory's editions with their counts.
    pub demarche_editions: Arc<cache::KeyedCache<(), Vec<cosinum_store::demarches::Edition>>>,
    /// The observatory's summaries as the DINUM sees them, by edition (up
    /// to `web.cache_keep_mib` each: computed again from the kept counts
    /// past it).
    pub demarche_summaries: Arc<cache::KeyedCache<Option<time::Date>, api::demarches::Summary>>,
    /// The projects dashboard's edition as the DINUM sees it, with its
    /// half-yearly trend, by day and method.
    pub portfolio_views: Arc<cache::KeyedCache<(time::Date, &'static str), pages::PortfolioView>>,
    /// The portfolio API's report as the DINUM sees it, by day and method
    /// (at scale computing it reads every project's history, part by part).
    pub portfolio_reports:
        Arc<cache::KeyedCache<(time::Date, &'static str), portfolio::PortfolioReport>>,
    /// The talent summary as the DINUM sees it with the configured alert
    /// bands, by period (`None`: the latest).
    pub talent_summaries: Arc<cache::KeyedCache<Option<String>, talent_report::TalentSummary>>,
    /// The cloud inventory's figures as the DINUM sees them, by day.
    pub cloud_overviews: Arc<cache::KeyedCache<time::Date, cloud_overview::CloudOverview>>,
    /// The organisations, with the archived ones (`true`) or without.
    pub organisations:
        Arc<cache::KeyedCache<bool, Vec<cosinum_domain::organisation::Organisation>>>,
}

impl AppState {
    /// The portfolio's projects, reviews, editions and organisations as of
    /// now (shared while nothing is written).
    pub async fn portfolio_inputs(&self) -> Result<Arc<portfolio::ReportInputs>, error::AppError> {
        let orgs = self.organisations(true).await?;
        self.portfolio_inputs.get(&self.db, orgs).await
    }

    /// The portfolio's inputs for a reader of the projects of `owners` only
    /// (all when `None`). The whole inputs when they are held, light enough
    /// to keep, or not weighed yet (reading them weighs them); otherwise —
    /// at scale, where they are not kept — only those projects' are read:
    /// a ministry's pages then read a few projects, not the whole history.
    pub async fn portfolio_inputs_of(
        &self,
        owners: Option<&std::collections::BTreeSet<cosinum_domain::OrgId>>,
    ) -> Result<Arc<portfolio::ReportInputs>, error::AppError> {
        let Some(owners) = owners else {
            return self.portfolio_inputs().await;
        };
        if let Some(all) = self.portfolio_inputs.held(&self.db).await? {
            return Ok(all);
        }
        // Read whole once and kept when light, a ministry's list then costs
        // no read at all, where reading the reader's projects alone read the
        // database at each request, however small the portfolio (issue #11).
        if !self.portfolio_inputs.known_heavy() {
            return self.portfolio_inputs().await;
        }
        let orgs = self.organisations(true).await?;
        let owners = cosinum_store::among::Owners::of(owners.iter().copied());
        Ok(Arc::new(
            portfolio::ReportInputs::load_with(&self.db, orgs, Some(owners)).await?,
        ))
    }

    /// The organisations (with the archived ones when `include_archived`),
    /// shared until one is written: most pages name ministries, and at scale
    /// there are thousands of them (reading them took half a dashboard's time).
    pub async fn organisations(
        &self,
        include_archived: bool,
    ) -> Result<Arc<Vec<cosinum_domain::organisation::Organisation>>, error::AppError> {
        self.organisations
            .get(&self.db, include_archived, || async {
                Ok(cosinum_store::organisations::list(&self.db, include_archived).await?)
            })
            .await
    }

    /// Every HR return (the talent dashboard reads them all; shared until a
    /// return or an organisation is written).
    pub async fn hr_returns(
        &self,
    ) -> Result<Arc<Vec<cosinum_domain::talent::hr_return::HrReturn>>, error::AppError> {
        self.hr_returns
            .get(&self.db, (), || async {
                Ok(cosinum_store::talent::returns(&self.db).await?)
            })
            .await
    }

    /// The observatory's editions, oldest first, each with its number of
    /// démarches (counting them reads every value: shared while nothing is
    /// written).
    pub async fn demarche_editions(
        &self,
    ) -> Result<Arc<Vec<cosinum_store::demarches::Edition>>, error::AppError> {
        self.demarche_editions
            .get(&self.db, (), || async {
                Ok(cosinum_store::demarches::editions(&self.db).await?)
            })
            .await
    }
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> Self {
        let search = Arc::new(search::SearchState::new(config.search_index_dir.as_deref()));
        let oidc = config
            .oidc
            .clone()
            .map(|c| Arc::new(oidc::Provider::new(c)));
        let keep = config.cache_keep_mib.saturating_mul(1 << 20);
        Self {
            db,
            config: Arc::new(config),
            search,
            publications: Arc::default(),
            oidc,
            portfolio_inputs: Arc::new(portfolio::InputsCache::kept_up_to(keep)),
            demarche_summaries: Arc::new(
                cache::KeyedCache::depending_on(cache::DEMARCHES_TYPES)
                    .kept_up_to(keep, api::demarches::Summary::approx_bytes),
            ),
            demarche_digests: Arc::new(
                cache::KeyedCache::depending_on(cache::DEMARCHES_TYPES).keeping(4),
            ),
            demarche_figures: Arc::new(cache::KeyedCache::depending_on(cache::DEMARCHES_TYPES)),
            fund_reports: Arc::default(),
            demarche_evolutions: Arc::new(cache::KeyedCache::depending_on(cache::DEMARCHES_TYPES)),
            demarche_views: Arc::new(cache::KeyedCache::depending_on(cache::DEMARCHES_TYPES)),
            hr_returns: Arc::new(
                cache::KeyedCache::depending_on(&[
                    cosinum_store::talent::OBJECT_TYPE,
                    "organisation",
                ])
                .kept_up_to(keep, returns_weight),
            ),
            demarche_editions: Arc::new(cache::KeyedCache::depending_on(cache::DEMARCHES_TYPES)),
            target_progress: Arc::new(cache::KeyedCache::depending_on(cache::DEMARCHES_TYPES)),
            portfolio_views: Arc::default(),
            portfolio_reports: Arc::default(),
            cloud_overviews: Arc::default(),
            talent_summaries: Arc::default(),
            organisations: Arc::new(cache::KeyedCache::depending_on(&[
                cosinum_store::organisations::OBJECT_TYPE,
            ])),
        }
    }
}

/// About how many bytes HR returns take in memory (their texts are short).
#[allow(clippy::ptr_arg)] // the cache's value is the list itself
fn returns_weight(all: &Vec<cosinum_domain::talent::hr_return::HrReturn>) -> usize {
    all.capacity() * std::mem::size_of::<cosinum_domain::talent::hr_return::HrReturn>()
        + all
            .iter()
            .map(|r| r.region.capacity() + r.period.capacity())
            .sum::<usize>()
}

/// The whole application: pages, API, static assets and the middleware stack.
pub fn build_app(state: AppState) -> Router {
    let (api, _) = api::router().split_for_parts();
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    let body_limit = state.config.max_body_bytes;
    let outer = state.clone();
    Router::new()
        .merge(pages::router())
        .merge(api)
        .merge(assets::router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(axum::middleware::from_fn_with_state(state.clone(), identity::resolve))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // Outermost: every response, errors of the layers above included.
        .layer(axum::middleware::from_fn_with_state(outer, security::headers))
}

/// Serves the application on `listener` until `shutdown` resolves, then lets
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    mail::spawn_dispatcher(state.clone());
    // Without TCP_NODELAY, the last part of a streamed answer (the project
    // list, the démarches summary) waited for the client's delayed
    // acknowledgement: ~40 ms added to every such request (issue #11).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set on a connection");
        }
    });
    axum::serve(listener, build_app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The OpenAPI document of the JSON API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().split_for_parts().1
}
