//! Funding in pages: the fund dashboard, a ministry's portfolio and capacity
//! grid, filing an application after seeing its effect on the load, the
//! DINUM's decision and credit movements by form; exports naming the date.

use serde_json::Value;

use crate::harness::*;

fn form(csrf: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f = vec![("csrf_token".to_owned(), csrf.to_owned())];
    f.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    f
}

async fn funding_pages(app: &TestApp) {
    let (dinum, dinum_csrf) = app.login(STEERING).await;
    let html = app
        .page(&dinum, "/financements?fonds=RELANCE-TNET&date=2022-06-30")
        .await;
    assert!(html.contains("Taux de sélection") && html.contains("Restes à payer"));
    assert!(
        html.contains("id=\"consommation-t\""),
        "the consumption chart"
    );
    assert!(
        html.contains("Dossiers en retard de consommation")
            && html.contains("/financements/dossiers/")
    );
    assert!(html.contains("ITN5"), "per window");

    let (editor, csrf) = app.login(EDITOR_MININT).await;
    let portfolio = app.page(&editor, "/financements/ministeres/MININT").await;
    assert!(
        portfolio.contains("Surcharge"),
        "MININT is over capacity in the demo"
    );
    assert_eq!(
        app.status(&editor, "/financements/ministeres/MEF").await,
        404
    );

    // File with a preview of the load first.
    let token = app.token(EDITOR_MININT, false).await;
    let funds: Vec<Value> = app.get_json("/api/v1/funding/funds", &token).await;
    let ftap = funds
        .iter()
        .find(|f| f["code"].as_str().is_some_and(|c| c.starts_with("FTAP")))
        .expect("FTAP");
    let window = ftap["windows"][1]["id"].to_string();
    let minint = app.org("MININT").await.id.0.to_string();
    let today = time::OffsetDateTime::now_utc().date();
    let next = format!("{}S1: 200", today.year() + 1);
    let start = today.to_string();
    let end = (today + time::Duration::days(300)).to_string();
    let fields = [
        ("organisation_id", minint.as_str()),
        ("window_id", window.as_str()),
        ("title", "Refonte du portail des préfectures"),
        ("total_cost", "1 000 000"),
        ("requested", "400000"),
        ("planned_start", start.as_str()),
        ("planned_end", end.as_str()),
        ("workload", next.as_str()),
    ];
    let mut preview = form(&csrf, &fields);
    preview.push(("action".into(), "apercu".into()));
    let res = editor
        .post(app.url("/financements/dossiers/nouveau"))
        .form(&preview)
        .send()
        .await
        .expect("preview");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Effet sur la charge du ministère")
            && html.contains("au-delà de la capacité"),
        "what-if shown"
    );
    let mine = |list: Vec<Value>| {
        list.iter()
            .any(|a| a["title"] == "Refonte du portail des préfectures")
    };
    assert!(
        !mine(app.get_json("/api/v1/funding/applications", &token).await),
        "a preview files nothing"
    );
    let mut file = form(&csrf, &fields);
    file.push(("action".into(), "deposer".into()));
    let res = editor
        .post(app.url("/financements/dossiers/nouveau"))
        .form(&file)
        .send()
        .await
        .expect("file");
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let id: i64 = location
        .trim_start_matches("/financements/dossiers/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let mut bad = form(&csrf, &fields);
    bad[5] = ("requested".into(), "900000".into());
    bad[3] = ("title".into(), "Autre".into());
    let res = editor
        .post(app.url("/financements/dossiers/nouveau"))
        .form(&bad)
        .send()
        .await
        .expect("bad");
    assert_eq!(res.status(), 422, "above the window's co-funding rate");

    // Edited while pending, linked to one of its major projects; a stale
    // version shows what changed meanwhile.
    let project = cosinum_store::projects::list(&app.db, false)
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.organisation_id.0.to_string() == minint)
        .expect("a MININT project");
    let edit = app
        .page(&editor, &format!("/financements/dossiers/{id}/modifier"))
        .await;
    assert!(
        edit.contains("Refonte du portail des préfectures") && edit.contains("Grand projet lié")
    );
    let mut changed = form(&csrf, &fields);
    changed.push(("project_id".into(), project.id.to_string()));
    changed.push(("version".into(), "1".into()));
    let res = editor
        .post(app.url(&format!("/financements/dossiers/{id}/modifier")))
        .form(&changed)
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), 303);
    let res = editor
        .post(app.url(&format!("/financements/dossiers/{id}/modifier")))
        .form(&changed)
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), 409, "stale version");
    let page = app
        .page(&editor, &format!("/financements/dossiers/{id}"))
        .await;
    assert!(page.contains(&format!("/projets/{}", project.id)) && page.contains(&project.name));

    // The DINUM grants it, then records the commitment.
    let page = app
        .page(&dinum, &format!("/financements/dossiers/{id}"))
        .await;
    assert!(page.contains("Instruction et décision"));
    let version = page
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("version")
        .to_owned();
    let decision = form(
        &dinum_csrf,
        &[
            ("status", "granted"),
            ("date", &start),
            ("granted", "350000"),
            ("version", &version),
            ("motive", ""),
        ],
    );
    let res = editor
        .post(app.url(&format!("/financements/dossiers/{id}/decision")))
        .form(&form(
            &csrf,
            &[
                ("status", "granted"),
                ("date", &start),
                ("granted", "350000"),
                ("version", &version),
            ],
        ))
        .send()
        .await
        .expect("decide");
    assert_eq!(
        res.status(),
        403,
        "a ministry does not grant its own application"
    );
    let res = dinum
        .post(app.url(&format!("/financements/dossiers/{id}/decision")))
        .form(&decision)
        .send()
        .await
        .expect("decide");
    assert_eq!(res.status(), 303);
    let mv = form(
        &dinum_csrf,
        &[
            ("kind", "commitment"),
            ("date", &start),
            ("amount", "350 000"),
            ("reference", "EJ-TEST"),
        ],
    );
    let res = dinum
        .post(app.url(&format!("/financements/dossiers/{id}/mouvements")))
        .form(&mv)
        .send()
        .await
        .expect("movement");
    assert_eq!(res.status(), 303);
    let page = app
        .page(&editor, &format!("/financements/dossiers/{id}"))
        .await;
    assert!(page.contains("EJ-TEST") && page.contains("Retenu"));

    // The capacity grid, at the version read.
    let portfolio = app.page(&editor, "/financements/ministeres/MININT").await;
    let sem = format!("{}S1", today.year() + 1);
    let v = portfolio
        .split(&format!("name=\"v_{sem}\" value=\""))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("version field")
        .to_owned();
    let grid = form(
        &csrf,
        &[
            (&format!("c_{sem}"), "1000"),
            (&format!("e_{sem}"), "5"),
            (&format!("v_{sem}"), &v),
        ],
    );
    let res = editor
        .post(app.url("/financements/ministeres/MININT/capacite"))
        .form(&grid)
        .send()
        .await
        .expect("capacity");
    assert_eq!(res.status(), 303);
    let res = editor
        .post(app.url("/financements/ministeres/MININT/capacite"))
        .form(&grid)
        .send()
        .await
        .expect("capacity");
    assert_eq!(
        res.status(),
        409,
        "the same version twice: someone changed it since"
    );

    // Exports name the date; a ministry exports its own.
    let res = app
        .client()
        .get(app.url("/api/v1/funding/export?fund=RELANCE-TNET&as_of=2022-12-31&format=csv"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("csv");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains("2022-12-31"))
    );
    let body = res.text().await.expect("csv");
    assert!(
        body.lines().skip(1).all(|l| l.contains(";MININT;")),
        "only MININT's"
    );
    assert!(
        body.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("31/12/2022"))
    );
    let res = app
        .client()
        .get(app.url("/api/v1/funding/export?format=xlsx"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("xlsx");
    assert!(res.bytes().await.expect("bytes").starts_with(b"PK"));
    let json: Value = app
        .get_json(
            "/api/v1/funding/export?format=json&fund=RELANCE-TNET",
            &token,
        )
        .await;
    assert!(
        json["applications"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
}
dual_test!(funding_pages);
