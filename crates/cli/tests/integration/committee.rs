//! The committee (issue #9) through its JSON API: sessions and their agenda
//! (what the data propose, the backlog, the order, the follow-up point);
//! the helpers the other `committee_*` files share. Frozen briefing sheets:
//! `committee_sheets.rs`; decisions and their follow-up:
//! `committee_decisions.rs`; records of decisions, the demo and the CLI
//! pack: `committee_records.rs`; the pages: `committee_pages.rs`.

use cosinum_store::Db;
use reqwest::Method;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::harness::*;

pub(crate) const CHAIR: &str = "presidence@demo.cosinum.fr";

/// Today shifted by `offset` days, as the API writes dates.
pub(crate) fn day(offset: i64) -> String {
    (OffsetDateTime::now_utc().date() + Duration::days(offset)).to_string()
}

pub(crate) fn session_body(title: &str, held: i64, cut: i64) -> Value {
    json!({"title": title, "held_on": day(held), "cut_off": day(cut), "format": "in_person",
           "place": "Hôtel de Matignon, salle du conseil"})
}

/// Creates a session (201) and returns it.
pub(crate) async fn create_session(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, s) = app
        .send(Method::POST, "/api/v1/committee/sessions", token, body)
        .await;
    assert_eq!(status, 201, "{s}");
    s
}

/// Adds a point to a session (201) and returns it.
pub(crate) async fn add_point(app: &TestApp, token: &str, session: i64, body: Value) -> Value {
    let (status, p) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/sessions/{session}/points"),
            token,
            body,
        )
        .await;
    assert_eq!(status, 201, "{p}");
    p
}

/// Records a decision on a point (201) and returns it.
pub(crate) async fn add_decision(app: &TestApp, token: &str, point: i64, body: Value) -> Value {
    let (status, d) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/points/{point}/decisions"),
            token,
            body,
        )
        .await;
    assert_eq!(status, 201, "{d}");
    d
}

pub(crate) async fn detail(app: &TestApp, token: &str, session: i64) -> Value {
    app.get_json(&format!("/api/v1/committee/sessions/{session}"), token)
        .await
}

pub(crate) fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

pub(crate) fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(id)
        .collect()
}

/// A MININT project of the demo: its id and name.
pub(crate) async fn minint_project(app: &TestApp) -> (i64, String) {
    let minint = app.org("MININT").await;
    cosinum_store::projects::list(&app.db, false)
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.organisation_id == minint.id)
        .map(|p| (p.id, p.name))
        .expect("a MININT project in the demo")
}

/// Runs a write straight on the test database, bypassing the application.
pub(crate) async fn raw_write(app: &TestApp, sql: &'static str, id: i64) -> Result<u64, String> {
    match &app.db {
        Db::Sqlite(p) => sqlx::query(sql)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
    }
    .map_err(|e| e.to_string())
}

/// GET `path` with a bearer token: status, content type and body bytes.
pub(crate) async fn download(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let res = app
        .client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, res.bytes().await.expect("body").to_vec())
}

