//! Sign-in through an OpenID Connect provider (ProConnect), end to end
//! against the in-process fake of `oidc_provider`: known agents sign in,
//! unknown ones wait for an administrator, and every forged or replayed
//! answer is refused without opening a session.

use cosinum_store::oidc;
use cosinum_web::WebConfig;
use cosinum_web::oidc::OidcConfig;
use serde_json::{Value, json};

use crate::harness::{ADMIN, Backend, EDITOR_MININT, TestApp, csrf_in};
use crate::oidc_provider::{Agent, CLIENT_ID, CLIENT_SECRET, FakeProvider, Mischief};

async fn start(backend: Backend, provider: &FakeProvider) -> TestApp {
    let issuer = provider.issuer.clone();
    TestApp::start_at(backend, move |addr| WebConfig {
        public_url: Some(format!("http://{addr}")),
        oidc: Some(OidcConfig {
            label: "ProConnect".into(),
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            scopes: "openid email given_name usual_name siret uid".into(),
            // The Interior ministry's SIREN.
            organisations: [("110044013".to_owned(), "MININT".to_owned())].into(),
            signed_userinfo: true,
        }),
        ..WebConfig::default()
    })
    .await
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// What the browser sees at the end of one round trip through the provider.
struct Outcome {
    status: u16,
    location: String,
    body: String,
    /// The callback URL, to replay it.
    callback: String,
}

/// Clicks « S'identifier avec ProConnect » and follows the provider back.
async fn sign_in(app: &TestApp, client: &reqwest::Client, next: &str) -> Outcome {
    let start = client
        .get(app.url(&format!("/connexion/oidc?suivant={next}")))
        .send()
        .await
        .expect("start");
    assert_eq!(
        start.status(),
        303,
        "start: {}",
        start.text().await.unwrap_or_default()
    );
    let authorize = location(&start);
    let at_provider = client.get(&authorize).send().await.expect("authorize");
    assert_eq!(
        at_provider.status(),
        303,
        "provider: {}",
        at_provider.text().await.unwrap_or_default()
    );
    let callback = location(&at_provider);
    assert!(
        callback.starts_with(&app.url("/connexion/oidc/retour?")),
        "{callback}"
    );
    let res = client.get(&callback).send().await.expect("callback");
    Outcome {
        status: res.status().as_u16(),
        location: location(&res),
        body: String::new(),
        callback,
    }
    .with_body(res)
    .await
}

impl Outcome {
    async fn with_body(mut self, res: reqwest::Response) -> Self {
        self.body = res.text().await.unwrap_or_default();
        self
    }
}

/// Whether `client` holds a live session (the account page answers).
async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let res = client
        .get(app.url("/compte"))
        .send()
        .await
        .expect("account");
    res.status() == 200
}

