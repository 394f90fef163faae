//! OpenID Connect relying party, for ProConnect (the State agents' identity
//! federation) or any OIDC provider: discovery, authorization-code flow,
//! signed `id_token` and userinfo checked against the provider's keys.
//!
//! ProConnect's rules are summed up in
//! `../shared/reference/rust-style-and-crates.md` (« OIDC with ProConnect »):
//! `state` and `nonce` of at least 32 characters kept server-side; no
//! parameter the provider does not expect (it answers Y000400); userinfo
//! answered as a signed JWT; logout through `end_session_endpoint` with the
//! `id_token` as hint. The HTTP side lives in [`routes`].

pub mod routes;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

/// The `web.oidc` section of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The button's name, e.g. « ProConnect ».
    #[serde(default = "default_label")]
    pub label: String,
    /// The provider's issuer, e.g. `https://auth.agentconnect.gouv.fr/api/v2`;
    /// its metadata is read from `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Better given by the environment: `COSINUM_WEB__OIDC__CLIENT_SECRET`.
    pub client_secret: String,
    #[serde(default = "default_scopes")]
    pub scopes: String,
    /// SIRET (14 digits) or SIREN (9) → code of the cosinum organisation it
    /// belongs to: suggested to the administrator approving a new agent.
    #[serde(default)]
    pub organisations: BTreeMap<String, String>,
    /// ProConnect always signs userinfo; plain JSON is accepted only when
    /// this is false (other providers).
    #[serde(default = "yes")]
    pub signed_userinfo: bool,
}

fn default_label() -> String {
    "ProConnect".into()
}

fn default_scopes() -> String {
    "openid email given_name usual_name siret uid".into()
}

fn yes() -> bool {
    true
}

/// Paths of cosinum's side of the flow (the provider must know the first two).
pub const CALLBACK_PATH: &str = "/connexion/oidc/retour";
pub const AFTER_LOGOUT_PATH: &str = "/";

/// What went wrong; the message is shown to the agent, the detail is logged.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("le fournisseur d'identité est injoignable ou a répondu de façon inattendue")]
    Provider(String),
    #[error("la connexion a expiré ou a déjà été utilisée : recommencez")]
    StaleFlow,
    #[error("la réponse du fournisseur d'identité n'est pas valide")]
    Invalid(String),
    #[error("le fournisseur d'identité a refusé la connexion")]
    Refused(String),
}

impl OidcError {
    /// What the logs get: the reason, never a token.
    pub fn detail(&self) -> &str {
        match self {
            OidcError::Provider(d) | OidcError::Invalid(d) | OidcError::Refused(d) => d,
            OidcError::StaleFlow => "unknown, expired or replayed state",
        }
    }
}

fn invalid(what: impl std::fmt::Display) -> OidcError {
    OidcError::Invalid(what.to_string())
}

/// The provider's metadata (only the fields cosinum uses).
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub id_token: String,
}

/// The claims cosinum reads from the `id_token` and userinfo.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub nonce: Option<String>,
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub usual_name: Option<String>,
    pub family_name: Option<String>,
    pub siret: Option<String>,
}

struct Cached {
    metadata: Metadata,
    keys: JwkSet,
    fetched: Instant,
}

/// Metadata and keys are read again after this long, or at once when a token
/// names a key we do not have (the provider rotated its keys).
const CACHE_FOR: Duration = Duration::from_secs(3600);

/// A configured provider, with its metadata and keys cached.
pub struct Provider {
    pub config: OidcConfig,
    http: reqwest::Client,
    cache: RwLock<Option<Cached>>,
}

