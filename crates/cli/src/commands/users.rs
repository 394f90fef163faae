//! `cosinum user add|list|disable|enable|passwd`.

use std::io::Read;

use anyhow::{Context, bail};
use clap::Subcommand;
use cosinum_domain::user::{UserInput, check_password};
use cosinum_store::{AuditCtx, Db, Via, organisations, secrets, users};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a random password is generated and printed.
    Add {
        #[arg(long)]
        email: String,
        /// Name shown in pages and in the history.
        #[arg(long)]
        name: String,
        /// admin, steering, ministry_editor or ministry_reader.
        #[arg(long)]
        role: String,
        /// Code of the organisation (required for ministry roles), e.g. MININT.
        #[arg(long)]
        organisation: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Disable an account (its sessions end at once; its history stays).
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Set a new password. Without --password-stdin a random one is generated and printed.
    Passwd {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Changes made from the command line are attributed to the system user running it.
pub fn cli_ctx() -> AuditCtx {
    let who = std::env::var("USER").unwrap_or_else(|_| "inconnu".into());
    AuditCtx {
        actor: None,
        actor_label: format!("ligne de commande ({who})"),
        via: Via::Cli,
        request_id: None,
    }
}

/// The password to set: read from stdin, or generated (and then printed).
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the password from stdin")?;
        let p = s.trim_end_matches(['\n', '\r']).to_owned();
        check_password(&p).map_err(|e| anyhow::anyhow!("{}", e.message))?;
        Ok((p, false))
    } else {
        Ok((secrets::random_token(15), true))
    }
}

async fn hash(p: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&p)).await?
}

pub async fn run(db: &Db, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            email,
            name,
            role,
            organisation,
            password_stdin,
        } => {
            let organisation_id = match organisation {
                Some(code) => Some(
                    organisations::get_by_code(db, &code)
                        .await
                        .with_context(|| format!("organisation {code}"))?
                        .id
                        .0,
                ),
                None => None,
            };
            let fields = UserInput {
                email,
                display_name: name,
                role,
                organisation_id,
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("{} : {}", e.field, e.message))?;
            let (plain, generated) = password(password_stdin)?;
            let hashed = hash(plain.clone()).await?;
            let mut tx = db.begin().await?;
            let user = users::create(&mut tx, &cli_ctx(), &fields, Some(&hashed)).await?;
            tx.commit().await?;
            println!("compte créé : {} ({})", user.email, user.role.as_str());
            if generated {
                println!("mot de passe : {plain}");
            }
        }
        UserCommand::List => {
            let orgs = organisations::list(db, true).await?;
            for u in users::list(db).await? {
                let org = u
                    .organisation_id
                    .and_then(|o| orgs.iter().find(|x| x.id == o))
                    .map_or("-", |o| o.code.as_str());
                let status = if u.disabled { "désactivé" } else { "actif" };
                println!(
                    "{:<40} {:<16} {:<14} {}",
                    u.email,
                    u.role.as_str(),
                    org,
                    status
                );
            }
        }
        UserCommand::Disable { email } => set_disabled(db, &email, true).await?,
        UserCommand::Enable { email } => set_disabled(db, &email, false).await?,
        UserCommand::Passwd {
            email,
            password_stdin,
        } => {
            let user = users::get_by_email(db, &email)
                .await
                .with_context(|| format!("compte {email}"))?;
            let (plain, generated) = password(password_stdin)?;
            let hashed = hash(plain.clone()).await?;
            let mut tx = db.begin().await?;
            users::set_password(&mut tx, &cli_ctx(), user.id, &hashed).await?;
            tx.commit().await?;
            println!("mot de passe changé pour {}", user.email);
            if generated {
                println!("mot de passe : {plain}");
            }
        }
    }
    Ok(())
}

async fn set_disabled(db: &Db, email: &str, disabled: bool) -> anyhow::Result<()> {
    let user = users::get_by_email(db, email)
        .await
        .with_context(|| format!("compte {email}"))?;
    if user.disabled == disabled {
        bail!(
            "le compte {email} est déjà {}",
            if disabled { "désactivé" } else { "actif" }
        );
    }
    let mut tx = db.begin().await?;
    users::set_disabled(&mut tx, &cli_ctx(), user.id, None, disabled).await?;
    tx.commit().await?;
    println!(
        "compte {} : {}",
        user.email,
        if disabled {
            "désactivé"
        } else {
            "réactivé"
        }
    );
    Ok(())
}
