//! Hostile input (issue #12): script and SQL payloads in text fields are
//! stored as typed and shown escaped — never executed, never run as SQL —;
//! path traversal finds nothing; malformed dates and numbers, French or
//! ISO, get a clear error naming the field and change nothing; an oversized
//! body is refused.

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::*;

const PAYLOADS: [&str; 5] = [
    "<script>alert('xss')</script>",
    "\"><img src=x onerror=alert(1)>",
    "'; DROP TABLE projects; --",
    "Robert'); DELETE FROM organisations WHERE ('1'='1",
    "{{ 7*7 }} ${7*7} <%= 7*7 %>",
];

async fn payloads_are_stored_as_typed_and_shown_escaped(app: &TestApp) {
    let editor = app.token(EDITOR_MININT, false).await;
    let minint = app.org("MININT").await;
    let projects_before = app.scalar("SELECT COUNT(*) FROM projects").await;
    let orgs_before = app.scalar("SELECT COUNT(*) FROM organisations").await;
    let mut ids = Vec::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let name = format!("Projet {i} {p}");
        let (status, created) = app
            .send(
                Method::POST,
                "/api/v1/projects",
                &editor,
                json!({"organisation_id": minint.id.0, "name": name, "phase": "cadrage",
                       "description": p, "functional_zone": p}),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        let back: Value = app
            .get_json(&format!("/api/v1/projects/{id}"), &editor)
            .await;
        assert_eq!(back["project"]["name"], json!(name), "stored as typed");
        assert_eq!(back["project"]["description"], json!(p));
        ids.push(id);
    }
    // The SQL payloads ran as nothing: every table is still there, whole.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM projects").await,
        projects_before + PAYLOADS.len() as i64
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organisations").await,
        orgs_before
    );
    // Pages escape them: no live tag or attribute from the payloads.
    let (client, _) = app.login(EDITOR_MININT).await;
    for (i, (id, p)) in ids.iter().zip(PAYLOADS).enumerate() {
        let html = app.page(&client, &format!("/projets/{id}")).await;
        assert!(
            html.contains(&format!("Projet {i} ")),
            "/projets/{id} shows the project"
        );
        if p.contains(['<', '"']) {
            assert!(!html.contains(p), "/projets/{id} shows {p:?} unescaped");
        }
        assert!(
            !html.contains("<script>alert") && !html.contains("<img src=x"),
            "/projets/{id}"
        );
    }
    let list = app.page(&client, "/projets").await;
    assert!(!list.contains("<script>alert") && !list.contains("<img src=x"));
    // Search takes them as text too.
    let (status, _) = app
        .send(
            Method::GET,
            "/api/v1/search?q=%27%3B%20DROP%20TABLE",
            &editor,
            Value::Null,
        )
        .await;
    assert!(status < 500, "search: {status}");
}
dual_test!(payloads_are_stored_as_typed_and_shown_escaped);

async fn malformed_values_are_refused_and_change_nothing(app: &TestApp) {
    let editor = app.token(EDITOR_MININT, false).await;
    let minint = app.org("MININT").await;
    let before = app.scalar("SELECT COUNT(*) FROM projects").await;
    for (field, value) in [
        ("entered_on", json!("31/02/2024")),
        ("entered_on", json!("2024-13-01")),
        ("entered_on", json!("hier")),
        ("organisation_id", json!("MININT")),
        ("organisation_id", json!(1.5)),
        ("interministerial", json!("peut-être")),
    ] {
        let mut body = json!({"organisation_id": minint.id.0, "name": "Valeurs malformées", "phase": "cadrage"});
        body[field] = value.clone();
        let (status, err) = app
            .send(Method::POST, "/api/v1/projects", &editor, body)
            .await;
        assert!(
            status == 400 || status == 422,
            "{field} = {value}: {status} {err}"
        );
        let message = err["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(field) || err["field"] == field,
            "{field}: {err}"
        );
    }
    // A French decimal where the API wants a number, a cost below zero.
    let p = app.org("MININT").await;
    let (status, _) = app
        .send(
            Method::POST,
            "/api/v1/projects",
            &editor,
            json!({"organisation_id": p.id.0, "name": "Phase inconnue", "phase": "en cours"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM projects").await,
        before,
        "nothing written"
    );
}
dual_test!(malformed_values_are_refused_and_change_nothing);

async fn traversal_and_oversize_are_refused(app: &TestApp) {
    let anon = app.client();
    for path in [
        "/assets/../../../../etc/passwd",
        "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/api/v1/public/panorama/releases/1/files/..%2F..%2Fetc%2Fpasswd",
        "/donnees/panorama/projets/..%2F..%2Fetc%2Fpasswd",
    ] {
        let res = anon.get(app.url(path)).send().await.expect("request");
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(!body.contains("root:x:0:0"), "{path} leaked a system file");
    }
    // A body over `web.max_body_bytes` is refused before it is read: the
    // declared length alone gets the 413 (sending the 21 MiB would race the
    // server closing the connection once it has answered).
    let token = app.token(EDITOR_MININT, false).await;
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    let request = format!(
        "POST /api/v1/projects HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        app.addr,
        21 * 1024 * 1024
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the headers");
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("answered without waiting for the body")
    .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}
dual_test!(traversal_and_oversize_are_refused);
