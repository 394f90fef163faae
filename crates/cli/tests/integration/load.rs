//! The load generator of `scripts/load-test` (issue #12), bounded: a few
//! seconds of mixed reads, colliding renames and creations on each backend,
//! then the reconciliation of the audit log with what the clients were told.

use std::time::Duration;

use cosinum_bench::load::{LoadConfig, run};

use crate::harness::*;

async fn a_short_mixed_load_loses_nothing(app: &TestApp) {
    let cfg = LoadConfig {
        base: app.url(""),
        token: app.token(STEERING, false).await,
        duration: Duration::from_secs(3),
        concurrency: 16,
    };
    let report = run(&cfg).await.expect("load run");
    let summary = report.markdown();
    assert!(report.ok(), "{summary}");
    assert!(report.requests > 50, "{summary}");
    assert!(
        report.renames_accepted > 0 && report.creations_accepted > 0,
        "{summary}"
    );
    assert!(
        report
            .stats
            .iter()
            .any(|s| s.kind == "read" && s.p99_ms > 0.0),
        "{summary}"
    );
    // A second run on the same database reconciles on its own creations.
    let again = run(&LoadConfig {
        duration: Duration::from_secs(1),
        ..cfg
    })
    .await
    .expect("second run");
    assert!(again.ok(), "{}", again.markdown());
}
dual_test!(a_short_mixed_load_loses_nothing);
