//! Online services: the edition summary checked against counts made straight
//! from the stored raw values, under each edition's method, per caller.

use serde_json::Value;

use crate::harness::*;

/// Démarches whose "online" value is fully online (the strict count), and
/// those with any online value, counted in SQL from the raw cells.
async fn strict_online_by_sql(app: &TestApp, edition: &str) -> (i64, i64) {
    let day = time::Date::parse(
        edition,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .expect("date");
    let sql = "SELECT v.raw FROM demarche_values v JOIN demarche_editions e ON e.id = v.edition_id \
               WHERE e.edition_date = $1 AND v.slug = 'online'";
    let raws: Vec<String> = match &app.db {
        cosinum_store::Db::Sqlite(p) => sqlx::query_scalar(sql).bind(day).fetch_all(p).await,
        cosinum_store::Db::Postgres(p) => sqlx::query_scalar(sql).bind(day).fetch_all(p).await,
    }
    .expect("raws");
    let strict = raws
        .iter()
        .filter(|r| {
            ["Oui", "Démarche proactive", "En cours de déploiement local"].contains(&r.as_str())
        })
        .count();
    (strict as i64, raws.len() as i64)
}

async fn demarches_summary(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editions: Vec<Value> = app.get_json("/api/v1/demarches/editions", &steering).await;
    assert!(editions.len() >= 12, "12+ quarterly editions");
    let methods: std::collections::BTreeSet<&str> = editions
        .iter()
        .filter_map(|e| e["method"].as_str())
        .collect();
    assert_eq!(
        methods.into_iter().collect::<Vec<_>>(),
        ["v2019", "v2023"],
        "editions span both methods"
    );

    let latest: Value = app.get_json("/api/v1/demarches/summary", &steering).await;
    assert_eq!(latest["method"], "v2023");
    assert_eq!(latest["demarches"], 250);
    let online = &latest["online"];
    let counted = online["denominator"].as_i64().unwrap_or(0)
        + online["not_measured"].as_i64().unwrap_or(0)
        + online["invalid"].as_i64().unwrap_or(0);
    assert_eq!(counted, 250, "no démarche dropped: {online}");
    let (strict, measured) =
        strict_online_by_sql(app, latest["edition"].as_str().expect("date")).await;
    assert_eq!(online["strict_count"].as_i64(), Some(strict));
    assert_eq!(online["denominator"].as_i64(), Some(measured));
    let weighted = online["weighted_share"].as_f64().expect("weighted");
    let strict_share = online["strict_share"].as_f64().expect("strict");
    assert!(
        weighted >= strict_share,
        "partial deployments add to the weighted rate"
    );
    assert_eq!(latest["goals"].as_array().map(Vec::len), Some(12));
    let bilan = latest["bilan"].as_array().expect("bilan");
    assert!(
        bilan.len() >= 3
            && bilan.iter().all(
                |l| l["definition_fr"].as_str().is_some_and(|d| d.len() > 20)
                    && l["denominator"].is_u64()
            )
    );
    assert!(latest["previous_edition"].is_string());
    // Per administration: every démarche in exactly one.
    let per_admin: i64 = latest["by_administration"]
        .as_array()
        .expect("administrations")
        .iter()
        .map(|a| {
            a["online"]["denominator"].as_i64().unwrap_or(0)
                + a["online"]["not_measured"].as_i64().unwrap_or(0)
                + a["online"]["invalid"].as_i64().unwrap_or(0)
        })
        .sum();
    assert_eq!(per_admin, 250);
    let changes: Vec<f64> = latest["by_ministry"]
        .as_array()
        .expect("ministries")
        .iter()
        .filter_map(|m| m["online_change"].as_f64())
        .collect();
    assert!(
        !changes.is_empty(),
        "each ministry's change since the previous edition"
    );

    // An edition of the former method is read under that method.
    let old = editions
        .iter()
        .find(|e| e["method"] == "v2019")
        .expect("a v2019 edition");
    let summary: Value = app
        .get_json(
            &format!(
                "/api/v1/demarches/summary?edition={}",
                old["edition_date"].as_str().expect("date")
            ),
            &steering,
        )
        .await;
    assert_eq!(summary["method"], "v2019");
    assert_eq!(summary["goals"].as_array().map(Vec::len), Some(8));
    let (strict, _) = strict_online_by_sql(app, old["edition_date"].as_str().expect("date")).await;
    assert_eq!(summary["online"]["strict_count"].as_i64(), Some(strict));

    // A ministry reader sees its own démarches only; an unknown edition is a 404.
    let reader = app.token(READER_MININT, false).await;
    let mine: Value = app.get_json("/api/v1/demarches/summary", &reader).await;
    let ministries: Vec<&str> = mine["by_ministry"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["code"].as_str())
        .collect();
    assert_eq!(ministries, ["MININT"]);
    assert!(mine["demarches"].as_i64() < latest["demarches"].as_i64());
    let res = app
        .client()
        .get(app.url("/api/v1/demarches/summary?edition=2001-01-01"))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
}
dual_test!(demarches_summary);

/// With nothing kept between requests (`web.cache_keep_mib = 0`, as for the
/// summaries of tens of megabytes at scale) the summary is computed again
/// from the kept counts and says the same; large answers are sent as they
/// are written (chunked, no length known in advance) and read back whole.
async fn demarches_summary_nothing_kept(backend: Backend) {
    let config = cosinum_web::WebConfig {
        cache_keep_mib: 0,
        ..Default::default()
    };
    let app = TestApp::start_with(backend, config).await;
    demarches_summary(&app).await;
    let steering = app.token(STEERING, false).await;
    let once: Value = app.get_json("/api/v1/demarches/summary", &steering).await;
    let res = app
        .client()
        .get(app.url("/api/v1/demarches/summary"))
        .bearer_auth(&steering)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(res.headers()["transfer-encoding"], "chunked");
    assert!(res.headers().get("content-length").is_none());
    let twice: Value = res.json().await.expect("JSON read whole");
    assert_eq!(once, twice);
    assert!(
        once["by_ministry"].as_array().map_or(0, Vec::len) > 1,
        "several ministries listed: {once}"
    );
    app.finish().await;
}
dual_backend_test!(demarches_summary_nothing_kept => demarches_summary_nothing_kept);

async fn demarches_dashboard_page(app: &TestApp) {
    let (dinum, _) = app.login(STEERING).await;
    let html = app.page(&dinum, "/demarches").await;
    assert!(
        html.contains("Chiffres consolidés") && html.contains("décompte strict"),
        "the bilan states its definitions"
    );
    assert!(html.contains("MEF") && html.contains("MININT"));
    assert!(
        html.contains("sans objectif"),
        "measures without a goal are not shown as 0 %"
    );
    let old = app.page(&dinum, "/demarches?edition=2022-12-31").await;
    assert!(
        old.contains("31/12/2022") && old.contains("2019"),
        "an edition of the former method, named as such"
    );
    assert_eq!(
        app.status(&dinum, "/demarches?edition=1999-01-01").await,
        404
    );
    let (reader, _) = app.login(READER_MININT).await;
    let html = app.page(&reader, "/demarches").await;
    assert!(
        html.contains("ministere=MININT") && !html.contains("ministere=MEF"),
        "a ministry sees its own démarches"
    );
    let mine = app.page(&reader, "/demarches?ministere=MININT").await;
    assert!(
        mine.contains("Par administration") && mine.contains("ANTS"),
        "its administrations side by side"
    );
    assert!(
        html.contains("<svg") && html.contains("par ministère"),
        "a chart per ministry"
    );
    let (dinum, _) = app.login(STEERING).await;
    let html = app.page(&dinum, "/demarches").await;
    assert!(
        html.contains("Évolution des indicateurs à l'objectif")
            && html.contains("id=\"objectifs-t\""),
        "goal shares across the editions of the method"
    );
    assert_eq!(app.status(&app.client(), "/demarches").await, 303);
}
dual_test!(demarches_dashboard_page);

/// The dashboard's evolution table (combined from each edition's figures
/// per ministry) gives, edition by edition, the strict and weighted online
/// shares of the summary (computed from the edition's rows), for whoever
/// sees everything and for a ministry that sees its own démarches.
async fn demarches_evolution_matches_the_summaries(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editions: Vec<Value> = app.get_json("/api/v1/demarches/editions", &steering).await;
    for (email, token) in [
        (STEERING, steering.clone()),
        (READER_MININT, app.token(READER_MININT, false).await),
    ] {
        let (client, _) = app.login(email).await;
        let html = app.page(&client, "/demarches").await;
        let table = html
            .split("<caption>Par édition</caption>")
            .nth(1)
            .and_then(|t| t.split("</tbody>").next())
            .expect("the evolution table");
        let mut checked = 0;
        for e in &editions {
            let date = e["edition_date"].as_str().expect("date");
            let summary: Value = app
                .get_json(&format!("/api/v1/demarches/summary?edition={date}"), &token)
                .await;
            let pct = |v: &Value| {
                v.as_f64().map_or("—".to_owned(), |s| {
                    format!("{:.1} %", s * 100.0).replace('.', ",")
                })
            };
            let (y, m, d) = (&date[0..4], &date[5..7], &date[8..10]);
            let row = format!(
                "<td>{d}/{m}/{y}</td><td>{}</td><td>{}</td><td>{}</td>",
                summary["method_label"].as_str().expect("label"),
                pct(&summary["online"]["strict_share"]),
                pct(&summary["online"]["weighted_share"]),
            );
            assert!(table.contains(&row), "{email}: {row} not in {table}");
            checked += 1;
        }
        assert!(checked >= 12, "{email}: every edition checked");
    }
    // A ministry's figures are its own, not the State's.
    let (dinum, _) = app.login(STEERING).await;
    let (reader, _) = app.login(READER_MININT).await;
    let part = |html: &str| {
        html.split("<caption>Par édition</caption>")
            .nth(1)
            .and_then(|t| t.split("</tbody>").next())
            .map(str::to_owned)
    };
    assert_ne!(
        part(&app.page(&dinum, "/demarches").await),
        part(&app.page(&reader, "/demarches").await)
    );
}
dual_test!(demarches_evolution_matches_the_summaries);

/// Runs `sql` straight on the test database (behind the application's back).
async fn execute(app: &TestApp, sql: &'static str) {
    match &app.db {
        cosinum_store::Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        cosinum_store::Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .expect("sql");
}

/// The observatory's figures are kept across writes to other kinds of
/// objects and recomputed after a write to démarches. To see which, a value
/// is changed behind the application's back (no history line): the figures
/// show it only once they are recomputed.
async fn demarches_caches_follow_their_writes(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    const SUMMARY: &str = "/api/v1/demarches/summary?edition=2025-12-31";
    let strict = |s: &Value| s["online"]["strict_count"].as_i64().expect("strict count");
    // Unrelated history first, so that the démarches written by the demo lie
    // further back than a cache looks (audit::LOOKBACK).
    execute(
        app,
        "INSERT INTO audit_log (at, actor_user_id, actor_label, via, request_id, object_type, \
         object_id, object_version, action, changes) SELECT at, actor_user_id, actor_label, via, \
         request_id, 'project', object_id, object_version, action, changes FROM audit_log \
         ORDER BY id DESC LIMIT 100",
    )
    .await;
    let before: Value = app.get_json(SUMMARY, &steering).await;
    let counted = strict(&before);
    execute(
        app,
        "UPDATE demarche_values SET raw = 'Non' WHERE slug = 'online' AND raw = 'Oui' \
         AND edition_id = (SELECT id FROM demarche_editions WHERE edition_date = '2025-12-31') \
         AND demarche_id = (SELECT MIN(v.demarche_id) FROM demarche_values v \
             JOIN demarche_editions e ON e.id = v.edition_id \
             WHERE e.edition_date = '2025-12-31' AND v.slug = 'online' AND v.raw = 'Oui')",
    )
    .await;
    app.disable(READER_MININT).await;
    let kept: Value = app.get_json(SUMMARY, &steering).await;
    assert_eq!(strict(&kept), counted, "a user's change keeps the figures");
    let (status, body) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/demarches/editions",
            &steering,
            serde_json::json!({"edition_date": "2020-06-30"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let after: Value = app.get_json(SUMMARY, &steering).await;
    assert_eq!(
        strict(&after),
        counted - 1,
        "an edition opened: the figures are read again"
    );
}
dual_test!(demarches_caches_follow_their_writes);

/// Two editions read side by side in ranges of démarche ids (as the movers
/// are measured) hand over every démarche of each once, in the same call for
/// both; and the movers API, kept per ministry, lists what the domain finds
/// comparing the two editions read whole — for the DINUM and for a ministry.
async fn movers_come_from_editions_read_side_by_side(app: &TestApp) {
    use cosinum_domain::demarches::method::method;
    use cosinum_domain::demarches::shares::movers;
    use cosinum_store::demarches;
    let editions = demarches::editions(&app.db).await.expect("editions");
    let [.., before, after] = &editions[..] else {
        panic!("two editions at least");
    };
    let (_, earlier) = demarches::edition_values(&app.db, before.edition_date)
        .await
        .expect("read")
        .expect("edition");
    let (_, later) = demarches::edition_values(&app.db, after.edition_date)
        .await
        .expect("read")
        .expect("edition");
    let (mut seen_before, mut seen_after, mut calls) = (Vec::new(), Vec::new(), 0);
    let found = demarches::edition_pair_in_chunks(
        &app.db,
        before.edition_date,
        after.edition_date,
        7,
        |b, a| {
            calls += 1;
            let ids: Vec<i64> = b.iter().chain(&a).map(|r| r.demarche_id).collect();
            if let (Some(lo), Some(hi)) = (ids.iter().min(), ids.iter().max()) {
                assert!(hi - lo < 7, "one range of 7 ids per call: {ids:?}");
            }
            seen_before.extend(b);
            seen_after.extend(a);
        },
    )
    .await
    .expect("read side by side");
    assert!(found);
    assert!(calls > 1, "several ranges");
    assert_eq!(
        seen_before, earlier,
        "every démarche of the earlier edition, once"
    );
    assert_eq!(
        seen_after, later,
        "every démarche of the later edition, once"
    );

    let (pm, m) = (
        method(&before.method).expect("method"),
        method(&after.method).expect("method"),
    );
    let (up, down) = movers(pm, &earlier, m, &later);
    assert!(
        !up.is_empty() && !down.is_empty(),
        "the demo moves both ways"
    );
    let named: std::collections::HashMap<i64, (String, cosinum_domain::OrgId)> =
        demarches::list(&app.db)
            .await
            .expect("démarches")
            .into_iter()
            .map(|d| (d.id, (d.name, d.organisation_id)))
            .collect();
    let code_of: std::collections::HashMap<cosinum_domain::OrgId, String> =
        cosinum_store::organisations::list(&app.db, true)
            .await
            .expect("organisations")
            .into_iter()
            .map(|o| (o.id, o.code))
            .collect();
    let minint = app.org("MININT").await;
    for (email, keep) in [(STEERING, None), (READER_MININT, Some(minint.id))] {
        let token = app.token(email, false).await;
        let listed: Value = app
            .get_json(
                &format!("/api/v1/demarches/movers?edition={}", after.edition_date),
                &token,
            )
            .await;
        let ministry: std::collections::HashMap<i64, _> =
            later.iter().map(|r| (r.demarche_id, r.ministry)).collect();
        for (side, expected) in [("up", &up), ("down", &down)] {
            let want: Vec<(i64, &str)> = expected
                .iter()
                .filter(|x| keep.is_none_or(|org| ministry[&x.demarche_id] == org))
                .map(|x| (x.demarche_id, x.slug))
                .collect();
            let got: Vec<(i64, &str)> = listed[side]
                .as_array()
                .expect("list")
                .iter()
                .map(|x| {
                    (
                        x["demarche_id"].as_i64().expect("id"),
                        x["slug"].as_str().expect("slug"),
                    )
                })
                .collect();
            assert!(!want.is_empty(), "{email} {side}: something to compare");
            assert_eq!(got, want, "{email} {side}");
            // Each mover is named, with its ministry's code.
            for x in listed[side].as_array().expect("list") {
                let (name, org) = &named[&x["demarche_id"].as_i64().expect("id")];
                assert_eq!(x["name"].as_str(), Some(name.as_str()), "{x}");
                assert_eq!(x["ministry"].as_str(), Some(code_of[org].as_str()), "{x}");
            }
        }
    }
}
dual_test!(movers_come_from_editions_read_side_by_side);

/// A dashboard whose figures take longer than the configured patience
/// answers at once with a page saying so (503, Retry-After) and a link back
/// to the same view, instead of holding the request until it times out.
async fn demarches_dashboard_says_when_its_figures_are_on_their_way(backend: Backend) {
    let config = cosinum_web::WebConfig {
        page_patience_secs: 0,
        ..Default::default()
    };
    let app = TestApp::start_with(backend, config).await;
    let (dinum, _) = app.login(STEERING).await;
    let res = dinum
        .get(app.url("/demarches?edition=2022-12-31"))
        .send()
        .await
        .expect("dashboard");
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("15")
    );
    let html = res.text().await.expect("page");
    assert!(html.contains("Indicateurs en cours de calcul"), "{html}");
    assert!(
        html.contains("href=\"/demarches?edition=2022-12-31\""),
        "a link to the same view"
    );
    // Signed out, the sign-in comes first, as on every page.
    assert_eq!(app.status(&app.client(), "/demarches").await, 303);
    app.finish().await;
}

dual_backend_test!(patience => demarches_dashboard_says_when_its_figures_are_on_their_way);
