//! Open-data publication (issue #10) through its JSON API: rules per field,
//! releases prepared under embargo, published by an administrator, discarded,
//! reproducible byte for byte; the files' format. What the public sees and
//! never sees: `publication_public.rs`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::committee::{day, download, id};
use crate::harness::*;

/// Prepares a release (201) and returns it.
pub(crate) async fn prepare(app: &TestApp, token: &str, dataset: &str, as_of: &str) -> Value {
    let (status, r) = app
        .send(
            Method::POST,
            "/api/v1/publication/releases",
            token,
            json!({"dataset": dataset, "as_of": as_of}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    r
}

/// Publishes or discards a release; returns (status, body).
pub(crate) async fn decide(app: &TestApp, token: &str, release: &Value, to: &str) -> (u16, Value) {
    app.send(
        Method::PUT,
        &format!("/api/v1/publication/releases/{}", id(release)),
        token,
        json!({"status": to, "version": release["version"]}),
    )
    .await
}

async fn rules_and_roles(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let rules: Value = app
        .get_json("/api/v1/publication/panorama/rules", &steering)
        .await;
    assert_eq!(rules["version"], 0);
    let fields = rules["fields"].as_array().expect("fields");
    let public: Vec<&str> = fields
        .iter()
        .filter(|f| f["visibility"] != "internal")
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(
        public.len(),
        15,
        "the DINUM's 15 columns by default: {public:?}"
    );
    let cost = fields
        .iter()
        .find(|f| f["key"] == "cout_estime")
        .expect("cost");
    assert_eq!(
        (&cost["visibility"], &cost["withholdable"]),
        (&json!("withheld"), &json!(true))
    );

    // Ministries neither read nor change the rules, nor prepare releases.
    let (status, _) = app
        .send(
            Method::GET,
            "/api/v1/publication/panorama/rules",
            &editor,
            Value::Null,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .send(
            Method::POST,
            "/api/v1/publication/releases",
            &editor,
            json!({"dataset": "panorama"}),
        )
        .await;
    assert_eq!(status, 403);
    let put = |token: &str, rules: Value, version: i64| {
        let token = token.to_owned();
        async move {
            app.send(
                Method::PUT,
                "/api/v1/publication/panorama/rules",
                &token,
                json!({"rules": rules, "version": version}),
            )
            .await
        }
    };
    let (status, _) = put(&editor, json!({"identifiant": "public"}), 0).await;
    assert_eq!(status, 403);
    // A figure cannot be published whatever the condition; unknown fields
    // and values are refused; nothing is stored.
    for bad in [
        json!({"cout_estime": "public"}),
        json!({"salaire": "public"}),
        json!({"nom": "withheld"}),
        json!({"nom": "visible"}),
    ] {
        let (status, body) = put(&steering, bad.clone(), 0).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, body) = put(
        &steering,
        json!({"identifiant": "public", "description": "internal"}),
        0,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 1);
    let visibility = |b: &Value, key: &str| {
        b["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["key"] == key))
            .map(|f| f["visibility"].clone())
    };
    assert_eq!(visibility(&body, "identifiant"), Some(json!("public")));
    assert_eq!(visibility(&body, "description"), Some(json!("internal")));
    // Stale version: refused, not overwritten.
    let (status, _) = put(&steering, json!({}), 0).await;
    assert_eq!(status, 409);
    let history: Value = app
        .get_json("/api/v1/history/publication_rules/1", &steering)
        .await;
    assert!(history.to_string().contains("identifiant"), "{history}");
}
dual_test!(rules_and_roles);

async fn release_lifecycle(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let admin = app.token(ADMIN, false).await;
    let first = prepare(app, &steering, "panorama", &day(-30)).await;
    assert_eq!(
        (first["number"].as_i64(), first["status"].as_str()),
        (Some(1), Some("embargoed"))
    );
    assert!(first["changelog"]["previous"].is_null());
    // One release under embargo at a time.
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/publication/releases",
            &steering,
            json!({"dataset": "panorama"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    // The DINUM prepares; only an administrator (or the chair) publishes.
    let (status, _) = decide(app, &steering, &first, "published").await;
    assert_eq!(status, 403);
    let (status, published) = decide(app, &admin, &first, "published").await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["public_from"], json!(day(0)));
    // Published is final.
    let (status, _) = decide(app, &admin, &published, "discarded").await;
    assert_eq!(status, 409);

    // Prepared twice from the same data, a release is the same bytes: the
    // discarded one and the next share their number and every file.
    let second = prepare(app, &steering, "panorama", &day(0)).await;
    assert_eq!(second["number"], 2);
    assert_eq!(second["changelog"]["previous"], 1);
    let (status, discarded) = decide(app, &steering, &second, "discarded").await;
    assert_eq!(
        (status, discarded["status"].as_str()),
        (200, Some("discarded"))
    );
    let again = prepare(app, &steering, "panorama", &day(0)).await;
    assert_eq!(again["number"], 2);
    let names: Vec<String> = again["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        names,
        [
            "panorama.csv",
            "panorama.json",
            "schema.json",
            "datapackage.json",
            "CHANGELOG.md"
        ]
    );
    for name in &names {
        let get = |r: &Value| format!("/api/v1/publication/releases/{}/files/{name}", id(r));
        let (s1, _, a) = download(app, &get(&second), &steering).await;
        let (s2, _, b) = download(app, &get(&again), &steering).await;
        assert_eq!((s1, s2), (200, 200));
        assert!(
            a == b,
            "{name} differs between two preparations from the same data"
        );
    }
    assert_eq!(second["digest"], again["digest"]);

    // Rebuilt from its stored inputs, each release gives the same bytes.
    for r in [&first, &again] {
        let inputs = cosinum_store::publication::inputs(&app.db, id(r))
            .await
            .expect("inputs");
        let built = cosinum_io::publication::build(&inputs).expect("built");
        for f in &built.files {
            let (_, stored) = cosinum_store::publication::file(&app.db, id(r), &f.name)
                .await
                .expect("file");
            assert!(
                stored == f.bytes,
                "release {} file {} is not reproducible",
                id(r),
                f.name
            );
        }
        let check: Value = app
            .get_json(
                &format!("/api/v1/publication/releases/{}/verify", id(r)),
                &steering,
            )
            .await;
        assert_eq!(check["reproducible"], true);
    }

    // The command line: every release rebuilds; a published one exports
    // its files as published.
    let printed = crate::cli::stdout(&crate::cli::cosinum(
        &app.test_db.url,
        &["release", "verify"],
    ));
    assert!(
        printed.contains("3 version(s) reconstruite(s)"),
        "{printed}"
    );
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("panorama");
    crate::cli::stdout(&crate::cli::cosinum(
        &app.test_db.url,
        &[
            "release",
            "export",
            "--dataset",
            "panorama",
            "--out",
            out.to_str().expect("utf8"),
        ],
    ));
    let (_, _, published_csv) = download(
        app,
        "/api/v1/public/panorama/releases/1/files/panorama.csv",
        &steering,
    )
    .await;
    assert!(std::fs::read(out.join("panorama.csv")).expect("exported") == published_csv);
    assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 5);
    let missing = crate::cli::cosinum(
        &app.test_db.url,
        &[
            "release",
            "export",
            "--dataset",
            "panorama",
            "--version",
            "2",
            "--out",
            out.to_str().expect("utf8"),
        ],
    );
    assert!(!missing.status.success(), "version 2 is not published");

    // Files and published releases are immutable in the database itself.
    let tampered = crate::committee::raw_write(
        app,
        "UPDATE publication_files SET bytes = 0 WHERE release_id = $1",
        id(&first),
    )
    .await;
    assert!(tampered.is_err(), "a release file was changed");
    let deleted = crate::committee::raw_write(
        app,
        "DELETE FROM publication_releases WHERE id = $1",
        id(&first),
    )
    .await;
    assert!(deleted.is_err(), "a published release was deleted");
    let listed: Value = app
        .get_json("/api/v1/publication/releases", &steering)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(3));
    let history: Value = app
        .get_json(
            &format!("/api/v1/history/publication_release/{}", id(&first)),
            &steering,
        )
        .await;
    assert!(history.to_string().contains("published"), "{history}");
}
dual_test!(release_lifecycle);

async fn files_follow_the_formats(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let admin = app.token(ADMIN, false).await;
    let r = prepare(app, &steering, "panorama", &day(0)).await;
    let file = |name: &str| format!("/api/v1/publication/releases/{}/files/{name}", id(&r));
    let (_, ct, csv) = download(app, &file("panorama.csv"), &steering).await;
    assert!(ct.starts_with("text/csv"));
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let text = String::from_utf8(csv[3..].to_vec()).expect("utf-8");
    let header: Vec<String> = text
        .lines()
        .next()
        .expect("header")
        .split(';')
        .map(|h| h.trim_matches('"').to_owned())
        .collect();
    assert_eq!(
        header,
        [
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
        ]
    );
    let rows = text.lines().count() - 1;
    assert_eq!(Some(rows as i64), r["row_count"].as_i64());
    let (_, _, schema) = download(app, &file("schema.json"), &steering).await;
    let schema: Value = serde_json::from_slice(&schema).expect("schema");
    let names: Vec<&str> = schema["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, header.iter().map(String::as_str).collect::<Vec<_>>());
    let (_, _, package) = download(app, &file("datapackage.json"), &steering).await;
    let package: Value = serde_json::from_slice(&package).expect("package");
    assert_eq!(package["licenses"][0]["name"], "etalab-2.0");
    assert_eq!(package["profile"], "tabular-data-package");
    assert_eq!(package["cosinum"]["methodology"]["code"], "dinum-2017");
    for res in package["resources"].as_array().expect("resources") {
        let (status, _, bytes) =
            download(app, &file(res["path"].as_str().expect("path")), &steering).await;
        assert_eq!(status, 200);
        assert_eq!(res["bytes"].as_u64(), Some(bytes.len() as u64));
        assert_eq!(
            res["hash"].as_str(),
            Some(format!("sha256:{}", cosinum_io::publication::sha256_hex(&bytes)).as_str())
        );
    }
    let (status, _) = decide(app, &admin, &r, "published").await;
    assert_eq!(status, 200);

    // The observatory: its latest edition on or before the date, each
    // indicator followed by its level.
    let o = prepare(app, &steering, "observatoire", &day(0)).await;
    let (_, _, csv) = download(
        app,
        &format!(
            "/api/v1/publication/releases/{}/files/observatoire.csv",
            id(&o)
        ),
        &steering,
    )
    .await;
    let text = String::from_utf8(csv[3..].to_vec()).expect("utf-8");
    let header = text.lines().next().expect("header");
    assert!(
        header.starts_with("\"Édition\";\"Identifiant\";"),
        "{header}"
    );
    assert!(
        header.contains("\"Satisfaction usagers\";\"Satisfaction usagers — niveau\""),
        "{header}"
    );
    let editions: Vec<Value> = app.get_json("/api/v1/demarches/editions", &steering).await;
    let latest = editions.last().expect("an edition");
    assert_eq!(o["as_of"], latest["edition_date"]);
    assert_eq!(o["row_count"], latest["demarches"]);
    // An embargo may run past the validation: public from tomorrow, it is
    // not public today; a date already past is refused.
    let (status, body) = app
        .send(
            Method::PUT,
            &format!("/api/v1/publication/releases/{}", id(&o)),
            &admin,
            json!({"status": "published", "version": o["version"], "public_from": day(-1)}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app
        .send(
            Method::PUT,
            &format!("/api/v1/publication/releases/{}", id(&o)),
            &admin,
            json!({"status": "published", "version": o["version"], "public_from": day(1)}),
        )
        .await;
    assert_eq!((status, body["public_from"].clone()), (200, json!(day(1))));
    let res = app
        .client()
        .get(app.url("/api/v1/public/observatoire/latest"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 404, "public only from tomorrow");
}
dual_test!(files_follow_the_formats);
