//! Authentication: health without credentials, 401s, API tokens, sessions, CSRF.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::*;

async fn health_is_public_and_everything_else_needs_credentials(app: &TestApp) {
    let client = app.client();
    let res = client
        .get(app.url("/api/v1/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.expect("json"),
        json!({"status": "ok"})
    );
    // Every documented non-public endpoint answers 401 without credentials
    // (open data, under `/api/v1/public/`, is public: `publication_public.rs`).
    let doc = cosinum_web::openapi();
    let mut checked = 0;
    for (path, item) in &doc.paths.paths {
        if path == "/api/v1/health" || path.starts_with("/api/v1/public/") {
            continue;
        }
        let concrete = path
            .replace("{id}", "1")
            .replace("{object_type}", "organisation")
            .replace("{object_id}", "1");
        for (method, op) in [("GET", &item.get), ("POST", &item.post), ("PUT", &item.put)] {
            if op.is_none() {
                continue;
            }
            let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let res = client
                .request(m, app.url(&concrete))
                .json(&json!({}))
                .send()
                .await
                .expect("request");
            assert_eq!(res.status(), 401, "{method} {concrete}");
            assert!(res.headers().contains_key("www-authenticate"));
            let body: Value = res.json().await.expect("json");
            assert_eq!(body["code"], "unauthenticated");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} endpoints checked");
    // Unknown API paths are JSON 404s, unknown pages are DSFR 404 pages.
    let res = client
        .get(app.url("/api/v1/nope"))
        .send()
        .await
        .expect("404");
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.expect("json")["code"],
        "not_found"
    );
    let res = client.get(app.url("/nope")).send().await.expect("404");
    assert_eq!(res.status(), 404);
    assert!(res.text().await.expect("html").contains("Page non trouvée"));
}
dual_test!(health_is_public_and_everything_else_needs_credentials);

async fn api_tokens_act_with_their_user_rights(app: &TestApp) {
    let client = app.client();
    let me = |token: String| {
        let c = client.clone();
        let url = app.url("/api/v1/me");
        async move {
            c.get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("me")
                .status()
        }
    };
    let token = app.token(EDITOR_MININT, false).await;
    assert_eq!(me(token.clone()).await, 200);
    assert_eq!(me("csn_not-a-real-token".into()).await, 401);
    assert_eq!(me("garbage".into()).await, 401);
    let res = client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .expect("me");
    assert_eq!(res.status(), 401);

    // Tokens are stored as digests only.
    let stored: Vec<String> = match &app.db {
        cosinum_store::Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT token_hash FROM api_tokens")
                .fetch_all(p)
                .await
        }
        cosinum_store::Db::Postgres(p) => {
            sqlx::query_scalar("SELECT token_hash FROM api_tokens")
                .fetch_all(p)
                .await
        }
    }
    .expect("hashes");
    assert!(
        stored
            .iter()
            .all(|h| h.len() == 64 && !token.contains(h.as_str()))
    );

    // A read-only token reads but never writes.
    let ro = app.token(EDITOR_MININT, true).await;
    let ants = app.org("ANTS").await;
    let body = json!({"code": "ANTS", "name": "x", "kind": "operator", "parent_id": ants.parent_id.map(|p| p.0), "version": ants.version});
    let res = client
        .put(app.url(&format!("/api/v1/organisations/{}", ants.id)))
        .bearer_auth(&ro)
        .json(&body)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 403);
    assert_eq!(me(ro).await, 200);

    // Revoked: refused at once.
    let user = cosinum_store::users::get_by_email(&app.db, EDITOR_MININT)
        .await
        .expect("user");
    let listed = cosinum_store::tokens::list_for_user(&app.db, user.id)
        .await
        .expect("tokens");
    let mut tx = app.db.begin().await.expect("tx");
    cosinum_store::tokens::revoke(
        &mut tx,
        &cosinum_store::AuditCtx::system("test"),
        listed.last().expect("token").id,
    )
    .await
    .expect("revoke");
    tx.commit().await.expect("commit");
    assert_eq!(me(token).await, 401);

    // A disabled account's tokens stop working.
    let reader = app.token(READER_MININT, false).await;
    assert_eq!(me(reader.clone()).await, 200);
    app.disable(READER_MININT).await;
    assert_eq!(me(reader).await, 401);
}
dual_test!(api_tokens_act_with_their_user_rights);

