//! The portfolio's inputs read for some organisations only — what a
//! ministry's pages read when the whole inputs are not kept, as at scale —
//! say what the whole inputs say about those organisations' projects.

use std::collections::BTreeSet;
use std::sync::Arc;

use cosinum_domain::OrgId;
use cosinum_domain::projects::edition;
use cosinum_store::among::Owners;
use cosinum_store::projects::editions;
use cosinum_web::portfolio::ReportInputs;
use serde_json::Value;
use time::{Date, Month};

use crate::harness::*;

/// Publishes two editions: every project at the end of 2023, then only the
/// first ministry's at mid-2024, so that other ministries' readers meet an
/// edition that lists none of their projects (it still decides that they
/// are out of the portfolio). Returns that ministry.
pub(crate) async fn publish_editions(app: &TestApp, whole: &ReportInputs) -> OrgId {
    let all: Vec<i64> = whole.data.projects.iter().map(|p| p.id).collect();
    let first = whole.data.projects[0].organisation_id;
    let theirs: Vec<i64> = whole
        .data
        .projects
        .iter()
        .filter(|p| p.organisation_id == first)
        .map(|p| p.id)
        .collect();
    let mut tx = app.db.begin().await.expect("tx");
    let day = |y, m, d| Date::from_calendar_date(y, m, d).expect("date");
    editions::upsert(&mut tx, day(2023, Month::December, 31), "test", &all)
        .await
        .expect("edition");
    editions::upsert(&mut tx, day(2024, Month::June, 30), "test", &theirs)
        .await
        .expect("edition");
    tx.commit().await.expect("commit");
    first
}

/// Half-year ends from 2016, each published edition and the day before,
/// today.
pub(crate) fn dates(whole: &ReportInputs) -> BTreeSet<Date> {
    let mut out = BTreeSet::new();
    for year in 2016..=time::OffsetDateTime::now_utc().year() {
        for (m, d) in [(Month::June, 30), (Month::December, 31)] {
            out.insert(Date::from_calendar_date(year, m, d).expect("date"));
        }
    }
    for e in &whole.published {
        out.insert(e.as_of);
        out.insert(e.as_of.previous_day().expect("date"));
    }
    out.insert(time::OffsetDateTime::now_utc().date());
    out
}

/// For every ministry (with the organisations under it), and for the
/// first two together: the report under each method and the table lines at
/// each date are the same from the whole inputs filtered and from that
/// scope's inputs.
async fn scoped_inputs_report_what_the_whole_reports(app: &TestApp) {
    let db = &app.db;
    let before = ReportInputs::load(db).await.expect("inputs");
    let lone = publish_editions(app, &before).await;
    let whole = ReportInputs::load(db).await.expect("inputs");
    assert_eq!(whole.published.len(), 2);
    let ministries: Vec<OrgId> = whole
        .orgs
        .iter()
        .filter(|o| o.parent_id.is_none())
        .map(|o| o.id)
        .collect();
    let mut scopes = Vec::new();
    for m in &ministries {
        scopes.push(
            cosinum_store::organisations::subtree(db, *m)
                .await
                .expect("subtree"),
        );
    }
    scopes.push(scopes[0].union(&scopes[1]).copied().collect());
    let mut compared = 0;
    let mut lone_seen = false;
    for scope in &scopes {
        let part = ReportInputs::load_with(
            db,
            Arc::clone(&whole.orgs),
            Some(Owners::of(scope.iter().copied())),
        )
        .await
        .expect("scoped inputs");
        assert!(
            part.data
                .projects
                .iter()
                .all(|p| scope.contains(&p.organisation_id)),
            "only the scope's projects are read"
        );
        lone_seen |= scope.contains(&lone);
        let visible = |o: OrgId| scope.contains(&o);
        for day in dates(&whole) {
            for method in edition::methods() {
                let a = json(&whole.report(day, method, visible));
                let b = json(&part.report(day, method, visible));
                assert_eq!(a, b, "{} on {day}, scope {scope:?}", method.code);
            }
            let a = json(&whole.figure_lines(day, visible));
            let b = json(&part.figure_lines(day, visible));
            assert_eq!(a, b, "lines on {day}, scope {scope:?}");
            compared += 1;
        }
    }
    assert!(lone_seen && compared > 100, "{compared} comparisons");
    // The comparisons mean something: the scopes' projects are in the
    // portfolio at some date, and the mid-2024 edition leaves them out.
    let mid_2024 = Date::from_calendar_date(2024, Month::June, 30).expect("date");
    let outside = |o: OrgId| o != lone;
    assert_eq!(
        whole
            .report(mid_2024, &edition::DINUM_2017, outside)
            .figures
            .projects,
        0
    );
    assert!(
        whole
            .report(
                mid_2024.previous_day().expect("date"),
                &edition::DINUM_2017,
                outside
            )
            .figures
            .projects
            > 0
    );
}
dual_test!(scoped_inputs_report_what_the_whole_reports);

