//! Investment plans: a revision's life (draft, lines, submitted, reviewed,
//! commented, revised), who may do what, the changes since the previous
//! plan, and the consolidated view checked against SQL sums.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::*;

fn line(title: &str, ae: i64) -> Value {
    json!({"title": title, "description": "Prise de rendez-vous en ligne", "functional_zone": "Justice pénale",
        "amounts": [{"year": 2031, "ae": ae, "cp": ae / 2}, {"year": 2032, "ae": 0, "cp": ae / 2}]})
}

async fn plans_lifecycle(app: &TestApp) {
    let minint = app.org("MININT").await.id.0;
    let dinum = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    // The plan is the ministry's: MEF's editor and the DINUM do not write it.
    let mef = app.token(EDITOR_MEF, false).await;
    for other in [&mef, &dinum] {
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/reuse/plans",
                other,
                json!({"organisation_id": minint, "year": 2031}),
            )
            .await;
        assert_eq!(status, 403);
    }
    let (status, plan) = app
        .send(
            Method::POST,
            "/api/v1/reuse/plans",
            &editor,
            json!({"organisation_id": minint, "year": 2031}),
        )
        .await;
    assert_eq!(
        (status, plan["plan"]["revision"].as_i64()),
        (201, Some(1)),
        "{plan}"
    );
    let id = plan["plan"]["id"].as_i64().expect("id");
    // One draft at a time.
    let (status, dup) = app
        .send(
            Method::POST,
            "/api/v1/reuse/plans",
            &editor,
            json!({"organisation_id": minint, "year": 2031}),
        )
        .await;
    assert_eq!((status, dup["field"].as_str()), (422, Some("year")));
    // Lines; bad amounts refused; an empty plan cannot be submitted.
    let (status, body) = app
        .send(
            Method::POST,
            &format!("/api/v1/reuse/plans/{id}/status"),
            &editor,
            json!({"status": "submitted", "version": 1}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let lines = format!("/api/v1/reuse/plans/{id}/lines");
    let (status, a) = app
        .send(
            Method::POST,
            &lines,
            &editor,
            line("Rendez-vous au greffe", 2_000_000),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let (_, b) = app
        .send(
            Method::POST,
            &lines,
            &editor,
            line("Signature des jugements", 1_000_000),
        )
        .await;
    let mut bad = line("Doublon d'année", 1);
    bad["amounts"] = json!([{"year": 2031, "ae": 1, "cp": 1}, {"year": 2031, "ae": 2, "cp": 2}]);
    let (status, body) = app.send(Method::POST, &lines, &editor, bad).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("amounts")));
    // Submitted: frozen; reviewed only by the DINUM.
    let (status, submitted) = app
        .send(
            Method::POST,
            &format!("/api/v1/reuse/plans/{id}/status"),
            &editor,
            json!({"status": "submitted", "version": 1}),
        )
        .await;
    assert_eq!(
        (status, submitted["status"].as_str()),
        (200, Some("submitted")),
        "{submitted}"
    );
    let a_id = a["id"].as_i64().expect("line");
    let mut change = line("Rendez-vous au greffe", 3_000_000);
    change["version"] = 1.into();
    let (status, _) = app
        .send(
            Method::PUT,
            &format!("/api/v1/reuse/plans/lines/{a_id}"),
            &editor,
            change.clone(),
        )
        .await;
    assert_eq!(status, 422, "a submitted plan is frozen");
    let version = submitted["version"].as_i64().expect("version");
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/reuse/plans/{id}/status"),
            &mef,
            json!({"status": "reviewed", "version": version}),
        )
        .await;
    assert_eq!(status, 404, "another ministry does not even see it");
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/reuse/plans/{id}/status"),
            &editor,
            json!({"status": "reviewed", "version": version}),
        )
        .await;
    assert_eq!(status, 403, "a ministry does not review its own plan");
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/reuse/plans/lines/{a_id}/comments"),
            &dinum,
            json!({"body": "Voir MJ : même besoin."}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/reuse/plans/{id}/status"),
            &dinum,
            json!({"status": "reviewed", "version": version}),
        )
        .await;
    assert_eq!(status, 200);
    // A second revision copies the lines (and their comments' thread); changes listed.
    let (_, rev2) = app
        .send(
            Method::POST,
            "/api/v1/reuse/plans",
            &editor,
            json!({"organisation_id": minint, "year": 2031}),
        )
        .await;
    let id2 = rev2["plan"]["id"].as_i64().expect("id2");
    assert_eq!(rev2["plan"]["lines"].as_array().map(Vec::len), Some(2));
    assert_eq!(rev2["comments"].as_array().map(Vec::len), Some(1), "{rev2}");
    let copied = rev2["plan"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["title"] == "Rendez-vous au greffe")
        .expect("copy")
        .clone();
    change["version"] = copied["version"].clone();
    let (status, _) = app
        .send(
            Method::PUT,
            &format!("/api/v1/reuse/plans/lines/{}", copied["id"]),
            &editor,
            change.clone(),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .send(
            Method::PUT,
            &format!("/api/v1/reuse/plans/lines/{}", copied["id"]),
            &editor,
            change,
        )
        .await;
    assert_eq!(status, 409, "a stale version");
    let (_, v2) = app
        .send(
            Method::GET,
            &format!("/api/v1/reuse/plans/{id2}"),
            &dinum,
            Value::Null,
        )
        .await;
    assert_eq!(v2["previous"], json!([2031, 1]));
    let changes = v2["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        (
            changes[0]["change"].as_str(),
            changes[0]["ae_delta"].as_i64()
        ),
        (Some("changed"), Some(1_000_000))
    );
    let _ = b;
    // Everything audited: 1 + 2 lines + 2 steps + comment + 1 + 1 update.
    let audited = app.scalar("SELECT COUNT(*) FROM audit_log WHERE object_type IN ('investment_plan', 'plan_line') AND object_id IN (SELECT id FROM investment_plans WHERE year = 2031 UNION SELECT id FROM plan_lines WHERE plan_id IN (SELECT id FROM investment_plans WHERE year = 2031))").await;
    assert!(audited >= 8, "{audited}");
}
dual_test!(plans_lifecycle);

