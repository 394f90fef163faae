//! The scale generator (issue #11): copies of the demo under organisations of
//! their own, every reference carried over, each object's creation in its
//! history, ordinary writes still working afterwards, the same data for the
//! same seed.

use std::collections::BTreeMap;

use cosinum_store::{Db, demo, scale};
use serde_json::{Value, json};

use crate::harness::{ADMIN, Backend, STEERING, TestApp, TestDb};

/// Tables the copies fill, one per module at least.
const TABLES: [&str; 10] = [
    "organisations",
    "projects",
    "project_reviews",
    "review_milestones",
    "demarches",
    "demarche_values",
    "cloud_applications",
    "funding_applications",
    "hr_returns",
    "plan_lines",
];

async fn count(db: &Db, table: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .expect("count")
}

async fn counts(db: &Db) -> Vec<i64> {
    let mut out = Vec::new();
    for t in TABLES {
        out.push(count(db, t).await);
    }
    out
}

/// A fresh SQLite database holding the realistic demo.
pub(crate) async fn demo_db() -> (TestDb, Db) {
    let test_db = TestDb::new(Backend::Sqlite).await;
    let db = test_db.connect().await;
    demo::seed(&db).await.expect("demo");
    (test_db, db)
}

/// Every review's cost, by organisation code, project name and date.
async fn review_costs(db: &Db) -> BTreeMap<(String, String, String), Option<i64>> {
    const SQL: &str = "SELECT o.code, p.name, CAST(r.review_date AS TEXT), r.cost_eur \
        FROM project_reviews r JOIN projects p ON p.id = r.project_id \
        JOIN organisations o ON o.id = p.organisation_id";
    let rows: Vec<(String, String, String, Option<i64>)> = match db {
        Db::Sqlite(p) => sqlx::query_as(SQL).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_as(SQL).fetch_all(p).await,
    }
    .expect("reviews");
    rows.into_iter()
        .map(|(o, p, d, c)| ((o, p, d), c))
        .collect()
}

async fn scale_generator(app: &TestApp) {
    let (_template_db, template) = demo_db().await;
    let before = counts(&app.db).await;
    let one = counts(&template).await;
    let mut progress = Vec::new();
    let report = scale::replicate(&app.db, &template, 2, 7, &mut |n| progress.push(n))
        .await
        .expect("replicate");
    assert_eq!(progress, [1, 2]);
    let after = counts(&app.db).await;
    for (i, table) in TABLES.iter().enumerate() {
        assert!(one[i] > 0, "the demo has no {table}");
        assert_eq!(after[i], before[i] + 2 * one[i], "{table}");
        let reported = report
            .rows
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| *n);
        assert_eq!(reported, Some(2 * one[i] as u64), "{table}");
    }

    // Each copy's ministry holds the same projects as the demo's, under
    // costs of its own.
    let token = app.token(STEERING, false).await;
    let list = |code: &str| format!("/api/v1/projects?ministry={code}&as_of=2026-06-30");
    let original: Vec<Value> = app.get_json(&list("MININT"), &token).await;
    let copy: Vec<Value> = app.get_json(&list("MININT-3"), &token).await;
    let names = |v: &[Value]| {
        let mut n: Vec<String> = v
            .iter()
            .map(|p| p["name"].as_str().unwrap_or("").to_owned())
            .collect();
        n.sort();
        n
    };
    assert!(!original.is_empty());
    assert_eq!(names(&original), names(&copy));
    assert_ne!(
        original
            .iter()
            .map(|p| p["cost_meur"].to_string())
            .collect::<Vec<_>>(),
        copy.iter()
            .map(|p| p["cost_meur"].to_string())
            .collect::<Vec<_>>(),
        "the copy's costs vary"
    );
    let minint3 = app.org("MININT-3").await;
    assert!(minint3.name.ends_with("(État n° 3)"), "{}", minint3.name);

    // The portfolio counts every copy.
    let portfolio: Value = app
        .get_json("/api/v1/projects/portfolio?as_of=2026-06-30", &token)
        .await;
    let n = portfolio["projects"].as_u64().expect("projects");
    assert!(n > 0 && n.is_multiple_of(3), "{n} projects");

    // A copied project's creation is in its history.
    let id = copy[0]["id"].as_i64().expect("id");
    let history: Value = app
        .get_json(&format!("/api/v1/history/project/{id}"), &token)
        .await;
    let text = history.to_string();
    assert!(
        text.contains("\"create\"") && text.contains("exemplaire n° 3"),
        "{text}"
    );

    // An ordinary write afterwards gets an id of its own (PostgreSQL's
    // identity moved past the copied rows).
    let admin = app.token(ADMIN, false).await;
    let (status, created) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/projects",
            &admin,
            json!({"organisation_id": minint3.id.0, "name": "Projet écrit après la génération",
                   "phase": "cadrage", "functional_zone": "Sécurité intérieure"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");

    // The same seed writes the same data; another seed, other costs.
    let (_a, same) = demo_db().await;
    scale::replicate(&same, &template, 2, 7, &mut |_| {})
        .await
        .expect("same seed");
    let (_b, other) = demo_db().await;
    scale::replicate(&other, &template, 2, 8, &mut |_| {})
        .await
        .expect("other seed");
    let ours = review_costs(&app.db).await;
    let theirs = review_costs(&same).await;
    let ours_copied: BTreeMap<_, _> = ours
        .into_iter()
        .filter(|(k, _)| theirs.contains_key(k))
        .collect();
    assert_eq!(ours_copied.len(), theirs.len());
    assert_eq!(ours_copied, theirs);
    assert_ne!(review_costs(&other).await, theirs);
}

dual_test!(scale_generator);

/// `cosinum demo` refuses a scale out of range and a database that already
/// holds data, saying why, and writes nothing.
async fn scale_generator_refusals(app: &TestApp) {
    let url = &app.test_db.url;
    let before = counts(&app.db).await;
    let audit_before = count(&app.db, "audit_log").await;
    for scale in ["0", "10001"] {
        let out = crate::cli::cosinum(url, &["demo", "--scale", scale]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "scale {scale} accepted");
        assert!(
            err.contains("--scale doit être compris entre 1 et 10000"),
            "{scale}: {err}"
        );
    }
    let out = crate::cli::cosinum(url, &["demo", "--scale", "2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a second demo written over the first"
    );
    assert!(err.contains("contient déjà des données"), "{err}");
    assert_eq!(counts(&app.db).await, before, "nothing written");
    assert_eq!(count(&app.db, "audit_log").await, audit_before);
}
dual_test!(scale_generator_refusals);
