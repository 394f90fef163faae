//! Nothing lost: field-level history in the same transaction as each write,
//! and stale updates refused (409, or a page showing the other change).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::*;

async fn every_write_is_audited_field_by_field(app: &TestApp) {
    let token = app.token(EDITOR_MININT, false).await;
    let client = app.client();
    let ants = app.org("ANTS").await;
    let url = app.url(&format!("/api/v1/organisations/{}", ants.id));
    let body = json!({"code": "ANTS", "name": "France Titres", "kind": "operator",
        "parent_id": ants.parent_id.map(|p| p.0), "valid_from": "2007-02-22", "valid_to": "2030-12-31", "version": ants.version});
    let res = client
        .put(&url)
        .bearer_auth(&token)
        .header("x-request-id", "req-audit-1")
        .json(&body)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.expect("json");
    assert_eq!(updated["version"], ants.version + 1);

    let history: Vec<Value> = app
        .get_json(&format!("/api/v1/history/organisation/{}", ants.id), &token)
        .await;
    assert_eq!(history.len(), 2);
    let last = &history[1];
    assert_eq!(last["action"], "update");
    assert_eq!(last["via"], "api");
    assert_eq!(last["request_id"], "req-audit-1");
    assert_eq!(last["object_version"], ants.version + 1);
    assert!(
        last["actor_label"]
            .as_str()
            .expect("label")
            .contains(EDITOR_MININT)
    );
    let changes = last["changes"].as_array().expect("changes");
    let fields: Vec<&str> = changes
        .iter()
        .map(|c| c["field"].as_str().expect("field"))
        .collect();
    assert_eq!(
        fields,
        ["name", "valid_to"],
        "only changed fields are recorded"
    );
    assert_eq!(
        changes[0]["before"],
        "France Titres (Agence nationale des titres sécurisés)"
    );
    assert_eq!(changes[0]["after"], "France Titres");
    assert_eq!(changes[1]["before"], Value::Null);
    assert_eq!(changes[1]["after"], "2030-12-31");

    // A refused write (duplicate code) changes nothing and records nothing.
    let mut dup = body.clone();
    dup["code"] = json!("MININT-DNUM");
    dup["version"] = json!(ants.version + 1);
    let res = client
        .put(&url)
        .bearer_auth(&token)
        .json(&dup)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = res.json().await.expect("json");
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("invalid"), Some("code"))
    );
    let after = cosinum_store::audit::history(&app.db, "organisation", ants.id.0)
        .await
        .expect("history");
    assert_eq!(after.len(), 2);
    assert_eq!(app.org("ANTS").await.version, ants.version + 1);

    // Invalid input names the field and changes nothing.
    let mut bad = body.clone();
    bad["valid_to"] = json!("2000-01-01");
    bad["version"] = json!(ants.version + 1);
    let res = client
        .put(&url)
        .bearer_auth(&token)
        .json(&bad)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json::<Value>().await.expect("json")["field"],
        "valid_to"
    );
    let res = client
        .put(&url)
        .bearer_auth(&token)
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.expect("json")["code"],
        "bad_request"
    );

    // Archive and restore are audited; nothing is deleted.
    let v = app.org("ANTS").await.version;
    let res = client
        .post(format!("{url}/archive"))
        .bearer_auth(&token)
        .json(&json!({"version": v}))
        .send()
        .await
        .expect("archive");
    assert_eq!(res.status(), 200);
    let listed: Vec<Value> = app.get_json("/api/v1/organisations", &token).await;
    assert!(
        listed.iter().all(|o| o["code"] != "ANTS"),
        "archived organisations are hidden by default"
    );
    let listed: Vec<Value> = app
        .get_json("/api/v1/organisations?include_archived=true", &token)
        .await;
    assert!(
        listed
            .iter()
            .any(|o| o["code"] == "ANTS" && o["archived"] == true)
    );
    let actions: Vec<String> = cosinum_store::audit::history(&app.db, "organisation", ants.id.0)
        .await
        .expect("history")
        .iter()
        .map(|e| e.action.as_str().to_owned())
        .collect();
    assert_eq!(actions, ["create", "update", "archive"]);

    // A ministry with active children cannot be archived.
    let minint = app.org("MININT").await;
    let admin = app.token(ADMIN, false).await;
    let res = client
        .post(app.url(&format!("/api/v1/organisations/{}/archive", minint.id)))
        .bearer_auth(&admin)
        .json(&json!({"version": minint.version}))
        .send()
        .await
        .expect("archive");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
dual_test!(every_write_is_audited_field_by_field);

