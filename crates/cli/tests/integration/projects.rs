//! Major projects: portfolio figures checked against an independent SQL
//! computation, the CLI printing the API's JSON, the project lifecycle
//! (baselines ledger, reviews, drift, narrative rule, DINUM rating), and who
//! may do what.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::*;

const AS_OF: &str = "2025-12-31";

/// (project id, interministerial)
type Member = (i64, bool);
/// (project id, cost in euros, phase, figures withheld) of the latest review.
type LatestCost = (i64, Option<i64>, String, bool);

/// Edition figures computed straight from the tables, without the domain code.
async fn figures_by_sql(app: &TestApp, as_of: &str) -> (i64, i64, f64) {
    let sql_members = "SELECT p.id, p.interministerial FROM projects p \
        WHERE p.archived_at IS NULL AND p.entered_on <= $1 AND (p.exited_on IS NULL OR p.exited_on > $1)";
    // The latest review on or before the date, per project.
    let sql_cost = "SELECT r.project_id, r.cost_eur, r.phase, r.figures_withheld FROM project_reviews r \
        WHERE r.archived_at IS NULL AND r.review_date <= $1 AND NOT EXISTS ( \
          SELECT 1 FROM project_reviews q WHERE q.project_id = r.project_id AND q.archived_at IS NULL \
          AND q.review_date <= $1 AND q.review_date > r.review_date)";
    let day = time::Date::parse(
        as_of,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .expect("date");
    let (members, costs): (Vec<Member>, Vec<LatestCost>) = match &app.db {
        cosinum_store::Db::Sqlite(p) => (
            sqlx::query_as(sql_members)
                .bind(day)
                .fetch_all(p)
                .await
                .expect("members"),
            sqlx::query_as(sql_cost)
                .bind(day)
                .fetch_all(p)
                .await
                .expect("costs"),
        ),
        cosinum_store::Db::Postgres(p) => (
            sqlx::query_as(sql_members)
                .bind(day)
                .fetch_all(p)
                .await
                .expect("members"),
            sqlx::query_as(sql_cost)
                .bind(day)
                .fetch_all(p)
                .await
                .expect("costs"),
        ),
    };
    let ids: std::collections::HashSet<i64> = members.iter().map(|m| m.0).collect();
    let inter = members.iter().filter(|m| m.1).count() as i64;
    let total: i64 = costs
        .iter()
        .filter(|(id, cost, phase, withheld)| {
            ids.contains(id) && cost.is_some() && phase != "cadrage" && !withheld
        })
        .map(|c| c.1.unwrap_or(0))
        .sum();
    (members.len() as i64, inter, total as f64 / 1_000_000.0)
}

async fn portfolio_figures_agree_with_sql_and_cli(app: &TestApp) {
    let client = app.client();
    let steering = app.token(STEERING, false).await;
    let report: Value = app
        .get_json(
            &format!("/api/v1/projects/portfolio?as_of={AS_OF}"),
            &steering,
        )
        .await;
    for key in [
        "projects",
        "interministerial",
        "total_cost_meur",
        "mean_duration_years",
        "mean_calendar_drift",
        "mean_budget_drift",
        "method",
    ] {
        assert!(report.get(key).is_some(), "missing key {key} in {report}");
    }
    assert_eq!(report["method"], "dinum-2017");
    let (n, inter, total) = figures_by_sql(app, AS_OF).await;
    assert!(n > 30, "the demo portfolio has dozens of projects, got {n}");
    assert_eq!(report["projects"].as_i64(), Some(n));
    assert_eq!(report["interministerial"].as_i64(), Some(inter));
    let api_total = report["total_cost_meur"].as_f64().expect("total");
    assert!(
        (api_total - total).abs() < 1e-6,
        "total cost: API {api_total}, SQL {total}"
    );
    let drift = report["mean_budget_drift"].as_f64().expect("drift");
    assert!(
        drift > 0.0 && drift < 2.0,
        "a plausible mean drift: {drift}"
    );

    // The command line prints exactly the API's JSON.
    let out = Command::new(env!("CARGO_BIN_EXE_cosinum"))
        .args([
            "portfolio",
            "--as-of",
            AS_OF,
            "--json",
            "--database-url",
            &app.test_db.url,
        ])
        .env("RUST_LOG", "warn")
        .output()
        .expect("cli");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).expect("cli json");
    assert_eq!(cli, report);

    // The evolution across editions has the same figures at that date.
    let editions: Vec<Value> = app.get_json("/api/v1/projects/editions", &steering).await;
    let point = editions
        .iter()
        .find(|e| e["as_of"] == AS_OF)
        .expect("a half-year point");
    assert_eq!(point["kind"], "half_year");
    assert_eq!(point["method"], "dinum-2017");
    for key in [
        "projects",
        "interministerial",
        "total_cost_meur",
        "mean_budget_drift",
        "mean_calendar_drift",
    ] {
        assert_eq!(point[key], report[key], "{key}");
    }
    assert!(editions.len() > 10, "years of half-yearly points");

    // Another method version gives other drifts, and says so.
    let other: Value = app
        .get_json(
            &format!("/api/v1/projects/portfolio?as_of={AS_OF}&method=baseline-courante-2026"),
            &steering,
        )
        .await;
    assert_eq!(other["method"], "baseline-courante-2026");
    assert_eq!(other["projects"], report["projects"]);
    assert!(
        other["mean_budget_drift"].as_f64() <= report["mean_budget_drift"].as_f64(),
        "re-baselines hide drift"
    );
    let res = client
        .get(app.url("/api/v1/projects/portfolio?method=nope"))
        .bearer_auth(&steering)
        .send()
        .await
        .expect("bad");
    assert_eq!(res.status(), 400);

    // A ministry reader's portfolio is its own ministry's.
    let reader = app.token(READER_MININT, false).await;
    let mine: Value = app
        .get_json(
            &format!("/api/v1/projects/portfolio?as_of={AS_OF}"),
            &reader,
        )
        .await;
    let groups = mine["by_ministry"].as_array().expect("groups");
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["key"], "MININT");
    assert!(mine["projects"].as_i64() < report["projects"].as_i64());
}
dual_test!(portfolio_figures_agree_with_sql_and_cli);

