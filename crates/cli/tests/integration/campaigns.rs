//! Collection campaigns (issue #13): a campaign's whole life through the
//! API — opening, who sees and fills what, values and their checks, the
//! pre-filled template round trip, attestation, quality flags, return and
//! acceptance (the values land in the module), closing, the audit — and
//! the notices: in-app notifications and e-mail digests received by a
//! local SMTP sink; the demo campaigns.

use reqwest::Method;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::harness::*;
use crate::smtp_sink::SmtpSink;

fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

async fn open_review_campaign(app: &TestApp, dinum: &str, deadline_in: i64) -> Value {
    let minint = app.org("MININT").await.id.0;
    let (status, c) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            dinum,
            json!({"title": "Revue test", "kind": "project_review",
                "reference_date": (today() + Duration::days(30)).to_string(),
                "opens_on": (today() - Duration::days(10)).to_string(),
                "deadline": (today() + Duration::days(deadline_in)).to_string(),
                "reminder_days": [14, 7, 2], "organisations": [minint]}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    c
}

async fn items(app: &TestApp, id: i64, token: &str) -> Vec<Value> {
    let v: Value = app
        .get_json(&format!("/api/v1/campaigns/{id}/items"), token)
        .await;
    v.as_array().expect("items").clone()
}

fn values_of(item: &Value) -> Value {
    item["values"].as_object().map_or_else(
        || item["previous_values"].clone(),
        |_| item["values"].clone(),
    )
}

async fn campaign_lifecycle(app: &TestApp) {
    let dinum = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let reader = app.token(READER_MININT, false).await;
    let mef = app.token(EDITOR_MEF, false).await;
    // Only the DINUM opens.
    let (status, _) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            &editor,
            json!({"title": "x", "kind": "project_review",
            "reference_date": "2030-01-01", "opens_on": "2030-01-01", "deadline": "2030-02-01"}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, bad) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            &dinum,
            json!({"title": "x", "kind": "project_review",
            "reference_date": "2030-01-01", "opens_on": "2030-03-01", "deadline": "2030-02-01"}),
        )
        .await;
    assert_eq!(
        (status, bad["field"].as_str()),
        (422, Some("deadline")),
        "{bad}"
    );
    let c = open_review_campaign(app, &dinum, 5).await;
    let id = c["campaign"]["id"].as_i64().expect("id");
    let expected = app
        .scalar("SELECT COUNT(*) FROM projects p JOIN organisations o ON o.id = p.organisation_id \
                 WHERE p.archived_at IS NULL AND p.phase NOT IN ('termine', 'abandonne') AND p.exited_on IS NULL \
                 AND (o.code = 'MININT' OR o.parent_id = (SELECT id FROM organisations WHERE code = 'MININT'))")
        .await;
    assert!(expected >= 2, "MININT has ongoing projects");
    assert_eq!(c["totals"]["expected"].as_i64(), Some(expected), "{c}");
    // MEF's editor sees none of it; MININT's reader sees it but may not write.
    assert_eq!(
        app.send(
            Method::GET,
            &format!("/api/v1/campaigns/{id}"),
            &mef,
            Value::Null
        )
        .await
        .0,
        404
    );
    let list = items(app, id, &editor).await;
    assert_eq!(list.len() as i64, expected);
    let first = &list[0];
    let item_id = first["id"].as_i64().expect("item id");
    let object = first["object_id"].as_i64().expect("object");
    // Pre-filled with last period's values: the project's latest review.
    let latest_cost: Option<i64> = match &app.db {
        cosinum_store::Db::Sqlite(p) => sqlx::query_scalar("SELECT cost_eur FROM project_reviews WHERE project_id = $1 ORDER BY review_date DESC, id DESC LIMIT 1").bind(object).fetch_one(p).await,
        cosinum_store::Db::Postgres(p) => sqlx::query_scalar("SELECT cost_eur FROM project_reviews WHERE project_id = $1 ORDER BY review_date DESC, id DESC LIMIT 1").bind(object).fetch_one(p).await,
    }
    .expect("latest review");
    let prefilled = first["previous_values"]["cost_meur"]
        .as_str()
        .expect("cost")
        .replace(',', ".");
    let prefilled: f64 = prefilled.parse().expect("number");
    assert!(
        (prefilled * 1e6 - latest_cost.expect("cost") as f64).abs() < 1000.0,
        "{first}"
    );
    let path = format!("/api/v1/campaigns/{id}/items/{item_id}/values");
    let mut values = first["previous_values"].clone();
    values["cost_meur"] = json!(format!("{:.1}", prefilled * 0.5).replace('.', ","));
    values["narrative"] = json!("Périmètre réduit après arbitrage.");
    assert_eq!(
        app.send(
            Method::PUT,
            &path,
            &reader,
            json!({"version": 1, "values": values})
        )
        .await
        .0,
        403
    );
    assert_eq!(
        app.send(
            Method::PUT,
            &path,
            &mef,
            json!({"version": 1, "values": values})
        )
        .await
        .0,
        404
    );
    // Bad values: every problem named.
    let mut wrong = values.clone();
    wrong["cost_meur"] = json!("beaucoup");
    wrong["ministry_rating"] = json!("7");
    let (status, err) = app
        .send(
            Method::PUT,
            &path,
            &editor,
            json!({"version": 1, "values": wrong}),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("cost_meur")),
        "{err}"
    );
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Météo"),
        "{err}"
    );
    // A halved cost without a new baseline: accepted as a draft, flagged.
    let (status, saved) = app
        .send(
            Method::PUT,
            &path,
            &editor,
            json!({"version": 1, "values": values}),
        )
        .await;
    assert_eq!(
        (status, saved["status"].as_str()),
        (200, Some("draft")),
        "{saved}"
    );
    let codes: Vec<&str> = saved["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"cost_fall") && codes.contains(&"implausible"),
        "{saved}"
    );
    // Lost update refused.
    assert_eq!(
        app.send(
            Method::PUT,
            &path,
            &editor,
            json!({"version": 1, "values": values})
        )
        .await
        .0,
        409
    );
    // Attesting before every item is entered names what is missing.
    let minint = app.org("MININT").await.id.0;
    let attest = format!("/api/v1/campaigns/{id}/attestations");
    let body =
        json!({"organisation_id": minint, "role": "Directrice du numérique", "confirm": true});
    let (status, err) = app.send(Method::POST, &attest, &editor, body.clone()).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("items")),
        "{err}"
    );
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains(list[1]["label"].as_str().expect("label")),
        "{err}"
    );

    // The template, pre-filled, as CSV: an error names the row and column and
    // changes nothing; then the whole file goes in.
    let res = app
        .client()
        .get(app.url(&format!("/api/v1/campaigns/{id}/template?format=csv")))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("template");
    assert_eq!(res.status(), 200);
    let csv = res.text().await.expect("csv");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len() as i64, expected + 1, "{csv}");
    assert!(lines[0].contains("Coût estimé (M€)"));
    // Row 2's phase made unreadable.
    let phase_col = lines[0]
        .split(';')
        .position(|h| h.trim_matches('"') == "Phase")
        .expect("Phase column");
    let mut row2: Vec<String> = lines[1].split(';').map(str::to_owned).collect();
    row2[phase_col] = "Décollage".into();
    let broken = csv.replacen(lines[1], &row2.join(";"), 1);
    assert_ne!(broken, csv);
    let import =
        |dry: bool| format!("/api/v1/campaigns/{id}/import?file_name=retour.csv&dry_run={dry}");
    let res = app
        .client()
        .post(app.url(&import(false)))
        .bearer_auth(&editor)
        .body(broken)
        .send()
        .await
        .expect("import");
    let status = res.status().as_u16();
    let report: Value = res.json().await.expect("report");
    assert_eq!(status, 422, "{report}");
    assert_eq!(
        report["problems"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    assert_eq!(
        report["problems"][0]["column"].as_str(),
        Some("Phase"),
        "{report}"
    );
    assert_eq!(report["problems"][0]["row"].as_u64(), Some(2), "{report}");
    assert!(!report["applied"].as_bool().unwrap_or(true));
    let drafts = app
        .scalar("SELECT COUNT(*) FROM campaign_items WHERE status = 'draft'")
        .await;
    assert_eq!(drafts, 1, "a refused file changes nothing");
    let (status, preview) = {
        let res = app
            .client()
            .post(app.url(&import(true)))
            .bearer_auth(&editor)
            .body(csv.clone())
            .send()
            .await
            .expect("dry run");
        (
            res.status().as_u16(),
            res.json::<Value>().await.expect("report"),
        )
    };
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["applied"], json!(false));
    assert_eq!(
        preview["changes"].as_array().map(Vec::len),
        Some(expected as usize)
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM campaign_items WHERE status = 'draft'")
            .await,
        1,
        "a dry run writes nothing"
    );
    let res = app
        .client()
        .post(app.url(&import(false)))
        .bearer_auth(&editor)
        .body(csv)
        .send()
        .await
        .expect("import");
    let report: Value = res.json().await.expect("report");
    assert_eq!(report["applied"], json!(true), "{report}");
    let kinds: Vec<&str> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"unchanged") && kinds.contains(&"confirmed"),
        "{report}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM campaign_items WHERE status = 'draft'")
            .await,
        expected
    );

    // Attestation: a ministry editor, with the box ticked.
    for other in [&dinum, &reader] {
        assert_eq!(
            app.send(Method::POST, &attest, other, body.clone()).await.0,
            403
        );
    }
    let mut unticked = body.clone();
    unticked["confirm"] = json!(false);
    assert_eq!(
        app.send(Method::POST, &attest, &editor, unticked).await.0,
        422
    );
    let (status, a) = app.send(Method::POST, &attest, &editor, body.clone()).await;
    assert_eq!((status, a["items"].as_i64()), (201, Some(expected)), "{a}");
    assert!(a["person_name"].as_str().unwrap_or_default().len() > 2);
    assert_eq!(
        app.send(
            Method::PUT,
            &path,
            &editor,
            json!({"version": 3, "values": values})
        )
        .await
        .0,
        422,
        "transmitted: frozen"
    );
    let steering_notes: Value = app.get_json("/api/v1/notifications", &dinum).await;
    assert!(
        steering_notes["notifications"]
            .as_array()
            .expect("list")
            .iter()
            .any(|n| n["text"].as_str().unwrap_or_default().contains("attesté")),
        "{steering_notes}"
    );

    // The DINUM returns the flagged item (comment required), accepts another.
    let list = items(app, id, &dinum).await;
    let flagged = list
        .iter()
        .find(|i| i["id"].as_i64() == Some(item_id))
        .expect("flagged item");
    let decide = |i: i64| format!("/api/v1/campaigns/{id}/items/{i}/decision");
    let v = flagged["version"].as_i64().expect("version");
    assert_eq!(
        app.send(
            Method::POST,
            &decide(item_id),
            &editor,
            json!({"version": v, "decision": "accept"})
        )
        .await
        .0,
        403
    );
    let (status, err) = app
        .send(
            Method::POST,
            &decide(item_id),
            &dinum,
            json!({"version": v, "decision": "return"}),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (422, Some("comment")));
    let (status, back) = app
        .send(Method::POST, &decide(item_id), &dinum, json!({"version": v, "decision": "return", "comment": "Le coût baisse de moitié sans nouvelle référence : à justifier."}))
        .await;
    assert_eq!(
        (status, back["status"].as_str()),
        (200, Some("returned")),
        "{back}"
    );
    let notes: Value = app.get_json("/api/v1/notifications", &editor).await;
    assert!(
        notes["notifications"]
            .as_array()
            .expect("list")
            .iter()
            .any(|n| n["text"]
                .as_str()
                .unwrap_or_default()
                .contains("à justifier")),
        "{notes}"
    );
    let other = &list[1];
    let other_id = other["id"].as_i64().expect("id");
    let (status, accepted) = app
        .send(
            Method::POST,
            &decide(other_id),
            &dinum,
            json!({"version": other["version"], "decision": "accept"}),
        )
        .await;
    assert_eq!(
        (status, accepted["status"].as_str()),
        (200, Some("accepted")),
        "{accepted}"
    );
    // Accepted values are the module's: a periodic review at the reference date.
    let reference = today() + Duration::days(30);
    let object = other["object_id"].as_i64().expect("object");
    let project: Value = app
        .get_json(&format!("/api/v1/projects/{object}"), &dinum)
        .await;
    let at_reference = project["reviews"]
        .as_array()
        .expect("reviews")
        .iter()
        .find(|r| r["review_date"].as_str() == Some(&reference.to_string()));
    let cost = values_of(other)["cost_meur"]
        .as_str()
        .expect("cost")
        .replace(',', ".")
        .parse::<f64>()
        .expect("n");
    let review = at_reference.expect("review at the reference date");
    assert!(
        (review["cost_meur"].as_f64().unwrap_or(-1.0) - cost).abs() < 0.001,
        "{review}"
    );

    // The ministry corrects the returned item, attests again; accepted.
    let mut fixed = values.clone();
    fixed["cost_meur"] = json!(format!("{prefilled:.3}").replace('.', ","));
    let (status, saved) = app
        .send(
            Method::PUT,
            &path,
            &editor,
            json!({"version": back["version"], "values": fixed}),
        )
        .await;
    assert_eq!(
        (status, saved["status"].as_str()),
        (200, Some("draft")),
        "{saved}"
    );
    assert_eq!(
        app.send(Method::POST, &attest, &editor, body.clone())
            .await
            .0,
        201
    );

    // Closing: the DINUM only, at the version read; then nothing moves.
    let current: Value = app
        .get_json(&format!("/api/v1/campaigns/{id}"), &dinum)
        .await;
    let version = current["campaign"]["version"].as_i64().expect("version");
    let close = format!("/api/v1/campaigns/{id}/close");
    assert_eq!(
        app.send(Method::POST, &close, &editor, json!({"version": version}))
            .await
            .0,
        403
    );
    assert_eq!(
        app.send(
            Method::POST,
            &close,
            &dinum,
            json!({"version": version + 7})
        )
        .await
        .0,
        409
    );
    let (status, closed) = app
        .send(Method::POST, &close, &dinum, json!({"version": version}))
        .await;
    assert_eq!(
        (status, closed["status"].as_str()),
        (200, Some("closed")),
        "{closed}"
    );
    let item = items(app, id, &dinum)
        .await
        .into_iter()
        .find(|i| i["id"].as_i64() == Some(item_id))
        .expect("item");
    let (status, err) = app
        .send(
            Method::POST,
            &decide(item_id),
            &dinum,
            json!({"version": item["version"], "decision": "accept"}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    // History: the campaign, its items and the attestations are in the audit.
    let history: Value = app
        .get_json(&format!("/api/v1/history/campaign_item/{other_id}"), &dinum)
        .await;
    let text = history.to_string();
    assert!(
        text.contains("valeurs acceptées") && text.contains("accepted"),
        "{text}"
    );
    assert!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'campaign'")
            .await
            >= 2
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'campaign_attestation'")
            .await,
        2
    );
    let h: Value = app
        .get_json(&format!("/api/v1/history/campaign_item/{other_id}"), &mef)
        .await;
    assert!(
        h.get("code").is_some() || h.as_array().is_some_and(Vec::is_empty),
        "MEF reads no MININT item history: {h}"
    );
}
dual_test!(campaign_lifecycle);

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

