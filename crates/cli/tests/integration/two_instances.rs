//! Concurrency across instances (issue #12): two cosinum servers on one
//! database, each with its own connection pool, and many clients editing
//! the same objects through both. Every update is made at the version the
//! client read: a conflicting one must be refused with 409, none silently
//! overwritten. Checked afterwards against the database and its audit log.

use std::collections::BTreeMap;

use serde_json::Value;
use tokio::sync::oneshot;

use cosinum_bench::load::rename_body;

use crate::harness::*;

const CLIENTS: usize = 12;
const ROUNDS: usize = 6;
const OBJECTS: [&str; 3] = ["MININT-DNUM", "ANTS", "MEF-DGFIP"];

/// A second server on the same database, with a pool of its own.
struct SecondInstance {
    addr: std::net::SocketAddr,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
}

async fn second_instance(app: &TestApp) -> SecondInstance {
    let db = app.test_db.connect().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, rx) = oneshot::channel::<()>();
    let state = cosinum_web::AppState::new(db, cosinum_web::WebConfig::default());
    let server = tokio::spawn(async move {
        cosinum_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("second server");
    });
    SecondInstance { addr, stop, server }
}

/// One successful write: the object, the version it produced, the name written.
type Win = (String, i64, String);

async fn two_instances_never_lose_an_update(app: &TestApp) {
    let second = second_instance(app).await;
    let bases = [app.url(""), format!("http://{}", second.addr)];
    let token = app.token(STEERING, false).await;
    let mut start = BTreeMap::new();
    for code in OBJECTS {
        let o = app.org(code).await;
        start.insert(code.to_owned(), (o.id.0, o.version));
    }
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (bases, token, start) = (bases.clone(), token.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut wins: Vec<Win> = Vec::new();
            let (mut conflicts, mut errors) = (0usize, Vec::new());
            for round in 0..ROUNDS {
                let code = OBJECTS[(client + round) % OBJECTS.len()];
                let id = start[code].0;
                // Read through one instance, write through the other.
                let read = &bases[(client + round) % 2];
                let write = &bases[(client + round + 1) % 2];
                let current: Value = http
                    .get(format!("{read}/api/v1/organisations/{id}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("get")
                    .json()
                    .await
                    .expect("json");
                let name = format!("{code} — client {client}, tour {round}");
                let body = rename_body(&current, &name);
                let res = http
                    .put(format!("{write}/api/v1/organisations/{id}"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("put");
                match res.status().as_u16() {
                    200 => {
                        let v: Value = res.json().await.expect("json");
                        wins.push((
                            code.to_owned(),
                            v["version"].as_i64().expect("version"),
                            name,
                        ));
                    }
                    409 => conflicts += 1,
                    other => {
                        errors.push(format!("{other}: {}", res.text().await.unwrap_or_default()))
                    }
                }
            }
            (wins, conflicts, errors)
        }));
    }
    let (mut wins, mut conflicts, mut errors) = (Vec::new(), 0, Vec::new());
    for t in tasks {
        let (w, c, e) = t.await.expect("client");
        wins.extend(w);
        conflicts += c;
        errors.extend(e);
    }
    assert!(errors.is_empty(), "only 200 or 409 expected: {errors:?}");
    assert_eq!(wins.len() + conflicts, CLIENTS * ROUNDS);
    assert!(
        conflicts > 0,
        "the clients did race (else the test proves nothing)"
    );
    for code in OBJECTS {
        let (id, v0) = start[code];
        let mut mine: Vec<&Win> = wins.iter().filter(|w| w.0 == code).collect();
        mine.sort_by_key(|w| w.1);
        // Each success produced the next version: none shared, none skipped.
        let versions: Vec<i64> = mine.iter().map(|w| w.1).collect();
        let expected: Vec<i64> = (1..=mine.len() as i64).map(|k| v0 + k).collect();
        assert_eq!(
            versions, expected,
            "{code}: versions of the accepted writes"
        );
        // The stored object is the last accepted write, at its version.
        let now = app.org(code).await;
        assert_eq!(now.version, v0 + mine.len() as i64, "{code}");
        if let Some(last) = mine.last() {
            assert_eq!(
                now.name, last.2,
                "{code}: the last accepted write is what is stored"
            );
        }
        // The audit log has one update per accepted write, each naming it.
        let history: Vec<Value> = app
            .get_json(&format!("/api/v1/history/organisation/{id}"), &token)
            .await;
        let updates: Vec<&Value> = history
            .iter()
            .filter(|h| h["action"] == "update" && h["object_version"].as_i64() > Some(v0))
            .collect();
        assert_eq!(updates.len(), mine.len(), "{code}: audit entries");
        for (entry, win) in updates.iter().zip(&mine) {
            assert_eq!(entry["object_version"].as_i64(), Some(win.1));
            assert!(
                entry.to_string().contains(&win.2),
                "{code} v{}: the audit entry records the accepted name",
                win.1
            );
        }
    }
    let _ = second.stop.send(());
    second.server.await.expect("second server stopped");
}
dual_test!(two_instances_never_lose_an_update);
