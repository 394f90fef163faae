//! The reuse finder's follow-up: verdicts on candidates (given by the
//! object's ministry or the DINUM, at the version read, audited, kept
//! across plan revisions), the « Déjà fait ailleurs ? » panel on every
//! object page, and the duplicates report for the committee.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::*;

/// The first hit of a search, as (kind, id, ministry).
async fn first(app: &TestApp, token: &str, query: &str) -> (String, i64, String) {
    let r: Value = app
        .get_json(&format!("/api/v1/search?{query}"), token)
        .await;
    let h = &r["hits"][0];
    (
        h["kind"].as_str().expect("kind").to_owned(),
        h["id"].as_i64().expect("id"),
        h["ministry"].as_str().expect("ministry").to_owned(),
    )
}

async fn verdicts_on_candidates(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let (_, line, _) = first(
        app,
        &steering,
        "q=prise%20rendez-vous%20pr%C3%A9fecture&ministry=MININT&kind=plan_line",
    )
    .await;
    let similar = format!("/api/v1/reuse/similar?kind=plan_line&id={line}&limit=3");
    let s: Value = app.get_json(&similar, &editor).await;
    let c = &s["candidates"][0];
    assert!(c["feedback"].is_null(), "no verdict yet: {c}");
    let body = |verdict: &str, version: Value| {
        json!({"source_kind": "plan_line", "source_id": line, "candidate_kind": c["kind"],
               "candidate_id": c["id"], "verdict": verdict, "note": "même besoin", "version": version})
    };
    let audit = "SELECT COUNT(*) FROM audit_log WHERE object_type = 'reuse_feedback'";
    let before = app.scalar(audit).await;
    let (status, given) = app
        .send(
            Method::PUT,
            "/api/v1/reuse/feedback",
            &editor,
            body("committee", Value::Null),
        )
        .await;
    assert_eq!(status, 200, "{given}");
    assert_eq!(given["verdict"], "committee");
    assert_eq!(app.scalar(audit).await, before + 1, "audited");
    let (browser, _) = app.login(EDITOR_MININT).await;
    let history = format!("/historique/reuse_feedback/{}", given["id"]);
    assert_eq!(app.status(&browser, &history).await, 200);
    let (other, _) = app.login(EDITOR_MEF).await;
    assert_eq!(
        app.status(&other, &history).await,
        403,
        "another ministry's verdict"
    );
    let s: Value = app.get_json(&similar, &steering).await;
    assert_eq!(
        s["candidates"][0]["feedback"]["verdict"], "committee",
        "{s}"
    );
    assert_eq!(s["candidates"][0]["feedback"]["note"], "même besoin");

    // Changing it needs the version read: a blind write is a conflict.
    let (status, _) = app
        .send(
            Method::PUT,
            "/api/v1/reuse/feedback",
            &editor,
            body("reused", Value::Null),
        )
        .await;
    assert_eq!(status, 409);
    let (status, changed) = app
        .send(
            Method::PUT,
            "/api/v1/reuse/feedback",
            &steering,
            body("reused", given["version"].clone()),
        )
        .await;
    assert_eq!(status, 200, "the DINUM may judge too: {changed}");
    assert_eq!(changed["version"], 2);
    let (status, _) = app
        .send(
            Method::PUT,
            "/api/v1/reuse/feedback",
            &editor,
            body("not_relevant", json!(1)),
        )
        .await;
    assert_eq!(status, 409, "stale version");
    assert_eq!(
        app.scalar(audit).await,
        before + 2,
        "refused writes leave no trace"
    );

    // Another ministry, a reader, a bad verdict, a pair within a ministry.
    let mef = app.token(EDITOR_MEF, false).await;
    let reader = app.token(READER_MININT, false).await;
    for token in [&mef, &reader] {
        let (status, _) = app
            .send(
                Method::PUT,
                "/api/v1/reuse/feedback",
                token,
                body("reused", json!(2)),
            )
            .await;
        assert!(status == 403 || status == 404, "{status}");
    }
    let (status, e) = app
        .send(
            Method::PUT,
            "/api/v1/reuse/feedback",
            &editor,
            body("peut-être", Value::Null),
        )
        .await;
    assert_eq!((status, e["field"].as_str()), (422, Some("verdict")), "{e}");
    let (_, own, _) = first(app, &steering, "q=&ministry=MININT&kind=project").await;
    let (status, _) = app
        .send(
            Method::PUT,
            "/api/v1/reuse/feedback",
            &editor,
            json!({"source_kind": "plan_line", "source_id": line, "candidate_kind": "project",
                   "candidate_id": own, "verdict": "reused"}),
        )
        .await;
    assert_eq!(status, 422, "a candidate of the same ministry");
    let list: Value = app
        .get_json("/api/v1/reuse/feedback?verdict=reused", &steering)
        .await;
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .any(|f| f["source_id"] == line && f["verdict"] == "reused")
    );

    // A new revision of the plan keeps the verdict on the same line.
    let plan_of: Value = app
        .get_json(
            "/api/v1/search?q=&ministry=MININT&kind=plan_line",
            &steering,
        )
        .await;
    let url = plan_of["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|h| h["id"] == line)
        .and_then(|h| h["url"].as_str())
        .expect("url")
        .to_owned();
    let pid: i64 = url
        .trim_start_matches("/reutilisation/plans/")
        .split('#')
        .next()
        .and_then(|x| x.parse().ok())
        .expect("plan id");
    let plan: Value = app
        .get_json(&format!("/api/v1/reuse/plans/{pid}"), &editor)
        .await;
    if plan["plan"]["status"] == "draft" {
        let (status, _) = app
            .send(
                Method::POST,
                &format!("/api/v1/reuse/plans/{pid}/status"),
                &editor,
                json!({"status": "submitted", "version": plan["plan"]["version"]}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let (status, next) = app
        .send(Method::POST, "/api/v1/reuse/plans", &editor,
            json!({"organisation_id": plan["plan"]["organisation_id"], "year": plan["plan"]["year"]}))
        .await;
    assert_eq!(status, 201, "{next}");
    let key = plan["plan"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["id"] == line)
        .map(|l| l["key"].clone())
        .expect("key");
    let new_line = next["plan"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["key"] == key)
        .and_then(|l| l["id"].as_i64())
        .expect("same line in the new revision");
    let s: Value = app
        .get_json(
            &format!("/api/v1/reuse/similar?kind=plan_line&id={new_line}&limit=10"),
            &steering,
        )
        .await;
    assert!(
        s["candidates"]
            .as_array()
            .expect("candidates")
            .iter()
            .any(|c| c["feedback"]["verdict"] == "reused"),
        "verdict carried over: {s}"
    );
}
dual_test!(verdicts_on_candidates);

async fn panels_on_every_object_page(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    for kind in ["project", "application", "funding_application"] {
        let (_, id, _) = first(app, &steering, &format!("q=&ministry=MININT&kind={kind}")).await;
        let r: Value = app
            .get_json(
                &format!("/api/v1/search?q=&ministry=MININT&kind={kind}"),
                &steering,
            )
            .await;
        let url = r["hits"][0]["url"].as_str().expect("url").to_owned();
        let html = app.page(&browser, &url).await;
        assert!(
            html.contains("Déjà fait ailleurs ?")
                && html.contains(&format!("id=\"reuse-{kind}-{id}\"")),
            "{kind} {url}"
        );
    }
    // A verdict given from the panel comes back to the page it was given on.
    let (_, project, _) = first(app, &steering, "q=&ministry=MININT&kind=project").await;
    let s: Value = app
        .get_json(
            &format!("/api/v1/reuse/similar?kind=project&id={project}&limit=1"),
            &steering,
        )
        .await;
    let c = &s["candidates"][0];
    let back = format!("/projets/{project}");
    let res = browser
        .post(app.url("/reutilisation/avis-candidat"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("source_kind", "project"),
            ("source_id", &project.to_string()),
            ("candidate_kind", c["kind"].as_str().expect("kind")),
            ("candidate_id", &c["id"].to_string()),
            ("verdict", "not_relevant"),
            ("note", ""),
            ("version", ""),
            ("back", &back),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(location, format!("{back}#reuse-project-{project}"));
    let html = app.page(&browser, &back).await;
    assert!(html.contains("Non pertinent</span>"), "badge shown");
    // Never a redirection elsewhere.
    let res = browser
        .post(app.url("/reutilisation/avis-candidat"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("source_kind", "project"),
            ("source_id", &project.to_string()),
            ("candidate_kind", c["kind"].as_str().expect("kind")),
            ("candidate_id", &c["id"].to_string()),
            ("verdict", "committee"),
            ("version", "1"),
            ("back", "//evil.example/"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .expect("loc")
            .starts_with("/reutilisation#")
    );
    // Readers see the panel without the buttons.
    let (reader, _) = app.login(READER_MININT).await;
    let html = app.page(&reader, &back).await;
    assert!(
        html.contains("Déjà fait ailleurs ?") && !html.contains("/reutilisation/avis-candidat")
    );
}
dual_test!(panels_on_every_object_page);

async fn duplicates_report(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let r: Value = app
        .get_json("/api/v1/reuse/duplicates?kind=plan_line", &steering)
        .await;
    let pairs = r["pairs"].as_array().expect("pairs");
    assert!(
        pairs.len() >= 5,
        "the demo's near-duplicates: {}",
        pairs.len()
    );
    let sim = |p: &Value| p["similarity"].as_f64().expect("similarity");
    assert!(pairs.windows(2).all(|w| sim(&w[0]) >= sim(&w[1])), "ranked");
    for p in pairs {
        assert_ne!(p["a"]["ministry"], p["b"]["ministry"]);
        assert!(p["a"]["kind"] == "plan_line" || p["b"]["kind"] == "plan_line");
        assert!(sim(p) >= 0.1);
        let amounts: Vec<i64> = [&p["a"]["amount"], &p["b"]["amount"]]
            .iter()
            .filter_map(|a| a.as_i64())
            .collect();
        assert_eq!(p["amount_at_stake"].as_i64(), amounts.iter().min().copied());
    }
    let total: i64 = pairs
        .iter()
        .filter_map(|p| p["amount_at_stake"].as_i64())
        .sum();
    assert_eq!(r["total_at_stake"].as_i64(), Some(total));

    // A pair judged not relevant leaves the list and is counted.
    let top = &pairs[0];
    let (status, _) = app
        .send(Method::PUT, "/api/v1/reuse/feedback", &steering,
            json!({"source_kind": top["b"]["kind"], "source_id": top["b"]["id"],
                   "candidate_kind": top["a"]["kind"], "candidate_id": top["a"]["id"], "verdict": "not_relevant"}))
        .await;
    assert_eq!(status, 200);
    let after: Value = app
        .get_json("/api/v1/reuse/duplicates?kind=plan_line", &steering)
        .await;
    assert_eq!(after["dismissed"], 1);
    assert_eq!(
        after["pairs"].as_array().expect("pairs").len(),
        pairs.len() - 1
    );
    let all: Value = app
        .get_json(
            "/api/v1/reuse/duplicates?kind=plan_line&include_dismissed=true",
            &steering,
        )
        .await;
    assert!(
        all["pairs"]
            .as_array()
            .expect("pairs")
            .iter()
            .any(|p| p["verdicts"][0]["verdict"] == "not_relevant")
    );

    // A ministry sees only pairs whose both sides it reads: one that reads
    // only itself, none (its own candidates are in the panels).
    let reader = app.token(READER_MININT, false).await;
    let mine: Value = app.get_json("/api/v1/reuse/duplicates", &reader).await;
    assert_eq!(mine["pairs"].as_array().map(Vec::len), Some(0), "{mine}");
    // Bad parameters.
    for q in ["threshold=2", "kind=demarche", "format=pdf"] {
        let (status, _) = app
            .send(
                Method::GET,
                &format!("/api/v1/reuse/duplicates?{q}"),
                &steering,
                Value::Null,
            )
            .await;
        assert_eq!(status, 400, "{q}");
    }
    // Downloads and the printable page.
    let client = app.client();
    let csv = client
        .get(app.url("/api/v1/reuse/duplicates?format=csv&kind=plan_line"))
        .bearer_auth(&steering)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.contains("Montant en jeu (€)"));
    assert_eq!(
        csv.lines().count(),
        pairs.len(),
        "a header and one line per pair listed"
    );
    let xlsx = client
        .get(app.url("/api/v1/reuse/duplicates?format=xlsx"))
        .bearer_auth(&steering)
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes");
    assert!(xlsx.starts_with(b"PK"), "a workbook");
    let (browser, _) = app.login(STEERING).await;
    let html = app
        .page(&browser, "/reutilisation/doublons?type_objet=plan_line")
        .await;
    assert!(html.contains("Doublons entre ministères") && html.contains("data-cosinum-print"));
    assert!(
        html.contains(&format!("<strong>{}</strong> paire(s)", pairs.len() - 1)),
        "{html}"
    );
}
dual_test!(duplicates_report);

async fn suggestions_while_drafting(app: &TestApp) {
    let editor = app.token(EDITOR_MININT, false).await;
    let minint = app.org("MININT").await.id.0;
    let found: Value = app
        .get_json(
            &format!(
                "/api/v1/reuse/similar-draft?organisation_id={minint}&title=Signature%20%C3%A9lectronique%20des%20arr%C3%AAt%C3%A9s&description=Parapheur%20et%20signature%20qualifi%C3%A9e"
            ),
            &editor,
        )
        .await;
    let found = found.as_array().expect("candidates");
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|c| c["ministry"] != "MININT"),
        "other ministries only"
    );
    assert!(
        found
            .iter()
            .all(|c| c["url"] == "" && c["amount"].is_null() && c["body"] == ""),
        "a ministry sees only the title and ministry of what it does not read"
    );
    assert!(
        found[0]["title"]
            .as_str()
            .expect("title")
            .to_lowercase()
            .contains("signature")
    );
    let mef = app.org("MEF").await.id.0;
    let (status, _) = app
        .send(
            Method::GET,
            &format!("/api/v1/reuse/similar-draft?organisation_id={mef}&title=x"),
            &editor,
            Value::Null,
        )
        .await;
    assert_eq!(status, 404, "drafting for another ministry");

    // Without script: « Chercher ce qui existe déjà » lists them, saves nothing.
    let (_, plan) = app
        .send(
            Method::POST,
            "/api/v1/reuse/plans",
            &editor,
            json!({"organisation_id": minint, "year": 2036}),
        )
        .await;
    let pid = plan["plan"]["id"].as_i64().expect("plan");
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let res = browser
        .post(app.url(&format!("/reutilisation/plans/{pid}/lignes/nouvelle")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("version", ""),
            ("title", "Signature électronique des arrêtés"),
            ("description", "Parapheur et signature qualifiée"),
            ("functional_zone", ""),
            ("action", "verifier"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("mots communs")
            && html.contains("value=\"Signature électronique des arrêtés\""),
        "{html}"
    );
    let plan: Value = app
        .get_json(&format!("/api/v1/reuse/plans/{pid}"), &editor)
        .await;
    assert_eq!(
        plan["plan"]["lines"].as_array().map(Vec::len),
        Some(0),
        "nothing saved"
    );
}
dual_test!(suggestions_while_drafting);
