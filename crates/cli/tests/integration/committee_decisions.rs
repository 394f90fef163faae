//! Decisions of the committee and their follow-up: recorded by the DINUM on
//! an agenda point, shown on the object's page, found in the register (words
//! without accents, object, owner, status), progress notes by the owner
//! ministry only, at the version read, and the alerts (overdue, update
//! missing).

use reqwest::Method;
use serde_json::{Value, json};

use crate::committee::*;
use crate::harness::*;

async fn decisions_and_follow_up(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let mef = app.token(EDITOR_MEF, false).await;
    let reader = app.token(READER_MININT, false).await;
    let (project, project_name) = minint_project(app).await;
    let session = create_session(
        app,
        &steering,
        session_body("COSINUM — séance de novembre", 20, 0),
    )
    .await;
    let point = add_point(
        app,
        &steering,
        id(&session),
        json!({"title": "Sécurité des grands projets", "topic": "projects"}),
    )
    .await;
    let text = "Remettre un audit indépendant de la sécurité du système avant la mise en service";
    let decision_body = json!({"text": text, "owner": "MININT", "due_on": day(200), "frequency": "quarterly",
                               "objects": [format!("project:{project}")]});
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/points/{}/decisions", id(&point)),
            &editor,
            decision_body.clone(),
        )
        .await;
    assert_eq!(status, 403, "the DINUM records decisions");
    let (status, e) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/points/{}/decisions", id(&point)),
            &steering,
            json!({"text": text, "owner": "MININT", "due_on": day(19)}),
        )
        .await;
    assert_eq!(
        (status, e["field"].as_str()),
        (422, Some("due_on")),
        "due before the meeting: {e}"
    );
    let (status, e) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/points/{}/decisions", id(&point)),
            &steering,
            json!({"text": text, "owner": "MININT", "due_on": day(200), "objects": ["project:999999"]}),
        )
        .await;
    assert_eq!((status, e["field"].as_str()), (422, Some("objects")), "{e}");
    let decision = add_decision(app, &steering, id(&point), decision_body).await;
    let did = id(&decision);
    assert_eq!(
        (&decision["status"], &decision["rank"], &decision["version"]),
        (&json!("open"), &json!(1), &json!(1))
    );
    assert_eq!(
        decision["objects"],
        json!([{"kind": "project", "id": project, "label": project_name}])
    );

    // On the project's page, under « Décisions du comité ».
    let (browser, _) = app.login(STEERING).await;
    let html = app.page(&browser, &format!("/projets/{project}")).await;
    let heading = html
        .find("id=\"decisions-comite\">Décisions du comité<")
        .unwrap_or_else(|| panic!("no committee section on the project page:\n{html}"));
    assert!(
        html[heading..].contains(text),
        "the decision under its heading"
    );
    assert!(html[heading..].contains(&format!("/comite/decisions/{did}")));

    // In the register: by words without accents, by object.
    let register = "/api/v1/committee/decisions";
    let found: Value = app
        .get_json(&format!("{register}?q=independant"), &reader)
        .await;
    assert_eq!(ids(&found), [did], "{found}");
    let found: Value = app
        .get_json(&format!("{register}?q=SECURITE%20audit"), &reader)
        .await;
    assert_eq!(ids(&found), [did]);
    let found: Value = app
        .get_json(&format!("{register}?q=independant%20introuvable"), &reader)
        .await;
    assert_eq!(found, json!([]), "every word must match");
    let found: Value = app
        .get_json(&format!("{register}?object=project:{project}"), &reader)
        .await;
    assert_eq!(ids(&found), [did]);
    assert_eq!(found[0]["owner_code"], "MININT");
    assert_eq!(found[0]["point_title"], "Sécurité des grands projets");
    assert_eq!(found[0]["alerts"], json!([]));
    let found: Value = app
        .get_json(
            &format!("{register}?object=project:{}", project + 1),
            &reader,
        )
        .await;
    assert_eq!(found, json!([]));
    let (status, _) = app
        .send(
            Method::GET,
            &format!("{register}?object=vaisseau:1"),
            &reader,
            Value::Null,
        )
        .await;
    assert_eq!(status, 400);

    // Progress notes: the owner ministry, not another one, not a reader.
    let notes = format!("/api/v1/committee/decisions/{did}/notes");
    let note = |version: &Value| {
        json!({"text": "Marché d'audit notifié, restitution prévue au prochain trimestre.",
               "status": "in_progress", "version": version})
    };
    for (token, who) in [(&mef, "another ministry"), (&reader, "a reader")] {
        let (status, e) = app
            .send(Method::POST, &notes, token, note(&decision["version"]))
            .await;
        assert_eq!(status, 403, "{who}: {e}");
    }
    let (status, noted) = app
        .send(Method::POST, &notes, &editor, note(&decision["version"]))
        .await;
    assert_eq!(status, 201, "{noted}");
    assert_eq!(noted["status"], "in_progress");
    assert_eq!(noted["last_update"], json!(day(0)));
    assert_eq!(noted["version"], 2);
    let (status, e) = app
        .send(Method::POST, &notes, &editor, note(&decision["version"]))
        .await;
    assert_eq!(status, 409, "stale version: {e}");
    let (status, e) = app
        .send(
            Method::POST,
            &notes,
            &editor,
            json!({"text": "Demain", "status": "in_progress", "noted_on": day(1), "version": 2}),
        )
        .await;
    assert_eq!(
        (status, e["field"].as_str()),
        (422, Some("noted_on")),
        "{e}"
    );
    let shown: Value = app
        .get_json(&format!("/api/v1/committee/decisions/{did}"), &reader)
        .await;
    assert_eq!(shown["status"], "in_progress");
    assert_eq!(shown["status_label"], "En cours");
    let listed = shown["notes"].as_array().expect("notes");
    assert_eq!(listed.len(), 1, "{shown}");
    assert_eq!(listed[0]["status"], "in_progress");
    assert_eq!(listed[0]["noted_on"], json!(day(0)));

    // Alerts: a session held long ago, one decision past due (with a recent
    // note), one due later whose owner never reported.
    let old = create_session(
        app,
        &steering,
        json!({"title": "COSINUM — séance de janvier 2020", "held_on": "2020-01-15",
               "cut_off": "2020-01-01", "format": "online"}),
    )
    .await;
    let old_point = add_point(
        app,
        &steering,
        id(&old),
        json!({"title": "Hébergement des données sensibles", "topic": "cloud"}),
    )
    .await;
    let overdue = add_decision(
        app,
        &steering,
        id(&old_point),
        json!({"text": "Migrer la messagerie vers une offre qualifiée", "owner": "MEF",
               "due_on": "2020-06-30", "frequency": "monthly"}),
    )
    .await;
    let (status, e) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/decisions/{}/notes", id(&overdue)),
            &mef,
            json!({"text": "Migration engagée.", "status": "in_progress", "version": overdue["version"]}),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    let silent = add_decision(
        app,
        &steering,
        id(&old_point),
        json!({"text": "Recenser les applications sensibles hors doctrine", "owner": "MININT",
               "due_on": "2099-12-31", "frequency": "quarterly"}),
    )
    .await;
    assert_eq!(silent["rank"], 2);
    let all: Value = app.get_json(register, &reader).await;
    let alerts_of = |d: i64| {
        all.as_array()
            .expect("register")
            .iter()
            .find(|l| l["id"] == d)
            .map(|l| l["alerts"].clone())
            .unwrap_or_else(|| panic!("decision {d} not in the register: {all}"))
    };
    assert_eq!(alerts_of(id(&overdue)), json!(["En retard"]));
    assert_eq!(
        alerts_of(id(&silent)),
        json!(["Point d'avancement manquant"])
    );
    assert_eq!(alerts_of(did), json!([]));
    let mut alerted = ids(&app
        .get_json::<Value>(&format!("{register}?alert=true"), &reader)
        .await);
    alerted.sort_unstable();
    assert_eq!(alerted, [id(&overdue), id(&silent)]);
    let mine: Value = app
        .get_json(&format!("{register}?owner=mef"), &reader)
        .await;
    assert_eq!(ids(&mine), [id(&overdue)]);
    let pending: Value = app
        .get_json(&format!("{register}?status=in_progress"), &reader)
        .await;
    let mut pending = ids(&pending);
    pending.sort_unstable();
    assert_eq!(pending, [did, id(&overdue)]);
}
dual_test!(decisions_and_follow_up);

