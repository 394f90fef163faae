//! Briefing sheets frozen as of the meeting (issue #9): live until
//! validated, then stored once and never recomputed — whatever happens to
//! the data, and whatever SQL is tried against them — and compared with the
//! previous session's sheet on the same topic.

use reqwest::Method;
use serde_json::{Value, json};

use crate::committee::*;
use crate::harness::*;

/// GET `path` with a bearer token, the body as text (to compare bytes).
async fn raw_text(app: &TestApp, path: &str, token: &str) -> String {
    let res = app
        .client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    res.text().await.expect("text")
}

fn figure(fiche: &Value, key: &str) -> f64 {
    fiche["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .and_then(|f| f["value"].as_f64())
        .unwrap_or_else(|| panic!("no figure {key} in {}", fiche["figures"]))
}

async fn frozen_sheets(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let first = create_session(
        app,
        &steering,
        session_body("COSINUM — séance d'octobre", 20, 0),
    )
    .await;
    let point = add_point(
        app,
        &steering,
        id(&first),
        json!({"title": "Situation des grands projets", "topic": "projects", "presenter": "DINUM",
               "duration_minutes": 20}),
    )
    .await;
    let sheet_url = format!("/api/v1/committee/points/{}/sheet", id(&point));
    let live: Value = app.get_json(&sheet_url, &editor).await;
    assert_eq!(live["frozen"], false, "{live}");
    assert_eq!(live["sheet"], Value::Null);
    assert_eq!(live["fiche"]["topic"], "projects");
    assert_eq!(live["fiche"]["as_of"], json!(day(0)), "as of the cut-off");
    assert_eq!(
        live["fiche"]["compared_with"],
        Value::Null,
        "first sheet on its topic"
    );
    let cost_before = figure(&live["fiche"], "total_cost_meur");
    assert!(cost_before > 0.0, "{}", live["fiche"]["figures"]);

    // Freezing: the DINUM only, once.
    let freeze_url = format!("{sheet_url}/freeze");
    let (status, _) = app
        .send(Method::POST, &freeze_url, &editor, Value::Null)
        .await;
    assert_eq!(status, 403);
    let (status, frozen) = app
        .send(Method::POST, &freeze_url, &steering, Value::Null)
        .await;
    assert_eq!(status, 201, "{frozen}");
    let digest = frozen["digest"].as_str().expect("digest").to_owned();
    assert!(
        digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()),
        "{digest}"
    );
    assert_eq!(frozen["point_id"], point["id"]);
    let (status, e) = app
        .send(Method::POST, &freeze_url, &steering, Value::Null)
        .await;
    assert_eq!(status, 409, "frozen once: {e}");
    let read: Value = app.get_json(&sheet_url, &steering).await;
    assert_eq!(read["frozen"], true);
    assert_eq!(read["sheet"]["digest"], json!(digest));
    assert_eq!(
        read["fiche"], live["fiche"],
        "frozen as computed, nothing moved in between"
    );
    let before = raw_text(app, &sheet_url, &steering).await;
    let d = detail(app, &steering, id(&first)).await;
    assert_eq!(d["agenda"][0]["sheet_frozen"], true);
    assert_eq!(d["agenda"][0]["sheet_digest"], json!(digest));

    // A frozen point is not rewritten; a backlog point has no sheet to freeze.
    let (status, e) = app
        .send(
            Method::PUT,
            &format!("/api/v1/committee/points/{}", id(&point)),
            &steering,
            json!({"point": {"title": "Autre titre", "topic": "projects"}, "version": point["version"]}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    let (status, e) = app
        .send(
            Method::PUT,
            &format!("/api/v1/committee/points/{}", id(&point)),
            &steering,
            json!({"on_agenda": false, "version": point["version"]}),
        )
        .await;
    assert_eq!(
        status, 409,
        "a frozen point stays on the agenda, its sheet in the pack (the page offers no « Retirer »): {e}"
    );
    let d = detail(app, &steering, id(&first)).await;
    assert_eq!(ids(&d["agenda"]), [id(&point)]);
    let reserve = add_point(
        app,
        &steering,
        id(&first),
        json!({"title": "En réserve", "topic": "other", "on_agenda": false}),
    )
    .await;
    let (status, e) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/points/{}/sheet/freeze", id(&reserve)),
            &steering,
            Value::Null,
        )
        .await;
    assert_eq!(status, 409, "{e}");

    // The figures change: a new MININT project reviewed yesterday at 5 000 M€.
    let minint = app.org("MININT").await;
    let (status, project) = app
        .send(
            Method::POST,
            "/api/v1/projects",
            &editor,
            json!({"organisation_id": minint.id.0, "name": "Refonte du système de gestion des titres",
                   "phase": "conception_realisation", "functional_zone": "Sécurité intérieure",
                   "entered_on": day(-400)}),
        )
        .await;
    assert_eq!(status, 201, "{project}");
    let pid = id(&project);
    let (status, e) = app
        .send(
            Method::POST,
            &format!("/api/v1/projects/{pid}/baselines"),
            &editor,
            json!({"approved_on": day(-400), "cost_meur": 4000.0, "start": day(-400),
                   "planned_end": day(800), "approved_by": "DINUM", "project_version": project["version"]}),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    let (status, e) = app
        .send(
            Method::POST,
            &format!("/api/v1/projects/{pid}/reviews"),
            &editor,
            json!({"review_date": day(-1), "cost_meur": 5000.0, "start": day(-400),
                   "forecast_end": day(800), "phase": "conception_realisation", "ministry_rating": 3,
                   "narrative": "Extension du périmètre à l'ensemble des titres sécurisés."}),
        )
        .await;
    assert_eq!(status, 201, "{e}");

    // The frozen sheet reads the same, byte for byte…
    assert_eq!(raw_text(app, &sheet_url, &steering).await, before);
    // …while a live sheet on the same data and cut-off sees the project.
    let other = add_point(
        app,
        &steering,
        id(&first),
        json!({"title": "Grands projets : focus sécurité", "topic": "projects"}),
    )
    .await;
    let live_now: Value = app
        .get_json(
            &format!("/api/v1/committee/points/{}/sheet", id(&other)),
            &steering,
        )
        .await;
    assert_eq!(live_now["frozen"], false);
    let cost_now = figure(&live_now["fiche"], "total_cost_meur");
    assert!(
        (cost_now - cost_before - 5000.0).abs() < 0.5,
        "{cost_before} + 5000 ≠ {cost_now}"
    );
    assert_eq!(
        figure(&live_now["fiche"], "projects"),
        figure(&live["fiche"], "projects") + 1.0
    );

    // The database itself refuses to change or delete a frozen sheet.
    let sheet_id = id(&frozen);
    let update = raw_write(
        app,
        "UPDATE briefing_sheets SET content = 'x' WHERE id = $1",
        sheet_id,
    )
    .await;
    assert!(
        update
            .as_ref()
            .is_err_and(|e| e.contains("frozen briefing sheet")),
        "{update:?}"
    );
    let delete = raw_write(app, "DELETE FROM briefing_sheets WHERE id = $1", sheet_id).await;
    assert!(
        delete
            .as_ref()
            .is_err_and(|e| e.contains("frozen briefing sheet")),
        "{delete:?}"
    );
    assert_eq!(raw_text(app, &sheet_url, &steering).await, before);

    // A later session's sheet on the topic compares with the frozen one.
    let second = create_session(
        app,
        &steering,
        session_body("COSINUM — séance de décembre", 60, 1),
    )
    .await;
    let later = add_point(
        app,
        &steering,
        id(&second),
        json!({"title": "Situation des grands projets", "topic": "projects"}),
    )
    .await;
    let later_url = format!("/api/v1/committee/points/{}/sheet", id(&later));
    let next: Value = app.get_json(&later_url, &steering).await;
    assert_eq!(next["frozen"], false);
    assert_eq!(next["fiche"]["as_of"], json!(day(1)));
    assert_eq!(
        next["fiche"]["compared_with"], read["fiche"]["as_of"],
        "{}",
        next["fiche"]
    );
    assert_ne!(next["fiche"]["figures"], read["fiche"]["figures"]);
    let change = next["fiche"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["key"] == "total_cost_meur")
        .cloned()
        .unwrap_or_else(|| panic!("no cost change: {}", next["fiche"]["changes"]));
    assert!((change["before"].as_f64().expect("before") - cost_before).abs() < 1e-6);
    assert!((change["after"].as_f64().expect("after") - cost_now).abs() < 0.5);
    assert!(
        next["fiche"]["objects_added"]
            .as_array()
            .expect("added")
            .iter()
            .any(|o| o["kind"] == "project" && o["id"] == pid),
        "the drifting project enters the sheet: {}",
        next["fiche"]["objects_added"]
    );
    // Frozen, it keeps the comparison.
    let (status, frozen_later) = app
        .send(
            Method::POST,
            &format!("{later_url}/freeze"),
            &steering,
            Value::Null,
        )
        .await;
    assert_eq!(status, 201, "{frozen_later}");
    assert_eq!(frozen_later["fiche"]["compared_with"], json!(day(0)));
    assert_ne!(frozen_later["digest"], json!(digest));
}
dual_test!(frozen_sheets);

/// A semester as the API writes it ("2026S2" or {year, half}), as a number
/// that sorts like semesters do.
fn semester_key(v: &Value) -> i64 {
    match v {
        Value::String(s) => {
            let (y, h) = s.split_once('S').expect("semester");
            y.parse::<i64>().expect("year") * 10 + h.parse::<i64>().expect("half")
        }
        _ => v["year"].as_i64().expect("year") * 10 + v["half"].as_i64().expect("half"),
    }
}

/// The funding sheet counts the ministries whose load exceeds their
/// declared capacity from the current semester on: the same ministries as
/// each ministry's capacity report says (the sheet reads every application
/// once and shares it out by ministry).
async fn funding_sheet_counts_ministries_over_capacity(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let session = create_session(app, &steering, session_body("Séance financements", 20, 0)).await;
    let point = add_point(
        app,
        &steering,
        id(&session),
        json!({"title": "Fonds", "topic": "funding", "presenter": "DINUM", "duration_minutes": 10}),
    )
    .await;
    let sheet: Value = app
        .get_json(
            &format!("/api/v1/committee/points/{}/sheet", id(&point)),
            &steering,
        )
        .await;
    let as_of = sheet["fiche"]["as_of"].as_str().expect("as of").to_owned();
    let (year, month): (i64, i64) = (
        as_of[0..4].parse().expect("year"),
        as_of[5..7].parse().expect("month"),
    );
    let current = year * 10 + if month <= 6 { 1 } else { 2 };
    let orgs: Vec<Value> = app.get_json("/api/v1/organisations", &steering).await;
    let mut over = 0;
    for o in &orgs {
        let code = o["code"].as_str().expect("code");
        let res = app
            .client()
            .get(app.url(&format!(
                "/api/v1/funding/capacity?ministry={code}&as_of={as_of}"
            )))
            .bearer_auth(&steering)
            .send()
            .await
            .expect("capacity");
        if res.status() != 200 {
            continue;
        }
        let lines: Vec<Value> = res.json().await.expect("json");
        if lines
            .iter()
            .any(|l| l["over"] == true && semester_key(&l["semester"]) >= current)
        {
            over += 1;
        }
    }
    assert!(over > 0, "the demo has ministries over capacity");
    assert_eq!(figure(&sheet["fiche"], "over_capacity"), f64::from(over));
}
dual_test!(funding_sheet_counts_ministries_over_capacity);
