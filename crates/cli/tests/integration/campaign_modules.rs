//! Campaigns of the other kinds (issue #13): accepted values reach their
//! module — a démarche's indicators in the edition of the reference date,
//! an HR return for the period ending then — with the module's checks and
//! the quality flags on the way.

use reqwest::Method;
use serde_json::{Value, json};
use time::Duration;

use crate::campaigns::{items, today};
use crate::harness::*;

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
    // The DINUM accepts at once what no check flagged; flagged items wait.
    let before = items(app, id, &dinum).await;
    let unflagged = before
        .iter()
        .filter(|i| {
            i["status"] == json!("submitted") && i["flags"].as_array().is_some_and(Vec::is_empty)
        })
        .count();
    let bulk = format!("/api/v1/campaigns/{id}/accept-unflagged");
    assert_eq!(
        app.send(Method::POST, &bulk, &editor, json!({})).await.0,
        403
    );
    let (status, done) = app
        .send(Method::POST, &bulk, &dinum, json!({"organisation_id": mef}))
        .await;
    assert_eq!(
        (status, done["accepted"].as_u64()),
        (200, Some(unflagged as u64)),
        "{done}"
    );
    let after = items(app, id, &dinum).await;
    assert_eq!(
        after
            .iter()
            .filter(|i| i["status"] == json!("accepted"))
            .count(),
        unflagged
    );
    assert!(
        after
            .iter()
            .filter(|i| i["status"] == json!("submitted"))
            .all(|i| !i["flags"].as_array().expect("flags").is_empty())
    );
    let item = after
        .iter()
        .find(|i| i["values"][&slug] == json!("n/a"))
        .expect("an item entered n/a");
    if item["status"] == json!("submitted") {
        let (status, done) = app
            .send(
                Method::POST,
                &format!("/api/v1/campaigns/{id}/items/{}/decision", item["id"]),
                &dinum,
                json!({"version": item["version"], "decision": "accept"}),
            )
            .await;
        assert_eq!(status, 200, "{done}");
    }
    let object = item["object_id"].as_i64().expect("object");
    let raw: String = match &app.db {
        cosinum_store::Db::Sqlite(p) => sqlx::query_scalar("SELECT v.raw FROM demarche_values v JOIN demarche_editions e ON e.id = v.edition_id WHERE v.demarche_id = $1 AND e.edition_date = $2 AND v.slug = $3").bind(object).bind(reference).bind(&slug).fetch_one(p).await,
        cosinum_store::Db::Postgres(p) => sqlx::query_scalar("SELECT v.raw FROM demarche_values v JOIN demarche_editions e ON e.id = v.edition_id WHERE v.demarche_id = $1 AND e.edition_date = $2 AND v.slug = $3").bind(object).bind(reference).bind(&slug).fetch_one(p).await,
    }
    .expect("value in the edition");
    assert_eq!(raw, "n/a");
}
dual_test!(demarche_values_reach_the_edition);

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
