//! Large Panorama editions, generated: a first edition of a few hundred
//! projects, a second one with changed figures, projects gone and new ones,
//! a corrected revision, an older edition imported last. The counts and the
//! audit history are those the per-row importer wrote (this test was first
//! run against it); re-importing changes nothing.

use std::path::Path;
use std::process::Command;

use cosinum_store::Db;
use time::macros::date;

use crate::harness::*;

const FIRST: &str = "2021-06-30";
const SECOND: &str = "2022-01-31";
const OLDER: &str = "2020-12-31";
const MASKED: &str =
    "Les éléments chiffrés de ce projet ne sont volontairement pas publiés par la DINUM";

fn cosinum(db_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cosinum"))
        .args(args)
        .args(["--database-url", db_url])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run cosinum")
}

/// Imports `files`, expecting success; returns what it printed.
fn import(db_url: &str, files: &[&Path]) -> String {
    let mut args = vec!["import".to_owned(), "panorama".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = cosinum(db_url, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One line of the generated portfolio: project `i` as published on `as_of`.
/// The second edition changes some figures and phases, unmasks a few
/// projects and retypes a name (case and spaces).
fn line(i: usize, as_of: &str) -> Vec<String> {
    let second = as_of == SECOND;
    let (code, ministry) = [
        ("MI", "Ministère de l'Intérieur"),
        ("MEF", "Ministère de l'Économie et des Finances"),
        ("MINARM", "Ministère des Armées"),
        ("MJ", "Ministère de la Justice"),
        ("MTE", "Ministère de la Transition écologique"),
        ("MCAS", "Ministère des Solidarités"),
    ][i % 6];
    let name = if second && i % 50 == 7 {
        format!("PROJET  d'essai n° {i:03}")
    } else {
        format!("Projet d'essai n° {i:03}")
    };
    let description = if i % 40 == 3 {
        format!("Chemin C:\\dossier\\{i}\tavec tabulation\net retour à la ligne")
    } else {
        format!("Refonte du système n° {i} : dématérialisation, interopérabilité.")
    };
    let start = if i % 11 == 4 {
        String::new()
    } else {
        format!("{}-{:02}-01", 2015 + i % 6, 1 + i % 12)
    };
    let duration = if i % 13 == 5 {
        "NA".to_owned()
    } else {
        format!("{},{}", 2 + i % 4, i % 10)
    };
    let mut phase = [
        "Cadrage",
        "Conception / Réalisation",
        "Expérimentation",
        "Déploiement",
    ][i % 4]
        .to_owned();
    let mut cost = format!("{},{}", 9 + (i * 37) % 300, i % 10);
    if second && i % 10 == 1 {
        cost = format!("{},{}", 14 + (i * 37) % 300, i % 10);
    }
    if second && i.is_multiple_of(25) {
        phase = "Déploiement".to_owned();
    }
    if second && i.is_multiple_of(4) && i.is_multiple_of(3) {
        phase = "Conception / Réalisation".to_owned();
    }
    let masked = i % 17 == 9 && !(second && i % 34 == 9);
    if masked {
        phase = MASKED.to_owned();
        cost = MASKED.to_owned();
    }
    vec![
        code.to_owned(),
        ministry.to_owned(),
        name,
        if i.is_multiple_of(7) { "Oui" } else { "Non" }.to_owned(),
        description,
        if i.is_multiple_of(5) {
            format!("https://exemple.gouv.fr/projets/{i}")
        } else {
            String::new()
        },
        start,
        duration,
        phase,
        cost,
        String::new(),
        ["Ressources humaines", "Finances publiques", "Justice"][i % 3].to_owned(),
        format!("P{}", 100 + i % 20),
        String::new(),
        as_of.to_owned(),
    ]
}

fn write_edition(path: &Path, as_of: &str, projects: impl Iterator<Item = usize>) {
    write_tweaked(path, as_of, projects, |_, _| {});
}

/// An edition whose lines `tweak` may change.
fn write_tweaked(
    path: &Path,
    as_of: &str,
    projects: impl Iterator<Item = usize>,
    tweak: impl Fn(usize, &mut Vec<String>),
) {
    let mut w = csv::Writer::from_path(path).expect("csv");
    w.write_record([
        "Ministère porteur",
        "Ministère nom complet",
        "Nom du projet",
        "Projet interministériel",
        "Description et objectifs du projet",
        "En savoir plus sur le projet",
        "Début",
        "Durée prévisionnelle en année",
        "Phase du projet en cours",
        "Coût estimé",
        "Coût estimé par tranche",
        "Zone fonctionnelle",
        "Financement [programme(s)]",
        "Lien vers les Projets Annuels de Performances",
        "Date de publication",
    ])
    .expect("header");
    for i in projects {
        let mut cells = line(i, as_of);
        tweak(i, &mut cells);
        w.write_record(cells).expect("row");
    }
    w.flush().expect("flush");
}

macro_rules! fetch {
    ($db:expr, $ty:ty, $sql:expr) => {
        match $db {
            Db::Sqlite(p) => sqlx::query_as::<_, $ty>($sql).fetch_all(p).await,
            Db::Postgres(p) => sqlx::query_as::<_, $ty>($sql).fetch_all(p).await,
        }
        .expect("query")
    };
}

/// Rows of the tables the import writes, and the history by kind of
/// object, action and version.
async fn tally(db: &Db) -> String {
    let mut out = Vec::new();
    for table in [
        "organisations",
        "projects",
        "project_reviews",
        "project_baselines",
        "portfolio_editions",
        "edition_projects",
        "audit_log",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let (n,) = fetch!(db, (i64,), sqlx::AssertSqlSafe(sql.as_str()))[0];
        out.push(format!("{table}={n}"));
    }
    for (kind, action, version, n) in fetch!(
        db,
        (String, String, i64, i64),
        "SELECT object_type, action, object_version, COUNT(*) FROM audit_log \
         GROUP BY object_type, action, object_version ORDER BY object_type, action, object_version"
    ) {
        out.push(format!("{kind}/{action}/v{version}={n}"));
    }
    out.join(" ")
}

async fn panorama_large_editions(app: &TestApp) {
    let fresh = TestDb::new(app.backend()).await;
    let db = fresh.connect().await;
    let dir = tempfile::tempdir().expect("dir");
    let first = dir.path().join("panorama-2021.csv");
    let second = dir.path().join("panorama-2022.csv");
    write_edition(&first, FIRST, 0..400);
    // Two projects leave, two enter.
    write_edition(&second, SECOND, (0..402).filter(|i| *i != 13 && *i != 100));

    let out = import(&fresh.url, &[&first]);
    assert_eq!(
        out.trim(),
        "2021-06-30 panorama-2021.csv : 400 lignes ; 400 projets créés, 400 entrés, 0 sortis ; revues 400 créées, 0 modifiées, 0 inchangées ; 235 références reconstituées ; organisations créées : MININT, MEF, MINARM, MJ, MTE, MTSS"
    );
    assert_eq!(
        tally(&db).await,
        "organisations=6 projects=400 project_reviews=400 project_baselines=235 portfolio_editions=1 edition_projects=400 audit_log=1042 organisation/create/v1=6 portfolio_edition/update/v1=1 project/create/v1=400 project/update/v2=235 project_review/create/v1=400"
    );

    let out = import(&fresh.url, &[&second]);
    assert_eq!(
        out.trim(),
        "2022-01-31 panorama-2022.csv : 400 lignes ; 2 projets créés, 2 entrés, 2 sortis ; revues 400 créées, 0 modifiées, 0 inchangées ; 39 références reconstituées"
    );
    assert_eq!(
        tally(&db).await,
        "organisations=6 projects=402 project_reviews=800 project_baselines=274 portfolio_editions=2 edition_projects=800 audit_log=1539 organisation/create/v1=6 portfolio_edition/update/v1=2 project/create/v1=402 project/update/v2=283 project/update/v3=46 project_review/create/v1=800"
    );
    let projects = cosinum_store::projects::list(&db, true)
        .await
        .expect("projects");
    let by_name = |name: &str| {
        projects
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let gone = by_name("Projet d'essai n° 013");
    assert_eq!(gone.entered_on, date!(2021 - 06 - 30));
    assert_eq!(gone.exited_on, Some(date!(2022 - 01 - 31)));
    let new = by_name("Projet d'essai n° 401");
    assert_eq!(new.entered_on, date!(2022 - 01 - 31));
    assert_eq!(new.exited_on, None);
    // Retyped in the second edition: matched, not created again.
    assert!(projects.iter().all(|p| !p.name.starts_with("PROJET")));

    // One history read whole: created, baseline stood in, phase followed.
    let history = |id: i64| {
        let db = db.clone();
        async move {
            cosinum_store::audit::history(&db, "project", id)
                .await
                .expect("history")
                .into_iter()
                .map(|e| {
                    format!(
                        "v{} {} {}",
                        e.object_version,
                        e.action.as_str(),
                        serde_json::to_string(&e.changes).expect("json")
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        history(gone.id).await,
        [
            r#"v1 create [{"field":"archived","before":null,"after":false},{"field":"description","before":null,"after":"Refonte du système n° 13 : dématérialisation, interopérabilité."},{"field":"entered_on","before":null,"after":"2021-06-30"},{"field":"figures_withheld","before":null,"after":false},{"field":"functional_zone","before":null,"after":"Finances publiques"},{"field":"funding_programmes","before":null,"after":"P113"},{"field":"interministerial","before":null,"after":false},{"field":"links","before":null,"after":""},{"field":"name","before":null,"after":"Projet d'essai n° 013"},{"field":"organisation_id","before":null,"after":2},{"field":"phase","before":null,"after":"conception_realisation"}]"#,
            r#"v2 update [{"field":"baseline (référence initiale)","before":null,"after":{"approved_by":"import panorama-2021.csv","approved_on":"2021-06-30","cost_meur":190.3,"planned_end":"2019-05-21","reason":"Référence reconstituée : première publication au panorama (les données ouvertes ne publient pas la référence initiale)","start":"2016-02-01"}}]"#,
            r#"v3 update [{"field":"exited_on","before":null,"after":"2022-01-31"}]"#
        ]
    );
    let changed = by_name("Projet d'essai n° 012");
    assert_eq!(
        history(changed.id).await,
        [
            r#"v1 create [{"field":"archived","before":null,"after":false},{"field":"description","before":null,"after":"Refonte du système n° 12 : dématérialisation, interopérabilité."},{"field":"entered_on","before":null,"after":"2021-06-30"},{"field":"figures_withheld","before":null,"after":false},{"field":"functional_zone","before":null,"after":"Ressources humaines"},{"field":"funding_programmes","before":null,"after":"P112"},{"field":"interministerial","before":null,"after":false},{"field":"links","before":null,"after":""},{"field":"name","before":null,"after":"Projet d'essai n° 012"},{"field":"organisation_id","before":null,"after":1},{"field":"phase","before":null,"after":"cadrage"}]"#,
            r#"v2 update [{"field":"phase","before":"cadrage","after":"conception_realisation"}]"#,
            r#"v3 update [{"field":"baseline (référence initiale)","before":null,"after":{"approved_by":"import panorama-2022.csv","approved_on":"2022-01-31","cost_meur":153.2,"planned_end":"2017-03-14","reason":"Référence reconstituée : première publication au panorama (les données ouvertes ne publient pas la référence initiale)","start":"2015-01-01"}}]"#
        ]
    );
    let unmasked = by_name("Projet d'essai n° 043");
    assert_eq!(
        history(unmasked.id).await,
        [
            r#"v1 create [{"field":"archived","before":null,"after":false},{"field":"description","before":null,"after":"Chemin C:\\dossier\\43\tavec tabulation\net retour à la ligne"},{"field":"entered_on","before":null,"after":"2021-06-30"},{"field":"figures_withheld","before":null,"after":true},{"field":"functional_zone","before":null,"after":"Finances publiques"},{"field":"funding_programmes","before":null,"after":"P103"},{"field":"interministerial","before":null,"after":false},{"field":"links","before":null,"after":""},{"field":"name","before":null,"after":"Projet d'essai n° 043"},{"field":"organisation_id","before":null,"after":2},{"field":"phase","before":null,"after":"conception_realisation"}]"#,
            r#"v2 update [{"field":"figures_withheld","before":true,"after":false},{"field":"phase","before":"conception_realisation","after":"deploiement"}]"#,
            r#"v3 update [{"field":"baseline (référence initiale)","before":null,"after":{"approved_by":"import panorama-2022.csv","approved_on":"2022-01-31","cost_meur":100.3,"planned_end":"2021-11-18","reason":"Référence reconstituée : première publication au panorama (les données ouvertes ne publient pas la référence initiale)","start":"2016-08-01"}}]"#
        ]
    );

    // Importing the same file again changes nothing, not even the history.
    // (The first edition would: its lines with figures withheld take the
    // phase their project has now, which the second edition moved.)
    let before = tally(&db).await;
    let out = import(&fresh.url, &[&second]);
    assert_eq!(out.matches("rien n'a changé").count(), 1, "{out}");
    assert_eq!(tally(&db).await, before);

    // A corrected revision of the second edition: a project's flag (not
    // read from later editions), a cost and a start date differ.
    let corrected = dir.path().join("panorama-2022-corrige.csv");
    write_tweaked(
        &corrected,
        SECOND,
        (0..402).filter(|i| *i != 13 && *i != 100),
        |i, cells| match i {
            21 => cells[3] = "Oui".to_owned(),
            22 => cells[9] = "99,9".to_owned(),
            23 => cells[6] = "2019-03-01".to_owned(),
            _ => {}
        },
    );
    let out = import(&fresh.url, &[&corrected]);
    assert_eq!(
        out.trim(),
        "2022-01-31 panorama-2022-corrige.csv : 400 lignes ; 0 projets créés, 2 entrés, 2 sortis ; revues 0 créées, 2 modifiées, 398 inchangées ; 0 références reconstituées"
    );
    assert_eq!(
        tally(&db).await,
        "organisations=6 projects=402 project_reviews=800 project_baselines=274 portfolio_editions=2 edition_projects=800 audit_log=1541 organisation/create/v1=6 portfolio_edition/update/v1=2 project/create/v1=402 project/update/v2=283 project/update/v3=46 project_review/create/v1=800 project_review/update/v2=2"
    );

    // An older edition imported last: entries move back, a project listed
    // only then is created, and leaves at the next edition.
    let older = dir.path().join("panorama-2020.csv");
    write_edition(&older, OLDER, (0..60).chain([500]));
    let out = import(&fresh.url, &[&older]);
    assert_eq!(
        out.trim(),
        "2020-12-31 panorama-2020.csv : 61 lignes ; 1 projets créés, 61 entrés, 0 sortis ; revues 61 créées, 0 modifiées, 0 inchangées ; 0 références reconstituées"
    );
    assert_eq!(
        tally(&db).await,
        "organisations=6 projects=403 project_reviews=861 project_baselines=274 portfolio_editions=3 edition_projects=861 audit_log=1665 organisation/create/v1=6 portfolio_edition/update/v1=3 project/create/v1=403 project/update/v2=302 project/update/v3=79 project/update/v4=9 project_review/create/v1=861 project_review/update/v2=2"
    );
    let ancient = cosinum_store::projects::list(&db, true)
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.name == "Projet d'essai n° 500")
        .expect("500");
    assert_eq!(ancient.entered_on, date!(2020 - 12 - 31));
    assert_eq!(ancient.exited_on, Some(date!(2021 - 06 - 30)));
    assert_eq!(
        history(ancient.id).await,
        [
            r#"v1 create [{"field":"archived","before":null,"after":false},{"field":"description","before":null,"after":"Refonte du système n° 500 : dématérialisation, interopérabilité."},{"field":"entered_on","before":null,"after":"2020-12-31"},{"field":"figures_withheld","before":null,"after":false},{"field":"functional_zone","before":null,"after":"Justice"},{"field":"funding_programmes","before":null,"after":"P100"},{"field":"interministerial","before":null,"after":false},{"field":"links","before":null,"after":"https://exemple.gouv.fr/projets/500"},{"field":"name","before":null,"after":"Projet d'essai n° 500"},{"field":"organisation_id","before":null,"after":3},{"field":"phase","before":null,"after":"cadrage"}]"#,
            r#"v2 update [{"field":"exited_on","before":null,"after":"2021-06-30"}]"#
        ]
    );
    assert_eq!(
        history(by_name("Projet d'essai n° 005").id).await,
        [
            r#"v1 create [{"field":"archived","before":null,"after":false},{"field":"description","before":null,"after":"Refonte du système n° 5 : dématérialisation, interopérabilité."},{"field":"entered_on","before":null,"after":"2021-06-30"},{"field":"figures_withheld","before":null,"after":false},{"field":"functional_zone","before":null,"after":"Justice"},{"field":"funding_programmes","before":null,"after":"P105"},{"field":"interministerial","before":null,"after":false},{"field":"links","before":null,"after":"https://exemple.gouv.fr/projets/5"},{"field":"name","before":null,"after":"Projet d'essai n° 005"},{"field":"organisation_id","before":null,"after":6},{"field":"phase","before":null,"after":"conception_realisation"}]"#,
            r#"v2 update [{"field":"entered_on","before":"2021-06-30","after":"2020-12-31"}]"#
        ]
    );

    let before = tally(&db).await;
    let out = import(&fresh.url, &[&older]);
    assert!(out.ends_with("rien n'a changé\n"), "{out}");
    assert_eq!(tally(&db).await, before);

    // The same project twice: refused in French, nothing written.
    let twice = dir.path().join("panorama-double.csv");
    write_edition(&twice, "2023-01-31", (0..30).chain([16]));
    let out = cosinum(
        &fresh.url,
        &["import", "panorama", twice.to_str().expect("utf8")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ligne 32 : le projet « Projet d'essai n° 016 » figure deux fois pour MTE"),
        "{err}"
    );
    assert_eq!(tally(&db).await, before);
    db.close().await;
    fresh.drop_schema().await;
}
dual_test!(panorama_large_editions);

/// The import tells its progress batch by batch, ending on the line count,
/// and a batch boundary changes nothing written (every line is a project).
async fn panorama_import_reports_its_progress(app: &TestApp) {
    use cosinum_store::projects::import::{EditionLine, apply_edition};
    let fresh = TestDb::new(app.backend()).await;
    let db = fresh.connect().await;
    let lines: Vec<EditionLine> = (0..12_345)
        .map(|i| EditionLine {
            line: i + 2,
            ministry_code: ["MEF", "MJ"][i % 2].to_owned(),
            ministry_name: String::new(),
            name: format!("Projet de mesure n° {i:05}"),
            interministerial: false,
            description: String::new(),
            links: Vec::new(),
            functional_zone: String::new(),
            funding: String::new(),
            estimate: None,
        })
        .collect();
    let mut told = Vec::new();
    let mut tx = db.begin().await.expect("begin");
    let outcome = apply_edition(
        &mut tx,
        &cosinum_store::AuditCtx::system("test"),
        date!(2021 - 06 - 30),
        "mesure.csv",
        &lines,
        &mut |n| told.push(n),
    )
    .await
    .expect("import");
    tx.commit().await.expect("commit");
    assert_eq!(told, [5_000, 10_000, 12_345]);
    assert_eq!(outcome.projects_created, 12_345);
    assert_eq!(
        tally(&db).await.split(' ').take(2).collect::<Vec<_>>(),
        ["organisations=2", "projects=12345"]
    );
    db.close().await;
    fresh.drop_schema().await;
}
dual_test!(panorama_import_reports_its_progress);