async fn project_lifecycle(app: &TestApp) {
    let client = app.client();
    let editor = app.token(EDITOR_MININT, false).await;
    let steering = app.token(STEERING, false).await;
    let other_editor = app.token(EDITOR_MEF, false).await;
    let minint = app.org("MININT").await;
    let post = |url: String, token: String, body: Value| {
        let c = client.clone();
        async move {
            c.post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("post")
        }
    };
    let res = post(app.url("/api/v1/projects"), editor.clone(), json!({"organisation_id": minint.id.0, "name": "Portail des démarches de sécurité", "phase": "conception_realisation", "functional_zone": "Sécurité intérieure"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let project: Value = res.json().await.expect("json");
    let id = project["id"].as_i64().expect("id");
    // MEF's editor cannot create a project for MININT.
    let res = post(
        app.url("/api/v1/projects"),
        other_editor.clone(),
        json!({"organisation_id": minint.id.0, "name": "X", "phase": "cadrage"}),
    )
    .await;
    assert_eq!(res.status(), 403);

    let base = json!({"approved_on": "2024-01-01", "cost_meur": 20.0, "start": "2024-01-01", "planned_end": "2026-01-01", "approved_by": "DINUM", "project_version": project["version"]});
    let res = post(
        app.url(&format!("/api/v1/projects/{id}/baselines")),
        editor.clone(),
        base.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // The project moved on: the same version again is stale.
    let res = post(
        app.url(&format!("/api/v1/projects/{id}/baselines")),
        editor.clone(),
        base,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // +15 % without explanation: refused, naming the field.
    let review = json!({"review_date": "2025-06-30", "cost_meur": 23.0, "start": "2024-01-01", "forecast_end": "2026-01-01", "phase": "conception_realisation", "ministry_rating": 2});
    let res = post(
        app.url(&format!("/api/v1/projects/{id}/reviews")),
        editor.clone(),
        review.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json::<Value>().await.expect("json")["field"],
        "narrative"
    );
    let mut explained = review.clone();
    explained["narrative"] = json!("Lot complémentaire d'interfaçage avec les préfectures.");
    let res = post(
        app.url(&format!("/api/v1/projects/{id}/reviews")),
        editor.clone(),
        explained.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.expect("json");
    let res = post(
        app.url(&format!("/api/v1/projects/{id}/reviews")),
        other_editor.clone(),
        explained.clone(),
    )
    .await;
    assert_eq!(
        res.status(),
        404,
        "MEF's editor cannot review MININT's project, nor learn it exists"
    );
    let res = post(
        app.url(&format!("/api/v1/projects/{id}/reviews")),
        steering.clone(),
        explained,
    )
    .await;
    assert_eq!(
        res.status(),
        403,
        "the DINUM rates reviews, it does not write them"
    );

    let detail: Value = app
        .get_json(&format!("/api/v1/projects/{id}"), &editor)
        .await;
    let budget = detail["drift"]["budget_vs_original"]
        .as_f64()
        .expect("drift");
    assert!(
        (budget - 0.15).abs() < 1e-9,
        "(23 − 20) / 20 = 15 %, got {budget}"
    );
    assert_eq!(detail["drift"]["rebaselines"], 0);

    // A re-baseline needs a reason; afterwards drift is measured against both references.
    let version = detail["project"]["version"].clone();
    let rebase = json!({"approved_on": "2025-07-01", "cost_meur": 25.0, "start": "2024-01-01", "planned_end": "2026-06-30", "project_version": version});
    let res = post(
        app.url(&format!("/api/v1/projects/{id}/baselines")),
        editor.clone(),
        rebase.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut rebase = rebase;
    rebase["reason"] = json!("Extension du périmètre aux outre-mer");
    let res = post(
        app.url(&format!("/api/v1/projects/{id}/baselines")),
        editor.clone(),
        rebase,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let detail: Value = app
        .get_json(&format!("/api/v1/projects/{id}"), &editor)
        .await;
    assert_eq!(
        detail["baselines"].as_array().map(Vec::len),
        Some(2),
        "the ledger keeps the original baseline"
    );
    assert_eq!(detail["drift"]["rebaselines"], 1);
    let vs_current = detail["drift"]["budget_vs_current"]
        .as_f64()
        .expect("drift");
    assert!(
        (vs_current - (23.0 - 25.0) / 25.0).abs() < 1e-9,
        "{vs_current}"
    );

    // The DINUM's rating: steering only, with optimistic concurrency.
    let rid = created["id"].as_i64().expect("review id");
    let url = app.url(&format!("/api/v1/reviews/{rid}/dinum-rating"));
    let body = json!({"dinum_rating": 3, "version": created["version"]});
    let res = client
        .put(&url)
        .bearer_auth(&editor)
        .json(&body)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 403);
    let res = client
        .put(&url)
        .bearer_auth(&steering)
        .json(&body)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.expect("json")["dinum_rating"], 3);
    let res = client
        .put(&url)
        .bearer_auth(&steering)
        .json(&body)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // Everything is in the history.
    let history: Vec<Value> = app
        .get_json(&format!("/api/v1/history/project/{id}"), &editor)
        .await;
    let fields: Vec<String> = history
        .iter()
        .flat_map(|e| e["changes"].as_array().cloned().unwrap_or_default())
        .map(|c| c["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        fields.iter().any(|f| f.contains("référence initiale"))
            && fields.iter().any(|f| f.contains("rebasage")),
        "{fields:?}"
    );
    let review_history: Vec<Value> = app
        .get_json(&format!("/api/v1/history/project_review/{rid}"), &steering)
        .await;
    assert_eq!(review_history.len(), 2);
    assert!(
        review_history[1]["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["field"] == "dinum_rating" && c["after"] == 3)
    );
}
dual_test!(project_lifecycle);

async fn project_pages_for_each_role(app: &TestApp) {
    let anti = cosinum_store::projects::list(&app.db, false)
        .await
        .expect("projects");
    let minint = app.org("MININT").await;
    let p = anti
        .iter()
        .find(|p| p.organisation_id == minint.id)
        .expect("a MININT project");
    let cases: [(&str, u16, u16, u16); 5] = [
        // (who, dashboard, project page, review form)
        (ADMIN, 200, 200, 200),
        (STEERING, 200, 200, 403),
        (EDITOR_MININT, 200, 200, 200),
        (READER_MININT, 200, 200, 403),
        (EDITOR_MEF, 200, 404, 404),
    ];
    for (who, dash, page, form) in cases {
        let (client, _) = app.login(who).await;
        let get = |path: String| {
            let c = client.clone();
            let u = app.url(&path);
            async move { c.get(u).send().await.expect("get").status().as_u16() }
        };
        assert_eq!(get("/projets".into()).await, dash, "{who} dashboard");
        assert_eq!(
            get(format!("/projets/{}", p.id)).await,
            page,
            "{who} project page"
        );
        assert_eq!(
            get(format!("/projets/{}/revues", p.id)).await,
            form,
            "{who} review form"
        );
    }
    // A review through the form: the drift rule names the field on the page.
    let (client, csrf) = app.login(EDITOR_MININT).await;
    let ledger = cosinum_store::projects::baselines::list(&app.db, p.id)
        .await
        .expect("ledger");
    let b = ledger.last().expect("baseline");
    let doubled = format!("{}", b.cost_eur as f64 * 2.0 / 1_000_000.0);
    let form = [
        ("csrf_token", csrf.as_str()),
        ("review_date", "2026-11-01"),
        ("cost_meur", doubled.as_str()),
        ("phase", "deploiement"),
        ("narrative", ""),
        ("ministry_rating", "3"),
    ];
    let res = client
        .post(app.url(&format!("/projets/{}/revues", p.id)))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("doit être expliquée")
    );
    let mut ok = form.to_vec();
    ok[4] = ("narrative", "Doublement du périmètre décidé en comité.");
    let res = client
        .post(app.url(&format!("/projets/{}/revues", p.id)))
        .form(&ok)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.page(&client, &format!("/projets/{}", p.id)).await;
    assert!(page.contains("Doublement du périmètre décidé en comité."));
}
dual_test!(project_pages_for_each_role);

/// Rating labels come from the configuration (a RAG scale here).
async fn rating_labels_are_configurable(backend: Backend) {
    let config = cosinum_web::WebConfig {
        rating_labels: ["Vert", "Jaune", "Orange", "Rouge"].map(String::from),
        ..Default::default()
    };
    let app = TestApp::start_with(backend, config).await;
    let minint = app.org("MININT").await;
    let p = cosinum_store::projects::list(&app.db, false)
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.organisation_id == minint.id)
        .expect("project");
    let (client, _) = app.login(EDITOR_MININT).await;
    let html = app.page(&client, &format!("/projets/{}", p.id)).await;
    assert!(
        ["Vert (1)", "Jaune (2)", "Orange (3)", "Rouge (4)"]
            .iter()
            .any(|l| html.contains(l)),
        "configured labels shown"
    );
    assert!(
        !html.contains("Ensoleillé") && !html.contains("Nuageux"),
        "no default label left"
    );
    let form = app
        .page(&client, &format!("/projets/{}/revues", p.id))
        .await;
    assert!(form.contains("4 — Rouge"));
    app.finish().await;
}

dual_backend_test!(rating_labels => rating_labels_are_configurable);
