//! Online services as files: an edition exported and imported back
//! unchanged writes nothing; a changed file writes exactly its changes;
//! problems are named by row and column and change nothing; only the DINUM
//! opens an edition; the bilan as JSON, Excel and page; the same import from
//! the command line.

use serde_json::Value;

use crate::cli::{cosinum, stdout};
use crate::harness::*;

async fn values_and_audit(app: &TestApp) -> (i64, i64) {
    (
        app.scalar("SELECT COUNT(*) FROM demarche_values").await,
        app.scalar("SELECT COUNT(*) FROM audit_log").await,
    )
}

async fn import(
    app: &TestApp,
    token: &str,
    edition: &str,
    file_name: &str,
    body: Vec<u8>,
    dry_run: bool,
) -> (u16, Value) {
    let res = app
        .client()
        .post(app.url(&format!(
            "/api/v1/demarches/import?edition={edition}&file_name={file_name}&dry_run={dry_run}"
        )))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("import");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

/// The CSV export of an edition, as text without its BOM.
async fn export_csv(app: &TestApp, token: &str, query: &str) -> String {
    let res = app
        .client()
        .get(app.url(&format!("/api/v1/demarches/export?format=csv&{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    let disposition = res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.contains("demarches-") && disposition.contains("-v20"),
        "the file name gives the edition and method: {disposition}"
    );
    let bytes = res.bytes().await.expect("body");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    String::from_utf8(bytes[3..].to_vec()).expect("utf-8")
}

async fn demarches_import_export(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let editions: Vec<Value> = app.get_json("/api/v1/demarches/editions", &steering).await;
    let latest = editions.last().expect("editions")["edition_date"]
        .as_str()
        .expect("date")
        .to_owned();

    // The export of a ministry's démarches names its edition and method.
    let csv = export_csv(app, &editor, &format!("edition={latest}&ministry=MININT")).await;
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    assert!(lines[0].starts_with("\"Édition\";\"Méthode\";\"Identifiant cosinum\""));
    assert!(lines[1].contains(";v2023;") && lines[1].contains(";MININT;"));
    let day = &latest;
    let fr = format!("{}/{}/{}", &day[8..10], &day[5..7], &day[0..4]);
    assert!(lines[1].starts_with(&fr), "{} / {fr}", lines[1]);

    // Imported back unchanged: every line unchanged, nothing written.
    let before = values_and_audit(app).await;
    let (status, report) = import(
        app,
        &editor,
        &latest,
        "mininterieur.csv",
        csv.clone().into_bytes(),
        false,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["values_written"], 0);
    assert!(
        report["preview"]["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .all(|c| c["kind"] == "unchanged")
    );
    assert!(
        report["preview"]["ignored_columns"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    assert_eq!(
        values_and_audit(app).await,
        before,
        "idempotent: no value, no audit line"
    );

    // One value changed and one démarche added: exactly that is written.
    let header: Vec<String> = lines[0]
        .split(';')
        .map(|h| h.trim_matches('"').to_owned())
        .collect();
    let sat = header
        .iter()
        .position(|h| *h == "Satisfaction usagers")
        .expect("column");
    let mut first: Vec<String> = lines[1].split(';').map(str::to_owned).collect();
    let id: i64 = first[2].parse().expect("id");
    first[sat] = if first[sat] == "9,1" {
        "9,2".into()
    } else {
        "9,1".into()
    };
    let new_value = first[sat].clone();
    lines[1] = first.join(";");
    let mut new_row = vec![String::new(); header.len()];
    new_row[3] = "MININT".into();
    new_row[4] = "ANTS".into();
    new_row[5] = "Déclaration de perte de titre".into();
    new_row[header
        .iter()
        .position(|h| *h == "Réalisable en ligne")
        .expect("col")] = "Oui".into();
    new_row[sat] = "À venir".into();
    new_row[header
        .iter()
        .position(|h| *h == "Dites-le-nous une fois")
        .expect("col")] = "n/a".into();
    lines.push(new_row.join(";"));
    let changed = lines.join("\r\n").into_bytes();
    let (status, preview) = import(app, &editor, &latest, "f.csv", changed.clone(), true).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        values_and_audit(app).await,
        before,
        "a dry run writes nothing"
    );
    let kinds: Vec<&str> = preview["preview"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["kind"] != "unchanged")
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["updated", "new_demarche"]);
    let (status, report) = import(app, &editor, &latest, "f.csv", changed.clone(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["created"].as_i64(),
            report["values_written"].as_i64()
        ),
        (Some(1), Some(4))
    );
    let detail: Value = app
        .get_json(&format!("/api/v1/demarches/{id}"), &editor)
        .await;
    let last = detail["editions"]
        .as_array()
        .and_then(|e| e.last())
        .expect("edition");
    let satisfaction = last["values"]
        .as_array()
        .expect("values")
        .iter()
        .find(|v| v["slug"] == "satisfaction")
        .expect("satisfaction");
    assert_eq!(satisfaction["raw"], new_value.as_str());
    assert_eq!(satisfaction["goal_reached"], true);
    let history: Value = app
        .get_json(&format!("/api/v1/history/demarche/{id}"), &editor)
        .await;
    assert!(
        history.to_string().contains(&new_value),
        "the value change is in the démarche's history"
    );
    let (_, again) = import(app, &editor, &latest, "f.csv", changed, false).await;
    assert_eq!(
        (again["created"].as_i64(), again["values_written"].as_i64()),
        (Some(0), Some(0))
    );

    // Problems: named by row and column; nothing written.
    let after = values_and_audit(app).await;
    let bad = format!(
        "Ministère;Démarche;Réalisable en ligne;Satisfaction usagers\nMININT;{};Oui;Oui\nMEF;Une démarche des finances;Oui;8\nXYZ;Autre;Oui;8\n",
        detail["demarche"]["name"].as_str().expect("name")
    );
    let (status, report) = import(app, &editor, &latest, "bad.csv", bad.into_bytes(), false).await;
    assert_eq!(status, 422);
    let problems: Vec<(i64, String)> = report["preview"]["problems"]
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
        [(2, "Satisfaction usagers".to_owned())],
        "cells are checked first"
    );
    let bad = "Ministère;Démarche;Réalisable en ligne\nMEF;Une démarche des finances;Oui\nXYZ;Autre;Oui\n";
    let (status, report) = import(app, &editor, &latest, "bad.csv", bad.into(), false).await;
    assert_eq!(status, 422);
    let text = report["preview"]["problems"].to_string();
    assert!(text.contains("MEF") && text.contains("XYZ"), "{text}");
    assert_eq!(values_and_audit(app).await, after, "all or nothing");

    // Only the DINUM opens an edition.
    let file = "Ministère;Démarche;Réalisable en ligne\nMININT;Déclaration de perte de titre;Oui\n";
    let (status, report) = import(app, &editor, "2026-12-31", "f.csv", file.into(), false).await;
    assert_eq!(status, 422);
    assert!(
        report["preview"]["problems"]
            .to_string()
            .contains("seule la DINUM")
    );
    let (status, report) = import(app, &steering, "2026-12-31", "f.csv", file.into(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["preview"]["new_edition"], true);
    assert_eq!(report["preview"]["method"], "v2023");
    let now: Vec<Value> = app.get_json("/api/v1/demarches/editions", &steering).await;
    assert_eq!(now.len(), editions.len() + 1);

    // Excel and JSON exports.
    let res = app
        .client()
        .get(app.url(&format!(
            "/api/v1/demarches/export?format=xlsx&edition={latest}"
        )))
        .bearer_auth(&steering)
        .send()
        .await
        .expect("xlsx");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.contains("spreadsheetml"))
    );
    assert!(res.bytes().await.expect("body").starts_with(b"PK"));
    let json: Value = app
        .get_json(
            &format!("/api/v1/demarches/export?format=json&edition={latest}"),
            &editor,
        )
        .await;
    assert_eq!(
        (json["edition"].as_str(), json["method"].as_str()),
        (Some(latest.as_str()), Some("v2023"))
    );
    let rows = json["demarches"].as_array().expect("rows");
    assert!(
        rows.iter().all(|r| r["ministry"] == "MININT"),
        "a ministry exports its own"
    );
    assert!(
        rows.iter()
            .any(|r| r["values"]["satisfaction"]["level"] == "Très bien")
    );
}
dual_test!(demarches_import_export);

async fn demarches_bilan(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let bilan: Value = app
        .get_json("/api/v1/demarches/bilan?year=2025", &steering)
        .await;
    let edition = bilan["edition"].as_str().expect("edition");
    assert!(
        ("2025-10-01"..="2025-12-31").contains(&edition),
        "{edition}"
    );
    assert_eq!(bilan["provisional"], false, "2025 is over");
    let this_year = time::OffsetDateTime::now_utc().year();
    let current: Value = app
        .get_json(
            &format!("/api/v1/demarches/bilan?year={this_year}"),
            &steering,
        )
        .await;
    assert_eq!(current["provisional"], true, "{current}");
    let lines = bilan["lines"].as_array().expect("lines");
    let labels: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["label_fr"].as_str())
        .collect();
    assert!(labels.len() >= 3, "{labels:?}");
    // Strict and weighted side by side, on the same denominator.
    assert_eq!(lines[0]["denominator"], lines[2]["denominator"]);
    let res = app
        .client()
        .get(app.url("/api/v1/demarches/bilan?year=2025&format=xlsx"))
        .bearer_auth(&steering)
        .send()
        .await
        .expect("xlsx");
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.expect("body").starts_with(b"PK"));
    let res = app
        .client()
        .get(app.url("/api/v1/demarches/bilan?year=1990"))
        .bearer_auth(&steering)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 400);
    let (dinum, _) = app.login(STEERING).await;
    let html = app.page(&dinum, "/demarches/bilan?annee=2025").await;
    assert!(html.contains("bilan au 31 décembre 2025") && html.contains(labels[0]));
    assert!(html.contains("data-cosinum-print"), "a print button");
}
dual_test!(demarches_bilan);

