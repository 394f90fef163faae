//! The DINUM's Panorama open data, imported as published: each edition's
//! figures checked against figures computed here, independently, straight
//! from the raw files (`../shared/data/panorama/raw`, never copied here).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::*;

fn raw_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/panorama/raw");
    dir.is_dir().then_some(dir)
}

fn cosinum(db_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cosinum"))
        .args(args)
        .args(["--database-url", db_url])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run cosinum")
}

/// (projects, interministerial, total cost excluding Cadrage in M€, mean duration in years)
/// computed from the cells as a spreadsheet user would.
fn expected(rows: &[Vec<String>]) -> (usize, usize, f64, f64) {
    let header: Vec<String> = rows[0].iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.starts_with(name))
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let (name, inter, start, duration, phase, cost) = (
        col("nom du projet"),
        col("projet interminist"),
        col("début"),
        col("durée"),
        col("phase"),
        col("coût estimé"),
    );
    let number = |s: &str| s.trim().replace(',', ".").parse::<f64>().ok();
    let data: Vec<&Vec<String>> = rows[1..]
        .iter()
        .filter(|r| r.get(name).is_some_and(|n| !n.trim().is_empty()))
        .collect();
    let interministerial = data
        .iter()
        .filter(|r| r[inter].trim().eq_ignore_ascii_case("oui"))
        .count();
    let total: f64 = data
        .iter()
        .filter(|r| !r[phase].to_lowercase().contains("cadrage"))
        .filter_map(|r| number(&r[cost]))
        .sum();
    let durations: Vec<f64> = data
        .iter()
        .filter(|r| !r[start].trim().is_empty())
        .filter_map(|r| number(&r[duration]))
        .collect();
    (
        data.len(),
        interministerial,
        total,
        durations.iter().sum::<f64>() / durations.len() as f64,
    )
}

fn read_rows(path: &Path) -> Vec<Vec<String>> {
    if path.extension().is_some_and(|e| e == "csv") {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(path)
            .expect("csv");
        reader
            .records()
            .map(|r| r.expect("record").iter().map(str::to_owned).collect())
            .collect()
    } else {
        use calamine::{Reader, open_workbook_auto};
        let mut wb = open_workbook_auto(path).expect("xlsx");
        let name = wb.sheet_names().first().cloned().expect("sheet");
        let range = wb.worksheet_range(&name).expect("range");
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }
}

