//! Digital talent: the period's rates checked against sums from the
//! database, the demo's contrasts raised as alerts, and the scope of what a
//! ministry reads.

use serde_json::Value;

use crate::harness::*;

pub(crate) async fn talent_summary(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let s: Value = app.get_json("/api/v1/talents/summary", &steering).await;
    let period = s["period"].as_str().expect("period").to_owned();
    assert_eq!(
        period,
        (time::OffsetDateTime::now_utc().year() - 1).to_string(),
        "the latest period by default"
    );
    // Overall turnover = ((entries + exits) / 2) / average headcount, from SQL sums.
    let sql = |what: &'static str| app.scalar(what);
    let entries = sql("SELECT CAST(SUM(entries) AS BIGINT) FROM hr_returns WHERE period = (SELECT MAX(period) FROM hr_returns)").await as f64;
    let exits = sql("SELECT CAST(SUM(exits) AS BIGINT) FROM hr_returns WHERE period = (SELECT MAX(period) FROM hr_returns)").await as f64;
    let start = sql("SELECT CAST(SUM(headcount_start) AS BIGINT) FROM hr_returns WHERE period = (SELECT MAX(period) FROM hr_returns)").await as f64;
    let end = sql("SELECT CAST(SUM(headcount_end) AS BIGINT) FROM hr_returns WHERE period = (SELECT MAX(period) FROM hr_returns)").await as f64;
    let expected = (entries + exits) / 2.0 / ((start + end) / 2.0);
    let got = s["overall"]["turnover"].as_f64().expect("turnover");
    assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    // The demo's contrasts.
    let alerts = |m: &str| {
        s["by_ministry"]
            .as_array()
            .expect("m")
            .iter()
            .find(|x| x["ministry"] == m)
            .map(|x| x["alerts"].to_string())
            .unwrap_or_default()
    };
    assert!(
        alerts("MININT").contains("turnover_too_high"),
        "{}",
        alerts("MININT")
    );
    assert!(
        alerts("MEF").contains("turnover_too_low_with_outsourcing"),
        "{}",
        alerts("MEF")
    );
    let d = &s["turnover_dispersion"];
    assert!(d["min"].as_f64() <= d["median"].as_f64() && d["median"].as_f64() <= d["max"].as_f64());
    assert_eq!(s["by_region"].as_array().map(Vec::len), Some(3));
    // A ministry reads its own returns only; an unknown period is a 404.
    let reader = app.token(READER_MININT, false).await;
    let mine: Value = app.get_json("/api/v1/talents/summary", &reader).await;
    let codes: Vec<&str> = mine["by_ministry"]
        .as_array()
        .expect("m")
        .iter()
        .filter_map(|m| m["ministry"].as_str())
        .collect();
    assert_eq!(codes, ["MININT"]);
    assert_eq!(
        mine["turnover_dispersion"]["count"].as_i64(),
        Some(12),
        "its position among all ministries, without their names"
    );
    let delivery = s["delivery"].as_array().expect("delivery");
    assert!(
        delivery
            .iter()
            .any(|d| d["projects"].as_i64() > Some(0) && d["mean_calendar_drift"].is_number()),
        "the link to the major projects: {delivery:?}"
    );
    // …which is the portfolio at the end of the period, ministry by ministry.
    let portfolio: Value = app
        .get_json(
            &format!("/api/v1/projects/portfolio?as_of={period}-12-31"),
            &steering,
        )
        .await;
    let groups = portfolio["by_ministry"].as_array().expect("by_ministry");
    for d in delivery {
        let g = groups.iter().find(|g| g["key"] == d["ministry"]);
        assert_eq!(
            d["projects"].as_i64(),
            Some(g.map_or(0, |g| g["projects"].as_i64().expect("projects"))),
            "{d}"
        );
        assert_eq!(
            d["mean_budget_drift"],
            g.map_or(Value::Null, |g| g["mean_budget_drift"].clone()),
            "{d}"
        );
    }
    // Bands are configurable per request.
    let strict: Value = app
        .get_json("/api/v1/talents/summary?turnover_high=0.5", &steering)
        .await;
    assert!(!strict.to_string().contains("turnover_too_high"));
    let res = app
        .client()
        .get(app.url("/api/v1/talents/summary?period=1990"))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
}
dual_test!(talent_summary);

