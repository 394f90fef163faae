//! Campaign notices by e-mail: the SMTP settings, one digest per person
//! gathering every notification not yet mailed, and the dispatcher that
//! records the notices due (opening, reminders, lateness) then mails.

use std::time::Duration;

use cosinum_domain::campaigns::progress::digest;
use cosinum_store::campaigns::notices;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use time::Date;

use crate::AppState;
use crate::error::AppError;

/// SMTP settings (`[web.mail]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://host:25` (plain, or `?tls=required` for STARTTLS),
    /// `smtps://user:password@host:465` (TLS).
    pub smtp_url: String,
    /// The sender, e.g. `cosinum <ne-pas-repondre@numerique.gouv.fr>`.
    pub from: String,
    /// Seconds before an SMTP exchange is abandoned.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_timeout() -> u64 {
    20
}

/// Sends one plain-text message.
pub async fn send(cfg: &MailConfig, to: &str, subject: &str, body: &str) -> Result<(), String> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)
        .map_err(|e| format!("adresse SMTP invalide : {e}"))?
        .timeout(Some(Duration::from_secs(cfg.timeout_secs)))
        .build();
    let message = Message::builder()
        .from(
            cfg.from
                .parse()
                .map_err(|e| format!("expéditeur invalide : {e}"))?,
        )
        .to(to
            .parse()
            .map_err(|e| format!("destinataire invalide « {to} » : {e}"))?)
        .subject(subject)
        // Quoted-printable: French text survives every relay, 8BITMIME or not.
        .singlepart(
            SinglePart::builder().header(ContentType::TEXT_PLAIN).body(
                Body::new_with_encoding(body.to_owned(), ContentTransferEncoding::QuotedPrintable)
                    .map_err(|_| "corps du message non encodable".to_owned())?,
            ),
        )
        .map_err(|e| format!("message invalide : {e}"))?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("envoi refusé : {e}"))
}

/// What a dispatch did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DispatchReport {
    /// Notices newly due (opening, reminder, lateness).
    pub new_events: usize,
    /// Digests composed (one per person with unmailed notifications).
    pub digests: usize,
    /// Of which sent by SMTP.
    pub sent: usize,
    /// Of which failed (tried again next time).
    pub failed: usize,
}

/// Records the notices due on `today`, then mails each person one digest of
/// what they have not been mailed yet. Without SMTP settings the digests
/// are recorded as not sent and the notifications stay in the app.
pub async fn dispatch(state: &AppState, today: Date) -> Result<DispatchReport, AppError> {
    let mut tx = state.db.begin().await?;
    let new_events = notices::record_due(&mut tx, today).await?;
    tx.commit().await?;
    let mut report = DispatchReport {
        new_events,
        ..DispatchReport::default()
    };
    let base = state.config.public_url.clone().unwrap_or_default();
    for d in notices::pending_digests(&state.db).await? {
        let lines: Vec<_> = d.notifications.iter().map(|(_, l)| l.clone()).collect();
        let (subject, body) = digest(&d.name, &base, &lines);
        report.digests += 1;
        match &state.config.mail {
            None => {
                notices::record_digest(&state.db, &d, &subject, &body, "SMTP non configuré", false)
                    .await?;
            }
            Some(cfg) => match send(cfg, &d.email, &subject, &body).await {
                Ok(()) => {
                    report.sent += 1;
                    notices::record_digest(&state.db, &d, &subject, &body, "envoyé", false).await?;
                }
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(recipient = %d.email, error = %e, "campaign digest not sent");
                    notices::record_digest(
                        &state.db,
                        &d,
                        &subject,
                        &body,
                        &format!("échec : {e}"),
                        true,
                    )
                    .await?;
                }
            },
        }
    }
    Ok(report)
}

/// Runs [`dispatch`] every `notice_interval_secs` (first run after one
/// interval, so starting the server sends nothing by surprise).
pub fn spawn_dispatcher(state: AppState) {
    let secs = state.config.notice_interval_secs;
    if secs == 0 {
        return;
    }
    tokio::spawn(async move {
        let period = Duration::from_secs(secs);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            tick.tick().await;
            match dispatch(&state, crate::campaigns::today()).await {
                Ok(r) if r.new_events + r.digests > 0 => {
                    tracing::info!(?r, "campaign notices dispatched")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "campaign notices dispatch failed"),
            }
        }
    });
}
