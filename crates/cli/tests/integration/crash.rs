//! Crashes (issue #12): `kill -9` of the server while clients write, and of
//! `cosinum import` in the middle of an import, several times over. After
//! each kill the database opens, passes its integrity check (SQLite) and
//! its consistency checks (both): every object at a version its audit log
//! explains, every acknowledged creation present once, each import either
//! entirely present or entirely absent.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cosinum_store::Db;
use serde_json::{Value, json};

use cosinum_bench::load::rename_body;

use crate::backup_restore::consistent;
use crate::harness::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn cosinum(db_url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cosinum"));
    c.args(args)
        .env("COSINUM_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

async fn started(db_url: &str) -> (Child, String) {
    let port = free_port();
    let mut child = cosinum(db_url, &["serve", "--listen", &format!("127.0.0.1:{port}")])
        .spawn()
        .expect("serve");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{base}/api/v1/health"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

/// Renames and creations until the server disappears; returns the codes of
/// the creations the server acknowledged.
async fn write_until_gone(
    base: String,
    token: String,
    writer: usize,
    round: usize,
    ids: Vec<i64>,
) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    for n in 0.. {
        let id = ids[n % ids.len()];
        let url = format!("{base}/api/v1/organisations/{id}");
        let Ok(res) = http.get(&url).bearer_auth(&token).send().await else {
            break;
        };
        let current: Value = res.json().await.unwrap_or(Value::Null);
        let body = rename_body(&current, &format!("Écriture {round}.{writer}.{n}"));
        if http
            .put(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .is_err()
        {
            break;
        }
        let code = format!("CRASH-{round}-{writer}-{n}");
        let create = json!({"code": code, "name": "Créée pendant un crash", "kind": "operator", "parent_id": ids[0]});
        match http
            .post(format!("{base}/api/v1/organisations"))
            .bearer_auth(&token)
            .json(&create)
            .send()
            .await
        {
            Ok(r) if r.status().as_u16() == 201 => acknowledged.push(code),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    acknowledged
}

async fn integrity(db: &Db) {
    if let Db::Sqlite(p) = db {
        let result: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(p)
            .await
            .expect("integrity check");
        assert_eq!(result, "ok");
    }
    consistent(db).await;
}

async fn organisations_with_code(db: &Db, code: &str) -> i64 {
    const SQL: &str = "SELECT COUNT(*) FROM organisations WHERE code = $1";
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(SQL).bind(code).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(SQL).bind(code).fetch_one(p).await,
    }
    .expect("count")
}

async fn values_of_edition(db: &Db, edition: time::Date) -> i64 {
    const SQL: &str = "SELECT COUNT(*) FROM demarche_values v JOIN demarche_editions e ON e.id = v.edition_id \
                       WHERE e.edition_date = $1";
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(SQL).bind(edition).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(SQL).bind(edition).fetch_one(p).await,
    }
    .expect("count")
}

async fn kill_nine_loses_nothing_acknowledged(app: &TestApp) {
    let url = app.test_db.url.clone();
    let token = app.token(STEERING, false).await;
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for code in ["MININT", "MININT-DNUM", "ANTS"] {
            v.push(app.org(code).await.id.0);
        }
        v
    };
    // The server killed while three clients write, four times.
    for round in 0..4 {
        let (mut server, base) = started(&url).await;
        let writers: Vec<_> = (0..3)
            .map(|w| {
                tokio::spawn(write_until_gone(
                    base.clone(),
                    token.clone(),
                    w,
                    round,
                    ids.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(250 + 150 * round as u64)).await;
        server.kill().expect("kill -9");
        server.wait().expect("reaped");
        let mut acknowledged = Vec::new();
        for w in writers {
            acknowledged.extend(w.await.expect("writer"));
        }
        integrity(&app.db).await;
        for code in &acknowledged {
            let n = organisations_with_code(&app.db, code).await;
            assert_eq!(n, 1, "round {round}: {code} was acknowledged");
        }
    }

    // An import killed at different moments: all of it or none of it.
    let (_, _, csv) =
        crate::committee::download(app, "/api/v1/demarches/export?format=csv", &token).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("edition.csv");
    std::fs::write(&file, &csv).expect("file");
    let latest = cosinum_store::demarches::editions(&app.db)
        .await
        .expect("editions")
        .last()
        .map(|e| e.edition_date)
        .expect("an edition in the demo");
    let expected = values_of_edition(&app.db, latest).await;
    assert!(expected > 0);
    let mut outcomes = Vec::new();
    for (round, delay) in [40u64, 60, 80, 100, 120, 140, 170, 5000]
        .into_iter()
        .enumerate()
    {
        let edition = time::Date::from_calendar_date(2099, time::Month::January, 1).expect("date")
            + time::Duration::days(31 * round as i64);
        let mut import = cosinum(
            &url,
            &[
                "import",
                "observatoire",
                file.to_str().expect("utf8"),
                "--edition",
                &edition.to_string(),
            ],
        )
        .spawn()
        .expect("import");
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let _ = import.kill();
        let status = import.wait().expect("reaped");
        integrity(&app.db).await;
        let n = values_of_edition(&app.db, edition).await;
        assert!(
            n == 0 || n == expected,
            "import killed after {delay} ms: {n} of {expected} values"
        );
        outcomes.push((delay, status.success(), n));
    }
    eprintln!("imports killed after (ms, finished, values): {outcomes:?}");
    // The last one had all the time it needed: it went through.
    assert_eq!(outcomes.last().map(|o| o.2), Some(expected), "{outcomes:?}");
}
dual_test!(kill_nine_loses_nothing_acknowledged);
