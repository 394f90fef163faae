//! `cosinum campaign open|status|close|notify`: run collection campaigns
//! from the command line, as the DINUM's operator (audited as the system
//! user running the command).

use std::collections::BTreeSet;

use anyhow::Context;
use clap::Subcommand;
use cosinum_domain::campaigns::fields::parse_date;
use cosinum_domain::campaigns::progress::{is_late, tally};
use cosinum_domain::campaigns::{CampaignFields, CampaignKind, parse_reminder_days};
use cosinum_store::campaigns::{self, notices};
use cosinum_store::organisations;
use cosinum_web::AppState;
use indicatif::{ProgressBar, ProgressStyle};
use time::Date;

use super::users::cli_ctx;

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Open a campaign: one expected item per ongoing project or active
    /// démarche of the organisations asked, pre-filled with last period's values.
    Open {
        /// `project_review`, `demarche_indicators` or `hr_return`.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        title: String,
        /// Data as of this day (YYYY-MM-DD or DD/MM/YYYY).
        #[arg(long)]
        reference_date: String,
        /// Opening day (default: today).
        #[arg(long)]
        opens: Option<String>,
        #[arg(long)]
        deadline: String,
        /// Reminders, in days before the deadline.
        #[arg(long, default_value = "14,7,2")]
        reminders: String,
        /// Organisation codes asked (with those below them); default: all.
        #[arg(long = "organisation")]
        organisations: Vec<String>,
    },
    /// Where campaigns stand: all of them, or one per organisation.
    Status {
        /// A campaign's number.
        id: Option<i64>,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Close a campaign: no more entries nor decisions.
    Close { id: i64 },
    /// Record the notices due (opening, reminders, lateness) and mail the
    /// digests now, as the server's dispatcher does periodically.
    Notify {
        /// The day to act as of (default: today).
        #[arg(long)]
        date: Option<String>,
    },
}

fn day(s: &str, what: &str) -> anyhow::Result<Date> {
    parse_date(s)
        .with_context(|| format!("{what} : « {s} » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)"))
}

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

