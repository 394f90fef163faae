//! Funding: the fund summary checked against sums made straight from the
//! database; applications filed within their window's rules by their
//! ministry, decided by the DINUM only; credit movements append-only and
//! idempotent by reference, never beyond what was granted or engaged;
//! capacity and the load a new application would bring.

use serde_json::{Value, json};

use crate::harness::*;

async fn funding_summary(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let funds: Vec<Value> = app.get_json("/api/v1/funding/funds", &steering).await;
    let relance = funds
        .iter()
        .find(|f| f["code"] == "RELANCE-TNET")
        .expect("the recovery-plan fund");
    assert_eq!(relance["windows"].as_array().map(Vec::len), Some(9));
    assert_eq!(relance["envelope"], 500_000_000);

    let s: Value = app
        .get_json(
            "/api/v1/funding/summary?fund=RELANCE-TNET&as_of=2023-12-31",
            &steering,
        )
        .await;
    let d = &s["overall"]["decisions"];
    let rate = d["decision_rate"].as_f64().expect("rate");
    assert!(
        (0.55..0.85).contains(&rate),
        "about two thirds granted: {rate}"
    );
    let granted_sql = app
        .scalar(
            "SELECT CAST(COALESCE(SUM(a.granted), 0) AS BIGINT) FROM funding_applications a \
         JOIN funding_windows w ON w.id = a.window_id JOIN funds f ON f.id = w.fund_id \
         WHERE f.code = 'RELANCE-TNET' AND a.status = 'granted'",
        )
        .await;
    assert_eq!(d["granted_amount"].as_i64(), Some(granted_sql));
    let paid_sql = app.scalar(
        "SELECT CAST(COALESCE(SUM(m.amount), 0) AS BIGINT) FROM credit_movements m \
         JOIN funding_applications a ON a.id = m.application_id JOIN funding_windows w ON w.id = a.window_id \
         JOIN funds f ON f.id = w.fund_id WHERE f.code = 'RELANCE-TNET' AND m.kind = 'payment' \
         AND m.movement_date <= '2023-12-31'",
    )
    .await;
    let c = &s["overall"]["consumption"];
    assert_eq!(c["paid"].as_i64(), Some(paid_sql));
    assert_eq!(
        c["restes_a_payer"].as_i64(),
        Some(c["engaged"].as_i64().unwrap_or(0) - paid_sql)
    );
    assert!(c["engaged"].as_i64() <= c["granted"].as_i64());
    assert_eq!(
        d["applications"].as_i64(),
        Some(
            d["pending"].as_i64().unwrap_or(0)
                + d["granted"].as_i64().unwrap_or(0)
                + d["rejected"].as_i64().unwrap_or(0)
                + d["withdrawn"].as_i64().unwrap_or(0)
        )
    );
    assert_eq!(s["by_window"].as_array().map(Vec::len), Some(9));
    let per_semester: i64 = s["by_semester"]
        .as_array()
        .expect("semesters")
        .iter()
        .map(|x| x["decisions"]["applications"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(
        Some(per_semester),
        d["applications"].as_i64(),
        "each application in one semester"
    );
    assert!(
        s["curve"].as_array().is_some_and(|c| c.len() >= 24),
        "monthly curve"
    );
    assert!(
        s["lagging"].as_array().expect("lagging").is_empty(),
        "by the end of 2023 every file is paid"
    );
    let mid: Value = app
        .get_json(
            "/api/v1/funding/summary?fund=RELANCE-TNET&as_of=2022-06-30",
            &steering,
        )
        .await;
    let lagging = mid["lagging"].as_array().expect("lagging");
    assert!(
        !lagging.is_empty(),
        "mid-2022, some files trail their schedule"
    );
    assert!(
        lagging
            .iter()
            .all(|l| l["lag"]["gap"].as_f64() > Some(0.25))
    );

    // A ministry reads its own applications only.
    let editor = app.token(EDITOR_MININT, false).await;
    let mine: Vec<Value> = app.get_json("/api/v1/funding/applications", &editor).await;
    assert!(!mine.is_empty() && mine.iter().all(|a| a["ministry"] == "MININT"));
    let s: Value = app
        .get_json("/api/v1/funding/summary?fund=RELANCE-TNET", &editor)
        .await;
    let codes: Vec<&str> = s["by_ministry"]
        .as_array()
        .expect("m")
        .iter()
        .filter_map(|m| m["code"].as_str())
        .collect();
    assert_eq!(codes, ["MININT"]);
    let res = app
        .client()
        .get(app.url("/api/v1/funding/summary?fund=NOPE"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
}
dual_test!(funding_summary);

async fn funding_pipeline(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let minint = app.org("MININT").await;
    let mef = app.org("MEF").await;
    let funds: Vec<Value> = app.get_json("/api/v1/funding/funds", &steering).await;
    let ftap = funds
        .iter()
        .find(|f| f["code"].as_str().is_some_and(|c| c.starts_with("FTAP")))
        .expect("FTAP");
    let window = ftap["windows"][0].clone();
    let today = time::OffsetDateTime::now_utc().date();
    let mut body = json!({
        "organisation_id": minint.id.0, "window_id": window["id"], "title": "Coffre-fort numérique des agents",
        "total_cost": 2_000_000, "requested": 1_200_000, "planned_start": today.to_string(),
        "planned_end": (today + time::Duration::days(365)).to_string(),
        "workload": [{"semester": format!("{}S2", today.year()), "person_months": 12}]
    });
    let (status, err) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/funding/applications",
            &editor,
            body.clone(),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("requested")),
        "50 % co-funding at most: {err}"
    );
    body["requested"] = json!(1_000_000);
    // It may concern an application of the inventory (to migrate it, say).
    let inventory: Vec<Value> = app.get_json("/api/v1/cloud/applications", &editor).await;
    let inventory_id = inventory[0]["id"]
        .as_i64()
        .expect("an inventory application");
    body["inventory_id"] = json!(999_999);
    let (status, err) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/funding/applications",
            &editor,
            body.clone(),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (422, Some("inventory_id")));
    body["inventory_id"] = json!(inventory_id);
    let mut other = body.clone();
    other["organisation_id"] = json!(mef.id.0);
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            "/api/v1/funding/applications",
            &editor,
            other
        )
        .await
        .0,
        403
    );
    let (status, filed) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/funding/applications",
            &editor,
            body.clone(),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["status"], "submitted");
    assert_eq!(filed["inventory_id"], inventory_id);
    let id = filed["id"].as_i64().expect("id");

    // Only the DINUM decides; the pipeline moves forward only.
    let decision = format!("/api/v1/funding/applications/{id}/decision");
    let grant = |version: i64, amount: i64| json!({"status": "granted", "date": today.to_string(), "granted": amount, "version": version});
    assert_eq!(
        app.send(reqwest::Method::POST, &decision, &editor, grant(1, 900_000))
            .await
            .0,
        403
    );
    let (status, err) = app
        .send(
            reqwest::Method::POST,
            &decision,
            &steering,
            grant(1, 2_000_000),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (422, Some("granted")));
    let (status, granted) = app
        .send(
            reqwest::Method::POST,
            &decision,
            &steering,
            grant(1, 900_000),
        )
        .await;
    assert_eq!(
        (status, granted["status"].as_str()),
        (200, Some("granted")),
        "{granted}"
    );
    let (status, _) = app
        .send(
            reqwest::Method::POST,
            &decision,
            &steering,
            json!({"status": "rejected", "date": today.to_string(), "motive": "x", "version": 2}),
        )
        .await;
    assert_eq!(status, 422, "a decision is final");
    body["version"] = json!(2);
    let (status, err) = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/funding/applications/{id}"),
            &editor,
            body,
        )
        .await;
    assert_eq!(status, 422, "{err}");

    // Credits: append-only, idempotent by reference, within what was granted.
    let moves = format!("/api/v1/funding/applications/{id}/movements");
    let mv = |kind: &str, amount: i64, reference: &str| json!({"kind": kind, "date": today.to_string(), "amount": amount, "reference": reference});
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            &moves,
            &editor,
            mv("commitment", 900_000, "EJ-1")
        )
        .await
        .0,
        403
    );
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            &moves,
            &steering,
            mv("commitment", 950_000, "EJ-1")
        )
        .await
        .0,
        422
    );
    let (status, after) = app
        .send(
            reqwest::Method::POST,
            &moves,
            &steering,
            mv("commitment", 900_000, "EJ-1"),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(after["consumption"]["engaged"], 900_000);
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            &moves,
            &steering,
            mv("commitment", 900_000, "EJ-1")
        )
        .await
        .0,
        200,
        "same movement: kept once"
    );
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            &moves,
            &steering,
            mv("commitment", 800_000, "EJ-1")
        )
        .await
        .0,
        422,
        "a reference is one movement"
    );
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            &moves,
            &steering,
            mv("payment", 1_000_000, "DP-1")
        )
        .await
        .0,
        422,
        "no payment beyond commitments"
    );
    let (_, after) = app
        .send(
            reqwest::Method::POST,
            &moves,
            &steering,
            mv("payment", 300_000, "DP-1"),
        )
        .await;
    let (status, after) = {
        let _ = after;
        app.send(
            reqwest::Method::POST,
            &moves,
            &steering,
            mv("payment", -100_000, "DP-1-COR"),
        )
        .await
    };
    assert_eq!(status, 201, "a correction is a new movement");
    assert_eq!(after["consumption"]["paid"], 200_000);
    assert_eq!(after["consumption"]["restes_a_payer"], 700_000);
    assert_eq!(after["movements"].as_array().map(Vec::len), Some(3));
    let history: Value = app
        .get_json(
            &format!("/api/v1/history/funding_application/{id}"),
            &steering,
        )
        .await;
    assert!(
        history.to_string().contains("DP-1-COR"),
        "money shows in the application's history"
    );

    // Capacity: MININT is over it; a new application shows what it would do.
    let loads: Vec<Value> = app
        .get_json("/api/v1/funding/capacity?ministry=MININT", &editor)
        .await;
    assert!(
        loads.iter().any(|l| l["over"] == true),
        "the demo's MININT is over capacity"
    );
    let semester = format!("{}S1", today.year() + 1);
    let (status, what) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/funding/capacity/what-if",
            &editor,
            json!({"workload": [{"semester": semester, "person_months": 500}]}),
        )
        .await;
    assert_eq!(status, 200, "{what}");
    let line = what
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["semester"]["year"] == today.year() + 1 && l["semester"]["half"] == 1)
        .expect("semester");
    assert_eq!(line["with_application"]["over"], true);
    assert!(line["with_application"]["ratio"].as_f64() > line["ratio"].as_f64());
    let version = line["capacity_version"].as_i64().expect("declared");
    let cap = |v: i64| json!({"organisation_id": minint.id.0, "semester": semester, "capacity": 900, "committed": 10, "version": v});
    assert_eq!(
        app.send(
            reqwest::Method::PUT,
            "/api/v1/funding/capacity",
            &editor,
            cap(version + 5)
        )
        .await
        .0,
        409
    );
    let (status, lines) = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/funding/capacity",
            &editor,
            cap(version),
        )
        .await;
    assert_eq!(status, 200);
    let line = lines
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["semester"]["year"] == today.year() + 1 && l["semester"]["half"] == 1)
        .expect("semester");
    assert_eq!(
        (line["capacity"].as_f64(), line["over"].as_bool()),
        (Some(900.0), Some(false))
    );
    let reader = app.token(READER_MININT, false).await;
    assert_eq!(
        app.send(
            reqwest::Method::PUT,
            "/api/v1/funding/capacity",
            &reader,
            cap(version + 1)
        )
        .await
        .0,
        403
    );
}
dual_test!(funding_pipeline);
