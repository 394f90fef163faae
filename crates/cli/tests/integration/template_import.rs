//! The generic template: problems named by file, row and column; a preview
//! that writes nothing; all or nothing; idempotent; the same through the page.

use serde_json::Value;

use crate::harness::*;

fn csv(lines: &[String]) -> String {
    let mut out = cosinum_io::template::HEADER.join(";");
    for l in lines {
        out.push('\n');
        out.push_str(l);
    }
    out
}

async fn review_count(app: &TestApp) -> i64 {
    match &app.db {
        cosinum_store::Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM project_reviews")
                .fetch_one(p)
                .await
        }
        cosinum_store::Db::Postgres(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM project_reviews")
                .fetch_one(p)
                .await
        }
    }
    .expect("count")
}

async fn template_import(app: &TestApp) {
    let client = app.client();
    let editor = app.token(EDITOR_MININT, false).await;
    let minint = app.org("MININT").await;
    let project = cosinum_store::projects::list(&app.db, false)
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.organisation_id == minint.id && !p.figures_withheld)
        .expect("a MININT project");
    let last = cosinum_store::projects::reviews::list(&app.db, project.id)
        .await
        .expect("reviews")
        .pop()
        .expect("a review");
    let cost = last
        .cost
        .map_or(String::new(), |c| format!("{}", c.meur()).replace('.', ","));
    let end = last.forecast_end.map_or(String::new(), |d| d.to_string());
    let update = format!(
        "{};MININT;{};Déploiement;2026-11-15;{cost};;{end};Non;2;Point de situation;;Non;",
        project.id, project.name
    );
    let new_project = ";MININT;Guichet des armes;Cadrage;15/11/2026;;;;Non;1;;Sécurité intérieure;Non;Déclaration en ligne des armes".to_owned();
    let not_mine = ";MEF;Projet des finances;Cadrage;2026-11-15;;;;Non;;;;Non;".to_owned();
    let bad_phase = ";MININT;Autre;Presque fini;2026-11-15;;;;Non;;;;Non;".to_owned();
    let post = |file: String, dry_run: bool| {
        let c = client.clone();
        let url = app.url(&format!(
            "/api/v1/projects/import?file_name=revues.csv&dry_run={dry_run}"
        ));
        let t = editor.clone();
        async move {
            c.post(url)
                .bearer_auth(t)
                .body(file)
                .send()
                .await
                .expect("import")
        }
    };
    let before = review_count(app).await;

    // Problems: each named by row and column; nothing written.
    let res = post(
        csv(&[update.clone(), new_project.clone(), not_mine, bad_phase]),
        false,
    )
    .await;
    assert_eq!(res.status(), 422);
    let report: Value = res.json().await.expect("json");
    assert_eq!(report["applied"], false);
    let problems: Vec<(i64, String)> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap_or(0),
                p["column"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![(4, "Ministère".to_owned()), (5, "Phase".to_owned())]
    );
    assert_eq!(review_count(app).await, before);

    // A preview writes nothing either.
    let file = csv(&[update.clone(), new_project.clone()]);
    let res = post(file.clone(), true).await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.expect("json");
    let kinds: Vec<&str> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["new_review", "new_project", "new_review"]);
    assert_eq!(review_count(app).await, before);

    // Applied: one project and two reviews, audited; again: nothing to do.
    let report: Value = post(file.clone(), false).await.json().await.expect("json");
    assert_eq!(
        (
            report["applied"].as_bool(),
            report["projects_created"].as_u64(),
            report["reviews_written"].as_u64()
        ),
        (Some(true), Some(1), Some(2))
    );
    assert_eq!(review_count(app).await, before + 2);
    let report: Value = post(file, false).await.json().await.expect("json");
    assert_eq!(report["reviews_written"], 0);
    assert!(
        report["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .all(|c| c["kind"] == "unchanged")
    );
    let created = cosinum_store::projects::list(&app.db, false)
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.name == "Guichet des armes")
        .expect("created");
    let history = cosinum_store::audit::history(&app.db, "project", created.id)
        .await
        .expect("history");
    assert_eq!(history.first().map(|h| h.via.as_str()), Some("api"));

    // A drift beyond the threshold without comment is a problem of the "Commentaire" column.
    let drift = format!(
        "{};MININT;{};Déploiement;2026-11-20;99999;;{end};Non;;;;Non;",
        project.id, project.name
    );
    let report: Value = post(csv(&[drift]), true).await.json().await.expect("json");
    assert_eq!(report["problems"][0]["column"], "Commentaire");

    // The page: pre-filled template, upload, preview, confirmation.
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let xlsx = browser
        .get(app.url("/projets/fichiers/modele.xlsx"))
        .send()
        .await
        .expect("template")
        .bytes()
        .await
        .expect("bytes");
    let rows = cosinum_io::template::read_template("modele.xlsx", &xlsx)
        .expect("the pre-filled template reads back");
    assert!(!rows.is_empty() && rows.iter().all(|r| r.ministry_code == "MININT"));
    let upload =
        csv(&[";MININT;Registre des armes v2;Cadrage;2026-11-16;;;;Non;;;;Non;".to_owned()]);
    let form = reqwest::multipart::Form::new().part(
        "fichier",
        reqwest::multipart::Part::bytes(upload.into_bytes()).file_name("revues.csv"),
    );
    let res = browser
        .post(app.url(&format!("/projets/import?csrf_token={csrf}")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(html.contains("Registre des armes v2") && html.contains("Confirmer l"));
    assert!(
        !cosinum_store::projects::list(&app.db, false)
            .await
            .expect("projects")
            .iter()
            .any(|p| p.name == "Registre des armes v2"),
        "a preview writes nothing"
    );
    let content = html
        .split("name=\"content\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("content")
        .to_owned();
    let res = browser
        .post(app.url("/projets/import/appliquer"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("file_name", "revues.csv"),
            ("content", content.as_str()),
        ])
        .send()
        .await
        .expect("confirm");
    assert_eq!(res.status(), 303);
    assert!(
        cosinum_store::projects::list(&app.db, false)
            .await
            .expect("projects")
            .iter()
            .any(|p| p.name == "Registre des armes v2")
    );
}
dual_test!(template_import);