async fn sessions_rotate_expire_and_end(app: &TestApp) {
    let client = app.client();
    // Wrong password: refused, no session.
    assert_eq!(app.login_with(&client, ADMIN, "not the password").await, "");
    assert_eq!(app.status(&client, "/compte").await, 303);
    // Unknown e-mail: the same answer.
    let page = app.page(&client, "/connexion").await;
    let res = client
        .post(app.url("/connexion"))
        .form(&[
            ("csrf_token", csrf_in(&page).as_str()),
            ("email", "nobody@x.fr"),
            ("password", "whatever12345"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("Adresse électronique ou mot de passe incorrect")
    );

    // Sign in: a new HttpOnly, SameSite=Lax session cookie.
    let page = app.page(&client, "/connexion").await;
    let res = client
        .post(app.url("/connexion"))
        .form(&[
            ("csrf_token", csrf_in(&page).as_str()),
            ("email", ADMIN),
            ("password", DEMO_PASSWORD),
            ("suivant", "/organisations"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/organisations");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .find(|c| c.starts_with("cosinum_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Max-Age="),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "no TLS here, so no Secure flag");
    let first_session = cookie.split(';').next().expect("pair").to_owned();
    assert_eq!(app.status(&client, "/compte").await, 200);

    // Signing in again rotates the id: the old one is dead.
    let csrf = csrf_in(&app.page(&client, "/compte").await);
    let res = client
        .post(app.url("/connexion"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", ADMIN),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("login again");
    assert_eq!(res.status(), 303);
    assert_eq!(app.status(&client, "/compte").await, 200);
    let stale = app.client();
    let res = stale
        .get(app.url("/compte"))
        .header("cookie", &first_session)
        .send()
        .await
        .expect("get");
    assert_eq!(
        res.status(),
        303,
        "old session id must not survive a new sign-in"
    );

    // Sign out ends the session server-side.
    let csrf = csrf_in(&app.page(&client, "/compte").await);
    let res = client
        .post(app.url("/deconnexion"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), 303);
    assert_eq!(app.status(&client, "/compte").await, 303);

    // Disabling an account ends its sessions at once.
    let (reader, _) = app.login(READER_MININT).await;
    assert_eq!(app.status(&reader, "/compte").await, 200);
    app.disable(READER_MININT).await;
    assert_eq!(app.status(&reader, "/compte").await, 303);
    // …and it cannot sign in again.
    assert_eq!(
        app.login_with(&app.client(), READER_MININT, DEMO_PASSWORD)
            .await,
        ""
    );
}
dual_test!(sessions_rotate_expire_and_end);

async fn every_form_and_cookie_api_call_needs_the_csrf_token(app: &TestApp) {
    let (client, csrf) = app.login(STEERING).await;
    let ants = app.org("ANTS").await;
    let path = app.url(&format!("/organisations/{}/archiver", ants.id));
    let version = ants.version.to_string();
    for token in [None, Some("wrong"), Some("")] {
        let mut form = vec![("version", version.as_str())];
        if let Some(t) = token {
            form.push(("csrf_token", t));
        }
        let res = client.post(&path).form(&form).send().await.expect("post");
        assert_eq!(res.status(), 403, "csrf {token:?}");
    }
    assert!(
        !app.org("ANTS").await.archived,
        "refused forms change nothing"
    );
    let res = client
        .post(&path)
        .form(&[("version", version.as_str()), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    assert!(app.org("ANTS").await.archived);

    // The sign-in form is protected too (double-submit cookie).
    let res = app
        .client()
        .post(app.url("/connexion"))
        .form(&[
            ("email", ADMIN),
            ("password", DEMO_PASSWORD),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 403);

    // A browser session calling the API must send X-CSRF-Token for writes.
    let body = json!({"version": app.org("ANTS").await.version});
    let url = app.url(&format!("/api/v1/organisations/{}/restore", ants.id));
    let res = client.post(&url).json(&body).send().await.expect("post");
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.expect("json")["code"], "csrf");
    let res = client
        .post(&url)
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.status(&client, "/api/v1/me").await,
        200,
        "reads need no token"
    );
}
dual_test!(every_form_and_cookie_api_call_needs_the_csrf_token);

async fn expired_sessions_are_refused_and_purged(app: &TestApp) {
    let user = cosinum_store::users::get_by_email(&app.db, ADMIN)
        .await
        .expect("user");
    let (expired, _) =
        cosinum_store::sessions::create(&app.db, user.id, time::Duration::seconds(-1))
            .await
            .expect("session");
    let (live, _) = cosinum_store::sessions::create(&app.db, user.id, time::Duration::hours(1))
        .await
        .expect("session");
    let client = app.client();
    let get = |id: String| {
        let c = client.clone();
        let url = app.url("/compte");
        async move {
            c.get(url)
                .header("cookie", format!("cosinum_session={id}"))
                .send()
                .await
                .expect("get")
                .status()
        }
    };
    assert_eq!(
        get(expired.clone()).await,
        303,
        "an expired session is anonymous"
    );
    assert_eq!(get(live.clone()).await, 200);
    assert_eq!(
        cosinum_store::sessions::purge_expired(&app.db)
            .await
            .expect("purge"),
        1
    );
    assert_eq!(get(live).await, 200, "purging keeps live sessions");
}
dual_test!(expired_sessions_are_refused_and_purged);

/// A token limited to some modules reaches only them, through the API only;
/// an expired token reaches nothing. Scopes are chosen on « Mon compte ».
async fn token_scopes_and_expiry(app: &TestApp) {
    let user = cosinum_store::users::get_by_email(&app.db, EDITOR_MININT)
        .await
        .expect("user");
    let make = |scopes: &'static str, expires: Option<time::OffsetDateTime>| async move {
        let mut tx = app.db.begin().await.expect("tx");
        let scopes = cosinum_domain::token_scope::Scopes::parse(scopes).expect("scopes");
        let (secret, _) = cosinum_store::tokens::create(
            &mut tx,
            &cosinum_store::AuditCtx::system("test"),
            user.id,
            "scoped",
            false,
            &scopes,
            expires,
        )
        .await
        .expect("token");
        tx.commit().await.expect("commit");
        secret
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let status = |token: String, path: &'static str| {
        let http = http.clone();
        let url = app.url(path);
        async move {
            let res = http.get(url).bearer_auth(token).send().await.expect("get");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or_default())
        }
    };
    let scoped = make("demarches", None).await;
    assert_eq!(
        status(scoped.clone(), "/api/v1/demarches").await.0,
        StatusCode::OK
    );
    assert_eq!(status(scoped.clone(), "/api/v1/me").await.0, StatusCode::OK);
    let (code, body) = status(scoped.clone(), "/api/v1/projects").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "insufficient_scope", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("demarches")
    );
    assert_eq!(
        status(scoped.clone(), "/api/v1/organisations").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status(scoped, "/projets").await.0, StatusCode::FORBIDDEN);
    // No scope: every module the user may see.
    let unscoped = make("", None).await;
    assert_eq!(status(unscoped, "/api/v1/projects").await.0, StatusCode::OK);
    // Expired: refused like an unknown token.
    let expired = make(
        "",
        Some(time::OffsetDateTime::now_utc() - time::Duration::minutes(1)),
    )
    .await;
    assert_eq!(
        status(expired, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );

    // The account page: boxes per module and a validity, stored and listed.
    let (client, csrf) = app.login(EDITOR_MININT).await;
    let res = client
        .post(app.url("/compte/jetons"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "indicateurs trimestriels"),
            ("scope", "demarches"),
            ("scope", "cloud"),
            ("expires_days", "30"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.expect("body");
    assert!(
        page.contains("Démarches en ligne, Hébergement cloud"),
        "{page}"
    );
    let tokens = cosinum_store::tokens::list_for_user(&app.db, user.id)
        .await
        .expect("tokens");
    let created = tokens
        .iter()
        .find(|t| t.name == "indicateurs trimestriels")
        .expect("created");
    assert_eq!(created.scopes.as_deref(), Some("demarches,cloud"));
    let days = (created.expires_at.expect("expiry") - time::OffsetDateTime::now_utc()).whole_days();
    assert!((29..=30).contains(&days), "{days}");
    let res = client
        .post(app.url("/compte/jetons"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "x"),
            ("scope", "root"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
dual_test!(token_scopes_and_expiry);
