//! An application inventory sent as a file (page, API, command line): each
//! line checked against the database (ministry, rights, offers), every change
//! listed before anything is written, then applied all or nothing; a file
//! applied twice changes nothing the second time.

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::cloud::compliance::hosting_on;
use cosinum_domain::cloud::types::{
    Classification, CloudApplication, Environment, Hosting, SecurityNeeds,
};
use cosinum_io::inventory::InventoryRow;
use cosinum_store::{AuditCtx, Db, StoreResult, cloud};
use serde::Serialize;
use utoipa::ToSchema;

use crate::funding_import::{LineChange, LineProblem};

/// What the caller may do: declare the applications of this ministry.
pub type Rights<'a> = &'a (dyn Fn(OrgId) -> bool + Sync);

enum Target {
    Existing(i64),
    New(usize),
}

enum Op {
    Create(CloudApplication),
    Update(i64, i64, CloudApplication),
    Host(Target, Hosting),
}

/// What the import would do.
#[derive(Default)]
pub struct Plan {
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    ops: Vec<Op>,
}

/// What the import wrote.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct InventoryApplied {
    pub created: usize,
    pub updated: usize,
    pub hostings: usize,
}

fn key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Checks every line.
pub async fn plan(db: &Db, rows: &[InventoryRow], can_write: Rights<'_>) -> StoreResult<Plan> {
    let orgs = cosinum_store::organisations::list(db, false).await?;
    let apps = cloud::applications(db).await?;
    let facts = cloud::facts(db).await?;
    let offers = cloud::offers(db).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut plan = Plan::default();
    let mut seen: HashMap<(i64, String), usize> = HashMap::new();
    let mut news = 0;
    for r in rows {
        let mut problem = |column: &str, message: String| {
            plan.problems.push(LineProblem {
                row: r.line,
                column: column.into(),
                message,
            });
        };
        let Some(org) = cosinum_store::organisations::resolve(&orgs, &r.ministry) else {
            problem(
                "Ministère",
                format!("ministère inconnu : « {} »", r.ministry),
            );
            continue;
        };
        if !can_write(org.id) {
            problem(
                "Ministère",
                format!(
                    "vous ne pouvez pas déclarer les applications de {}",
                    org.code
                ),
            );
            continue;
        }
        let existing = match r.id {
            Some(id) => match apps
                .iter()
                .find(|a| a.id == id && a.organisation_id == org.id)
            {
                Some(a) => Some(a),
                None => {
                    problem(
                        "Identifiant",
                        format!("aucune application {id} de {}", org.code),
                    );
                    continue;
                }
            },
            None => apps
                .iter()
                .find(|a| a.organisation_id == org.id && key(&a.name) == key(&r.name)),
        };
        if seen.insert((org.id.0, key(&r.name)), r.line).is_some() {
            problem(
                "Application",
                format!("« {} » figure deux fois dans le fichier", r.name),
            );
            continue;
        }
        let app = CloudApplication {
            id: existing.map_or(0, |a| a.id),
            organisation_id: org.id,
            name: r.name.clone(),
            description: r.description.clone(),
            status: r.status,
            users: r.users,
            project_id: existing.and_then(|a| a.project_id),
            full_cost: r.full_cost,
            new_or_major: r.new_or_major,
            needs: SecurityNeeds {
                availability: r.needs[0],
                integrity: r.needs[1],
                confidentiality: r.needs[2],
                traceability: r.needs[3],
            },
            classification: if r.diffusion_restreinte {
                Classification::DiffusionRestreinte
            } else {
                Classification::None
            },
            version: existing.map_or(1, |a| a.version),
        };
        let app = match app.validated() {
            Ok(a) => a,
            Err(e) => {
                problem("Application", e.message);
                continue;
            }
        };
        let hosting = match &r.production {
            None => None,
            Some((name, since)) => match offers.iter().find(|o| key(&o.name) == key(name)) {
                Some(o) => Some(Hosting {
                    environment: Environment::Production,
                    offer_id: o.id,
                    since: since.unwrap_or(today),
                }),
                None => {
                    problem(
                        "Hébergement de production",
                        format!("offre inconnue du catalogue : « {name} »"),
                    );
                    continue;
                }
            },
        };
        let mut detail = Vec::new();
        let target = match existing {
            Some(a) => {
                let same = CloudApplication {
                    version: a.version,
                    ..app.clone()
                } == *a;
                if !same {
                    detail.push("fiche mise à jour".to_owned());
                    plan.ops.push(Op::Update(a.id, a.version, app.clone()));
                }
                Target::Existing(a.id)
            }
            None => {
                plan.ops.push(Op::Create(app.clone()));
                news += 1;
                detail.push(format!("nouvelle application de {}", org.code));
                Target::New(news - 1)
            }
        };
        if let Some(h) = hosting {
            let current = existing.and_then(|a| facts.get(&a.id)).and_then(|f| {
                hosting_on(&f.hostings, h.since)
                    .get(&Environment::Production)
                    .map(|x| x.offer_id)
            });
            if current != Some(h.offer_id) {
                let name = offers
                    .iter()
                    .find(|o| o.id == h.offer_id)
                    .map_or("", |o| o.name.as_str());
                detail.push(format!("production sur « {name} » à partir du {}", h.since));
                plan.ops.push(Op::Host(target, h));
            }
        }
        let kind = match (existing, detail.is_empty()) {
            (None, _) => "new_application",
            (Some(_), true) => "unchanged",
            (Some(_), false) => "updated",
        };
        plan.changes.push(LineChange {
            line: r.line,
            kind,
            label: r.name.clone(),
            detail: if detail.is_empty() {
                "aucun changement".into()
            } else {
                detail.join(" ; ")
            },
        });
    }
    Ok(plan)
}

/// Applies a plan without problems, in one transaction.
pub async fn apply(db: &Db, ctx: &AuditCtx, plan: &Plan) -> StoreResult<InventoryApplied> {
    let mut tx = db.begin().await?;
    let mut created = Vec::new();
    let mut done = InventoryApplied::default();
    for op in &plan.ops {
        match op {
            Op::Create(a) => {
                created.push(cloud::create_application(&mut tx, ctx, a).await?.id);
                done.created += 1;
            }
            Op::Update(id, version, a) => {
                cloud::update_application(&mut tx, ctx, *id, *version, a).await?;
                done.updated += 1;
            }
            Op::Host(target, h) => {
                let id = match target {
                    Target::Existing(id) => *id,
                    Target::New(i) => created[*i],
                };
                cloud::add_hosting(&mut tx, ctx, id, h).await?;
                done.hostings += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(done)
}