async fn stale_updates_are_refused_never_overwritten(app: &TestApp) {
    let client = app.client();
    let token = app.token(STEERING, false).await;
    let dnum = app.org("MININT-DNUM").await;
    let url = app.url(&format!("/api/v1/organisations/{}", dnum.id));
    let body = |name: &str| {
        json!({"code": "MININT-DNUM", "name": name, "kind": "direction",
        "parent_id": dnum.parent_id.map(|p| p.0), "valid_from": dnum.valid_from.to_string(), "version": dnum.version})
    };
    // Alice and Bob both opened version 1; Alice saves first.
    let res = client
        .put(&url)
        .bearer_auth(&token)
        .json(&body("DNUM (Alice)"))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let res = client
        .put(&url)
        .bearer_auth(&token)
        .json(&body("DNUM (Bob)"))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let err: Value = res.json().await.expect("json");
    assert_eq!(err["code"], "conflict");
    assert_eq!(err["current_version"], dnum.version + 1);
    assert_eq!(app.org("MININT-DNUM").await.name, "DNUM (Alice)");

    // Many writers racing on the same version: exactly one wins.
    let v = app.org("MININT-DNUM").await.version;
    let mut racers = Vec::new();
    for i in 0..8 {
        let c = client.clone();
        let u = url.clone();
        let t = token.clone();
        let mut b = body(&format!("DNUM racer {i}"));
        b["version"] = json!(v);
        racers.push(tokio::spawn(async move {
            c.put(u)
                .bearer_auth(t)
                .json(&b)
                .send()
                .await
                .expect("put")
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for r in racers {
        statuses.push(r.await.expect("join"));
    }
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 409, 409, 409, 409, 409, 409, 409],
        "one winner, every other writer told"
    );
    assert_eq!(app.org("MININT-DNUM").await.version, v + 1);

    // Through the page: a clear message, the other change shown, the user's input kept.
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let stale_version = v.to_string();
    let form = [
        ("csrf_token", csrf.as_str()),
        ("version", stale_version.as_str()),
        ("code", "MININT-DNUM"),
        ("name", "Ma saisie à moi"),
        ("kind", "direction"),
        (
            "parent_id",
            &dnum.parent_id.map(|p| p.0.to_string()).unwrap_or_default(),
        ),
        ("valid_from", &dnum.valid_from.to_string()),
        ("valid_to", ""),
    ];
    let res = browser
        .post(app.url(&format!("/organisations/{}/modifier", dnum.id)))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Modifié par quelqu&#39;un d&#39;autre depuis que vous l&#39;avez ouvert")
            || html.contains("Modifié par quelqu'un d'autre"),
        "{html}"
    );
    assert!(html.contains("Ma saisie à moi"), "the user's input is kept");
    let winner = app.org("MININT-DNUM").await;
    assert!(html.contains(&winner.name), "the other change is shown");
    assert!(
        html.contains(&format!("name=\"version\" value=\"{}\"", winner.version)),
        "resubmitting is against the current version"
    );
    assert_eq!(
        app.org("MININT-DNUM").await.name,
        winner.name,
        "nothing overwritten"
    );
}
dual_test!(stale_updates_are_refused_never_overwritten);

/// Adds one history entry about an object of `object_type`, in `tx`.
async fn record(tx: &mut cosinum_store::Tx, object_type: &str) {
    cosinum_store::audit::record(
        tx,
        &cosinum_store::AuditCtx::system("test"),
        object_type,
        1,
        1,
        cosinum_domain::audit::AuditAction::Update,
        &[],
    )
    .await
    .expect("history entry");
}

/// The kinds written since a position are those written after it — what
/// was written just before (an import's last objects) does not make every
/// cache and the search index read their sources again after a sign-in —
/// and an entry committed late below the position (PostgreSQL draws ids
/// before commit) is still seen.
async fn types_since_names_what_was_written_after(app: &TestApp) {
    use cosinum_store::audit::{current_position, types_since};
    let db = &app.db;
    let mut tx = db.begin().await.expect("tx");
    record(&mut tx, "plan_line").await;
    tx.commit().await.expect("commit");
    let at = current_position(db).await.expect("position");
    assert!(types_since(db, at).await.expect("types").is_empty());
    let mut tx = db.begin().await.expect("tx");
    record(&mut tx, "test_sign_in").await;
    tx.commit().await.expect("commit");
    assert_eq!(types_since(db, at).await.expect("types"), ["test_sign_in"]);
    if app.backend() == Backend::Postgres {
        // SQLite has one writer at a time: no entry can land late there.
        let mut late = db.begin().await.expect("tx");
        record(&mut late, "test_late").await;
        let mut later = db.begin().await.expect("tx");
        record(&mut later, "test_later").await;
        later.commit().await.expect("commit");
        let at = current_position(db).await.expect("position");
        late.commit().await.expect("commit");
        let types = types_since(db, at).await.expect("types");
        assert!(types.iter().any(|t| t == "test_late"), "{types:?}");
        assert!(current_position(db).await.expect("position") != at);
    }
}
dual_test!(types_since_names_what_was_written_after);
