//! The portfolio read part by part — what the DINUM's dashboard, portfolio
//! API and talent summary do when the whole inputs are too heavy to keep,
//! as at scale — gives the figures of the whole inputs to the last bit.

use cosinum_domain::OrgId;
use cosinum_domain::projects::edition;
use cosinum_web::portfolio::{FoldSpec, Folded, Lines, ReportInputs, fold_parts};
use serde_json::Value;

use crate::harness::*;
use crate::portfolio_scoped::{dates, json, publish_editions};

/// Everything a pass computed, as JSON.
fn all_of(f: &Folded) -> Value {
    let names: std::collections::BTreeMap<i64, &String> =
        f.names.iter().map(|(k, v)| (*k, v)).collect();
    serde_json::json!({
        "report": json(&f.report),
        "lines": json(&f.lines),
        "trend": json(&f.trend),
        "names": json(&names),
    })
}

/// At every date and under each method, for everyone and for one ministry:
/// report, lines, trend and names are the same from the whole inputs and
/// from parts of 1, 7 and 1,000 projects.
async fn parts_fold_to_the_whole(app: &TestApp) {
    let db = &app.db;
    let before = ReportInputs::load(db).await.expect("inputs");
    let lone = publish_editions(app, &before).await;
    let whole = ReportInputs::load(db).await.expect("inputs");
    assert!(whole.data.projects.len() > 7, "several parts of 7");
    let everyone = |_: OrgId| true;
    let theirs = |o: OrgId| o == lone;
    let mut compared = 0;
    for (i, as_of) in dates(&whole).into_iter().enumerate() {
        for method in edition::methods() {
            let spec = FoldSpec {
                as_of,
                method,
                lines: Lines::WithTexts,
                trend: true,
            };
            // Parts of one project on a few dates only: each is four reads.
            let sizes: &[usize] = if i % 8 == 0 { &[1, 7, 1000] } else { &[7] };
            for &size in sizes {
                let expected = all_of(&whole.fold(&spec, everyone));
                // The lines are those of the whole inputs' own list.
                assert_eq!(expected["lines"], json(&whole.lines(as_of, everyone)));
                let (folded, bytes) = fold_parts(db, &whole.orgs, &spec, everyone, size)
                    .await
                    .expect("parts");
                assert_eq!(
                    all_of(&folded),
                    expected,
                    "{} on {as_of}, parts of {size}",
                    method.code
                );
                assert!(bytes >= whole.data.approx_bytes() / 2, "{bytes} bytes");
                let expected = all_of(&whole.fold(&spec, theirs));
                let (folded, _) = fold_parts(db, &whole.orgs, &spec, theirs, size)
                    .await
                    .expect("parts");
                assert_eq!(
                    all_of(&folded),
                    expected,
                    "{lone:?}'s on {as_of}, parts of {size}"
                );
                compared += 1;
            }
        }
    }
    // The comparisons mean something: projects, changes and a trend (at
    // the end of 2023, when the published edition lists every project).
    let f = whole.fold(
        &FoldSpec {
            as_of: time::macros::date!(2023 - 12 - 31),
            method: &edition::DINUM_2017,
            lines: Lines::WithTexts,
            trend: true,
        },
        everyone,
    );
    assert!(f.report.figures.projects > 7 && f.lines.len() == f.report.figures.projects);
    assert!(f.trend.len() > 4 && f.report.changes.is_some());
    assert!(compared > 60, "{compared} comparisons");
}
dual_test!(parts_fold_to_the_whole);

/// With nothing kept (`web.cache_keep_mib = 0`, as at scale) the DINUM's
/// portfolio API and dashboard read the portfolio part by part: the API
/// says what the whole inputs say; the dashboard shows the edition.
async fn dinum_served_part_by_part(backend: Backend) {
    let config = cosinum_web::WebConfig {
        cache_keep_mib: 0,
        ..Default::default()
    };
    let app = TestApp::start_with(backend, config).await;
    let steering = app.token(STEERING, false).await;
    let whole = ReportInputs::load(&app.db).await.expect("inputs");
    for as_of in ["2019-12-31", "2022-06-30"] {
        let day = time::Date::parse(as_of, &time::format_description::well_known::Iso8601::DATE)
            .expect("date");
        for method in edition::methods() {
            let served: Value = app
                .get_json(
                    &format!(
                        "/api/v1/projects/portfolio?as_of={as_of}&method={}",
                        method.code
                    ),
                    &steering,
                )
                .await;
            assert_eq!(
                served,
                json(&whole.report(day, method, |_| true)),
                "{as_of}"
            );
            assert!(served["projects"].as_u64() > Some(0), "{as_of}");
        }
    }
    let (client, _) = app.login(STEERING).await;
    let page = app.page(&client, "/projets?date=2022-06-30").await;
    let f = whole
        .report(
            time::macros::date!(2022 - 06 - 30),
            &edition::DINUM_2017,
            |_| true,
        )
        .figures;
    assert!(f.projects > 0 && f.costed_projects > 0);
    for shown in [
        format!("dont {} interministériels", f.interministerial),
        format!("{} projets chiffrés", f.costed_projects),
    ] {
        assert!(page.contains(&shown), "{shown}");
    }
    app.finish().await;
}
dual_backend_test!(dinum_part_by_part => dinum_served_part_by_part);
