//! `cosinum token create|revoke|list`.

use anyhow::Context;
use clap::Subcommand;
use cosinum_domain::token_scope::Scopes;
use cosinum_store::{Db, tokens, users};
use time::{Duration, OffsetDateTime};

use super::users::cli_ctx;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token acting with the rights of the account; prints it alone on stdout.
    Create {
        #[arg(long)]
        email: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "ligne de commande")]
        name: String,
        /// Limit the token to reading.
        #[arg(long)]
        read_only: bool,
        /// Expire the token after this many days.
        #[arg(long)]
        expires_days: Option<u32>,
        /// Limit the token to these modules, comma-separated (projects,
        /// demarches, funding, cloud, talent, reuse, committee, publication,
        /// platform); every module when absent.
        #[arg(long, default_value = "")]
        scopes: String,
    },
    /// Revoke a token by its id (see `token list`).
    Revoke { id: i64 },
    /// List the tokens of an account.
    List {
        #[arg(long)]
        email: String,
    },
}

pub async fn run(db: &Db, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create {
            email,
            name,
            read_only,
            expires_days,
            scopes,
        } => {
            let scopes =
                Scopes::parse(&scopes).map_err(|e| anyhow::anyhow!("--scopes : {}", e.message))?;
            let user = users::get_by_email(db, &email)
                .await
                .with_context(|| format!("compte {email}"))?;
            anyhow::ensure!(!user.disabled, "le compte {email} est désactivé");
            let expires =
                expires_days.map(|d| OffsetDateTime::now_utc() + Duration::days(i64::from(d)));
            let mut tx = db.begin().await?;
            let (secret, _) = tokens::create(
                &mut tx,
                &cli_ctx(),
                user.id,
                &name,
                read_only,
                &scopes,
                expires,
            )
            .await?;
            tx.commit().await?;
            // Alone on stdout, so that scripts can capture it.
            println!("{secret}");
        }
        TokenCommand::Revoke { id } => {
            let mut tx = db.begin().await?;
            let token = tokens::revoke(&mut tx, &cli_ctx(), id)
                .await
                .with_context(|| format!("jeton {id}"))?;
            tx.commit().await?;
            println!("jeton {} révoqué ({}…)", token.id, token.prefix);
        }
        TokenCommand::List { email } => {
            let user = users::get_by_email(db, &email)
                .await
                .with_context(|| format!("compte {email}"))?;
            let now = OffsetDateTime::now_utc();
            for t in tokens::list_for_user(db, user.id).await? {
                let status = if t.is_active(now) { "actif" } else { "inactif" };
                let rights = if t.read_only {
                    "lecture"
                } else {
                    "lecture+écriture"
                };
                let scopes = t.scopes.as_deref().unwrap_or("tous modules");
                println!(
                    "{:>5}  {:<12} {:<18} {:<8} {:<24} {}",
                    t.id, t.prefix, rights, status, scopes, t.name
                );
            }
        }
    }
    Ok(())
}
