//! Settings of the web platform (part of the `cosinum` configuration file).

use serde::{Deserialize, Serialize};

/// Web settings; every field has a default so that an empty configuration works.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// The address users reach cosinum at, e.g. `https://cosinum.numerique.gouv.fr`.
    /// When it is `https://…`, cookies are marked `Secure`.
    pub public_url: Option<String>,
    /// How long a signed-in session lasts, in hours.
    pub session_ttl_hours: u32,
    /// Requests taking longer are cut with 408.
    pub request_timeout_secs: u64,
    /// How long a dashboard whose figures are still being computed (the
    /// démarches' at scale, after start-up or a write) is waited for before
    /// a page saying so answers in its place (503, with a link to reload);
    /// the computation goes on meanwhile.
    pub page_patience_secs: u64,
    /// Largest accepted request body, in bytes (uploads included).
    pub max_body_bytes: usize,
    /// Inputs that several pages compute their figures from (the
    /// portfolio's projects and reviews, the HR returns) are kept between
    /// requests while each weighs at most this many MiB; a heavier one (a
    /// portfolio of tens of thousands of projects) is read again by each
    /// page that needs it, so memory stays bounded. The dashboards' computed
    /// figures are kept either way.
    pub cache_keep_mib: usize,
    /// A review whose drift against the baseline in force exceeds this ratio
    /// (0.10 = 10 %) must carry a narrative.
    pub narrative_drift_threshold: f64,
    /// Labels of the four rating levels of project reviews, best first: a
    /// weather scale by default, or e.g. ["Vert", "Jaune", "Orange", "Rouge"].
    pub rating_labels: [String; 4],
    /// Alert bands of the digital-talent dashboard: turnover above
    /// `turnover_high` is too high; below `turnover_low` with an external
    /// share above `external_high`, too low with high outsourcing.
    pub talent_bands: cosinum_domain::talent::dispersion::Bands,
    /// Where the search index is kept (created if missing; rebuilt from
    /// scratch with `cosinum reindex`). Unset: a temporary directory, rebuilt
    /// at start and removed at exit.
    pub search_index_dir: Option<std::path::PathBuf>,
    /// When the data propose a point for the committee's agenda: the drift
    /// (`drift`, 0.2 = +20 %) and the DINUM rating (`red_rating`, 1–4).
    pub committee_rules: cosinum_domain::committee::rules::Thresholds,
    /// Sign-in lockout: `max_failures` failed attempts on one address within
    /// `window_minutes` lock it for `lockout_minutes`.
    pub login_guard: cosinum_domain::login_guard::Policy,
    /// Sign-in through an OpenID Connect provider (ProConnect), beside local
    /// accounts; needs `public_url` (the redirect URI the provider registered).
    pub oidc: Option<crate::oidc::OidcConfig>,
    /// E-mail of campaign notices (SMTP); unset, notices stay in the app.
    pub mail: Option<crate::mail::MailConfig>,
    /// How often (seconds) campaign notices due are recorded and digests
    /// mailed; 0 turns the background dispatcher off (run it with
    /// `cosinum campaign notify` or the API instead).
    pub notice_interval_secs: u64,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            session_ttl_hours: 12,
            request_timeout_secs: 60,
            page_patience_secs: 20,
            max_body_bytes: 20 * 1024 * 1024,
            cache_keep_mib: 24,
            narrative_drift_threshold: 0.10,
            rating_labels: ["Ensoleillé", "Nuageux", "Pluvieux", "Orageux"].map(String::from),
            talent_bands: Default::default(),
            search_index_dir: None,
            committee_rules: Default::default(),
            login_guard: Default::default(),
            oidc: None,
            mail: None,
            notice_interval_secs: 300,
        }
    }
}

impl WebConfig {
    /// The configured label of a rating level (1 = best).
    pub fn rating_label(&self, level: u8) -> &str {
        self.rating_labels
            .get(usize::from(level.clamp(1, 4)) - 1)
            .map_or("", String::as_str)
    }

    /// Cookies travel only over TLS when the platform is served over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}
