//! Backup and restore (issue #12): a backup taken while clients write is a
//! consistent snapshot (every object at a version its audit log explains),
//! and a backup restored into a fresh database is identical to the source,
//! table by table, row by row. SQLite: `cosinum backup` (VACUUM INTO);
//! PostgreSQL: `pg_dump` / `pg_restore`, as the README prescribes.

use std::path::Path;
use std::process::Command;

use cosinum_store::Db;
use serde_json::Value;

use cosinum_bench::load::rename_body;

use crate::harness::*;

/// Every table's rows as one canonical text, for comparing two databases.
async fn fingerprint(db: &Db) -> Vec<(String, String)> {
    let schema = cosinum_store::schema::describe(db).await.expect("schema");
    let mut out = Vec::new();
    for (table, cols) in &schema {
        let text: Option<String> = match db {
            Db::Sqlite(p) => {
                let row = cols
                    .iter()
                    .map(|c| format!("quote(\"{}\")", c.name))
                    .collect::<Vec<_>>()
                    .join(" || ',' || ");
                let sql = format!(
                    "SELECT group_concat(r, char(10)) FROM (SELECT {row} AS r FROM \"{table}\" ORDER BY r)"
                );
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(p)
                    .await
                    .expect("sqlite fingerprint")
            }
            Db::Postgres(p) => {
                let sql = format!(
                    "SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM \"{table}\" t"
                );
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(p)
                    .await
                    .expect("postgres fingerprint")
            }
        };
        out.push((table.clone(), text.unwrap_or_default()));
    }
    out
}

/// Each organisation's version is explained by its audit entries: the
/// snapshot was taken between two transactions, never inside one.
pub(crate) async fn consistent(db: &Db) {
    let rows: Vec<(i64, i64, i64)> = match db {
        Db::Sqlite(p) => sqlx::query_as(SNAPSHOT_SQL).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_as(SNAPSHOT_SQL).fetch_all(p).await,
    }
    .expect("versions and audit entries");
    assert!(!rows.is_empty());
    for (id, version, entries) in rows {
        assert_eq!(
            version, entries,
            "organisation {id}: version {version}, {entries} audit entries"
        );
    }
}

const SNAPSHOT_SQL: &str = "SELECT o.id, o.version, \
    (SELECT COUNT(*) FROM audit_log a WHERE a.object_type = 'organisation' AND a.object_id = o.id) \
    FROM organisations o ORDER BY o.id";

/// Clients renaming directions, retrying on 409, until told to stop.
fn writers(
    app: &TestApp,
    token: &str,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<usize>> {
    ["MININT-DNUM", "ANTS", "MEF-DGFIP"]
        .into_iter()
        .enumerate()
        .map(|(w, code)| {
            let (base, token, stop) = (app.url(""), token.to_owned(), stop.clone());
            let id = futures_id(app, code);
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let id = id.await;
                let mut done = 0;
                while !*stop.borrow() {
                    let url = format!("{base}/api/v1/organisations/{id}");
                    let current: Value = http
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("get")
                        .json()
                        .await
                        .expect("json");
                    let body = rename_body(&current, &format!("{code} — écriture {w}.{done}"));
                    let res = http
                        .put(&url)
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                        .expect("put");
                    match res.status().as_u16() {
                        200 => done += 1,
                        409 => {}
                        other => panic!("writer {w}: {other}"),
                    }
                }
                done
            })
        })
        .collect()
}

fn futures_id(
    app: &TestApp,
    code: &'static str,
) -> impl std::future::Future<Output = i64> + Send + 'static {
    let db = app.db.clone();
    async move {
        cosinum_store::organisations::get_by_code(&db, code)
            .await
            .expect("organisation")
            .id
            .0
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Takes a backup of the test database into `dir`; returns how to reach it once restored.
async fn backup_and_restore(app: &TestApp, dir: &Path, name: &str) -> Db {
    match app.backend() {
        Backend::Sqlite => {
            let file = dir.join(format!("{name}.db"));
            run(Command::new(env!("CARGO_BIN_EXE_cosinum"))
                .args(["backup", file.to_str().expect("utf8")])
                .env("COSINUM_DATABASE_URL", &app.test_db.url)
                .env("RUST_LOG", "warn"));
            // Restoring a SQLite backup is putting the file in place.
            let restored = dir.join(format!("{name}-restored.db"));
            std::fs::copy(&file, &restored).expect("restore");
            Db::connect(&format!("sqlite://{}", restored.display()))
                .await
                .expect("open the restored copy")
        }
        Backend::Postgres => {
            let base = postgres_base_url();
            let dump = dir.join(format!("{name}.dump"));
            let schema = app
                .test_db
                .url
                .split("search_path%3D")
                .nth(1)
                .expect("schema")
                .to_owned();
            run(Command::new("pg_dump").args([
                "--format=custom",
                &format!("--schema={schema}"),
                &format!("--file={}", dump.display()),
                &base,
            ]));
            let database = format!(
                "restore_{}",
                cosinum_store::secrets::random_token(8)
                    .to_lowercase()
                    .replace(['-', '_'], "x")
            );
            run(Command::new("psql").args([&base, "-qc", &format!("CREATE DATABASE {database}")]));
            let target = base
                .rsplit_once('/')
                .map(|(h, _)| format!("{h}/{database}"))
                .expect("url");
            run(Command::new("pg_restore").args([
                "--no-owner",
                "-d",
                &target,
                dump.to_str().expect("utf8"),
            ]));
            Db::connect(&format!("{target}?options=-c%20search_path%3D{schema}"))
                .await
                .expect("open the restored database")
        }
    }
}

async fn drop_restored(db: Db) {
    let target = match &db {
        Db::Postgres(p) => p.connect_options().get_database().map(str::to_owned),
        Db::Sqlite(_) => None,
    };
    db.close().await;
    if let Some(database) = target {
        run(Command::new("psql").args([
            &postgres_base_url(),
            "-qc",
            &format!("DROP DATABASE {database}"),
        ]));
    }
}

async fn backup_while_writing_then_restore(app: &TestApp) {
    let token = app.token(STEERING, false).await;
    let dir = tempfile::tempdir().expect("dir");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let tasks = writers(app, &token, stop_rx);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // While the writers write: a consistent snapshot.
    let during = backup_and_restore(app, dir.path(), "pendant").await;
    consistent(&during).await;
    drop_restored(during).await;
    stop_tx.send(true).expect("stop");
    let mut writes = 0;
    for t in tasks {
        writes += t.await.expect("writer");
    }
    assert!(writes > 0, "the writers wrote");
    // At rest: restored, identical to the source, table by table.
    let after = backup_and_restore(app, dir.path(), "apres").await;
    let (source, copy) = (fingerprint(&app.db).await, fingerprint(&after).await);
    assert_eq!(source.len(), copy.len());
    for ((t1, a), (t2, b)) in source.iter().zip(&copy) {
        assert_eq!(t1, t2);
        assert!(a == b, "table {t1} differs after restore");
    }
    consistent(&after).await;
    drop_restored(after).await;
}
dual_test!(backup_while_writing_then_restore);
