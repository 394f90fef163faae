//! Investment plans as files: a preview then the plan made to match the file
//! (a first revision, then the same draft, then a new revision of a
//! submitted plan), all or nothing on a bad row, another ministry's rows
//! refused, the export imported back unchanged changes nothing, and the
//! same through the page and the command line.

use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::{cosinum, stdout};
use crate::harness::*;

const HEAD: &str = "Ministère;Année du plan;Clé;Intitulé;Description;Zone fonctionnelle;\
    Projet lié;Application liée;Début prévu;AE 2040;CP 2040;AE 2041;CP 2041";

/// Sends a plan file to the API: the status and the report.
async fn import(
    app: &TestApp,
    token: &str,
    name: &str,
    body: &[u8],
    dry_run: bool,
) -> (u16, Value) {
    let res = app
        .client()
        .post(app.url(&format!(
            "/api/v1/reuse/plans/import?file_name={name}&dry_run={dry_run}"
        )))
        .bearer_auth(token)
        .body(body.to_vec())
        .send()
        .await
        .expect("import");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

/// A revision's export, as bytes.
async fn export(app: &TestApp, token: &str, id: i64, format: &str) -> Vec<u8> {
    let res = app
        .client()
        .get(app.url(&format!("/api/v1/reuse/plans/{id}/export?format={format}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    res.bytes().await.expect("bytes").to_vec()
}

/// The kinds of the changes of a report, in order.
fn kinds(report: &Value) -> Vec<String> {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// "row column" of every problem of a report.
fn problems(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| format!("{} {}", p["row"], p["column"].as_str().unwrap_or_default()))
        .collect()
}

/// MININT's revisions of its 2040 plan, oldest first.
async fn plans_2040(app: &TestApp, token: &str) -> Vec<Value> {
    let minint = app.org("MININT").await.id.0;
    app.get_json(
        &format!("/api/v1/reuse/plans?year=2040&organisation_id={minint}"),
        token,
    )
    .await
}

async fn plan_files_preview_then_apply(app: &TestApp) {
    let editor = app.token(EDITOR_MININT, false).await;
    let file = format!(
        "{HEAD}\n\
         MININT;2040;;Prise de rendez-vous en préfecture;Créneaux et rappels par SMS;Titres;;;01/03/2040;1 000 000;400 000;;600 000\n\
         MININT;2040;;Main courante mobile;;Sécurité intérieure;;;2040-06-01;2 000 000;2 000 000;;\n\
         MININT;2040;;Visioconférence;;;;;;;;50 000;50 000\n"
    );
    // The preview writes nothing.
    let audit = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    let (status, report) = import(app, &editor, "plan.csv", file.as_bytes(), true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        kinds(&report),
        ["new_plan", "new_line", "new_line", "new_line"]
    );
    assert_eq!(report["applied"], false);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, audit);
    assert!(plans_2040(app, &editor).await.is_empty());
    // Applied: a first draft revision with both lines, every write audited.
    let (status, report) = import(app, &editor, "plan.csv", file.as_bytes(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["written"],
        json!({"revisions_opened": 1, "added": 3, "updated": 0, "removed": 0})
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log").await,
        audit + 4
    );
    let revisions = plans_2040(app, &editor).await;
    assert_eq!(revisions.len(), 1);
    let draft = &revisions[0];
    assert_eq!(
        (draft["revision"].as_i64(), draft["status"].as_str()),
        (Some(1), Some("draft"))
    );
    let lines = draft["lines"].as_array().expect("lines");
    assert_eq!(
        lines[0]["amounts"],
        json!([{"year": 2040, "ae": 1_000_000, "cp": 400_000}, {"year": 2041, "ae": 0, "cp": 600_000}])
    );
    assert_eq!(lines[1]["expected_start"], "2040-06-01");
    // The file is the whole plan: without their keys, the lines are new ones
    // and the stored ones are removed.
    let (_, again) = import(app, &editor, "plan.csv", file.as_bytes(), true).await;
    assert_eq!(
        kinds(&again),
        [
            "new_line", "new_line", "new_line", "removed", "removed", "removed"
        ],
        "{again}"
    );
    // The export, edited: one amount changed, one line removed, one added.
    let id = draft["id"].as_i64().expect("id");
    let audit = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    let csv = String::from_utf8(export(app, &editor, id, "csv").await).expect("utf-8");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 4, "{csv}");
    let edited = format!(
        "{}\n{}\n{}\nMININT;2040;;Agent conversationnel;;Titres;;;;300 000;100 000;;\n",
        rows[0],
        rows[1].replace("1000000", "1500000"),
        rows[2]
    );
    let (status, report) = import(app, &editor, "plan.csv", edited.as_bytes(), true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        kinds(&report),
        ["updated", "unchanged", "new_line", "removed"]
    );
    let detail = report["changes"][0]["detail"].as_str().expect("detail");
    assert!(
        detail.contains("AE 2040 : 1\u{202f}000\u{202f}000 € → 1\u{202f}500\u{202f}000 €"),
        "{detail}"
    );
    assert_eq!(
        report["changes"][3]["line"], 0,
        "a removed line is not in the file"
    );
    let (status, report) = import(app, &editor, "plan.csv", edited.as_bytes(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["written"],
        json!({"revisions_opened": 0, "added": 1, "updated": 1, "removed": 1})
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log").await,
        audit + 3
    );
    let revisions = plans_2040(app, &editor).await;
    assert_eq!(revisions.len(), 1, "the same draft");
    assert_eq!(revisions[0]["lines"].as_array().map(Vec::len), Some(3));
    // A line commented on cannot be left out of the file.
    let first = revisions[0]["lines"][0]["id"].as_i64().expect("line");
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/reuse/plans/lines/{first}/comments"),
            &editor,
            json!({"body": "Voir avec le MEF"}),
        )
        .await;
    assert_eq!(status, 201);
    let only_new = format!("{HEAD}\nMININT;2040;;Nouvelle;;;;;;;;;\n");
    let (status, report) = import(app, &editor, "plan.csv", only_new.as_bytes(), false).await;
    assert_eq!(
        (status, problems(&report)),
        (422, vec!["0 Clé".to_owned()]),
        "{report}"
    );
    // Submitted: the file goes into a new draft revision, the submitted one stays.
    let version = revisions[0]["version"].as_i64().expect("version");
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/reuse/plans/{id}/status"),
            &editor,
            json!({"status": "submitted", "version": version}),
        )
        .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(export(app, &editor, id, "csv").await).expect("utf-8");
    let (_, same) = import(app, &editor, "plan.csv", csv.as_bytes(), false).await;
    assert_eq!(
        same["written"]["revisions_opened"], 0,
        "unchanged: no revision opened"
    );
    let changed = csv.replace("Agent conversationnel", "Assistant virtuel");
    let (status, report) = import(app, &editor, "plan.csv", changed.as_bytes(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        kinds(&report),
        ["new_revision", "unchanged", "unchanged", "updated"]
    );
    assert_eq!(report["written"]["revisions_opened"], 1);
    let revisions = plans_2040(app, &editor).await;
    let status: Vec<(i64, &str)> = revisions
        .iter()
        .map(|p| {
            (
                p["revision"].as_i64().unwrap_or(0),
                p["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(status, [(1, "submitted"), (2, "draft")]);
    assert!(revisions[0].to_string().contains("Agent conversationnel"));
    assert!(revisions[1].to_string().contains("Assistant virtuel"));
    // The pages: the link, a preview, then the confirmation.
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    assert!(
        app.page(&browser, "/reutilisation")
            .await
            .contains("href=\"/reutilisation/import\"")
    );
    let plan_page = app
        .page(&browser, &format!("/reutilisation/plans/{id}"))
        .await;
    assert!(plan_page.contains(&format!("/api/v1/reuse/plans/{id}/export?format=xlsx")));
    let upload = format!("{HEAD}\nMININT;2041;;Billetterie;;;;;;10;5;;\n");
    let form = reqwest::multipart::Form::new().part(
        "fichier",
        reqwest::multipart::Part::bytes(upload.into_bytes()).file_name("plan.csv"),
    );
    let res = browser
        .post(app.url(&format!("/reutilisation/import?csrf_token={csrf}")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Nouveau plan")
            && html.contains("Nouvelle ligne")
            && html.contains("Confirmer l"),
        "{html}"
    );
    let content = html
        .split("name=\"content\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("content")
        .to_owned();
    let res = browser
        .post(app.url("/reutilisation/import/appliquer"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("file_name", "plan.csv"),
            ("content", content.as_str()),
        ])
        .send()
        .await
        .expect("confirm");
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM investment_plans WHERE year = 2041")
            .await,
        1
    );
    // Who may import: not a reader, not the DINUM (plans are the ministries').
    let (reader, _) = app.login(READER_MININT).await;
    assert_eq!(app.status(&reader, "/reutilisation/import").await, 403);
    assert!(
        !app.page(&reader, "/reutilisation")
            .await
            .contains("/reutilisation/import")
    );
}
dual_test!(plan_files_preview_then_apply);

async fn plan_files_all_or_nothing(app: &TestApp) {
    let editor = app.token(EDITOR_MININT, false).await;
    let others = [
        app.token(STEERING, false).await,
        app.token(READER_MININT, false).await,
    ];
    let audit = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    // One bad amount: refused whole, the problem named by row and column.
    let file = format!(
        "{HEAD}\n\
         MININT;2040;;Bonne ligne;;;;;;1 000;;;\n\
         MININT;2040;;Mauvaise ligne;;;;;;beaucoup;;;\n"
    );
    let (status, report) = import(app, &editor, "plan.csv", file.as_bytes(), false).await;
    assert_eq!(
        (status, problems(&report)),
        (422, vec!["3 AE 2040".to_owned()]),
        "{report}"
    );
    assert_eq!(report["applied"], false);
    // Unknown key, unknown link, another ministry's project.
    let mef_project = app
        .scalar("SELECT MIN(p.id) FROM projects p JOIN organisations o ON o.id = p.organisation_id WHERE o.code = 'MEF'")
        .await;
    let file = format!(
        "{HEAD}\n\
         MININT;2040;L999999;Ligne inconnue;;;;;;;;;\n\
         MININT;2040;;Lien inconnu;;;999999;;;;;;\n\
         MININT;2040;;Lien d'un autre;;;{mef_project};;;;;;\n"
    );
    let (status, report) = import(app, &editor, "plan.csv", file.as_bytes(), false).await;
    assert_eq!(
        (status, problems(&report)),
        (
            422,
            ["2 Clé", "3 Projet lié", "4 Projet lié"]
                .map(String::from)
                .to_vec()
        ),
        "{report}"
    );
    // A row of another ministry: the whole file is refused.
    let file = format!(
        "{HEAD}\n\
         MININT;2040;;Ligne du ministère;;;;;;1 000;;;\n\
         MEF;2040;;Ligne d'un autre ministère;;;;;;1 000;;;\n"
    );
    let (status, report) = import(app, &editor, "plan.csv", file.as_bytes(), false).await;
    assert_eq!(
        (status, problems(&report)),
        (422, vec!["3 Ministère".to_owned()]),
        "{report}"
    );
    let message = report["problems"][0]["message"].as_str().expect("message");
    assert!(message.contains("MEF"), "{message}");
    // The DINUM reviews plans but does not write them; a reader writes nothing.
    for token in &others {
        let (status, report) = import(app, token, "plan.csv", file.as_bytes(), false).await;
        assert_eq!(
            (status, problems(&report)),
            (
                422,
                vec!["2 Ministère".to_owned(), "3 Ministère".to_owned()]
            ),
            "{report}"
        );
    }
    // A bad header.
    let (status, report) = import(
        app,
        &editor,
        "plan.csv",
        b"Ministere;Intitule\nMININT;X\n",
        false,
    )
    .await;
    assert_eq!(
        (status, problems(&report)),
        (422, vec!["1 Année du plan".to_owned()]),
        "{report}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log").await,
        audit,
        "nothing written"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM investment_plans WHERE year = 2040")
            .await,
        0
    );
    // An administrator imports any ministry's plan.
    let admin = app.token(ADMIN, false).await;
    let (status, report) = import(app, &admin, "plan.csv", file.as_bytes(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["written"]["revisions_opened"], 2);
}
dual_test!(plan_files_all_or_nothing);

async fn plan_files_round_trip(app: &TestApp) {
    // The latest revision of every demo plan (submitted, reviewed or draft),
    // exported in both formats and sent back: nothing changes.
    let admin = app.token(ADMIN, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let mef = app.token(EDITOR_MEF, false).await;
    let plans: Vec<Value> = app.get_json("/api/v1/reuse/plans", &admin).await;
    let latest: Vec<&Value> = plans
        .iter()
        .filter(|p| {
            plans.iter().all(|q| {
                q["organisation_id"] != p["organisation_id"]
                    || q["year"] != p["year"]
                    || q["revision"].as_i64() <= p["revision"].as_i64()
            })
        })
        .collect();
    let statuses: Vec<&str> = latest.iter().filter_map(|p| p["status"].as_str()).collect();
    for s in ["draft", "submitted", "reviewed"] {
        assert!(statuses.contains(&s), "{s} in {statuses:?}");
    }
    let audit = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    for p in latest {
        let id = p["id"].as_i64().expect("id");
        for (format, name) in [("csv", "plan.csv"), ("xlsx", "plan.xlsx")] {
            let bytes = export(app, &admin, id, format).await;
            let (status, report) = import(app, &admin, name, &bytes, false).await;
            assert_eq!(status, 200, "{report}");
            assert!(
                kinds(&report).iter().all(|k| k == "unchanged"),
                "{format} of plan {id}: {report}"
            );
            assert_eq!(
                report["written"],
                json!({"revisions_opened": 0, "added": 0, "updated": 0, "removed": 0})
            );
        }
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, audit);
    // A ministry exports its own plans only; an unknown format is refused.
    let mine: Vec<Value> = app.get_json("/api/v1/reuse/plans", &editor).await;
    let id = mine[0]["id"].as_i64().expect("id");
    let csv = String::from_utf8(export(app, &editor, id, "csv").await).expect("utf-8");
    assert!(
        csv.starts_with("\u{feff}\"Ministère\";\"Année du plan\";\"Clé\""),
        "{csv}"
    );
    let get = |token: &str, query: &str| {
        app.client()
            .get(app.url(&format!("/api/v1/reuse/plans/{id}/export{query}")))
            .bearer_auth(token.to_owned())
            .send()
    };
    assert_eq!(get(&mef, "").await.expect("export").status(), 404);
    assert_eq!(
        get(&editor, "?format=pdf").await.expect("export").status(),
        400
    );
}
dual_test!(plan_files_round_trip);

async fn plan_files_cli(app: &TestApp) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("plan-mef.csv");
    std::fs::write(
        &path,
        format!("{HEAD}\nMEF;2040;;Signature électronique des marchés;;Finances publiques;;;;500 000;250 000;;250 000\n"),
    )
    .expect("write");
    let p = path.to_str().expect("path");
    let url = &app.test_db.url;
    let out = stdout(&cosinum(url, &["import", "plan", p, "--dry-run"]));
    assert!(
        out.contains("1 nouvelles") && out.contains("rien n'a été écrit"),
        "{out}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM investment_plans WHERE year = 2040")
            .await,
        0
    );
    let out = stdout(&cosinum(url, &["import", "plan", p]));
    assert!(
        out.contains("1 révisions ouvertes, 1 lignes ajoutées"),
        "{out}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM investment_plans WHERE year = 2040")
            .await,
        1
    );
    let out = stdout(&cosinum(url, &["import", "plan", p]));
    assert!(
        out.contains("1 nouvelles"),
        "a line without key is new again: {out}"
    );
    // A bad file: refused, the problem named, nothing written.
    std::fs::write(
        &path,
        format!("{HEAD}\nMEF;2040;;Ligne;;;;;31/02/2040;;;;\n"),
    )
    .expect("write");
    let before = app.scalar("SELECT COUNT(*) FROM plan_lines").await;
    let o = cosinum(url, &["import", "plan", p]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("plan-mef.csv, ligne 2, colonne « Début prévu »"),
        "{err}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM plan_lines").await, before);
}
dual_test!(plan_files_cli);