async fn panorama_files_import_as_editions(app: &TestApp) {
    let Some(dir) = raw_dir() else {
        eprintln!("shared/data/panorama/raw absent: nothing to import");
        return;
    };
    // An empty database: the editions alone make the portfolio.
    let fresh = TestDb::new(app.backend()).await;
    let db = fresh.connect().await;
    let files = [
        (
            "2016-11_DISIC-panorama_4ba4069_panorama_projets_si.csv",
            "2016-11-03",
        ),
        (
            "2017-06_DISIC-panorama_c2eea27_Panorama_des_grands_projets_SI_-_20170630.csv",
            "2017-06-01",
        ),
        ("2018-03_DISIC-panorama_d594dda_export.xlsx", "2018-02-28"),
    ];
    let paths: Vec<String> = files
        .iter()
        .map(|(f, _)| dir.join(f).display().to_string())
        .collect();
    let mut args = vec!["import", "panorama"];
    args.extend(paths.iter().map(String::as_str));
    let out = cosinum(&fresh.url, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (file, as_of) in files {
        let (n, inter, total, duration) = expected(&read_rows(&dir.join(file)));
        let out = cosinum(&fresh.url, &["portfolio", "--as-of", as_of, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(r["projects"].as_u64(), Some(n as u64), "{file}: projects");
        assert_eq!(
            r["interministerial"].as_u64(),
            Some(inter as u64),
            "{file}: interministerial"
        );
        let got = r["total_cost_meur"].as_f64().expect("total");
        assert!(
            (got - total).abs() < 1e-6,
            "{file}: total cost {got} vs {total}"
        );
        let got = r["mean_duration_years"].as_f64().expect("duration");
        // Durations become end dates rounded to the day: ½ day per project at most.
        assert!(
            (got - duration).abs() < 0.5 / 365.0 + 1e-9,
            "{file}: mean duration {got} vs {duration}"
        );
    }
    // Known figures of the first edition (57 projects, SOURCE.txt).
    let first: Value = serde_json::from_slice(
        &cosinum(
            &fresh.url,
            &["portfolio", "--as-of", "2016-11-03", "--json"],
        )
        .stdout,
    )
    .expect("json");
    assert_eq!(first["projects"], 57);

    // Importing the same files again changes nothing, not even the history.
    let count_audit = || async {
        match &db {
            cosinum_store::Db::Sqlite(p) => {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log")
                    .fetch_one(p)
                    .await
            }
            cosinum_store::Db::Postgres(p) => {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log")
                    .fetch_one(p)
                    .await
            }
        }
        .expect("count")
    };
    let before = count_audit().await;
    let out = cosinum(&fresh.url, &args);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("rien n'a changé").count(), 3, "{text}");
    assert_eq!(count_audit().await, before);

    // A renamed project, merged: one line fewer in and out in 2018.
    let projects = cosinum_store::projects::list(&db, false)
        .await
        .expect("projects");
    let old = projects
        .iter()
        .find(|p| p.name == "Compte Personnel d'Activité")
        .expect("old name");
    let new = projects.iter().find(|p| p.name == "CPA").expect("new name");
    let in_2018 = |v: &Value| v["changes"]["entered"].as_array().map_or(0, Vec::len);
    let before_merge: Value = serde_json::from_slice(
        &cosinum(
            &fresh.url,
            &["portfolio", "--as-of", "2018-02-28", "--json"],
        )
        .stdout,
    )
    .expect("json");
    let out = cosinum(
        &fresh.url,
        &[
            "project",
            "merge",
            "--into",
            &new.id.to_string(),
            "--from",
            &old.id.to_string(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after_merge: Value = serde_json::from_slice(
        &cosinum(
            &fresh.url,
            &["portfolio", "--as-of", "2018-02-28", "--json"],
        )
        .stdout,
    )
    .expect("json");
    assert_eq!(in_2018(&after_merge), in_2018(&before_merge) - 1);
    assert_eq!(
        after_merge["projects"], before_merge["projects"],
        "the edition itself is unchanged"
    );
    let out = cosinum(&fresh.url, &args);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .matches("rien n'a changé")
            .count()
            == 3,
        "the old name now matches the merged project"
    );

    // A broken file: every problem named by file, row and column; nothing imported.
    let tmp = tempfile::tempdir().expect("dir");
    let bad = tmp.path().join("panorama_casse.csv");
    std::fs::write(
        &bad,
        "Ministère porteur,Ministère nom complet,Nom du projet,Projet interministériel,Description et objectifs du projet,En savoir plus sur le projet,Début,Durée prévisionnelle en année,Phase du projet en cours,Coût estimé,Coût estimé par tranche,Zone fonctionnelle,Financement [programme(s)],Lien vers les Projets Annuels de Performances,Date de publication\n\
         MI,Intérieur,NOUVEAU,Peut-être,x,,2019-01-01,3,Cadrage,12,,RH,P1,,2019-03-01\n\
         MI,Intérieur,AUTRE,Non,x,,pas une date,3,Déploiement,douze,,RH,P1,,2019-03-01\n",
    )
    .expect("write");
    let out = cosinum(
        &fresh.url,
        &["import", "panorama", bad.to_str().expect("utf8")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "panorama_casse.csv",
        "ligne 2",
        "ligne 3",
        "Projet interministériel",
        "Début",
        "Coût estimé",
        "rien n'a été modifié",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    assert_eq!(
        cosinum_store::projects::list(&db, true)
            .await
            .expect("projects")
            .len(),
        projects.len()
    );
    db.close().await;
    fresh.drop_schema().await;
}
dual_test!(panorama_files_import_as_editions);