async fn demarches_from_the_command_line(app: &TestApp) {
    let url = &app.test_db.url;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("observatoire.csv");
    std::fs::write(
        &path,
        "Ministère;Démarche;Administration;Réalisable en ligne;Satisfaction usagers\n\
         MININT;Signaler un vol de véhicule;Police nationale;Oui;8,2\n",
    )
    .expect("write");
    let file = path.to_str().expect("path");
    let out = stdout(&cosinum(
        url,
        &[
            "import",
            "observatoire",
            file,
            "--edition",
            "2027-03-31",
            "--dry-run",
        ],
    ));
    assert!(
        out.contains("1 nouvelles démarches") && out.contains("rien n'a été écrit"),
        "{out}"
    );
    let out = stdout(&cosinum(
        url,
        &["import", "observatoire", file, "--edition", "2027-03-31"],
    ));
    assert!(out.contains("1 démarches créées"), "{out}");
    let out = stdout(&cosinum(
        url,
        &["import", "observatoire", file, "--edition", "2027-03-31"],
    ));
    assert!(out.contains("rien n'a changé"), "{out}");
    let out = stdout(&cosinum(
        url,
        &["demarches", "--edition", "2027-03-31", "--json"],
    ));
    let summary: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(summary["demarches"], 1);
    assert_eq!(summary["online"]["strict_count"], 1);
    std::fs::write(
        &path,
        "Ministère;Démarche;Satisfaction usagers\nMININT;X;onze\n",
    )
    .expect("write");
    let o = cosinum(
        url,
        &["import", "observatoire", file, "--edition", "2027-03-31"],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ligne 2") && err.contains("Satisfaction usagers"),
        "{err}"
    );
}
dual_test!(demarches_from_the_command_line);

