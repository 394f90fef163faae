//! Long tables are paginated (issue #11): on six copies of the demo the
//! dashboards show one page of each long table, the pages together hold every
//! row once, links keep the filters, charts draw the largest values only; on
//! the demo alone nothing changes.

use std::collections::BTreeSet;

use cosinum_store::scale;
use serde_json::Value;

use crate::harness::{STEERING, TestApp};

const AS_OF: &str = "2026-06-30";

/// The ids of the projects listed in the dashboard's projects table.
fn listed_projects(html: &str) -> Vec<i64> {
    let table = html.split(r#"id="liste""#).nth(1).expect("projects table");
    table
        .split(r#"<td class="fr-cell--multiline"><a href="/projets/"#)
        .skip(1)
        .map(|s| {
            s.split('"')
                .next()
                .and_then(|id| id.parse().ok())
                .expect("project id")
        })
        .collect()
}

async fn long_tables_are_paginated(app: &TestApp) {
    let (client, _) = app.login(STEERING).await;
    let dashboard = format!("/projets?date={AS_OF}");
    // One State: every table fits on one page.
    for path in [
        dashboard.as_str(),
        "/hebergement",
        "/financements",
        "/talents",
        "/demarches",
    ] {
        let html = app.page(&client, path).await;
        assert!(!html.contains("fr-pagination"), "{path} paginated at N=1");
    }

    let (_template_db, template) = crate::scale::demo_db().await;
    scale::replicate(&app.db, &template, 5, 11, &mut |_| {})
        .await
        .expect("replicate");
    let token = app.token(STEERING, false).await;
    let all: Vec<Value> = app
        .get_json(&format!("/api/v1/projects?as_of={AS_OF}"), &token)
        .await;
    let known: BTreeSet<i64> = all.iter().filter_map(|p| p["id"].as_i64()).collect();
    // The panorama's projects on that day (the API also lists the others).
    let whole = app.page(&client, &dashboard).await;
    let total: usize = whole
        .split("<caption>")
        .find_map(|c| c.split_once(" projet(s) au ")?.0.parse().ok())
        .expect("projects caption");
    assert!(total > 100 && total <= known.len(), "{total} projects");

    // Every project on exactly one page, 50 to a page.
    let pages = total.div_ceil(50);
    let mut seen = Vec::new();
    for n in 1..=pages {
        let html = app.page(&client, &format!("{dashboard}&page={n}")).await;
        let ids = listed_projects(&html);
        let last = total - (pages - 1) * 50;
        assert_eq!(ids.len(), if n < pages { 50 } else { last }, "page {n}");
        let first_line = (n - 1) * 50 + 1;
        assert!(
            html.contains(&format!(
                "projet(s) au 30/06/2026 — lignes {first_line} à {} sur",
                first_line + ids.len() - 1
            )),
            "page {n} caption"
        );
        assert!(html.contains(&format!(r#"aria-current="page" title="Page {n}""#)));
        seen.extend(ids);
    }
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a project on two pages");
    assert_eq!(unique.len(), total, "pages together list every project");
    assert!(unique.is_subset(&known), "only projects that exist");

    // Past the end: the last page. Links keep the filters and the sort.
    let beyond = app.page(&client, &format!("{dashboard}&page=9999")).await;
    assert_eq!(listed_projects(&beyond).len(), total - (pages - 1) * 50);
    let by_cost = app.page(&client, &format!("{dashboard}&tri=cout")).await;
    assert!(
        by_cost.contains(&format!("date={AS_OF}&amp;tri=cout&amp;page=2#liste")),
        "page links keep the date and the sort"
    );

    // The ministries' chart draws the 30 largest drifts; the table pages.
    let html = app.page(&client, &dashboard).await;
    assert!(
        html.contains("Les 30 plus grandes valeurs sur"),
        "chart capped"
    );
    assert!(html.contains("page_ministeres=2#par-ministere"));

    // The cloud dashboard's ministries: two pages, none shown twice.
    let ministries = |html: &str| -> BTreeSet<String> {
        html.split(r#"<th scope="row"><a href="/hebergement?date="#)
            .skip(1)
            .filter_map(|s| s.split("ministere=").nth(1))
            .filter_map(|s| s.split('#').next())
            .map(str::to_owned)
            .collect()
    };
    let first = app.page(&client, "/hebergement").await;
    let second = app.page(&client, "/hebergement?page_ministeres=2").await;
    let (a, b) = (ministries(&first), ministries(&second));
    assert_eq!(a.len(), 50, "{a:?}");
    assert!(!b.is_empty() && a.is_disjoint(&b), "{b:?}");
    for path in ["/financements", "/talents", "/demarches"] {
        let html = app.page(&client, path).await;
        assert!(
            html.contains("page_ministeres=2#par-ministere"),
            "{path}: ministries not paginated"
        );
    }
}
dual_test!(long_tables_are_paginated);