/// A return of MININT for a region and period the demo does not have.
fn new_return(org: i64, period: &str) -> Value {
    serde_json::json!({
        "organisation_id": org, "region": "Bretagne", "period": period,
        "headcount_start": 40, "headcount_end": 44, "contract_start": 15, "contract_end": 18,
        "entries": 10, "exits": 6, "exits_resignation": 3, "exits_retirement": 1,
        "positions_opened": 14, "vacant_end": 4, "median_days_to_fill": 120,
        "external_fte": 12.5, "external_spend": 2_000_000
    })
}

async fn talent_returns_by_hand(app: &TestApp) {
    let minint = app.org("MININT").await.id.0;
    let editor = app.token(EDITOR_MININT, false).await;
    let before = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'hr_return'")
        .await;
    let (status, created) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/talents/returns",
            &editor,
            new_return(minint, "2025-s2"),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["period"], "2025S2", "the period is normalised");
    // Rates of the return: (10 + 6) / 2 / 42 and 4 / (44 + 4).
    let turnover = created["rates"]["turnover"].as_f64().expect("turnover");
    assert!((turnover - 8.0 / 42.0).abs() < 1e-12, "{turnover}");
    assert_eq!(created["rates"]["vacancy_rate"].as_f64(), Some(4.0 / 48.0));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'hr_return'")
            .await,
        before + 1
    );
    // A semester is a period of its own; the latest year stays the default.
    let semester: Value = app
        .get_json("/api/v1/talents/summary?period=2025S2", &editor)
        .await;
    assert_eq!(
        semester["by_ministry"][0]["rates"]["turnover"].as_f64(),
        Some(turnover)
    );
    let default: Value = app.get_json("/api/v1/talents/summary", &editor).await;
    assert_eq!(
        default["period"],
        (time::OffsetDateTime::now_utc().year() - 1).to_string()
    );
    // Once per ministry, region and period; not for another ministry; checked.
    let (status, dup) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/talents/returns",
            &editor,
            new_return(minint, "2025S2"),
        )
        .await;
    assert_eq!(
        (status, dup["field"].as_str()),
        (422, Some("period")),
        "{dup}"
    );
    let mef = app.org("MEF").await.id.0;
    let (status, _) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/talents/returns",
            &editor,
            new_return(mef, "2025S2"),
        )
        .await;
    assert_eq!(status, 403);
    let mut bad = new_return(minint, "2024S2");
    bad["contract_end"] = 50.into();
    let (status, body) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/talents/returns",
            &editor,
            bad,
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("contract_end")),
        "{body}"
    );
    // Corrections at the version read; a stale version is refused.
    let id = created["id"].as_i64().expect("id");
    let mut fix = new_return(minint, "2025S2");
    fix["exits"] = 8.into();
    fix["version"] = 1.into();
    let path = format!("/api/v1/talents/returns/{id}");
    let (status, updated) = app
        .send(reqwest::Method::PUT, &path, &editor, fix.clone())
        .await;
    assert_eq!(
        (status, updated["version"].as_i64()),
        (200, Some(2)),
        "{updated}"
    );
    let (status, _) = app.send(reqwest::Method::PUT, &path, &editor, fix).await;
    assert_eq!(status, 409);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'hr_return'")
            .await,
        before + 2,
        "refused writes record nothing"
    );
    // A MEF editor neither reads nor corrects it.
    let other = app.token(EDITOR_MEF, false).await;
    let (status, _) = app
        .send(
            reqwest::Method::PUT,
            &path,
            &other,
            new_return(minint, "2025S2"),
        )
        .await;
    assert_eq!(status, 404);
    let theirs: Vec<Value> = app
        .get_json("/api/v1/talents/returns?period=2025S2", &other)
        .await;
    assert!(theirs.is_empty());

    // The page form: a correction made by someone else meanwhile is shown.
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let html = app
        .page(&browser, &format!("/talents/retours/{id}/modifier"))
        .await;
    assert!(html.contains("Corriger le retour RH Bretagne"), "{html}");
    let form = |exits: &'static str, version: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("version", version.to_owned()),
            ("organisation_id", minint.to_string()),
            ("region", "Bretagne".to_owned()),
            ("period", "2025S2".to_owned()),
            ("headcount_start", "40".to_owned()),
            ("headcount_end", "44".to_owned()),
            ("entries", "10".to_owned()),
            ("exits", exits.to_owned()),
            ("positions_opened", "14".to_owned()),
            ("vacant_end", "4".to_owned()),
            ("external_fte", "12,5".to_owned()),
        ]
    };
    let res = browser
        .post(app.url(&format!("/talents/retours/{id}/modifier")))
        .form(&form("9", "1"))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("Modifié par quelqu'un d'autre")
    );
    let res = browser
        .post(app.url(&format!("/talents/retours/{id}/modifier")))
        .form(&form("9", "2"))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let res = browser
        .post(app.url(&format!("/talents/retours/{id}/modifier")))
        .form(&form("abc", "3"))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let mine: Vec<Value> = app
        .get_json("/api/v1/talents/returns?period=2025S2", &editor)
        .await;
    assert_eq!(
        (
            mine.len(),
            mine[0]["exits"].as_i64(),
            mine[0]["contract_end"].as_i64()
        ),
        (1, Some(9), None),
        "the form's blank optional figures are unknown"
    );
}
dual_test!(talent_returns_by_hand);