async fn plans_consolidated(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let year = time::OffsetDateTime::now_utc().year();
    let c: Value = app
        .get_json(
            &format!("/api/v1/reuse/plans/consolidated?year={year}"),
            &steering,
        )
        .await;
    let plans = c["plans"].as_array().expect("plans");
    assert!(plans.len() >= 10, "{c}");
    // The total AE of the plans in force equals the SQL sum over the latest non-draft revisions.
    let ae: i64 = plans.iter().filter_map(|p| p["total_ae"].as_i64()).sum();
    let sql = app.scalar("SELECT CAST(COALESCE(SUM(a.ae), 0) AS BIGINT) FROM plan_line_amounts a JOIN plan_lines l ON l.id = a.line_id \
        JOIN investment_plans p ON p.id = l.plan_id WHERE p.status <> 'draft' AND p.revision = (SELECT MAX(q.revision) FROM investment_plans q \
        WHERE q.organisation_id = p.organisation_id AND q.year = p.year AND q.status <> 'draft')").await;
    assert_eq!(ae, sql);
    let by_zone: i64 = c["by_zone"]
        .as_object()
        .expect("zones")
        .values()
        .flat_map(|y| {
            y.as_object()
                .expect("y")
                .values()
                .map(|v| v[0].as_i64().unwrap_or(0))
        })
        .sum();
    assert_eq!(by_zone, sql, "every euro is in one zone");
    assert!(
        plans.iter().any(|p| p["changed_lines"].as_i64() > Some(0)),
        "a revised plan lists its changes"
    );
    // A ministry sees only its own plan.
    let reader = app.token(READER_MININT, false).await;
    let mine: Value = app
        .get_json(
            &format!("/api/v1/reuse/plans/consolidated?year={year}"),
            &reader,
        )
        .await;
    let codes: Vec<&str> = mine["plans"]
        .as_array()
        .expect("p")
        .iter()
        .filter_map(|p| p["ministry"].as_str())
        .collect();
    assert_eq!(codes, ["MININT"]);
    // Pages: the consolidated view and a plan.
    let (browser, _) = app.login(STEERING).await;
    let html = app.page(&browser, "/reutilisation").await;
    assert!(
        html.contains("Plans en vigueur")
            && html.contains("Par zone fonctionnelle")
            && html.contains("<svg")
    );
    let first = plans[0]["plan_id"].as_i64().expect("id");
    let page = app
        .page(&browser, &format!("/reutilisation/plans/{first}"))
        .await;
    assert!(page.contains("Descriptions et commentaires"), "{page}");
    assert_eq!(
        app.status(&browser, &format!("/historique/investment_plan/{first}"))
            .await,
        200
    );
    let rev_line: i64 = app.scalar("SELECT MIN(id) FROM plan_lines").await;
    assert_eq!(
        app.status(&browser, &format!("/historique/plan_line/{rev_line}"))
            .await,
        200
    );
    let hr: i64 = app.scalar("SELECT MIN(id) FROM hr_returns").await;
    assert_eq!(
        app.status(&browser, &format!("/historique/hr_return/{hr}"))
            .await,
        200
    );
    let (reader_browser, _) = app.login(READER_MININT).await;
    let mef_hr: i64 = app
        .scalar("SELECT MIN(r.id) FROM hr_returns r JOIN organisations o ON o.id = r.organisation_id WHERE o.code = 'MEF'")
        .await;
    assert_eq!(
        app.status(&reader_browser, &format!("/historique/hr_return/{mef_hr}"))
            .await,
        403,
        "another ministry's HR history is not readable"
    );
}
dual_test!(plans_consolidated);

