//! The committee's pages for the DINUM and for a ministry's reader: every
//! page reads, only the DINUM sees the preparing buttons, a form creates a
//! session (CSRF, refusals), and signed out the pages send to sign-in while
//! the API answers 401.

use reqwest::Method;
use serde_json::json;

use crate::committee::*;
use crate::harness::*;

async fn committee_pages(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let session = create_session(
        app,
        &steering,
        session_body("COSINUM — séance de juillet", 15, 0),
    )
    .await;
    let sid = id(&session);
    let point = add_point(
        app,
        &steering,
        sid,
        json!({"title": "Point de situation sur les financements", "topic": "other", "presenter": "DINUM"}),
    )
    .await;
    let pid = id(&point);
    let text = "Transmettre une note de situation sur les crédits non engagés";
    let decision = add_decision(
        app,
        &steering,
        pid,
        json!({"text": text, "owner": "MININT", "due_on": day(100)}),
    )
    .await;
    let did = id(&decision);
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/committee/sessions/{sid}/records"),
            &steering,
            json!({"preamble": "Introduction du relevé."}),
        )
        .await;
    assert_eq!(status, 201);

    let (dinum, csrf) = app.login(STEERING).await;
    let (reader, reader_csrf) = app.login(READER_MININT).await;
    let reference = format!("Décision S{sid}-1-1");
    let pages: Vec<(String, Vec<&str>)> = vec![
        (
            "/comite".into(),
            vec!["Séances", "COSINUM — séance de juillet", "Membres"],
        ),
        (
            format!("/comite/seances/{sid}"),
            vec![
                "Ordre du jour",
                "Point de situation sur les financements",
                "Participants",
            ],
        ),
        (
            format!("/comite/points/{pid}"),
            vec![
                "Point de situation sur les financements",
                "Décisions prises sur ce point",
                text,
            ],
        ),
        (
            format!("/comite/seances/{sid}/dossier"),
            vec![
                "Dossier de séance",
                "Point de situation sur les financements",
                "Point libre",
            ],
        ),
        (
            format!("/comite/seances/{sid}/releve"),
            vec![
                "Relevé de décisions",
                "Version 1 : <strong>Projet</strong>",
                text,
            ],
        ),
        (
            "/comite/decisions".into(),
            vec!["Registre des décisions", text],
        ),
        ("/comite/actions".into(), vec!["Suivi des décisions", text]),
        (
            format!("/comite/decisions/{did}"),
            vec![reference.as_str(), text, "Points d'avancement"],
        ),
    ];
    for (who, browser) in [("steering", &dinum), ("reader", &reader)] {
        for (path, expected) in &pages {
            let res = browser.get(app.url(path)).send().await.expect("page");
            assert_eq!(res.status(), 200, "{who} {path}");
            let html = res.text().await.expect("html");
            for e in expected {
                assert!(html.contains(e), "{who} {path}: no « {e} »");
            }
        }
    }

    // What each one may do.
    let session_page = format!("/comite/seances/{sid}");
    let point_page = format!("/comite/points/{pid}");
    let html = app.page(&dinum, &session_page).await;
    assert!(html.contains("Inscrire à l'ordre du jour"));
    assert!(html.contains("Valider et figer"));
    assert!(
        app.page(&dinum, &point_page)
            .await
            .contains("Valider et figer la fiche")
    );
    assert!(
        app.page(&dinum, "/comite")
            .await
            .contains("Préparer une séance")
    );
    for path in [&session_page, &point_page] {
        let html = app.page(&reader, path).await;
        assert!(
            !html.contains("Inscrire à l'ordre du jour") && !html.contains("Valider et figer"),
            "{path}"
        );
    }
    assert!(
        !app.page(&reader, "/comite")
            .await
            .contains("Préparer une séance")
    );
    assert!(
        !app.page(&reader, &format!("/comite/decisions/{did}"))
            .await
            .contains("Enregistrer le point d'avancement"),
        "a reader reports no progress"
    );

    // A session created from the page form.
    let count = "SELECT COUNT(*) FROM committee_sessions";
    let before = app.scalar(count).await;
    let form = |token: &str| {
        vec![
            ("csrf_token", token.to_owned()),
            ("title", "COSINUM — séance créée depuis la page".to_owned()),
            ("held_on", day(45)),
            ("cut_off", day(30)),
            ("format", "hybrid".to_owned()),
            ("place", "Ségur".to_owned()),
        ]
    };
    let res = reader
        .post(app.url("/comite/seances"))
        .form(&form(&reader_csrf))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403, "a reader does not schedule sessions");
    let res = dinum
        .post(app.url("/comite/seances"))
        .form(&form(""))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403, "no CSRF token");
    let mut bad = form(&csrf);
    bad[3].1 = day(46);
    let res = dinum
        .post(app.url("/comite/seances"))
        .form(&bad)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Séance non créée") && html.contains("arrêté des données doit précéder"),
        "the form again, with the reason: {html}"
    );
    assert_eq!(app.scalar(count).await, before, "nothing created");
    let res = dinum
        .post(app.url("/comite/seances"))
        .form(&form(&csrf))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let created: i64 = location
        .strip_prefix("/comite/seances/")
        .and_then(|r| r.strip_suffix("?ok=cree"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{location}"));
    let d = detail(app, &steering, created).await;
    assert_eq!(
        d["session"]["title"],
        "COSINUM — séance créée depuis la page"
    );
    assert_eq!(d["session"]["format"], "hybrid");
    assert_eq!(d["session"]["cut_off"], json!(day(30)));
    assert_eq!(d["session"]["place"], "Ségur");
    assert_eq!(app.scalar(count).await, before + 1);
    let html = app.page(&dinum, &location).await;
    assert!(html.contains("COSINUM — séance créée depuis la page"));

    // Signed out: the pages send to sign-in, the API answers 401.
    let anonymous = app.client();
    let res = anonymous.get(app.url("/comite")).send().await.expect("get");
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/connexion?suivant=%2Fcomite");
    assert_eq!(
        app.status(&anonymous, &format!("/comite/decisions/{did}"))
            .await,
        303
    );
    for path in [
        "/api/v1/committee/sessions".to_owned(),
        format!("/api/v1/committee/sessions/{sid}"),
        "/api/v1/committee/decisions".to_owned(),
    ] {
        assert_eq!(app.status(&anonymous, &path).await, 401, "{path}");
    }
    let res = anonymous
        .post(app.url("/api/v1/committee/sessions"))
        .json(&session_body("Anonyme", 10, 0))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 401);
}
dual_test!(committee_pages);