async fn demarche_values_reach_the_edition(app: &TestApp) {
    let dinum = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MEF, false).await;
    let mef = app.org("MEF").await.id.0;
    let reference = today() + Duration::days(40);
    let (status, c) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            &dinum,
            json!({"title": "Démarches test", "kind": "demarche_indicators",
            "reference_date": reference.to_string(), "opens_on": today().to_string(),
            "deadline": (today() + Duration::days(20)).to_string(), "organisations": [mef]}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let id = c["campaign"]["id"].as_i64().expect("id");
    let list = items(app, id, &editor).await;
    let slug = c["fields"][0][0]
        .as_str()
        .expect("first indicator")
        .to_owned();
    for (k, item) in list.iter().enumerate() {
        let mut values = item["previous_values"].clone();
        values[&slug] = json!(if k == 0 { "250000" } else { "n/a" });
        let (status, saved) = app
            .send(
                Method::PUT,
                &format!("/api/v1/campaigns/{id}/items/{}/values", item["id"]),
                &editor,
                json!({"version": item["version"], "values": values}),
            )
            .await;
        assert_eq!(status, 200, "{saved}");
        assert_eq!(saved["status"].as_str(), Some("draft"));
    }
    let (status, a) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{id}/attestations"),
            &editor,
            json!({"organisation_id": mef, "role": "DNUM", "confirm": true}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let item = &items(app, id, &dinum).await[1];
    let (status, done) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{id}/items/{}/decision", item["id"]),
            &dinum,
            json!({"version": item["version"], "decision": "accept"}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    let object = item["object_id"].as_i64().expect("object");
    let raw: String = match &app.db {
        cosinum_store::Db::Sqlite(p) => sqlx::query_scalar("SELECT v.raw FROM demarche_values v JOIN demarche_editions e ON e.id = v.edition_id WHERE v.demarche_id = $1 AND e.edition_date = $2 AND v.slug = $3").bind(object).bind(reference).bind(&slug).fetch_one(p).await,
        cosinum_store::Db::Postgres(p) => sqlx::query_scalar("SELECT v.raw FROM demarche_values v JOIN demarche_editions e ON e.id = v.edition_id WHERE v.demarche_id = $1 AND e.edition_date = $2 AND v.slug = $3").bind(object).bind(reference).bind(&slug).fetch_one(p).await,
    }
    .expect("value in the edition");
    assert_eq!(raw, "n/a");
}
dual_test!(demarche_values_reach_the_edition);

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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn digests_sqlite() {
        run(Backend::Sqlite, true).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn digests_postgres() {
        run(Backend::Postgres, true).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn retry_sqlite() {
        run(Backend::Sqlite, false).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn retry_postgres() {
        run(Backend::Postgres, false).await;
    }
}

async fn hr_returns_campaign(app: &TestApp) {
    let dinum = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MEF, false).await;
    let mef = app.org("MEF").await.id.0;
    let open = |reference: &str| {
        json!({"title": "Retours RH", "kind": "hr_return", "reference_date": reference,
            "opens_on": today().to_string(), "deadline": (today() + Duration::days(20)).to_string(), "organisations": [mef]})
    };
    // A return covers a semester or a year: no other reference date.
    let (status, err) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            &dinum,
            open("2026-09-30"),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("reference_date")),
        "{err}"
    );
    let year = today().year() + 1;
    let (status, c) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            &dinum,
            open(&format!("{year}-12-31")),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let id = c["campaign"]["id"].as_i64().expect("id");
    let expected = app
        .scalar("SELECT COUNT(DISTINCT h.region) FROM hr_returns h JOIN organisations o ON o.id = h.organisation_id WHERE o.code = 'MEF'")
        .await;
    let list = items(app, id, &editor).await;
    assert_eq!(
        list.len() as i64,
        expected,
        "one item per region MEF reported for"
    );
    assert!(!list.is_empty());
    // Every item reconducted, but the first with figures that spin and do not add up.
    for (k, item) in list.iter().enumerate() {
        let mut values = item["previous_values"].clone();
        if k == 0 {
            let n = |key: &str| {
                values[key]
                    .as_str()
                    .and_then(|v| v.parse::<i64>().ok())
                    .expect("a count")
            };
            let (start, end) = (n("headcount_start"), n("headcount_end"));
            let exits = 2 * end.max(start) + 2;
            values["exits"] = json!(exits.to_string());
            values["entries"] = json!((exits + end - start + 5).to_string());
        }
        let (status, saved) = app
            .send(
                Method::PUT,
                &format!("/api/v1/campaigns/{id}/items/{}/values", item["id"]),
                &editor,
                json!({"version": item["version"], "values": values}),
            )
            .await;
        assert_eq!(status, 200, "{saved}");
        let codes: Vec<&str> = saved["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .filter_map(|f| f["code"].as_str())
            .collect();
        if k == 0 {
            assert!(
                codes.contains(&"implausible") && codes.contains(&"inconsistent"),
                "{saved}"
            );
        }
    }
    let (status, a) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{id}/attestations"),
            &editor,
            json!({"organisation_id": mef, "role": "SG", "confirm": true}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let first = &items(app, id, &dinum).await[0];
    let (status, done) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{id}/items/{}/decision", first["id"]),
            &dinum,
            json!({"version": first["version"], "decision": "accept"}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    // The return of the new year is the talent module's.
    let returns: Value = app.get_json("/api/v1/talents/returns", &dinum).await;
    let region = first["label"]
        .as_str()
        .expect("label")
        .split(" — ")
        .nth(1)
        .expect("region")
        .to_owned();
    let found = returns
        .as_array()
        .expect("returns")
        .iter()
        .find(|r| {
            r["period"].as_str() == Some(&year.to_string()) && r["region"].as_str() == Some(&region)
        })
        .unwrap_or_else(|| panic!("no {year} return for {region}: {returns}"));
    let sent = &first["values"];
    assert_eq!(
        found["exits"].as_i64().map(|x| x.to_string()).as_deref(),
        sent["exits"].as_str(),
        "{found} {sent}"
    );
    assert_eq!(
        found["entries"].as_i64().map(|x| x.to_string()).as_deref(),
        sent["entries"].as_str(),
        "{found} {sent}"
    );
}
dual_test!(hr_returns_campaign);
