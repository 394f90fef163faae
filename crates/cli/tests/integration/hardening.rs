//! Hardening (issue #12, first part): security headers on every response,
//! and the sign-in lockout after repeated failures.

use reqwest::StatusCode;

use crate::harness::*;

async fn every_response_carries_the_security_headers(app: &TestApp) {
    let client = app.client();
    for path in [
        "/",
        "/connexion",
        "/api/v1/health",
        "/api/v1/projects",
        "/nope",
        "/donnees",
    ] {
        let res = client.get(app.url(path)).send().await.expect("request");
        let h = res.headers();
        let get = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = get("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp:?}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp:?}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{path}: {csp}"
        );
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("x-frame-options"), "DENY", "{path}");
        assert_eq!(get("referrer-policy"), "same-origin", "{path}");
        assert!(!get("permissions-policy").is_empty(), "{path}");
        // Served over plain HTTP (no https public URL): no HSTS.
        assert!(h.get("strict-transport-security").is_none(), "{path}");
    }
    // The pages carry no inline script or style the policy would block.
    let (client, _) = app.login(STEERING).await;
    for path in [
        "/",
        "/projets",
        "/comite",
        "/publication",
        "/donnees/panorama",
    ] {
        let html = app.page(&client, path).await;
        assert!(!html.contains(" style=\""), "{path} has a style attribute");
        assert!(!html.contains("<style"), "{path} has a style element");
        let inline_script = html.match_indices("<script").any(|(i, _)| {
            !html[i..]
                .split('>')
                .next()
                .unwrap_or_default()
                .contains("src=")
        });
        assert!(!inline_script, "{path} has an inline script");
    }
}
dual_test!(every_response_carries_the_security_headers);

async fn hsts_when_served_over_tls(backend: Backend) {
    let config = cosinum_web::WebConfig {
        public_url: Some("https://cosinum.numerique.gouv.fr".into()),
        ..Default::default()
    };
    let app = TestApp::start_with(backend, config).await;
    let res = app
        .client()
        .get(app.url("/api/v1/health"))
        .send()
        .await
        .expect("health");
    let hsts = res
        .headers()
        .get("strict-transport-security")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(hsts.starts_with("max-age=63072000"), "{hsts:?}");
    app.finish().await;
}

dual_backend_test!(hsts => hsts_when_served_over_tls);

/// One sign-in attempt with a fresh client: (status, page, Retry-After).
async fn attempt(
    app: &TestApp,
    email: &str,
    password: &str,
) -> (StatusCode, String, Option<String>) {
    let client = app.client();
    let page = app.page(&client, "/connexion").await;
    let csrf = csrf_in(&page);
    let res = client
        .post(app.url("/connexion"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", password),
            ("suivant", "/"),
        ])
        .send()
        .await
        .expect("sign-in");
    let status = res.status();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, res.text().await.unwrap_or_default(), retry)
}

async fn repeated_failures_lock_the_account(app: &TestApp) {
    // Four failures, then the right password: signed in, and the count
    // starts again.
    for _ in 0..4 {
        let (status, _, _) = attempt(app, READER_MININT, "pas-le-bon-mot-de-passe").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = attempt(app, READER_MININT, DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "four failures do not lock");
    for _ in 0..4 {
        let (status, _, _) = attempt(app, READER_MININT, "pas-le-bon-mot-de-passe").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the count was reset");
    }
    // The fifth failure within 15 minutes locks the account.
    let (status, page, retry) = attempt(app, READER_MININT, "pas-le-bon-mot-de-passe").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("Trop de tentatives de connexion"), "{page}");
    assert_eq!(retry.as_deref(), Some("900"));
    // Locked: the right password is refused too; another account is not.
    let (status, page, _) = attempt(app, READER_MININT, DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("réessayez dans 15 minutes"), "{page}");
    let (status, _, _) = attempt(app, EDITOR_MININT, DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // An unknown address is throttled alike: nothing tells them apart.
    for i in 0..5 {
        let (status, _, _) = attempt(app, "inconnu@exemple.gouv.fr", "n-importe-quoi").await;
        let expected = if i < 4 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {}", i + 1);
    }
    // The case of the address changes nothing.
    let (status, _, _) = attempt(app, &READER_MININT.to_uppercase(), DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
dual_test!(repeated_failures_lock_the_account);
