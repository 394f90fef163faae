//! An in-process OpenID Connect provider that behaves like ProConnect:
//! discovery, JWKS, an authorization endpoint that refuses any parameter it
//! does not expect (ProConnect's Y000400), single-use codes, RS256-signed
//! `id_token` and userinfo (`application/jwt`), and end-session. Each sign-in
//! can be told to misbehave, to prove cosinum refuses what it must.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "cosinum-test-client";
pub const CLIENT_SECRET: &str = "a-client-secret-for-tests-only";
const KID: &str = "k1";
const PROVIDER_KEY: &[u8] = include_bytes!("fixtures/oidc/provider.key.der");
const ATTACKER_KEY: &[u8] = include_bytes!("fixtures/oidc/attacker.key.der");
const PROVIDER_JWK: &str = include_str!("fixtures/oidc/provider.jwk.json");

/// The agent the next sign-in is for.
#[derive(Debug, Clone)]
pub struct Agent {
    pub sub: String,
    pub email: String,
    pub given_name: String,
    pub usual_name: String,
    pub siret: String,
}

impl Agent {
    pub fn new(sub: &str, email: &str, siret: &str) -> Self {
        Self {
            sub: sub.into(),
            email: email.into(),
            given_name: "Camille".into(),
            usual_name: "Durand".into(),
            siret: siret.into(),
        }
    }
}

/// How the next sign-in misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mischief {
    None,
    /// The id_token is signed by another key under the provider's key id.
    ForgedSignature,
    /// The id_token carries another nonce than the one cosinum sent.
    WrongNonce,
    /// The id_token expired an hour ago.
    Expired,
    /// The id_token is meant for another client.
    WrongAudience,
    /// Userinfo answers plain JSON instead of a signed JWT.
    UnsignedUserinfo,
    /// Userinfo speaks of another agent than the id_token.
    OtherSubject,
}

#[derive(Default)]
struct Inner {
    agent: Option<Agent>,
    mischief: Option<Mischief>,
    /// code → (agent, nonce, redirect_uri)
    codes: HashMap<String, (Agent, String, String)>,
    /// access token → agent
    access: HashMap<String, Agent>,
    counter: u64,
    /// Every authorization request's parameters, and every end-session call.
    pub authorize_requests: Vec<Vec<(String, String)>>,
    pub logouts: Vec<HashMap<String, String>>,
}

#[derive(Clone)]
pub struct FakeProvider {
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeProvider {
    pub async fn start() -> FakeProvider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind provider");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let provider = FakeProvider {
            issuer: format!("http://{addr}/api/v2"),
            inner: Arc::default(),
        };
        let app = Router::new()
            .route("/api/v2/.well-known/openid-configuration", get(discovery))
            .route("/api/v2/jwks", get(jwks))
            .route("/api/v2/authorize", get(authorize))
            .route("/api/v2/token", post(token))
            .route("/api/v2/userinfo", get(userinfo))
            .route("/api/v2/session/end", get(end_session))
            .with_state(provider.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("provider");
        });
        provider
    }

    /// The next sign-in is `agent`'s, misbehaving as told.
    pub fn next(&self, agent: Agent, mischief: Mischief) {
        let mut inner = self.inner.lock().expect("lock");
        inner.agent = Some(agent);
        inner.mischief = Some(mischief);
    }

    pub fn authorize_requests(&self) -> Vec<Vec<(String, String)>> {
        self.inner.lock().expect("lock").authorize_requests.clone()
    }

    pub fn logouts(&self) -> Vec<HashMap<String, String>> {
        self.inner.lock().expect("lock").logouts.clone()
    }

    fn mischief(&self) -> Mischief {
        self.inner
            .lock()
            .expect("lock")
            .mischief
            .unwrap_or(Mischief::None)
    }

    fn fresh(&self, prefix: &str) -> String {
        let mut inner = self.inner.lock().expect("lock");
        inner.counter += 1;
        format!(
            "{prefix}-{}-{}",
            inner.counter,
            cosinum_store::secrets::random_token(16)
        )
    }

    fn sign(&self, claims: &Value, forged: bool) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KID.into());
        let key = EncodingKey::from_rsa_der(if forged { ATTACKER_KEY } else { PROVIDER_KEY });
        jsonwebtoken::encode(&header, claims, &key).expect("sign")
    }
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