/// A session with a point on its agenda, and the point.
async fn session_with_point(app: &TestApp, token: &str) -> (i64, Value) {
    let session = create_session(app, token, session_body("COSINUM — séance d'avril", 20, 0)).await;
    let point = add_point(
        app,
        token,
        id(&session),
        json!({"title": "Point inscrit", "topic": "other"}),
    )
    .await;
    (id(&session), point)
}

/// The record of decisions lists the decisions of the agenda's points: a
/// point that has decisions does not leave the agenda.
async fn a_point_with_decisions_stays_on_the_agenda(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let (sid, point) = session_with_point(app, &steering).await;
    let decided = add_decision(
        app,
        &steering,
        id(&point),
        json!({"text": "Transmettre une note de situation", "owner": "MININT", "due_on": day(100)}),
    )
    .await;
    let (status, e) = app
        .send(
            Method::PUT,
            &format!("/api/v1/committee/points/{}", id(&point)),
            &steering,
            json!({"on_agenda": false, "version": point["version"]}),
        )
        .await;
    let d = detail(app, &steering, sid).await;
    assert_eq!(
        status,
        409,
        "withdrawn, the point's decision {} is no longer in the record: {e}",
        id(&decided)
    );
    assert_eq!(ids(&d["agenda"]), [id(&point)]);
}
dual_test!(a_point_with_decisions_stays_on_the_agenda);

/// The record of decisions lists the decisions of the agenda's points: a
/// backlog point takes none.
async fn no_decision_on_a_backlog_point(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let (sid, _) = session_with_point(app, &steering).await;
    let backlog = add_point(
        app,
        &steering,
        sid,
        json!({"title": "Point en réserve", "topic": "other", "on_agenda": false}),
    )
    .await;
    let (status, e) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/points/{}/decisions", id(&backlog)),
            &steering,
            json!({"text": "Décision sur un point en réserve", "owner": "MININT", "due_on": day(100)}),
        )
        .await;
    assert!(
        status == 409 || status == 422,
        "a decision on a backlog point is never in the record: {status} {e}"
    );
    let register: Value = app
        .get_json(
            &format!("/api/v1/committee/decisions?session={sid}"),
            &steering,
        )
        .await;
    assert_eq!(register, json!([]));
}
dual_test!(no_decision_on_a_backlog_point);