async fn demarches_page_import(app: &TestApp) {
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let token = app.token(EDITOR_MININT, false).await;
    let editions: Vec<Value> = app.get_json("/api/v1/demarches/editions", &token).await;
    let latest = editions.last().expect("edition")["edition_date"]
        .as_str()
        .expect("date")
        .to_owned();
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("edition", latest.clone())
            .part(
                "fichier",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        browser
            .post(app.url(&format!("/demarches/import?csrf_token={csrf}")))
            .multipart(form)
            .send()
    };
    // The Excel export, sent back as is: every line unchanged.
    let xlsx = app
        .client()
        .get(app.url(&format!(
            "/api/v1/demarches/export?format=xlsx&edition={latest}"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes")
        .to_vec();
    let res = upload("demarches.xlsx", xlsx).await.expect("upload");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Inchangée") && !html.contains("Nouvelle démarche"),
        "an unchanged file"
    );

    // A new démarche: previewed, nothing written until confirmed.
    let file = "Ministère;Démarche;Administration;Réalisable en ligne;Colonne inconnue\nMININT;Demande de visa long séjour;DGEF;Partiel;x\n";
    let res = upload("visa.csv", file.as_bytes().to_vec())
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Nouvelle démarche") && html.contains("Colonne inconnue"),
        "ignored columns are shown"
    );
    let exists = |list: Vec<Value>| {
        list.iter()
            .any(|d| d["name"] == "Demande de visa long séjour")
    };
    assert!(
        !exists(app.get_json("/api/v1/demarches", &token).await),
        "a preview writes nothing"
    );
    let content = html
        .split("name=\"content\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("content")
        .to_owned();
    let res = browser
        .post(app.url("/demarches/import/appliquer"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("file_name", "visa.csv"),
            ("edition", latest.as_str()),
            ("content", content.as_str()),
        ])
        .send()
        .await
        .expect("confirm");
    assert_eq!(res.status(), 303);
    assert!(exists(app.get_json("/api/v1/demarches", &token).await));

    // A bad file: the validation report, by row and column.
    let res = upload(
        "faux.csv",
        b"Ministere;Demarche;Satisfaction usagers\nMININT;A;11\n".to_vec(),
    )
    .await
    .expect("upload");
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("html");
    assert!(html.contains("Rapport de validation") && html.contains("Satisfaction usagers"));
}
dual_test!(demarches_page_import);
