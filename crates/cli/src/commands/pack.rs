//! `cosinum pack --session ID --out pack.pdf`: the pack of a committee
//! session (agenda, attendance, every briefing sheet — frozen ones as
//! frozen, the others computed from the data as of the cut-off date) as
//! one A4 PDF, the same file the pages offer for download.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use cosinum_web::AppState;
use indicatif::{ProgressBar, ProgressStyle};

pub async fn run(state: &AppState, session: i64, out: &Path) -> anyhow::Result<()> {
    let s = cosinum_store::committee::get_session(&state.db, session)
        .await
        .with_context(|| {
            format!("séance {session} introuvable (voir GET /api/v1/committee/sessions)")
        })?;
    let spinner = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .context("progress bar template")?,
    );
    spinner.set_message(format!(
        "dossier de la séance du {} : fiches et mise en page",
        s.held_on
    ));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let result = cosinum_web::api::committee::pack_file(state, session).await;
    spinner.finish_and_clear();
    let (_, bytes) = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(out, &bytes).with_context(|| format!("écriture de {}", out.display()))?;
    println!(
        "dossier de la séance {session} ({}) écrit dans {} : {} Ko",
        s.title,
        out.display(),
        bytes.len() / 1024
    );
    Ok(())
}
