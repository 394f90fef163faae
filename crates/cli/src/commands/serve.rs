//! `cosinum serve [--demo]`.

use anyhow::Context;
use cosinum_store::{demo, redact_url};
use cosinum_web::{AppState, dsfr_present};
use tokio::net::TcpListener;

use crate::config::Config;

pub async fn run(config: Config, with_demo: bool) -> anyhow::Result<()> {
    let url = config.database_url(with_demo);
    let db = super::open_serving(&config, with_demo).await?;
    tracing::info!(database = %redact_url(&url), backend = ?db.backend(), "database ready");
    let mut fresh_demo = false;
    if with_demo {
        if demo::is_empty(&db).await? {
            fresh_demo = true;
        } else {
            println!("Base existante conservée : {}", redact_url(&url));
        }
    }
    if !dsfr_present() {
        tracing::warn!(
            "DSFR assets missing: run scripts/vendor-assets.sh (pages will be unstyled)"
        );
    }
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    println!("cosinum écoute sur http://{addr}/");
    if with_demo {
        println!(
            "Comptes de démonstration (mot de passe : {}) :",
            demo::DEMO_PASSWORD
        );
        for a in demo::accounts() {
            let org = a.organisation.map(|o| format!(", {o}")).unwrap_or_default();
            println!("  {:<38} {}{}", a.email, a.role.as_str(), org);
        }
    }
    tokio::spawn(purge_expired_sessions(db.clone()));
    let state = AppState::new(db.clone(), config.web.clone());
    if fresh_demo {
        super::demo::seed_demo(&state).await?;
        println!("Données de démonstration créées dans {}", redact_url(&url));
    }
    // The first search would otherwise wait for the index to be built, and
    // the démarches dashboard for the observatory's figures. One after the
    // other: each holds tens of megabytes while it works at scale, and
    // together they made the server's peak memory (issue #11).
    let ready = state.clone();
    tokio::spawn(async move {
        if let Err(e) = ready.search.index(&ready.db).await {
            tracing::warn!(error = %e, "search index not ready; the first search retries");
        }
        cosinum_web::observatory::keep_ready(ready).await;
    });
    cosinum_web::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    db.close().await;
    Ok(())
}

/// Expired sessions are refused anyway; this only keeps the table small.
async fn purge_expired_sessions(db: cosinum_store::Db) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match cosinum_store::sessions::purge_expired(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions purged"),
            Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM: requests in flight then finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}