async fn known_agent_signs_in_and_out(app: &TestApp, provider: &FakeProvider) {
    let client = app.client();
    let editor = app.org("MININT").await;
    provider.next(
        Agent::new("agent-editor", EDITOR_MININT, "11004401300014"),
        Mischief::None,
    );
    let out = sign_in(app, &client, "/projets").await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(out.location, "/projets");
    assert!(signed_in(app, &client).await);

    // Exactly the parameters ProConnect accepts, state and nonce ≥ 32 characters.
    let sent = provider
        .authorize_requests()
        .pop()
        .expect("authorize request");
    let names: Vec<&str> = sent.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "nonce"
        ]
    );
    for (k, v) in &sent {
        if k == "state" || k == "nonce" {
            assert!(v.len() >= 32, "{k} too short: {v}");
        }
        if k == "redirect_uri" {
            assert_eq!(v, &app.url("/connexion/oidc/retour"));
        }
    }

    // The provider's account is linked to the existing user, in its history.
    let user = cosinum_store::users::get_by_email(&app.db, EDITOR_MININT)
        .await
        .expect("user");
    assert_eq!(user.organisation_id, Some(editor.id));
    let linked = oidc::linked_user(&app.db, &provider.issuer, "agent-editor")
        .await
        .expect("linked");
    assert_eq!(linked.map(|u| u.id), Some(user.id));
    let history = cosinum_store::audit::history(&app.db, "user", user.id.0)
        .await
        .expect("history");
    assert!(
        history
            .iter()
            .any(|e| format!("{:?}", e.changes).contains("identity_provider")),
        "{history:?}"
    );

    // Replaying the callback (same state, same code, same cookie) opens nothing.
    let replay_client = app.client();
    let replay = replay_client
        .get(&out.callback)
        .send()
        .await
        .expect("replay");
    assert_eq!(replay.status(), 400);
    assert!(!signed_in(app, &replay_client).await);

    // Sign-out ends the provider's session too, with the id_token as hint.
    let csrf = csrf_in(
        &client
            .get(app.url("/compte"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body"),
    );
    let res = client
        .post(app.url("/deconnexion"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), 303);
    let to_provider = location(&res);
    assert!(
        to_provider.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{to_provider}"
    );
    let back = client.get(&to_provider).send().await.expect("end session");
    assert_eq!(location(&back), app.url("/"));
    let logout = provider.logouts().pop().expect("logout call");
    let hint = logout.get("id_token_hint").expect("id_token_hint");
    assert_eq!(hint.split('.').count(), 3, "a JWT: {hint}");
    assert!(logout.get("state").is_some_and(|s| s.len() >= 32));
    assert!(!signed_in(app, &client).await);

    // The next sign-in finds the account through the link, not the e-mail.
    provider.next(
        Agent::new(
            "agent-editor",
            "new.address@interieur.gouv.fr",
            "11004401300014",
        ),
        Mischief::None,
    );
    let again = sign_in(app, &app.client(), "/").await;
    assert_eq!(again.status, 303, "{}", again.body);
}

async fn unknown_agent_waits_for_an_administrator(app: &TestApp, provider: &FakeProvider) {
    let minint = app.org("MININT").await;
    let agent = Agent::new(
        "agent-new",
        "camille.durand@interieur.gouv.fr",
        "11004401300014",
    );
    provider.next(agent.clone(), Mischief::None);
    let client = app.client();
    let out = sign_in(app, &client, "/").await;
    assert_eq!(out.status, 200);
    assert!(out.body.contains("Demande transmise"), "{}", out.body);
    assert!(!signed_in(app, &client).await);

    // Pending, with the ministry its SIRET maps to.
    let admin = app.token(ADMIN, false).await;
    let http = reqwest::Client::new();
    let list: Value = http
        .get(app.url("/api/v1/access-requests"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let request = list
        .as_array()
        .and_then(|a| a.iter().find(|r| r["subject"] == "agent-new"))
        .expect("request")
        .clone();
    assert_eq!(request["status"], "pending");
    assert_eq!(request["email"], "camille.durand@interieur.gouv.fr");
    assert_eq!(request["display_name"], "Camille Durand");
    assert_eq!(request["organisation_id"], json!(minint.id.0));

    // Signing in again while pending changes nothing.
    provider.next(agent.clone(), Mischief::None);
    assert_eq!(sign_in(app, &app.client(), "/").await.status, 200);

    // Only administrators decide; a ministry role needs an organisation.
    let id = request["id"].as_i64().expect("id");
    let version = request["version"].as_i64().expect("version");
    let editor = app.token(EDITOR_MININT, false).await;
    let url = app.url(&format!("/api/v1/access-requests/{id}/approve"));
    let approve = |token: String, body: Value| {
        let req = http.post(&url).bearer_auth(token).json(&body);
        async move { req.send().await.expect("approve") }
    };
    let reader = |org: Value, version: i64| json!({"role": "ministry_reader", "organisation_id": org, "version": version});
    let res = approve(editor, reader(json!(minint.id.0), version)).await;
    assert_eq!(res.status(), 403);
    let res = approve(admin.clone(), reader(Value::Null, version)).await;
    assert_eq!(res.status(), 422);
    let res = approve(admin.clone(), reader(json!(minint.id.0), version + 7)).await;
    assert_eq!(res.status(), 409);
    let res = approve(admin.clone(), reader(json!(minint.id.0), version)).await;
    assert_eq!(res.status(), 200);
    let approved: Value = res.json().await.expect("json");
    assert_eq!(approved["request"]["status"], "approved");
    assert_eq!(approved["user"]["role"], "ministry_reader");
    // Decided once: a second decision is refused.
    let again = http
        .post(&url)
        .bearer_auth(&admin)
        .json(&json!({"role": "admin", "version": approved["request"]["version"]}))
        .send()
        .await
        .expect("approve");
    assert_eq!(
        again.status(),
        422,
        "{approved} {}",
        again.text().await.unwrap_or_default()
    );

    // Now the agent signs in, as a reader of the Interior ministry.
    provider.next(agent, Mischief::None);
    let client = app.client();
    let out = sign_in(app, &client, "/").await;
    assert_eq!(out.status, 303, "{}", out.body);
    let account = client
        .get(app.url("/compte"))
        .send()
        .await
        .expect("account")
        .text()
        .await
        .expect("body");
    assert!(
        account.contains("camille.durand@interieur.gouv.fr"),
        "{account}"
    );
    let history = cosinum_store::audit::history(&app.db, oidc::REQUEST_OBJECT_TYPE, id)
        .await
        .expect("history");
    assert!(history.len() >= 2, "{history:?}");

    // A rejected agent is told so, and stays out.
    let other = Agent::new("agent-refused", "intrus@example.org", "");
    provider.next(other.clone(), Mischief::None);
    assert_eq!(sign_in(app, &app.client(), "/").await.status, 200);
    let pending = oidc::requests(&app.db).await.expect("requests");
    let r = pending
        .iter()
        .find(|r| r.subject == "agent-refused")
        .expect("request");
    assert_eq!(r.organisation_id, None);
    let res = http
        .post(app.url(&format!("/api/v1/access-requests/{}/reject", r.id)))
        .bearer_auth(&admin)
        .json(&json!({"version": r.version}))
        .send()
        .await
        .expect("reject");
    assert_eq!(res.status(), 200);
    provider.next(other, Mischief::None);
    let client = app.client();
    let out = sign_in(app, &client, "/").await;
    assert!(out.body.contains("Accès refusé"), "{}", out.body);
    assert!(!signed_in(app, &client).await);
}

async fn forged_and_replayed_answers_are_refused(app: &TestApp, provider: &FakeProvider) {
    for mischief in [
        Mischief::ForgedSignature,
        Mischief::WrongNonce,
        Mischief::Expired,
        Mischief::WrongAudience,
        Mischief::UnsignedUserinfo,
        Mischief::OtherSubject,
    ] {
        provider.next(
            Agent::new("agent-editor", EDITOR_MININT, "11004401300014"),
            mischief,
        );
        let client = app.client();
        let out = sign_in(app, &client, "/").await;
        assert_eq!(out.status, 400, "{mischief:?} was accepted: {}", out.body);
        assert!(
            out.body.contains("Connexion avec ProConnect impossible"),
            "{mischief:?}"
        );
        assert!(
            !signed_in(app, &client).await,
            "{mischief:?} opened a session"
        );
    }

    // A callback whose state is not the one sent, or without the flow's cookie.
    provider.next(
        Agent::new("agent-editor", EDITOR_MININT, "11004401300014"),
        Mischief::None,
    );
    let client = app.client();
    let start = client
        .get(app.url("/connexion/oidc"))
        .send()
        .await
        .expect("start");
    let at_provider = client
        .get(location(&start))
        .send()
        .await
        .expect("authorize");
    let callback = location(&at_provider);
    let tampered = callback.replace("state=", "state=x");
    let res = client.get(&tampered).send().await.expect("tampered");
    assert_eq!(res.status(), 400);
    // The flow was used up by the tampered attempt: the genuine one fails too.
    let res = client.get(&callback).send().await.expect("late");
    assert_eq!(res.status(), 400);
    assert!(!signed_in(app, &client).await);

    // The provider says no.
    provider.next(Agent::new("x", "x@y.fr", ""), Mischief::None);
    {
        let client = app.client();
        let start = client
            .get(app.url("/connexion/oidc"))
            .send()
            .await
            .expect("start");
        let authorize = location(&start);
        // The fake refuses an unexpected parameter, as ProConnect does.
        let extra = client
            .get(format!("{authorize}&prompt=login"))
            .send()
            .await
            .expect("extra");
        assert_eq!(extra.status(), 400);
    }
    // No open redirect after sign-in.
    provider.next(
        Agent::new("agent-editor", EDITOR_MININT, "11004401300014"),
        Mischief::None,
    );
    let out = sign_in(app, &app.client(), "//evil.example").await;
    assert_eq!(out.location, "/");
}

async fn without_provider_the_routes_do_not_exist(app: &TestApp) {
    let res = app
        .client()
        .get(app.url("/connexion/oidc"))
        .send()
        .await
        .expect("start");
    assert_eq!(res.status(), 404);
    let page = app
        .client()
        .get(app.url("/connexion"))
        .send()
        .await
        .expect("login");
    assert!(!page.text().await.expect("body").contains("ProConnect"));
}

async fn oidc_sign_in(backend: Backend) {
    let provider = FakeProvider::start().await;
    let app = start(backend, &provider).await;
    let page = app
        .client()
        .get(app.url("/connexion"))
        .send()
        .await
        .expect("login");
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("S'identifier avec ProConnect")
    );
    known_agent_signs_in_and_out(&app, &provider).await;
    unknown_agent_waits_for_an_administrator(&app, &provider).await;
    forged_and_replayed_answers_are_refused(&app, &provider).await;
    app.finish().await;
}

dual_backend_test!(sign_in => oidc_sign_in);

async fn no_provider(app: &TestApp) {
    without_provider_the_routes_do_not_exist(app).await;
}
dual_test!(no_provider);

/// The administrators' page: the demo's pending requests, granted or refused
/// through the forms, with the refusals of a stale or incomplete decision.
async fn access_requests_page(app: &TestApp) {
    let pending = oidc::requests(&app.db).await.expect("requests");
    let lucie = pending
        .iter()
        .find(|r| r.email == "lucie.bernard@interieur.gouv.fr")
        .expect("demo request")
        .clone();
    let marc = pending
        .iter()
        .find(|r| r.email == "marc.petit@finances.gouv.fr")
        .expect("demo request")
        .clone();
    let (editor, _) = app.login(EDITOR_MININT).await;
    let res = editor
        .get(app.url("/admin/acces"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 403);

    let (admin, csrf) = app.login(ADMIN).await;
    let page = admin
        .get(app.url("/admin/acces"))
        .send()
        .await
        .expect("page");
    let html = page.text().await.expect("body");
    assert!(
        html.contains("Lucie Bernard") && html.contains("Marc Petit"),
        "{html}"
    );
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let admin = admin.clone();
        let csrf = csrf.clone();
        let url = app.url(&path);
        async move {
            let mut form = form;
            form.push(("csrf_token", csrf));
            admin.post(url).form(&form).send().await.expect("post")
        }
    };
    let approve = format!("/admin/acces/{}/approuver", lucie.id);
    // A ministry role without a ministry: refused, saying why, nothing created.
    let res = post(
        approve.clone(),
        vec![
            ("version", lucie.version.to_string()),
            ("role", "ministry_editor".into()),
            ("organisation_id", String::new()),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("body").contains("organisation_id"));
    // A stale version: 409.
    let res = post(
        approve.clone(),
        vec![
            ("version", (lucie.version + 1).to_string()),
            ("role", "ministry_editor".into()),
            (
                "organisation_id",
                lucie.organisation_id.unwrap_or_default().to_string(),
            ),
        ],
    )
    .await;
    assert_eq!(res.status(), 409);
    assert!(
        cosinum_store::users::get_by_email(&app.db, &lucie.email)
            .await
            .is_err()
    );
    let res = post(
        approve,
        vec![
            ("version", lucie.version.to_string()),
            ("role", "ministry_editor".into()),
            (
                "organisation_id",
                lucie.organisation_id.unwrap_or_default().to_string(),
            ),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin/acces?ok=acces_approuve");
    let user = cosinum_store::users::get_by_email(&app.db, &lucie.email)
        .await
        .expect("created");
    assert_eq!(user.organisation_id.map(|o| o.0), lucie.organisation_id);
    assert_eq!(user.role.as_str(), "ministry_editor");
    let linked = oidc::linked_user(&app.db, &lucie.issuer, &lucie.subject)
        .await
        .expect("link");
    assert_eq!(linked.map(|u| u.id), Some(user.id));

    let res = post(
        format!("/admin/acces/{}/refuser", marc.id),
        vec![("version", marc.version.to_string())],
    )
    .await;
    assert_eq!(res.status(), 303);
    let html = admin
        .get(app.url("/admin/acces"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        html.contains("En attente (0)") && html.contains("Traitées (2)"),
        "{html}"
    );
    assert!(html.contains("Refusée") && html.contains("Accordée"));
}
dual_test!(access_requests_page);