async fn plans_pages(app: &TestApp) {
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let minint = app.org("MININT").await.id.0;
    let res = browser
        .post(app.url("/reutilisation/plans"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("organisation_id", &minint.to_string()),
            ("year", "2033"),
        ])
        .send()
        .await
        .expect("open");
    assert_eq!(res.status(), 303);
    let plan_url = res.headers()["location"]
        .to_str()
        .expect("loc")
        .split('?')
        .next()
        .expect("url")
        .to_owned();
    let id: i64 = plan_url
        .rsplit('/')
        .next()
        .and_then(|x| x.parse().ok())
        .expect("id");
    let form = app
        .page(
            &browser,
            &format!("/reutilisation/plans/{id}/lignes/nouvelle"),
        )
        .await;
    assert!(form.contains("AE 2033") && form.contains("CP 2036"));
    let post = |title: &'static str, ae: &'static str| {
        browser
            .post(app.url(&format!("/reutilisation/plans/{id}/lignes/nouvelle")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("title", title),
                ("description", "Test"),
                ("ae_2033", ae),
                ("cp_2034", "0,5"),
            ])
            .send()
    };
    assert_eq!(
        post("Nouvelle ligne", "1,25").await.expect("post").status(),
        303
    );
    assert_eq!(
        post("Mauvaise ligne", "beaucoup")
            .await
            .expect("post")
            .status(),
        422
    );
    let editor = app.token(EDITOR_MININT, false).await;
    let (_, v) = app
        .send(
            Method::GET,
            &format!("/api/v1/reuse/plans/{id}"),
            &editor,
            Value::Null,
        )
        .await;
    assert_eq!(v["plan"]["lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        v["plan"]["lines"][0]["amounts"][0],
        json!({"year": 2033, "ae": 1_250_000, "cp": 0})
    );
    // MEF's editor cannot reach MININT's line form.
    let (other, _) = app.login(EDITOR_MEF).await;
    assert_eq!(
        app.status(
            &other,
            &format!("/reutilisation/plans/{id}/lignes/nouvelle")
        )
        .await,
        404
    );
}
dual_test!(plans_pages);
