//! Campaign notices (issue #13): in-app notifications and e-mail digests
//! received by a local SMTP sink — one message per person, nothing sent
//! twice, failed sendings tried again — and the demo campaigns.

use reqwest::Method;
use serde_json::{Value, json};

use crate::campaigns::open_review_campaign;
use crate::harness::*;
use crate::smtp_sink::SmtpSink;

async fn notices_and_digests(app: &TestApp, sink: &SmtpSink) {
    let dinum = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    // A campaign already late: opening and lateness go in one digest per person.
    let c = open_review_campaign(app, &dinum, -1).await;
    let id = c["campaign"]["id"].as_i64().expect("id");
    assert!(
        c["organisations"]
            .as_array()
            .expect("orgs")
            .iter()
            .any(|o| o["late"] == json!(true)),
        "{c}"
    );
    let (status, r) = app
        .send(
            Method::POST,
            "/api/v1/campaigns/notices/dispatch",
            &editor,
            Value::Null,
        )
        .await;
    assert_eq!(status, 403);
    let (status, r1) = app
        .send(
            Method::POST,
            "/api/v1/campaigns/notices/dispatch",
            &dinum,
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{r} {r1}");
    let mails = sink.received();
    let to_editor: Vec<_> = mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t == EDITOR_MININT))
        .collect();
    assert_eq!(
        to_editor.len(),
        1,
        "one digest, not one message per event: {mails:?}"
    );
    assert!(
        to_editor[0].subject().contains("2 notifications"),
        "{}",
        to_editor[0].subject()
    );
    let body = to_editor[0].body();
    assert!(
        body.contains("Campagne ouverte") && body.contains("En retard"),
        "{body}"
    );
    assert!(body.contains(&format!("/campagnes/{id}")), "{body}");
    assert!(
        mails
            .iter()
            .any(|m| m.to.iter().any(|t| t == READER_MININT)),
        "readers are told too"
    );
    assert!(
        !mails.iter().any(|m| m.to.iter().any(|t| t == EDITOR_MEF)),
        "MEF is not concerned"
    );
    assert_eq!(r1["sent"].as_u64(), Some(mails.len() as u64), "{r1}");
    // Nothing new: nothing sent again.
    let (_, r2) = app
        .send(
            Method::POST,
            "/api/v1/campaigns/notices/dispatch",
            &dinum,
            Value::Null,
        )
        .await;
    assert_eq!(
        (r2["new_events"].as_u64(), r2["sent"].as_u64()),
        (Some(0), Some(0)),
        "{r2}"
    );
    assert_eq!(sink.received().len(), mails.len());
    // In the app too; marking read.
    let notes: Value = app.get_json("/api/v1/notifications", &editor).await;
    assert!(notes["unread"].as_i64().unwrap_or(0) >= 2, "{notes}");
    let (status, after) = app
        .send(
            Method::POST,
            "/api/v1/notifications/read",
            &editor,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, after["unread"].as_i64()),
        (200, Some(0)),
        "{after}"
    );
}

async fn failed_sending_is_retried(app: &TestApp) {
    let dinum = app.token(STEERING, false).await;
    open_review_campaign(app, &dinum, 3).await;
    let (_, r) = app
        .send(
            Method::POST,
            "/api/v1/campaigns/notices/dispatch",
            &dinum,
            Value::Null,
        )
        .await;
    assert!(
        r["failed"].as_u64().unwrap_or(0) >= 1 && r["sent"].as_u64() == Some(0),
        "{r}"
    );
    let unmailed = app
        .scalar("SELECT COUNT(*) FROM notifications WHERE mailed_at IS NULL")
        .await;
    assert!(unmailed >= 2, "kept for the next run");
    let (_, again) = app
        .send(
            Method::POST,
            "/api/v1/campaigns/notices/dispatch",
            &dinum,
            Value::Null,
        )
        .await;
    assert_eq!(again["failed"], r["failed"], "{again}");
}

async fn demo_campaigns(app: &TestApp) {
    cosinum_store::demo::seed_campaigns(&app.db)
        .await
        .expect("demo campaigns");
    let dinum = app.token(STEERING, false).await;
    let list: Value = app.get_json("/api/v1/campaigns", &dinum).await;
    let list = list.as_array().expect("campaigns");
    assert_eq!(list.len(), 2);
    let closed = list
        .iter()
        .find(|c| c["campaign"]["status"] == json!("closed"))
        .expect("a closed campaign");
    assert_eq!(closed["expected"], closed["transmitted"], "{closed}");
    let running = list
        .iter()
        .find(|c| c["campaign"]["status"] == json!("open"))
        .expect("a running campaign");
    assert!(
        running["late_organisations"]
            .as_array()
            .is_some_and(|l| l.len() >= 2),
        "{running}"
    );
    let editor = app.token(EDITOR_MININT, false).await;
    let notes: Value = app.get_json("/api/v1/notifications", &editor).await;
    assert!(
        notes["notifications"]
            .as_array()
            .expect("list")
            .iter()
            .any(|n| n["text"].as_str().unwrap_or_default().contains("En retard")),
        "{notes}"
    );
}
dual_test!(demo_campaigns);

mod with_mail {
    use super::*;

    async fn run(backend: Backend, reachable: bool) {
        let sink = SmtpSink::start().await;
        let port = if reachable {
            sink.addr.port()
        } else {
            closed_port().await
        };
        let app = TestApp::start_with(
            backend,
            cosinum_web::WebConfig {
                mail: Some(cosinum_web::mail::MailConfig {
                    smtp_url: format!("smtp://127.0.0.1:{port}"),
                    from: "cosinum <ne-pas-repondre@cosinum.test>".into(),
                    timeout_secs: 5,
                }),
                ..Default::default()
            },
        )
        .await;
        if reachable {
            notices_and_digests(&app, &sink).await;
        } else {
            failed_sending_is_retried(&app).await;
        }
        app.finish().await;
    }

    async fn closed_port() -> u16 {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        l.local_addr().expect("addr").port()
    }

    dual_backend_test!(digests => run, true);
    dual_backend_test!(retry => run, false);
}
