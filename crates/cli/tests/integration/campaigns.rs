//! Collection campaigns (issue #13): a campaign's whole life through the
//! API — opening, who sees and fills what, values and their checks, the
//! pre-filled template round trip, attestation, quality flags, return and
//! acceptance (a periodic review lands in the project), closing, the audit.
//! The other kinds are in `campaign_modules`, notices in `campaign_notices`.

use reqwest::Method;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::harness::*;

pub(crate) fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

pub(crate) async fn open_review_campaign(app: &TestApp, dinum: &str, deadline_in: i64) -> Value {
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

pub(crate) async fn items(app: &TestApp, id: i64, token: &str) -> Vec<Value> {
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