impl Provider {
    pub fn new(config: OidcConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            config,
            http,
            cache: RwLock::new(None),
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let res = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| OidcError::Provider(format!("GET {url}: {e}")))?;
        if !res.status().is_success() {
            return Err(OidcError::Provider(format!("GET {url}: {}", res.status())));
        }
        res.json()
            .await
            .map_err(|e| OidcError::Provider(format!("GET {url}: {e}")))
    }

    async fn refresh(&self) -> Result<(), OidcError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let metadata: Metadata = self.get_json(&url).await?;
        // The metadata must speak for the issuer we trust (OIDC Discovery §4.3).
        if metadata.issuer != self.config.issuer {
            return Err(OidcError::Provider(format!(
                "metadata issuer {:?} differs from the configured {:?}",
                metadata.issuer, self.config.issuer
            )));
        }
        let keys: JwkSet = self.get_json(&metadata.jwks_uri).await?;
        *self.cache.write().await = Some(Cached {
            metadata,
            keys,
            fetched: Instant::now(),
        });
        Ok(())
    }

    /// The provider's metadata, read once an hour.
    pub async fn metadata(&self) -> Result<Metadata, OidcError> {
        let fresh =
            |c: &Option<Cached>| c.as_ref().is_some_and(|c| c.fetched.elapsed() < CACHE_FOR);
        if !fresh(&*self.cache.read().await) {
            self.refresh().await?;
        }
        self.cache
            .read()
            .await
            .as_ref()
            .map(|c| c.metadata.clone())
            .ok_or_else(|| OidcError::Provider("no metadata".into()))
    }

    /// The authorization request: exactly the parameters ProConnect expects.
    pub fn authorize_url(
        &self,
        metadata: &Metadata,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
    ) -> String {
        let query = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", self.config.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", self.config.scopes.as_str()),
            ("state", state),
            ("nonce", nonce),
        ])
        .unwrap_or_default();
        let sep = if metadata.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}{query}", metadata.authorization_endpoint)
    }

    /// Trades the authorization code for tokens.
    pub async fn exchange(
        &self,
        metadata: &Metadata,
        code: &str,
        redirect_uri: &str,
    ) -> Result<TokenResponse, OidcError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        // client_secret_post when the provider lists it (ProConnect does),
        // HTTP Basic otherwise (the OIDC default).
        let post = metadata
            .token_endpoint_auth_methods_supported
            .iter()
            .any(|m| m == "client_secret_post");
        let mut req = self.http.post(&metadata.token_endpoint);
        if post {
            form.push(("client_id", &self.config.client_id));
            form.push(("client_secret", &self.config.client_secret));
        } else {
            req = req.basic_auth(&self.config.client_id, Some(&self.config.client_secret));
        }
        let body = serde_urlencoded::to_string(&form).map_err(invalid)?;
        let res = req
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| OidcError::Provider(format!("token endpoint: {e}")))?;
        if !res.status().is_success() {
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            return Err(OidcError::Refused(format!(
                "token endpoint {status}: {text}"
            )));
        }
        res.json()
            .await
            .map_err(|e| invalid(format!("token response: {e}")))
    }

    /// Checks a JWT signed by the provider: signature with its published key,
    /// issuer, audience, expiry (60 s of leeway for clocks).
    async fn verify(&self, jwt: &str, what: &str, check_exp: bool) -> Result<Claims, OidcError> {
        let header =
            jsonwebtoken::decode_header(jwt).map_err(|e| invalid(format!("{what}: {e}")))?;
        // Asymmetric signatures only: an HS256 token would be checked with a
        // key the provider publishes, i.e. forgeable by anyone.
        if !matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::ES256
                | Algorithm::ES384
        ) {
            return Err(invalid(format!(
                "{what}: algorithm {:?} refused",
                header.alg
            )));
        }
        let kid = header.kid.clone().unwrap_or_default();
        let mut key = self.key(&kid).await;
        if key.is_none() {
            self.refresh().await?;
            key = self.key(&kid).await;
        }
        let key = key.ok_or_else(|| invalid(format!("{what}: unknown key {kid:?}")))?;
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[&self.config.issuer]);
        v.set_audience(&[&self.config.client_id]);
        v.leeway = 60;
        v.validate_exp = check_exp;
        if !check_exp {
            v.required_spec_claims.remove("exp");
        }
        jsonwebtoken::decode::<Claims>(jwt, &key, &v)
            .map(|d| d.claims)
            .map_err(|e| invalid(format!("{what}: {e}")))
    }

    async fn key(&self, kid: &str) -> Option<DecodingKey> {
        let cache = self.cache.read().await;
        let keys = &cache.as_ref()?.keys;
        let jwk = if kid.is_empty() && keys.keys.len() == 1 {
            keys.keys.first()
        } else {
            keys.find(kid)
        }?;
        DecodingKey::from_jwk(jwk).ok()
    }

    /// Verifies the `id_token`, including the nonce sent for this flow.
    pub async fn verify_id_token(&self, id_token: &str, nonce: &str) -> Result<Claims, OidcError> {
        let claims = self.verify(id_token, "id_token", true).await?;
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(invalid("id_token: nonce differs from the one sent"));
        }
        Ok(claims)
    }

    /// Reads userinfo with the access token; a signed answer is verified, and
    /// its subject must be the `id_token`'s.
    pub async fn userinfo(
        &self,
        metadata: &Metadata,
        access_token: &str,
        subject: &str,
    ) -> Result<Claims, OidcError> {
        let res = self
            .http
            .get(&metadata.userinfo_endpoint)
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| OidcError::Provider(format!("userinfo: {e}")))?;
        if !res.status().is_success() {
            return Err(OidcError::Refused(format!("userinfo: {}", res.status())));
        }
        let jwt = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/jwt"));
        let body = res
            .text()
            .await
            .map_err(|e| OidcError::Provider(format!("userinfo: {e}")))?;
        let claims = if jwt {
            self.verify(body.trim(), "userinfo", false).await?
        } else if self.config.signed_userinfo {
            return Err(invalid(
                "userinfo: unsigned answer, a signed JWT is required",
            ));
        } else {
            serde_json::from_str(&body).map_err(|e| invalid(format!("userinfo: {e}")))?
        };
        if claims.sub != subject {
            return Err(invalid("userinfo: subject differs from the id_token's"));
        }
        Ok(claims)
    }

    /// Where to send the browser to end the provider's session too.
    pub fn logout_url(
        &self,
        metadata: &Metadata,
        id_token: &str,
        state: &str,
        after: &str,
    ) -> Option<String> {
        let end = metadata.end_session_endpoint.as_deref()?;
        let query = serde_urlencoded::to_string([
            ("id_token_hint", id_token),
            ("state", state),
            ("post_logout_redirect_uri", after),
        ])
        .ok()?;
        let sep = if end.contains('?') { '&' } else { '?' };
        Some(format!("{end}{sep}{query}"))
    }
}