async fn discovery(State(p): State<FakeProvider>) -> Json<Value> {
    let i = &p.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "userinfo_endpoint": format!("{i}/userinfo"),
        "jwks_uri": format!("{i}/jwks"),
        "end_session_endpoint": format!("{i}/session/end"),
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "userinfo_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "email", "given_name", "usual_name", "siret", "uid"],
    }))
}

async fn jwks() -> Json<Value> {
    let mut jwk: Value = serde_json::from_str(PROVIDER_JWK).expect("jwk");
    jwk["kid"] = json!(KID);
    Json(json!({ "keys": [jwk] }))
}

const EXPECTED: [&str; 6] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
];

async fn authorize(
    State(p): State<FakeProvider>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    p.inner
        .lock()
        .expect("lock")
        .authorize_requests
        .push(params.clone());
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    // ProConnect refuses any parameter it does not expect (error Y000400).
    if params.iter().any(|(k, _)| !EXPECTED.contains(&k.as_str()))
        || EXPECTED.iter().any(|k| get(k).is_none())
        || get("client_id").as_deref() != Some(CLIENT_ID)
        || get("response_type").as_deref() != Some("code")
    {
        return (StatusCode::BAD_REQUEST, "Y000400").into_response();
    }
    let (Some(state), Some(nonce), Some(redirect)) =
        (get("state"), get("nonce"), get("redirect_uri"))
    else {
        return (StatusCode::BAD_REQUEST, "Y000400").into_response();
    };
    let agent = p.inner.lock().expect("lock").agent.clone();
    let Some(agent) = agent else {
        let q =
            serde_urlencoded::to_string([("error", "access_denied"), ("state", state.as_str())])
                .expect("query");
        return Redirect::to(&format!("{redirect}?{q}")).into_response();
    };
    let code = p.fresh("code");
    p.inner
        .lock()
        .expect("lock")
        .codes
        .insert(code.clone(), (agent, nonce, redirect.clone()));
    let q = serde_urlencoded::to_string([("code", code.as_str()), ("state", state.as_str())])
        .expect("query");
    Redirect::to(&format!("{redirect}?{q}")).into_response()
}

async fn token(
    State(p): State<FakeProvider>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map(String::as_str);
    if get("client_id") != Some(CLIENT_ID) || get("client_secret") != Some(CLIENT_SECRET) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    // A code is good once, for the redirect URI it was issued to.
    let entry = get("code").and_then(|c| p.inner.lock().expect("lock").codes.remove(c));
    let Some((agent, nonce, redirect)) = entry else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    if get("grant_type") != Some("authorization_code")
        || get("redirect_uri") != Some(redirect.as_str())
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let mischief = p.mischief();
    let t = now();
    let claims = json!({
        "iss": p.issuer,
        "sub": agent.sub,
        "aud": if mischief == Mischief::WrongAudience { "another-client" } else { CLIENT_ID },
        "exp": if mischief == Mischief::Expired { t - 3600 } else { t + 60 },
        "iat": if mischief == Mischief::Expired { t - 3660 } else { t },
        "nonce": if mischief == Mischief::WrongNonce { "a-nonce-cosinum-never-sent-0123456789abc".to_owned() } else { nonce },
        "acr": "eidas1",
        "amr": ["pwd"],
    });
    let id_token = p.sign(&claims, mischief == Mischief::ForgedSignature);
    let access = p.fresh("at");
    p.inner
        .lock()
        .expect("lock")
        .access
        .insert(access.clone(), agent);
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 60,
        "id_token": id_token,
    }))
    .into_response()
}

async fn userinfo(State(p): State<FakeProvider>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let agent = p.inner.lock().expect("lock").access.get(&bearer).cloned();
    let Some(agent) = agent else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let mischief = p.mischief();
    let claims = json!({
        "iss": p.issuer,
        "aud": CLIENT_ID,
        "iat": now(),
        "sub": if mischief == Mischief::OtherSubject { "someone-else" } else { agent.sub.as_str() },
        "email": agent.email,
        "given_name": agent.given_name,
        "usual_name": agent.usual_name,
        "siret": agent.siret,
        "uid": "1234",
    });
    if mischief == Mischief::UnsignedUserinfo {
        return Json(claims).into_response();
    }
    (
        [(header::CONTENT_TYPE, "application/jwt; charset=utf-8")],
        p.sign(&claims, false),
    )
        .into_response()
}

async fn end_session(
    State(p): State<FakeProvider>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let after = params
        .get("post_logout_redirect_uri")
        .cloned()
        .unwrap_or_default();
    p.inner.lock().expect("lock").logouts.push(params);
    Redirect::to(&after).into_response()
}