async fn sessions_and_agenda(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let sessions = "/api/v1/committee/sessions";

    // Who schedules, and a cut-off after the meeting.
    let (status, e) = app
        .send(
            Method::POST,
            sessions,
            &editor,
            session_body("Séance d'un ministère", 30, 0),
        )
        .await;
    assert_eq!(status, 403, "a ministry does not schedule sessions: {e}");
    let (status, e) = app
        .send(
            Method::POST,
            sessions,
            &steering,
            session_body("Séance mal datée", 30, 31),
        )
        .await;
    assert_eq!((status, e["field"].as_str()), (422, Some("cut_off")), "{e}");
    let (status, e) = app
        .send(
            Method::POST,
            sessions,
            &steering,
            json!({"title": "Sans lieu", "held_on": day(30), "format": "in_person"}),
        )
        .await;
    assert_eq!((status, e["field"].as_str()), (422, Some("place")), "{e}");
    let listed: Value = app.get_json(sessions, &steering).await;
    assert_eq!(listed, json!([]), "refused sessions leave nothing behind");

    // Newest first: by the meeting date, not by creation.
    let later = create_session(
        app,
        &steering,
        session_body("COSINUM — séance de juin", 30, 0),
    )
    .await;
    let earlier = create_session(
        app,
        &steering,
        session_body("COSINUM — séance de mai", 10, 0),
    )
    .await;
    assert_eq!(
        (&later["held_on"], &later["cut_off"], &later["version"]),
        (&json!(day(30)), &json!(day(0)), &json!(1)),
        "{later}"
    );
    let listed: Value = app.get_json(sessions, &editor).await;
    assert_eq!(ids(&listed), [id(&later), id(&earlier)], "{listed}");
    let online = create_session(
        app,
        &steering,
        json!({"title": "Sans arrêté", "held_on": day(20), "format": "online"}),
    )
    .await;
    assert_eq!(
        online["cut_off"], online["held_on"],
        "the cut-off defaults to the meeting date"
    );
    let listed: Value = app.get_json(sessions, &steering).await;
    assert_eq!(
        ids(&listed),
        [id(&later), id(&online), id(&earlier)],
        "{listed}"
    );
    let s = id(&later);
    let d = detail(app, &steering, s).await;
    assert_eq!(
        (d["agenda"].clone(), d["backlog"].clone()),
        (json!([]), json!([])),
        "no decision is open yet, so no follow-up point: {d}"
    );

    // What the data propose, each with its reasons.
    let proposals_url = format!("{sessions}/{s}/proposals");
    let proposals: Value = app.get_json(&proposals_url, &editor).await;
    let proposals = proposals.as_array().expect("proposals").clone();
    assert!(
        !proposals.is_empty(),
        "the demo data propose points as of today"
    );
    for p in &proposals {
        let reasons = p["reasons"].as_array().expect("reasons");
        assert!(
            !reasons.is_empty()
                && reasons
                    .iter()
                    .all(|r| r.as_str().is_some_and(|r| !r.trim().is_empty())),
            "{p}"
        );
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    }
    let first = &proposals[0];
    let rule = first["rule"].as_str().expect("rule").to_owned();
    let points_url = format!("{sessions}/{s}/points");
    let (status, _) = app
        .send(Method::POST, &points_url, &editor, json!({"rule": rule}))
        .await;
    assert_eq!(status, 403, "a ministry does not build the agenda");
    let accepted = add_point(app, &steering, s, json!({"rule": rule})).await;
    assert_eq!(accepted["rule"], json!(rule));
    assert_eq!(accepted["reasons"], first["reasons"]);
    assert_eq!(accepted["title"], first["title"]);
    assert_eq!(accepted["topic"], first["topic"]);
    assert_eq!(accepted["objects"], first["objects"]);
    assert_eq!(accepted["duration_minutes"], first["duration_minutes"]);
    assert_eq!(accepted["position"], 1);
    let (status, e) = app
        .send(Method::POST, &points_url, &steering, json!({"rule": rule}))
        .await;
    assert_eq!(status, 409, "the same rule twice: {e}");
    let (status, e) = app
        .send(
            Method::POST,
            &points_url,
            &steering,
            json!({"rule": "no_such_rule"}),
        )
        .await;
    assert_eq!((status, e["field"].as_str()), (422, Some("rule")), "{e}");
    let again: Value = app.get_json(&proposals_url, &steering).await;
    assert!(
        again
            .as_array()
            .expect("proposals")
            .iter()
            .all(|p| p["rule"] != json!(rule)),
        "an accepted rule is no longer proposed: {again}"
    );
    assert_eq!(
        again.as_array().map(Vec::len),
        Some(proposals.len() - 1),
        "the others still are"
    );

    // A point by hand to the backlog, then on the agenda, then moved up.
    let manual = add_point(
        app,
        &steering,
        s,
        json!({"title": "Mutualisation des outils de visioconférence", "topic": "reuse",
               "presenter": "DINUM", "duration_minutes": 10, "on_agenda": false}),
    )
    .await;
    assert_eq!(
        (&manual["position"], &manual["rule"], &manual["reasons"]),
        (&Value::Null, &Value::Null, &json!([])),
        "{manual}"
    );
    let d = detail(app, &steering, s).await;
    assert_eq!(ids(&d["agenda"]), [id(&accepted)]);
    assert_eq!(ids(&d["backlog"]), [id(&manual)]);
    let point_url = format!("/api/v1/committee/points/{}", id(&manual));
    let (status, e) = app
        .send(
            Method::PUT,
            &point_url,
            &editor,
            json!({"on_agenda": true, "version": manual["version"]}),
        )
        .await;
    assert_eq!(status, 403, "{e}");
    let (status, e) = app
        .send(
            Method::PUT,
            &point_url,
            &steering,
            json!({"on_agenda": true, "shift": -1, "version": manual["version"]}),
        )
        .await;
    assert_eq!(status, 400, "one change at a time: {e}");
    let (status, scheduled) = app
        .send(
            Method::PUT,
            &point_url,
            &steering,
            json!({"on_agenda": true, "version": manual["version"]}),
        )
        .await;
    assert_eq!(status, 200, "{scheduled}");
    assert_eq!(scheduled["position"], 2, "at the end of the agenda");
    let (status, moved) = app
        .send(
            Method::PUT,
            &point_url,
            &steering,
            json!({"shift": -1, "version": scheduled["version"]}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["position"], 1);
    let (status, e) = app
        .send(
            Method::PUT,
            &point_url,
            &steering,
            json!({"shift": 1, "version": scheduled["version"]}),
        )
        .await;
    assert_eq!(status, 409, "stale version: {e}");
    assert_eq!(e["current_version"], moved["version"], "{e}");
    let d = detail(app, &steering, s).await;
    assert_eq!(ids(&d["agenda"]), [id(&manual), id(&accepted)], "{d}");
    let positions: Vec<&Value> = d["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .map(|p| &p["position"])
        .collect();
    assert_eq!(positions, [&json!(1), &json!(2)]);
    assert_eq!(d["backlog"], json!([]));

    // Once a decision is open, the next session starts with its follow-up.
    add_decision(
        app,
        &steering,
        id(&accepted),
        json!({"text": "Présenter un plan de redressement chiffré", "owner": "MININT", "due_on": day(120)}),
    )
    .await;
    let next = create_session(
        app,
        &steering,
        session_body("COSINUM — séance de septembre", 90, 60),
    )
    .await;
    let d = detail(app, &steering, id(&next)).await;
    let agenda = d["agenda"].as_array().expect("agenda");
    assert_eq!(agenda.len(), 1, "{d}");
    assert_eq!(agenda[0]["rule"], "decision_follow_up");
    assert_eq!(agenda[0]["topic"], "follow_up");
    assert_eq!(agenda[0]["position"], 1);
    assert_eq!(
        agenda[0]["title"],
        "Suivi des décisions des séances précédentes"
    );
    assert!(
        agenda[0]["reasons"][0]
            .as_str()
            .is_some_and(|r| r.starts_with("1 décision(s)")),
        "{}",
        agenda[0]
    );
    for earlier_session in [s, id(&earlier)] {
        let d = detail(app, &steering, earlier_session).await;
        assert!(
            d["agenda"]
                .as_array()
                .expect("agenda")
                .iter()
                .all(|p| p["rule"] != "decision_follow_up"),
            "{d}"
        );
    }
}
dual_test!(sessions_and_agenda);

/// The follow-up point counts the decisions left open by sessions held
/// before the new one, not by later ones.
async fn follow_up_counts_earlier_sessions_only(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let held = create_session(
        app,
        &steering,
        session_body("COSINUM — séance du printemps", 100, 90),
    )
    .await;
    let point = add_point(
        app,
        &steering,
        id(&held),
        json!({"title": "Point libre", "topic": "other"}),
    )
    .await;
    add_decision(
        app,
        &steering,
        id(&point),
        json!({"text": "Transmettre une note de situation", "owner": "MININT", "due_on": day(200)}),
    )
    .await;
    let after = create_session(
        app,
        &steering,
        session_body("COSINUM — séance de l'automne", 150, 140),
    )
    .await;
    let d = detail(app, &steering, id(&after)).await;
    assert_eq!(d["agenda"][0]["rule"], "decision_follow_up", "{d}");
    let before = create_session(
        app,
        &steering,
        session_body("COSINUM — séance de l'hiver", 50, 40),
    )
    .await;
    let d = detail(app, &steering, id(&before)).await;
    assert_eq!(
        d["agenda"],
        json!([]),
        "no session held before this one left a decision open, yet its agenda starts with « {} »",
        d["agenda"][0]["reasons"][0]
    );
}
dual_test!(follow_up_counts_earlier_sessions_only);