async fn talent_files(app: &TestApp) {
    let editor = app.token(EDITOR_MININT, false).await;
    let import = |name: &'static str, body: String, token: String, dry: bool| {
        let c = app.client();
        let url = app.url(&format!(
            "/api/v1/talents/import?file_name={name}&dry_run={dry}"
        ));
        async move {
            let res = c
                .post(url)
                .bearer_auth(token)
                .body(body)
                .send()
                .await
                .expect("import");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.expect("json"))
        }
    };
    // The export of a ministry, sent back: nothing changes.
    let res = app
        .client()
        .get(app.url("/api/v1/talents/export?format=csv"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("export");
    let csv = res.text().await.expect("csv");
    let lines: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(lines.len(), 12, "4 years × 3 regions of MININT");
    assert!(lines.iter().all(|l| l.starts_with("MININT;")));
    let before = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    let (status, report) = import("rh.csv", csv.clone(), editor.clone(), false).await;
    assert_eq!(status, 200, "{report}");
    assert!(
        report["changes"]
            .as_array()
            .is_some_and(|c| c.len() == 12 && c.iter().all(|x| x["kind"] == "unchanged"))
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log").await,
        before,
        "idempotent"
    );
    // One figure changed: previewed, then written, once.
    let header = csv.lines().next().expect("header").to_owned();
    let first: Vec<&str> = lines[0].split(';').collect();
    let mut changed = first.clone();
    let exits_col = header
        .split(';')
        .position(|h| h.trim_matches('"') == "Sorties")
        .expect("Sorties");
    let exits: i64 = first[exits_col].parse().expect("exits");
    let new_exits = (exits + 1).to_string();
    changed[exits_col] = &new_exits;
    let file = format!("{header}\n{}\n", changed.join(";"));
    let (status, preview) = import("rh.csv", file.clone(), editor.clone(), true).await;
    assert_eq!((status, preview["applied"].as_bool()), (200, Some(false)));
    assert_eq!(preview["changes"][0]["kind"], "updated", "{preview}");
    assert!(
        preview["changes"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("sorties"))
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log").await,
        before,
        "a preview writes nothing"
    );
    let (_, done) = import("rh.csv", file.clone(), editor.clone(), false).await;
    assert_eq!(done["written"]["updated"].as_i64(), Some(1), "{done}");
    let (_, again) = import("rh.csv", file, editor.clone(), false).await;
    assert_eq!(again["written"]["updated"].as_i64(), Some(0));
    // Bad cells and another ministry's lines: refused whole, with row and column.
    let bad = "Ministère;Région;Période;Effectif début;Effectif fin;Entrées;Sorties;Postes ouverts;Postes vacants fin\n\
         MININT;Corse;2025;10;12;3;1;4;1\nMEF;Corse;2025;10;10;1;1;1;0\n"
        .to_owned();
    let (status, report) = import("bad.csv", bad, editor.clone(), false).await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(report["problems"][0]["row"].as_i64(), Some(3));
    assert_eq!(report["problems"][0]["column"], "Ministère");
    let corse = "SELECT COUNT(*) FROM hr_returns WHERE region = 'Corse'";
    assert_eq!(app.scalar(corse).await, 0, "all or nothing");
    let bad_cell = "Ministère;Région;Période;Effectif début;Effectif fin;Entrées;Sorties;Postes ouverts;Postes vacants fin\n\
         MININT;Corse;T3;10;douze;3;1;4;1\n";
    let (status, report) = import("bad.csv", bad_cell.into(), editor.clone(), false).await;
    assert_eq!(status, 422);
    let cols: Vec<&str> = report["problems"]
        .as_array()
        .expect("p")
        .iter()
        .filter_map(|p| p["column"].as_str())
        .collect();
    assert_eq!(cols, ["Période", "Effectif fin"], "{report}");
    // The command line, for the DINUM: a dry run writes nothing, then the file.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("rh.csv");
    std::fs::write(
        &path,
        "Ministère;Région;Période;Effectif début;Effectif fin;Entrées;Sorties;Postes ouverts;Postes vacants fin\n\
         MEF;Corse;2025;10;11;2;1;3;1\n",
    )
    .expect("write");
    let p = path.to_str().expect("path");
    let out = crate::cli::stdout(&crate::cli::cosinum(
        &app.test_db.url,
        &["import", "rh", p, "--dry-run"],
    ));
    assert!(
        out.contains("1 nouveaux retours") && out.contains("rien n'a été écrit"),
        "{out}"
    );
    assert_eq!(app.scalar(corse).await, 0);
    let out = crate::cli::stdout(&crate::cli::cosinum(&app.test_db.url, &["import", "rh", p]));
    assert!(out.contains("1 retours créés"), "{out}");
    assert_eq!(app.scalar(corse).await, 1);
}
dual_test!(talent_files);

async fn talent_salary_grid(app: &TestApp) {
    let reader = app.token(READER_MININT, false).await;
    let grids: Vec<Value> = app.get_json("/api/v1/talents/grids", &reader).await;
    let versions: Vec<&str> = grids.iter().filter_map(|g| g["version"].as_str()).collect();
    assert_eq!(versions, ["2021-12", "2024-01"]);
    // A 2024 cell, read from the grid itself, then checked on either side.
    let cell = grids[1]["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["job"] == "Data analyst" && c["band"] == "3 à 6 ans")
        .expect("cell")
        .clone();
    let (low, high) = (
        cell["low"].as_i64().expect("low"),
        cell["high"].as_i64().expect("high"),
    );
    let check = |salary: i64, date: &str| {
        let body = serde_json::json!({"job": "data  ANALYST", "band": "3 à 6 ans", "salary": salary, "date": date});
        app.send(
            reqwest::Method::POST,
            "/api/v1/talents/salary-check",
            &reader,
            body,
        )
    };
    let (status, within) = check(high, "2025-03-01").await;
    assert_eq!(
        (
            status,
            within["check"]["position"].as_str(),
            within["visa_needed"].as_bool()
        ),
        (200, Some("within_grid"), Some(false)),
        "{within}"
    );
    assert_eq!(
        (within["low"].as_i64(), within["variable_max"].as_f64()),
        (Some(low), Some(0.2))
    );
    let (_, above) = check(high + 1, "2025-03-01").await;
    assert_eq!(
        (
            above["check"]["position"].as_str(),
            above["visa_needed"].as_bool()
        ),
        (Some("above_grid"), Some(true))
    );
    let (_, below) = check(low - 1, "2025-03-01").await;
    assert_eq!(below["check"]["position"], "below_range");
    // The band names of 2024 do not exist in the 2021 grid in force in 2023.
    let (_, old) = check(high, "2023-03-01").await;
    assert_eq!(old["check"]["position"], "unknown_job", "{old}");
    let (_, none) = check(high, "2019-01-01").await;
    assert_eq!(none["check"]["position"], "no_grid");
    let (status, _) = check(-5, "2025-03-01").await;
    assert_eq!(status, 422);

    // The grid as a file: exported, imported back unchanged; only the DINUM imports.
    let res = app
        .client()
        .get(app.url("/api/v1/talents/grids/export?format=csv"))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("export");
    let csv = res.text().await.expect("csv");
    let import = |body: String, token: String| {
        let c = app.client();
        let url = app.url("/api/v1/talents/grids/import?file_name=grille.csv");
        async move {
            let res = c
                .post(url)
                .bearer_auth(token)
                .body(body)
                .send()
                .await
                .expect("import");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let editor = app.token(EDITOR_MININT, false).await;
    let (status, _) = import(csv.clone(), editor).await;
    assert_eq!(status, 403);
    let steering = app.token(STEERING, false).await;
    let before = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'salary_grid'")
        .await;
    let (status, report) = import(csv.clone(), steering.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert!(
        report["changes"]
            .as_array()
            .is_some_and(|c| c.len() == 2 && c.iter().all(|x| x["kind"] == "unchanged")),
        "{report}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE object_type = 'salary_grid'")
            .await,
        before
    );
    // A new version through the command line, then checked against.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("grille-2026.csv");
    std::fs::write(
        &path,
        "Version;En vigueur le;Métier;Expérience;Bas (€);Haut (€);Part variable max (%);Source\n\
         2026-01;01/01/2026;Data analyst;3 à 6 ans;56 000;73 000;20;Circulaire test\n",
    )
    .expect("write");
    let out = crate::cli::stdout(&crate::cli::cosinum(
        &app.test_db.url,
        &["import", "grille", path.to_str().expect("path")],
    ));
    assert!(out.contains("1 grilles créées"), "{out}");
    let (_, now) = check(72_000, "2026-02-01").await;
    assert_eq!(
        (
            now["check"]["position"].as_str(),
            now["check"]["version"].as_str()
        ),
        (Some("within_grid"), Some("2026-01")),
        "{now}"
    );
    // The page: the grid in force and the check form.
    let (browser, _) = app.login(READER_MININT).await;
    let html = app
        .page(&browser, &format!("/talents/grille?version=2024-01&metier=Data+analyst&experience=3+%C3%A0+6+ans&salaire={}&date=2025-03-01", high + 1000))
        .await;
    assert!(
        html.contains("Visa préalable du contrôleur budgétaire nécessaire"),
        "{html}"
    );
    assert!(html.contains("Urbaniste des systèmes d") && html.contains("montants illustratifs"));
}
dual_test!(talent_salary_grid);

async fn talent_dashboard(app: &TestApp) {
    let (browser, _) = app.login(STEERING).await;
    let html = app.page(&browser, "/talents").await;
    for part in [
        "Dispersion entre ministères",
        "Rotation trop forte",
        "Par région",
        "Équipes et livraison des grands projets",
        "<svg",
    ] {
        assert!(html.contains(part), "missing {part}");
    }
    // Every ministry's row, and the MININT alert next to its figure.
    assert_eq!(html.matches("&amp;ministere=").count(), 12);
    let (browser, _) = app.login(READER_MININT).await;
    let mine = app.page(&browser, "/talents").await;
    assert_eq!(
        mine.matches("&amp;ministere=").count(),
        1,
        "a ministry sees its own row"
    );
    assert!(!mine.contains(">MEF<"));
}
dual_test!(talent_dashboard);