/// The value as JSON, to compare reports whole.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("JSON")
}

/// With nothing kept between requests (`web.cache_keep_mib = 0`, as at
/// scale) a ministry's reader is served from its own projects' inputs:
/// its portfolio, list and editions say what the DINUM's say of them.
async fn ministry_reader_with_nothing_kept(backend: Backend) {
    let config = cosinum_web::WebConfig {
        cache_keep_mib: 0,
        ..Default::default()
    };
    let app = TestApp::start_with(backend, config).await;
    let steering = app.token(STEERING, false).await;
    let reader = app.token(READER_MININT, false).await;
    let theirs: Vec<Value> = app.get_json("/api/v1/projects", &reader).await;
    assert!(!theirs.is_empty(), "the reader's ministry has projects");
    let all: Vec<Value> = app.get_json("/api/v1/projects", &steering).await;
    let owners: BTreeSet<i64> = theirs
        .iter()
        .map(|p| p["organisation_id"].as_i64().expect("organisation"))
        .collect();
    let expected: Vec<&Value> = all
        .iter()
        .filter(|p| owners.contains(&p["organisation_id"].as_i64().expect("organisation")))
        .collect();
    assert_eq!(theirs.iter().collect::<Vec<_>>(), expected);
    assert!(
        expected.len() < all.len(),
        "other ministries' projects exist"
    );

    for as_of in ["2019-12-31", "2022-06-30", ""] {
        let query = if as_of.is_empty() {
            String::new()
        } else {
            format!("?as_of={as_of}")
        };
        let dinum: Value = app
            .get_json(&format!("/api/v1/projects/portfolio{query}"), &steering)
            .await;
        let own: Value = app
            .get_json(&format!("/api/v1/projects/portfolio{query}"), &reader)
            .await;
        let groups = own["by_ministry"].as_array().expect("groups");
        let mut projects = 0;
        for g in groups {
            let same = dinum["by_ministry"]
                .as_array()
                .expect("groups")
                .iter()
                .find(|d| d["key"] == g["key"])
                .expect("the DINUM sees the group");
            assert_eq!(g, same, "{as_of}");
            projects += g["projects"].as_u64().expect("count");
        }
        assert_eq!(own["projects"].as_u64(), Some(projects), "{as_of}");
        assert_eq!(
            own["changes"]["previous_as_of"], dinum["changes"]["previous_as_of"],
            "{as_of}"
        );
    }
    // The talent summary's link to delivery, from the reader's projects.
    let dinum: Value = app.get_json("/api/v1/talents/summary", &steering).await;
    let own: Value = app.get_json("/api/v1/talents/summary", &reader).await;
    let own = own["delivery"].as_array().expect("delivery");
    assert!(
        own.iter().any(|d| d["projects"].as_i64() > Some(0)),
        "{own:?}"
    );
    for d in own {
        let same = dinum["delivery"]
            .as_array()
            .expect("delivery")
            .iter()
            .find(|x| x["ministry"] == d["ministry"]);
        assert_eq!(Some(d), same);
    }
    let editions: Vec<Value> = app.get_json("/api/v1/projects/editions", &reader).await;
    assert!(!editions.is_empty());
    let (client, _) = app.login(READER_MININT).await;
    let page = app.page(&client, "/projets").await;
    assert!(page.contains("Projets suivis"), "{page}");
    app.finish().await;
}
dual_backend_test!(ministry_reader_nothing_kept => ministry_reader_with_nothing_kept);
