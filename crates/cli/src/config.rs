//! Configuration: defaults → TOML file (`--config`) → environment (`COSINUM_*`)
//! → command-line flags, each layer overriding the previous one.

use std::path::Path;

use anyhow::Context;
use cosinum_web::WebConfig;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The commented example printed by `cosinum default-config`.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://…`; `None` means the default file.
    pub database_url: Option<String>,
    pub listen: String,
    pub log: LogConfig,
    pub web: WebConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            log: LogConfig::default(),
            web: WebConfig::default(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// Values given on the command line (only those set override the rest).
#[derive(Debug, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
}

/// Top-level keys read from `COSINUM_*`; other `COSINUM_` variables (test
/// harness settings, for instance) belong to other programs.
const ENV_KEYS: [&str; 4] = ["database_url", "listen", "log", "web"];

impl Config {
    pub fn load(file: Option<&Path>, flags: FlagOverrides) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            anyhow::ensure!(
                path.exists(),
                "configuration file not found: {}",
                path.display()
            );
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment
            .merge(Env::prefixed("COSINUM_").split("__").filter(|k| {
                // Keys keep the environment's case: compare case-insensitively.
                let top = k.as_str().split('.').next().unwrap_or_default();
                ENV_KEYS.iter().any(|known| known.eq_ignore_ascii_case(top))
            }))
            .merge(Serialized::defaults(flags));
        let config: Config = figment.extract().context("invalid configuration")?;
        // The provider sends agents back to a registered address, never to
        // one guessed from a request's Host header.
        anyhow::ensure!(
            config.web.oidc.is_none() || config.web.public_url.is_some(),
            "invalid configuration: web.oidc needs web.public_url (the provider's redirect URI is \
             {{public_url}}/connexion/oidc/retour)"
        );
        Ok(config)
    }

    /// The database to use; `serve --demo` defaults to its own file so that
    /// the demo never mixes with real data.
    pub fn database_url(&self, demo: bool) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None if demo => "sqlite://cosinum-demo.db".into(),
            None => "sqlite://cosinum.db".into(),
        }
    }
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail closures return figment's large error"
)]
mod tests {
    use super::*;

    #[test]
    fn example_file_is_the_defaults() {
        let parsed: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(EXAMPLE))
            .extract()
            .unwrap();
        let defaults = Config::default();
        assert_eq!(parsed.listen, defaults.listen);
        assert_eq!(parsed.web.session_ttl_hours, defaults.web.session_ttl_hours);
        assert_eq!(parsed.web.max_body_bytes, defaults.web.max_body_bytes);
        assert_eq!(parsed.web.cache_keep_mib, defaults.web.cache_keep_mib);
        assert_eq!(
            parsed.web.request_timeout_secs,
            defaults.web.request_timeout_secs
        );
        assert_eq!(parsed.log.level, defaults.log.level);
        assert_eq!(
            parsed.web.notice_interval_secs,
            defaults.web.notice_interval_secs
        );
        assert!(parsed.web.mail.is_none());
        assert_eq!(parsed.database_url, None);
    }

    #[test]
    fn layers_override_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "listen = \"0.0.0.0:1\"\n[web]\nsession_ttl_hours = 3\n",
            )?;
            jail.set_env("COSINUM_LISTEN", "0.0.0.0:2");
            jail.set_env("COSINUM_WEB__SESSION_TTL_HOURS", "5");
            jail.set_env("COSINUM_TEST_POSTGRES_URL", "postgres://ignored");
            let c = Config::load(Some(Path::new("c.toml")), FlagOverrides::default()).unwrap();
            assert_eq!(c.listen, "0.0.0.0:2");
            assert_eq!(c.web.session_ttl_hours, 5);
            let flags = FlagOverrides {
                listen: Some("0.0.0.0:3".into()),
                database_url: None,
            };
            let c = Config::load(Some(Path::new("c.toml")), flags).unwrap();
            assert_eq!(c.listen, "0.0.0.0:3");
            Ok(())
        });
    }

    #[test]
    fn unknown_settings_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("c.toml", "lisen = \"x\"\n")?;
            let err =
                Config::load(Some(Path::new("c.toml")), FlagOverrides::default()).unwrap_err();
            assert!(format!("{err:#}").contains("lisen"), "{err:#}");
            Ok(())
        });
    }

    #[test]
    fn an_identity_provider_needs_the_public_url() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "[web.oidc]\nissuer = \"https://idp.example/api/v2\"\nclient_id = \"c\"\n",
            )?;
            jail.set_env("COSINUM_WEB__OIDC__CLIENT_SECRET", "s3cret");
            let err =
                Config::load(Some(Path::new("c.toml")), FlagOverrides::default()).unwrap_err();
            assert!(format!("{err:#}").contains("web.public_url"), "{err:#}");
            jail.set_env("COSINUM_WEB__PUBLIC_URL", "https://cosinum.example");
            let c =
                Config::load(Some(Path::new("c.toml")), FlagOverrides::default()).expect("valid");
            let oidc = c.web.oidc.expect("oidc");
            assert_eq!(oidc.client_secret, "s3cret");
            assert_eq!(oidc.label, "ProConnect");
            assert!(oidc.signed_userinfo);
            Ok(())
        });
    }

    #[test]
    fn smtp_settings_come_from_the_file_and_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "[web]\nnotice_interval_secs = 0\n[web.mail]\nsmtp_url = \"smtp://relay:25\"\nfrom = \"cosinum <c@x.fr>\"\n",
            )?;
            jail.set_env("COSINUM_WEB__MAIL__SMTP_URL", "smtps://u:p@relay:465");
            let c =
                Config::load(Some(Path::new("c.toml")), FlagOverrides::default()).expect("valid");
            let mail = c.web.mail.expect("mail");
            assert_eq!(mail.smtp_url, "smtps://u:p@relay:465");
            assert_eq!((mail.timeout_secs, c.web.notice_interval_secs), (20, 0));
            jail.create_file("d.toml", "[web.mail]\nsmtp_url = \"smtp://relay\"\n")?;
            let err =
                Config::load(Some(Path::new("d.toml")), FlagOverrides::default()).unwrap_err();
            assert!(format!("{err:#}").contains("from"), "{err:#}");
            Ok(())
        });
    }

    #[test]
    fn demo_has_its_own_default_file() {
        let c = Config::default();
        assert_eq!(c.database_url(true), "sqlite://cosinum-demo.db");
        assert_eq!(c.database_url(false), "sqlite://cosinum.db");
    }
}