pub async fn run(state: &AppState, cmd: CampaignCommand) -> anyhow::Result<()> {
    let db = &state.db;
    match cmd {
        CampaignCommand::Open {
            kind,
            title,
            reference_date,
            opens,
            deadline,
            reminders,
            organisations: codes,
        } => {
            let kind = CampaignKind::parse(&kind).with_context(|| {
                format!(
                    "type inconnu « {kind} » : project_review, demarche_indicators ou hr_return"
                )
            })?;
            let fields = CampaignFields {
                title,
                kind,
                reference_date: day(&reference_date, "--reference-date")?,
                opens_on: opens
                    .as_deref()
                    .map(|s| day(s, "--opens"))
                    .transpose()?
                    .unwrap_or_else(today),
                deadline: day(&deadline, "--deadline")?,
                reminder_days: parse_reminder_days(&reminders)
                    .map_err(|e| anyhow::anyhow!("--reminders : {}", e.message))?,
            };
            let scope = if codes.is_empty() {
                None
            } else {
                let mut all = BTreeSet::new();
                for code in &codes {
                    let org = organisations::get_by_code(db, code)
                        .await
                        .with_context(|| format!("organisation inconnue « {code} »"))?;
                    all.extend(organisations::subtree(db, org.id).await?);
                }
                Some(all)
            };
            let mut tx = db.begin().await?;
            let c = campaigns::open(&mut tx, &cli_ctx(), &fields, scope.as_ref())
                .await
                .map_err(|e| anyhow::anyhow!("campagne refusée : {e}"))?;
            let events = notices::record_due(&mut tx, today()).await?;
            tx.commit().await?;
            let n = campaigns::items(db, c.id).await?.len();
            println!(
                "campagne {} ouverte : « {} », {n} élément(s) attendu(s), échéance {} ; {events} avis enregistré(s)",
                c.id, c.title, c.deadline
            );
            Ok(())
        }
        CampaignCommand::Status { id: None, json } => {
            let all = campaigns::list(db).await?;
            let mut rows = Vec::new();
            for c in &all {
                let items = campaigns::items(db, c.id).await?;
                let t = tally(items.iter().map(|i| ((), i.status)))
                    .remove(&())
                    .unwrap_or_default();
                rows.push((c, t));
            }
            if json {
                let out: Vec<_> = rows
                    .iter()
                    .map(|(c, t)| serde_json::json!({"campaign": c, "counts": t, "percent": t.percent()}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "{:>4}  {:<8} {:<11} {:<11} {:>9}  titre",
                    "n°", "statut", "référence", "échéance", "transmis"
                );
                for (c, t) in rows {
                    println!(
                        "{:>4}  {:<8} {:<11} {:<11} {:>4}/{:<4}  {}",
                        c.id,
                        c.status.label_fr(),
                        c.reference_date,
                        c.deadline,
                        t.transmitted(),
                        t.expected,
                        c.title
                    );
                }
            }
            Ok(())
        }
        CampaignCommand::Status { id: Some(id), json } => {
            let c = campaigns::get(db, id)
                .await
                .with_context(|| format!("pas de campagne n° {id}"))?;
            let items = campaigns::items(db, id).await?;
            let orgs = organisations::list(db, true).await?;
            let attestations = campaigns::attestations(db, id).await?;
            let per_org = tally(items.iter().map(|i| (i.organisation_id, i.status)));
            let code = |o| {
                orgs.iter()
                    .find(|x| x.id == o)
                    .map_or_else(String::new, |x| x.code.clone())
            };
            if json {
                let out: Vec<_> = per_org
                    .iter()
                    .map(|(o, t)| serde_json::json!({"organisation": code(*o), "counts": t, "percent": t.percent(),
                        "late": c.is_open() && is_late(c.deadline, today(), t)}))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"campaign": c, "organisations": out})
                    )?
                );
                return Ok(());
            }
            println!(
                "{} — {} ({}), données au {}, échéance {}",
                c.id,
                c.title,
                c.status.label_fr(),
                c.reference_date,
                c.deadline
            );
            println!(
                "{:<10} {:>7} {:>9} {:>9} {:>8} {:>9} {:>8} {:>5}  état",
                "organisation",
                "attendus",
                "non comm.",
                "brouillon",
                "transmis",
                "à corriger",
                "acceptés",
                "%"
            );
            for (o, t) in &per_org {
                let late = c.is_open() && is_late(c.deadline, today(), t);
                let attested = attestations
                    .iter()
                    .rev()
                    .find(|a| a.organisation_id == *o)
                    .map(|a| format!("attesté par {}", a.person_name));
                println!(
                    "{:<10} {:>7} {:>9} {:>9} {:>8} {:>9} {:>8} {:>4.0}%  {}",
                    code(*o),
                    t.expected,
                    t.not_started,
                    t.draft,
                    t.submitted,
                    t.returned,
                    t.accepted,
                    t.percent(),
                    if late {
                        "EN RETARD".to_owned()
                    } else {
                        attested.unwrap_or_default()
                    }
                );
            }
            Ok(())
        }
        CampaignCommand::Close { id } => {
            let c = campaigns::get(db, id)
                .await
                .with_context(|| format!("pas de campagne n° {id}"))?;
            let mut tx = db.begin().await?;
            let c = campaigns::close(&mut tx, &cli_ctx(), c.id, c.version)
                .await
                .map_err(|e| anyhow::anyhow!("clôture refusée : {e}"))?;
            tx.commit().await?;
            println!("campagne {} close : « {} »", c.id, c.title);
            Ok(())
        }
        CampaignCommand::Notify { date } => {
            let on = date
                .as_deref()
                .map(|s| day(s, "--date"))
                .transpose()?
                .unwrap_or_else(today);
            let spinner = ProgressBar::new_spinner().with_message("avis et envoi des courriels…");
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            let r = cosinum_web::mail::dispatch(state, on)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            spinner.finish_and_clear();
            println!(
                "{} avis nouveau(x) ; {} courriel(s) récapitulatif(s) : {} envoyé(s), {} en échec{}",
                r.new_events,
                r.digests,
                r.sent,
                r.failed,
                if state.config.mail.is_none() {
                    " (SMTP non configuré : notifications dans l'application seulement)"
                } else {
                    ""
                }
            );
            Ok(())
        }
    }
}
