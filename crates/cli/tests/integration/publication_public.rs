//! What the public sees (issue #10): internal-only values are seeded — a
//! project's withheld figures and its internal narrative, a volume closed
//! by a rule, a project only in a release under embargo, the accounts that
//! prepared and published — then every public output (pages, public API,
//! files, charts) is fetched anonymously and searched for them. Positive
//! controls prove the search would have found them.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::committee::{day, id};
use crate::harness::*;
use crate::publication::{decide, prepare};

/// Values that must never appear in public.
const SECRETS: [&str; 8] = [
    "987,654",
    "987.654",
    "555,555",
    "555.555",
    "NARRATIF-INTERNE-Q7",
    "7654321",
    "7\u{202f}654\u{202f}321",
    "@demo.cosinum.fr",
];
const EMBARGOED: &str = "PROJET-EMBARGO-K9";

/// Creates a MININT project through the API and returns its id.
async fn project(app: &TestApp, token: &str, name: &str, withheld: bool) -> i64 {
    let minint = app.org("MININT").await;
    let (status, p) = app
        .send(
            Method::POST,
            "/api/v1/projects",
            token,
            json!({"organisation_id": minint.id.0, "name": name, "phase": "conception_realisation",
                   "functional_zone": "Sécurité intérieure", "figures_withheld": withheld,
                   "entered_on": day(-400)}),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    p["id"].as_i64().expect("id")
}

/// Every public URL: pages, API, files, charts, project and ministry pages.
async fn public_urls(app: &TestApp) -> Vec<String> {
    let anon = app.client();
    let mut urls: Vec<String> = [
        "/donnees",
        "/donnees/versions",
        "/donnees/panorama",
        "/donnees/observatoire",
        "/donnees/panorama/graphiques/couts-par-ministere.svg",
        "/donnees/observatoire/graphiques/objectifs.svg",
        "/api/v1/public/releases",
        "/api/v1/public/panorama/latest",
        "/api/v1/public/observatoire/latest",
        "/api/v1/public/panorama/records",
        "/api/v1/public/observatoire/records",
        "/api/v1/public/panorama/figures",
        "/api/v1/public/observatoire/figures",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let releases: Value = anon
        .get(app.url("/api/v1/public/releases"))
        .send()
        .await
        .expect("releases")
        .json()
        .await
        .expect("json");
    for r in releases.as_array().expect("list") {
        let (d, n) = (r["dataset"].as_str().expect("dataset"), &r["number"]);
        urls.push(format!("/donnees/{d}/versions/{n}"));
        urls.push(format!("/api/v1/public/{d}/releases/{n}"));
        urls.push(format!("/api/v1/public/{d}/records?version={n}"));
        for f in r["files"].as_array().expect("files") {
            urls.push(f["url"].as_str().expect("url").to_owned());
        }
    }
    let mut ministries = BTreeSet::new();
    for d in ["panorama", "observatoire"] {
        let records: Value = anon
            .get(app.url(&format!("/api/v1/public/{d}/records")))
            .send()
            .await
            .expect("records")
            .json()
            .await
            .unwrap_or(Value::Null);
        for rec in records["records"].as_array().into_iter().flatten() {
            if d == "panorama" {
                urls.push(format!(
                    "/donnees/panorama/projets/{}",
                    rec["id"].as_str().expect("id")
                ));
            } else if let Some(m) = rec["Ministère"].as_str() {
                ministries.insert(m.to_owned());
            }
        }
    }
    urls.extend(
        ministries
            .iter()
            .map(|m| format!("/donnees/observatoire/ministeres/{m}")),
    );
    urls
}

/// Fetches every public URL anonymously: each must answer 200. Returns
/// each URL with its body, for searching.
async fn everything_public(app: &TestApp) -> Vec<(String, String)> {
    let anon = app.client();
    let mut all = Vec::new();
    for url in public_urls(app).await {
        let res = anon.get(app.url(&url)).send().await.expect("request");
        assert_eq!(res.status(), 200, "{url}");
        let bytes = res.bytes().await.expect("body");
        all.push((url, String::from_utf8_lossy(&bytes).into_owned()));
    }
    all
}

/// Whether any public output contains `needle`.
fn found(public: &[(String, String)], needle: &str) -> bool {
    public.iter().any(|(_, body)| body.contains(needle))
}

/// Fails naming the output (and the text around) where a secret appears.
fn assert_absent(public: &[(String, String)], needle: &str) {
    for (url, body) in public {
        if let Some(i) = body.find(needle) {
            let around: String = body[i.saturating_sub(200)..].chars().take(300).collect();
            panic!("{needle:?} reached a public output: {url}: …{around}…");
        }
    }
}

async fn nothing_internal_reaches_the_public(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let admin = app.token(ADMIN, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    // Internal-only values: a project whose figures are withheld (its cost,
    // its baseline, its review's narrative).
    let secret = project(app, &editor, "Projet témoin aux chiffres retenus", true).await;
    let p: Value = app
        .get_json(&format!("/api/v1/projects/{secret}"), &editor)
        .await;
    let (status, b) = app
        .send(
            Method::POST,
            &format!("/api/v1/projects/{secret}/baselines"),
            &editor,
            json!({"approved_on": day(-390), "cost_meur": 555.555, "start": day(-390),
                   "planned_end": day(400), "approved_by": "DINUM", "project_version": p["project"]["version"]}),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let (status, r) = app
        .send(
            Method::POST,
            &format!("/api/v1/projects/{secret}/reviews"),
            &editor,
            json!({"review_date": day(-5), "cost_meur": 987.654, "start": day(-390),
                   "forecast_end": day(500), "phase": "conception_realisation", "ministry_rating": 3, "figures_withheld": true,
                   "narrative": "NARRATIF-INTERNE-Q7 : appel d'offres en cours."}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    // A démarche's online volume, closed by a rule; its total stays public.
    let demarche = cosinum_store::demarches::list(&app.db)
        .await
        .expect("démarches")
        .into_iter()
        .find(|d| !d.archived)
        .expect("a demo démarche");
    crate::committee::raw_write(
        app,
        "UPDATE demarches SET annual_volume = 9876543, online_volume = 7654321 WHERE id = $1",
        demarche.id,
    )
    .await
    .expect("volumes");
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/v1/publication/observatoire/rules",
            &steering,
            json!({"rules": {"volumetrie_en_ligne": "internal"}, "version": 0}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Nothing published yet: the pages say so, the API has nothing.
    let before = app.page(&app.client(), "/donnees/panorama").await;
    assert!(before.contains("Aucune version du panorama"), "{before}");
    for d in ["panorama", "observatoire"] {
        let r = prepare(app, &steering, d, &day(0)).await;
        let (status, _) = decide(app, &admin, &r, "published").await;
        assert_eq!(status, 200);
    }
    // A project known only to a release under embargo.
    project(app, &editor, EMBARGOED, false).await;
    let embargoed = prepare(app, &steering, "panorama", &day(0)).await;
    let (_, _, csv) = crate::committee::download(
        app,
        &format!(
            "/api/v1/publication/releases/{}/files/panorama.csv",
            id(&embargoed)
        ),
        &steering,
    )
    .await;
    assert!(
        String::from_utf8_lossy(&csv).contains(EMBARGOED),
        "the DINUM sees it"
    );

    let public = everything_public(app).await;
    // Positive controls: the search finds what is public.
    assert!(found(&public, "Projet témoin aux chiffres retenus"));
    assert!(found(
        &public,
        "Les éléments chiffrés des projets en cours d'appel d'offres"
    ));
    assert!(
        found(&public, "9876543"),
        "the démarche's total volume is public"
    );
    for s in SECRETS {
        assert_absent(&public, s);
    }
    assert_absent(&public, EMBARGOED);
    // Internal endpoints and pages stay closed to anonymous visitors.
    let anon = app.client();
    for url in [
        "/api/v1/publication/releases",
        "/api/v1/publication/panorama/rules",
    ] {
        let res = anon.get(app.url(url)).send().await.expect("request");
        assert_eq!(res.status(), 401, "{url}");
    }
    let res = anon
        .get(app.url(&format!(
            "/api/v1/public/panorama/releases/{}",
            embargoed["number"]
        )))
        .send()
        .await
        .expect("request");
    assert_eq!(
        res.status(),
        404,
        "an embargoed release is not found publicly"
    );

    // Published, the embargoed project becomes public (and still no secret).
    let (status, _) = decide(app, &admin, &embargoed, "published").await;
    assert_eq!(status, 200);
    let after = everything_public(app).await;
    assert!(found(&after, EMBARGOED));
    for s in SECRETS {
        assert_absent(&after, s);
    }
    let v2: Value = anon
        .get(app.url("/api/v1/public/panorama/releases/2"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(v2["changelog"]["added"][0]["label"], EMBARGOED, "{v2}");
}
dual_test!(nothing_internal_reaches_the_public);

async fn public_answers_are_cacheable(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let admin = app.token(ADMIN, false).await;
    let r = prepare(app, &steering, "panorama", &day(0)).await;
    decide(app, &admin, &r, "published").await;
    let anon = app.client();
    for url in [
        "/api/v1/public/panorama/releases/1/files/panorama.csv",
        "/api/v1/public/panorama/figures",
        "/donnees/panorama/graphiques/couts-par-ministere.svg",
    ] {
        let res = anon.get(app.url(url)).send().await.expect("request");
        assert_eq!(res.status(), 200, "{url}");
        let etag = res
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .expect("an ETag")
            .to_owned();
        assert!(res.headers().get("cache-control").is_some());
        let again = anon
            .get(app.url(url))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("request");
        assert_eq!(again.status(), 304, "{url}");
        let other = anon
            .get(app.url(url))
            .header("If-None-Match", "\"autre\"")
            .send()
            .await
            .expect("request");
        assert_eq!(other.status(), 200, "{url}");
    }
    // The file's ETag is its published SHA-256.
    let res = anon
        .get(app.url("/api/v1/public/panorama/releases/1/files/panorama.csv"))
        .send()
        .await
        .expect("request");
    let sha = r["files"][0]["sha256"].as_str().expect("sha");
    assert_eq!(
        res.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some(format!("\"{sha}\"").as_str())
    );
    let figures: Value = res_json(anon.get(app.url("/api/v1/public/panorama/figures"))).await;
    assert_eq!(figures["projects"], r["row_count"]);
    assert_eq!(figures["release"]["number"], 1);
    // Unknown datasets and versions are 404.
    for url in [
        "/api/v1/public/budget/latest",
        "/api/v1/public/panorama/releases/9",
        "/donnees/panorama/projets/999999",
    ] {
        let res = anon.get(app.url(url)).send().await.expect("request");
        assert_eq!(res.status(), 404, "{url}");
    }
}
dual_test!(public_answers_are_cacheable);

async fn res_json(req: reqwest::RequestBuilder) -> Value {
    req.send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

async fn desk_pages(app: &TestApp) {
    let (client, csrf) = app.login(STEERING).await;
    let page = app.page(&client, "/publication").await;
    assert!(page.contains("Publication des données ouvertes"), "{page}");
    assert!(page.contains("Aucune version préparée"));
    let res = client
        .post(app.url("/publication/versions"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("dataset", "panorama"),
            ("as_of", &day(0)),
        ])
        .send()
        .await
        .expect("prepare");
    assert_eq!(res.status(), 303);
    let page = app.page(&client, "/publication").await;
    assert!(page.contains("Sous embargo"));
    assert!(
        page.contains("En attente de publication"),
        "steering cannot publish"
    );
    let res = client
        .post(app.url("/publication/panorama/regles"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("version", "0"),
            ("regle_cout_estime", "public"),
        ])
        .send()
        .await
        .expect("rules");
    assert_eq!(res.status(), 422, "a figure cannot be made plainly public");
    let res = client
        .post(app.url("/publication/panorama/regles"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("version", "0"),
            ("regle_identifiant", "public"),
        ])
        .send()
        .await
        .expect("rules");
    assert_eq!(res.status(), 303);

    let (admin, admin_csrf) = app.login(ADMIN).await;
    let releases: Value = app
        .get_json(
            "/api/v1/publication/releases",
            &app.token(ADMIN, false).await,
        )
        .await;
    let r = &releases[0];
    let res = admin
        .post(app.url(&format!("/publication/versions/{}", id(r))))
        .form(&[
            ("csrf_token", admin_csrf.as_str()),
            ("version", &r["version"].to_string()),
            ("action", "publier"),
            ("public_from", &day(0)),
        ])
        .send()
        .await
        .expect("publish");
    assert_eq!(res.status(), 303);
    let public = app.page(&app.client(), "/donnees/panorama").await;
    assert!(public.contains("Version 1"), "{public}");
    // Ministries do not see the desk.
    let (reader, _) = app.login(READER_MININT).await;
    assert_eq!(app.status(&reader, "/publication").await, 403);
}
dual_test!(desk_pages);
