//! The committee's records of decisions (drafted by the DINUM, validated by
//! the chair, published and then immutable — a new version for any
//! correction), their PDF and ODT, the history; the committee's demo and
//! `cosinum pack`.

use cosinum_store::committee::{Member, configure};
use cosinum_store::{AuditCtx, users};
use cosinum_web::{AppState, WebConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::{cosinum, stdout};
use crate::committee::*;
use crate::harness::*;

/// Names the demo's chair account as the committee's chair, with two members.
async fn configure_chair(app: &TestApp) {
    let chair = users::get_by_email(&app.db, CHAIR).await.expect("chair");
    let members = [
        Member {
            name: "Claire Présidente".into(),
            role: "Secrétaire générale du Gouvernement, présidente".into(),
            organisation: "SGG".into(),
        },
        Member {
            name: "Secrétaire général".into(),
            role: "Membre".into(),
            organisation: "MININT".into(),
        },
    ];
    let mut tx = app.db.begin().await.expect("tx");
    configure(
        &mut tx,
        &AuditCtx::system("test"),
        "Secrétaire générale du Gouvernement",
        Some(chair.id.0),
        &members,
    )
    .await
    .expect("configure the committee");
    tx.commit().await.expect("commit");
}

fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// An ODT: a zip whose first entry is `mimetype`, stored, with the ODF text type.
fn assert_odt(bytes: &[u8]) {
    assert!(bytes.starts_with(b"PK\x03\x04"), "not a zip");
    let name_len = usize::from(u16::from_le_bytes([bytes[26], bytes[27]]));
    let extra_len = usize::from(u16::from_le_bytes([bytes[28], bytes[29]]));
    assert_eq!(&bytes[30..30 + name_len], b"mimetype", "first entry");
    let data = &bytes[30 + name_len + extra_len..];
    assert!(
        data.starts_with(b"application/vnd.oasis.opendocument.text"),
        "the mimetype entry is stored uncompressed"
    );
}

async fn record_of_decisions(app: &TestApp) {
    configure_chair(app).await;
    let steering = app.token(STEERING, false).await;
    let chair = app.token(CHAIR, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let session = create_session(
        app,
        &steering,
        session_body("COSINUM — séance de mars", -7, -21),
    )
    .await;
    let sid = id(&session);
    let d = detail(app, &steering, sid).await;
    let invited: Vec<&Value> = d["attendees"]
        .as_array()
        .expect("attendees")
        .iter()
        .map(|a| &a["organisation"])
        .collect();
    assert_eq!(
        invited,
        [&json!("SGG"), &json!("MININT")],
        "the members are invited"
    );
    let point = add_point(
        app,
        &steering,
        sid,
        json!({"title": "Hébergement des applications sensibles", "topic": "other"}),
    )
    .await;
    let (project, _) = minint_project(app).await;
    let text = "Présenter un plan de migration vers une offre qualifiée";
    let decision = add_decision(
        app,
        &steering,
        id(&point),
        json!({"text": text, "owner": "MININT", "due_on": day(90), "objects": [format!("project:{project}")]}),
    )
    .await;
    let did = id(&decision);

    // The DINUM opens the draft, once.
    let records = format!("/api/v1/committee/sessions/{sid}/records");
    let preamble =
        json!({"preamble": "Le comité a examiné les points inscrits à l'ordre du jour."});
    let (status, _) = app
        .send(Method::POST, &records, &editor, preamble.clone())
        .await;
    assert_eq!(status, 403);
    let (status, draft) = app
        .send(Method::POST, &records, &steering, preamble.clone())
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(
        (
            &draft["number"],
            &draft["status"],
            &draft["content"],
            &draft["version"]
        ),
        (&json!(1), &json!("draft"), &Value::Null, &json!(1)),
        "{draft}"
    );
    let (status, e) = app
        .send(Method::POST, &records, &steering, preamble.clone())
        .await;
    assert_eq!(status, 409, "a draft is already open: {e}");

    // Only the chair validates.
    let rid = id(&draft);
    let record = format!("/api/v1/committee/records/{rid}");
    let validate = json!({"status": "validated", "version": draft["version"]});
    let (status, e) = app
        .send(Method::PUT, &record, &editor, validate.clone())
        .await;
    assert_eq!(status, 403, "{e}");
    let (status, e) = app
        .send(Method::PUT, &record, &steering, validate.clone())
        .await;
    assert_eq!(status, 409, "the secretariat does not validate: {e}");
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("présidence")),
        "{e}"
    );
    let (status, validated) = app
        .send(Method::PUT, &record, &chair, validate.clone())
        .await;
    assert_eq!(status, 200, "{validated}");
    assert_eq!(validated["status"], "validated");
    assert!(
        validated["validated_by"]
            .as_str()
            .is_some_and(|v| v.starts_with("Claire Présidente (SGG) <presidence@")),
        "{validated}"
    );
    let content = &validated["content"];
    assert!(content.is_object(), "frozen at validation: {validated}");
    assert_eq!(content["points"][0]["decisions"][0]["text"], text);
    assert_eq!(
        content["points"][0]["decisions"][0]["reference"],
        json!(format!("S{sid}-1-1"))
    );
    assert!(
        content["validated"]
            .as_str()
            .is_some_and(|v| v.starts_with("Validé par")),
        "{content}"
    );

    // Decisions are no longer reworded, nor added.
    let decision_url = format!("/api/v1/committee/decisions/{did}");
    let reword = |t: &str| {
        json!({"text": t, "owner": "MININT", "due_on": day(90), "objects": [format!("project:{project}")],
               "version": decision["version"]})
    };
    let (status, e) = app
        .send(
            Method::PUT,
            &decision_url,
            &steering,
            reword("Présenter un plan de migration révisé"),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert!(
        e["message"].as_str().is_some_and(|m| m.contains("relevé")),
        "{e}"
    );
    let (status, e) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/points/{}/decisions", id(&point)),
            &steering,
            json!({"text": "Une décision de plus", "owner": "MININT", "due_on": day(90)}),
        )
        .await;
    assert_eq!(status, 409, "{e}");

    // The DINUM publishes; the published row never changes.
    let (status, published) = app
        .send(
            Method::PUT,
            &record,
            &steering,
            json!({"status": "published", "version": validated["version"]}),
        )
        .await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].is_string(), "{published}");
    assert_eq!(published["content"], validated["content"]);
    let (status, e) = app
        .send(
            Method::PUT,
            &record,
            &steering,
            json!({"status": "draft", "version": published["version"]}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    let (status, e) = app
        .send(
            Method::PUT,
            &record,
            &steering,
            json!({"preamble": "Autre introduction", "version": published["version"]}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    let refused = raw_write(
        app,
        "UPDATE session_records SET preamble = 'falsifié' WHERE id = $1",
        rid,
    )
    .await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("published record")),
        "{refused:?}"
    );
    let listed: Value = app.get_json(&records, &editor).await;
    assert_eq!(listed, json!([published]), "unchanged");

    // Correcting it opens version 2; version 1 stays as published.
    let (status, second) = app
        .send(Method::POST, &records, &steering, preamble.clone())
        .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(
        (&second["number"], &second["status"]),
        (&json!(2), &json!("draft"))
    );
    let (status, reworded) = app
        .send(
            Method::PUT,
            &decision_url,
            &steering,
            reword("Présenter un plan de migration révisé"),
        )
        .await;
    assert_eq!(status, 200, "a new draft reopens the wording: {reworded}");
    assert_eq!(reworded["version"], 2);
    let listed: Value = app.get_json(&records, &steering).await;
    assert_eq!(ids(&listed), [id(&second), rid]);
    assert_eq!(listed[1], published, "version 1 as published");
    assert_eq!(
        listed[1]["content"]["points"][0]["decisions"][0]["text"],
        text
    );

    // The documents.
    let doc = format!("/api/v1/committee/records/{rid}/document");
    let (status, ct, bytes) = download(app, &format!("{doc}?format=pdf"), &editor).await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    assert!(is_pdf(&bytes), "{:?}", &bytes[..bytes.len().min(16)]);
    let (status, ct, bytes) = download(app, &doc, &editor).await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/pdf"),
        "PDF by default"
    );
    assert!(is_pdf(&bytes));
    let (status, ct, bytes) = download(app, &format!("{doc}?format=odt"), &editor).await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/vnd.oasis.opendocument.text")
    );
    assert_odt(&bytes);
    let (status, _, _) = download(app, &format!("{doc}?format=docx"), &editor).await;
    assert_eq!(status, 400);
    let (status, ct, bytes) = download(
        app,
        &format!(
            "/api/v1/committee/records/{}/document?format=pdf",
            id(&second)
        ),
        &editor,
    )
    .await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/pdf"),
        "a draft too"
    );
    assert!(is_pdf(&bytes));

    // The history of the record and of the decision.
    let history: Vec<Value> = app
        .get_json(&format!("/api/v1/history/session_record/{rid}"), &editor)
        .await;
    let actions: Vec<&str> = history
        .iter()
        .map(|h| h["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["create", "update", "update"], "{history:?}");
    let statuses: Vec<&Value> = history[1..]
        .iter()
        .map(|h| {
            &h["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .find(|c| c["field"] == "status")
                .expect("status change")["after"]
        })
        .collect();
    assert_eq!(statuses, [&json!("validated"), &json!("published")]);
    assert!(
        history[1]["actor_label"]
            .as_str()
            .is_some_and(|a| a.starts_with("Claire Présidente")),
        "{history:?}"
    );
    let history: Vec<Value> = app
        .get_json(&format!("/api/v1/history/decision/{did}"), &editor)
        .await;
    let actions: Vec<&str> = history
        .iter()
        .map(|h| h["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["create", "update"], "{history:?}");
    assert!(
        history[1]["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["field"] == "text"
                && c["before"] == text
                && c["after"] == "Présenter un plan de migration révisé"),
        "{history:?}"
    );
}
dual_test!(record_of_decisions);

async fn demo_and_cli_pack(app: &TestApp) {
    let state = AppState::new(app.db.clone(), WebConfig::default());
    cosinum_web::committee::demo::seed(&state)
        .await
        .expect("committee demo");
    let steering = app.token(STEERING, false).await;
    let sessions: Value = app.get_json("/api/v1/committee/sessions", &steering).await;
    let sessions = sessions.as_array().expect("sessions").clone();
    assert_eq!(sessions.len(), 4, "{sessions:?}");
    let today = day(0);
    let (past, upcoming): (Vec<&Value>, Vec<&Value>) = sessions
        .iter()
        .partition(|s| s["held_on"].as_str().expect("date") < today.as_str());
    assert_eq!((past.len(), upcoming.len()), (3, 1));
    assert_eq!(
        upcoming[0]["id"], sessions[0]["id"],
        "the upcoming one is listed first"
    );
    for s in &past {
        let d = detail(app, &steering, id(s)).await;
        let records = d["records"].as_array().expect("records");
        assert_eq!(records.len(), 1, "{}", d["records"]);
        assert_eq!(records[0]["status"], "published");
        assert!(records[0]["content"]["points"].is_array());
        let agenda = d["agenda"].as_array().expect("agenda");
        assert!(!agenda.is_empty());
        assert!(
            agenda.iter().all(|p| p["sheet_frozen"] == true),
            "every sheet of a past session is frozen: {agenda:?}"
        );
        assert!(
            !d["decisions"].as_array().expect("decisions").is_empty(),
            "{}",
            s["title"]
        );
        assert!(
            d["attendees"]
                .as_array()
                .expect("attendees")
                .iter()
                .any(|a| a["present"] == true)
        );
    }
    let next = detail(app, &steering, id(upcoming[0])).await;
    assert_eq!(next["records"], json!([]));
    let agenda = next["agenda"].as_array().expect("agenda");
    assert!(!agenda.is_empty());
    assert!(
        agenda.iter().all(|p| p["sheet_frozen"] == false),
        "{agenda:?}"
    );
    assert_eq!(
        agenda[0]["rule"], "decision_follow_up",
        "decisions are still open"
    );
    assert_eq!(next["backlog"].as_array().map(Vec::len), Some(1));

    // Decisions with their follow-up.
    let register: Value = app.get_json("/api/v1/committee/decisions", &steering).await;
    let register = register.as_array().expect("register");
    let noted: Vec<&Value> = register
        .iter()
        .filter(|l| l["last_update"].is_string())
        .collect();
    assert!(!noted.is_empty() && noted.len() < register.len());
    assert!(register.iter().any(|l| l["status"] == "done"));
    let shown: Value = app
        .get_json(
            &format!("/api/v1/committee/decisions/{}", id(noted[0])),
            &steering,
        )
        .await;
    assert!(
        !shown["notes"].as_array().expect("notes").is_empty(),
        "{shown}"
    );
    let alerted: Value = app
        .get_json("/api/v1/committee/decisions?alert=true", &steering)
        .await;
    assert!(
        !alerted.as_array().expect("alerted").is_empty(),
        "the demo's dashboard has alerts"
    );

    // The pack, from the API and from the command line.
    let (status, ct, bytes) = download(
        app,
        &format!("/api/v1/committee/sessions/{}/pack.pdf", id(past[0])),
        &steering,
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    assert!(bytes.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("dossier.pdf");
    let upcoming_id = id(upcoming[0]).to_string();
    let printed = stdout(&cosinum(
        &app.test_db.url,
        &[
            "pack",
            "--session",
            &upcoming_id,
            "--out",
            out.to_str().expect("utf8"),
        ],
    ));
    assert!(
        printed.contains(&format!("dossier de la séance {upcoming_id}")),
        "{printed}"
    );
    let file = std::fs::read(&out).expect("the pack file");
    assert!(file.starts_with(b"%PDF-"), "{} bytes", file.len());
    let missing = cosinum(
        &app.test_db.url,
        &[
            "pack",
            "--session",
            "999999",
            "--out",
            dir.path().join("x.pdf").to_str().expect("utf8"),
        ],
    );
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("introuvable"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    assert!(!dir.path().join("x.pdf").exists());

    // The pages read the demo too; seeding again changes nothing.
    let (browser, _) = app.login(STEERING).await;
    let record = app
        .page(&browser, &format!("/comite/seances/{}/releve", id(past[0])))
        .await;
    assert!(record.contains("Publié"), "{record}");
    let pack = app
        .page(
            &browser,
            &format!("/comite/seances/{}/dossier", id(past[0])),
        )
        .await;
    assert!(pack.contains("Figée le"), "{pack}");
    let pack = app
        .page(&browser, &format!("/comite/seances/{upcoming_id}/dossier"))
        .await;
    assert!(pack.contains("non figée"));
    cosinum_web::committee::demo::seed(&state)
        .await
        .expect("seed again");
    let again: Value = app.get_json("/api/v1/committee/sessions", &steering).await;
    assert_eq!(again.as_array().map(Vec::len), Some(4));
}
dual_test!(demo_and_cli_pack);

/// A published version stays readable: the database refuses to delete it
/// as it refuses to change it (and as it refuses to delete a frozen sheet).
async fn published_records_are_never_deleted(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    // Without a chair account, an administrator validates.
    let admin = app.token(ADMIN, false).await;
    let session = create_session(
        app,
        &steering,
        session_body("COSINUM — séance d'août", -3, -10),
    )
    .await;
    let records = format!("/api/v1/committee/sessions/{}/records", id(&session));
    let (status, draft) = app
        .send(Method::POST, &records, &steering, json!({"preamble": ""}))
        .await;
    assert_eq!(status, 201, "{draft}");
    let record = format!("/api/v1/committee/records/{}", id(&draft));
    let (status, validated) = app
        .send(
            Method::PUT,
            &record,
            &admin,
            json!({"status": "validated", "version": draft["version"]}),
        )
        .await;
    assert_eq!(status, 200, "{validated}");
    let (status, published) = app
        .send(
            Method::PUT,
            &record,
            &steering,
            json!({"status": "published", "version": validated["version"]}),
        )
        .await;
    assert_eq!(status, 200, "{published}");
    let deleted = raw_write(app, "DELETE FROM session_records WHERE id = $1", id(&draft)).await;
    let listed: Value = app.get_json(&records, &steering).await;
    assert!(
        deleted.is_err(),
        "a published record was deleted ({deleted:?}); the session's records are now {listed}"
    );
    assert_eq!(listed, json!([published]));
}
dual_test!(published_records_are_never_deleted);
