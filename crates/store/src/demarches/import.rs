//! Importing an edition of the observatory (pages, API and CLI share it):
//! every line is checked against the database — ministry, the caller's
//! rights, the démarche, the edition — and every change is listed before
//! anything is written; then everything is applied in one transaction, all
//! or nothing. Importing the same file twice changes nothing the second time.

use std::collections::{HashMap, HashSet};

use cosinum_domain::OrgId;
use cosinum_domain::demarches::demarche::{DemarcheFields, EditionRow};
use cosinum_domain::demarches::{Method, method, method_in_force, same_value};
use serde::Serialize;
use time::Date;

use super::{ValueWrite, create, editions, list, raw_values, update, upsert_edition, write_values};
use crate::audit::AuditCtx;
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};

/// One line's outcome, for people to check before confirming.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub line: usize,
    /// `new_demarche`, `updated` or `unchanged`.
    pub kind: &'static str,
    pub demarche: String,
    pub detail: String,
}

/// A problem with a line (row 0: the whole file), by column header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// What the caller may do.
pub struct Rights<'a> {
    /// Write the démarches of this ministry.
    pub write: &'a (dyn Fn(OrgId) -> bool + Sync),
    /// Open an edition that does not exist yet (the DINUM).
    pub open_edition: bool,
}

enum Target {
    Existing(i64),
    New(usize),
}

/// What the import would do; applied only when `problems` is empty.
pub struct Plan {
    pub edition: Date,
    pub method: &'static Method,
    pub new_edition: bool,
    pub changes: Vec<Change>,
    pub problems: Vec<Problem>,
    new_demarches: Vec<DemarcheFields>,
    updates: Vec<(i64, i64, DemarcheFields)>,
    values: Vec<(Target, String, String)>,
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub created: usize,
    pub updated: usize,
    pub values_written: usize,
}

/// The method an edition dated `date` is read with: its own when it exists,
/// else the one in force on that day.
pub async fn method_for(db: &Db, date: Date) -> StoreResult<&'static Method> {
    match editions(db).await?.iter().find(|e| e.edition_date == date) {
        Some(e) => method(&e.method)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown method {}", e.method))),
        None => Ok(method_in_force(date)),
    }
}

fn key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Column of the file a validation error is about.
fn column_of(field: &str) -> &'static str {
    match field {
        "administration" => "Administration",
        "audiences" => "Publics",
        "url" => "URL",
        "annual_volume" => "Volumétrie totale",
        "online_volume" => "Volumétrie en ligne",
        _ => "Démarche",
    }
}

/// Checks every row of an edition file read under `method`.
pub async fn plan(
    db: &Db,
    rows: &[EditionRow],
    edition: Date,
    method: &'static Method,
    rights: &Rights<'_>,
) -> StoreResult<Plan> {
    let orgs = crate::organisations::list(db, false).await?;
    let all = list(db).await?;
    let new_edition = !editions(db)
        .await?
        .iter()
        .any(|e| e.edition_date == edition);
    let before = raw_values(db, edition).await?;
    let mut plan = Plan {
        edition,
        method,
        new_edition,
        changes: Vec::new(),
        problems: Vec::new(),
        new_demarches: Vec::new(),
        updates: Vec::new(),
        values: Vec::new(),
    };
    if new_edition && !rights.open_edition {
        plan.problems.push(Problem {
            row: 0,
            column: String::new(),
            message: format!(
                "l'édition du {edition} n'existe pas : seule la DINUM peut ouvrir une édition"
            ),
        });
        return Ok(plan);
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut new_index: HashMap<(i64, String), usize> = HashMap::new();
    for r in rows {
        let mut problem = |column: &str, message: String| {
            plan.problems.push(Problem {
                row: r.line,
                column: column.into(),
                message,
            });
        };
        let Some(org) = crate::organisations::resolve(&orgs, &r.ministry) else {
            problem(
                "Ministère",
                format!("ministère inconnu : « {} »", r.ministry),
            );
            continue;
        };
        if !(rights.write)(org.id) {
            problem(
                "Ministère",
                format!("vous ne pouvez pas déclarer les démarches de {}", org.code),
            );
            continue;
        }
        let existing = match r.id {
            Some(id) => match all.iter().find(|d| d.id == id) {
                Some(d) if d.organisation_id == org.id => Some(d),
                Some(_) => {
                    problem(
                        "Identifiant cosinum",
                        format!("la démarche {id} n'est pas une démarche de {}", org.code),
                    );
                    continue;
                }
                None => {
                    problem(
                        "Identifiant cosinum",
                        format!("aucune démarche suivie n'a l'identifiant {id}"),
                    );
                    continue;
                }
            },
            None => all
                .iter()
                .find(|d| d.organisation_id == org.id && key(&d.name) == key(&r.name)),
        };
        let label = existing.map_or_else(|| r.name.clone(), |d| d.name.clone());
        if !seen.insert(format!("{}/{}", org.id, key(&label))) {
            problem(
                "Démarche",
                format!("« {label} » figure deux fois dans le fichier"),
            );
            continue;
        }
        let fields = DemarcheFields {
            organisation_id: org.id,
            administration: r
                .administration
                .clone()
                .unwrap_or_else(|| existing.map_or_else(String::new, |d| d.administration.clone())),
            // Found by name: keep ours (spacing, case). Found by identifier: the
            // file may rename it.
            name: match (existing, r.id) {
                (Some(d), None) => d.name.clone(),
                _ => r.name.clone(),
            },
            audiences: r
                .audiences
                .clone()
                .unwrap_or_else(|| existing.map_or_else(Vec::new, |d| d.audiences.clone())),
            url: r
                .url
                .clone()
                .unwrap_or_else(|| existing.map_or_else(String::new, |d| d.url.clone())),
            annual_volume: r
                .annual_volume
                .or_else(|| existing.and_then(|d| d.annual_volume)),
            online_volume: r
                .online_volume
                .or_else(|| existing.and_then(|d| d.online_volume)),
            online_since: r
                .online_since
                .or_else(|| existing.and_then(|d| d.online_since)),
        };
        let fields = match fields.validated() {
            Ok(f) => f,
            Err(e) => {
                problem(column_of(&e.field), e.message);
                continue;
            }
        };
        let mut detail = Vec::new();
        let (target, kind) = match existing {
            Some(d) => {
                let was = DemarcheFields {
                    organisation_id: d.organisation_id,
                    administration: d.administration.clone(),
                    name: d.name.clone(),
                    audiences: d.audiences.clone(),
                    url: d.url.clone(),
                    annual_volume: d.annual_volume,
                    online_volume: d.online_volume,
                    online_since: d.online_since,
                };
                if was != fields {
                    detail.push("fiche de la démarche mise à jour".to_owned());
                    plan.updates.push((d.id, d.version, fields));
                }
                (Target::Existing(d.id), "unchanged")
            }
            None => {
                let k = (org.id.0, key(&r.name));
                let i = *new_index.entry(k).or_insert_with(|| {
                    plan.new_demarches.push(fields);
                    plan.new_demarches.len() - 1
                });
                detail.push(format!("nouvelle démarche de {}", org.code));
                (Target::New(i), "new_demarche")
            }
        };
        let id = match target {
            Target::Existing(id) => Some(id),
            Target::New(_) => None,
        };
        let mut moved = Vec::new();
        for v in &r.values {
            let was = id.and_then(|id| before.get(&(id, v.slug.to_owned())));
            // A blank cell where nothing is stored says nothing new.
            if same_value(was.map(String::as_str), Some(&v.raw)) {
                continue;
            }
            moved.push(format!(
                "{} : {} → {}",
                method.indicator(v.slug).map_or(v.slug, |i| i.label_fr),
                was.map_or("—", |w| if w.is_empty() { "—" } else { w }),
                if v.raw.is_empty() { "—" } else { &v.raw }
            ));
            plan.values.push((
                match target {
                    Target::Existing(id) => Target::Existing(id),
                    Target::New(i) => Target::New(i),
                },
                v.slug.to_owned(),
                v.raw.clone(),
            ));
        }
        match id {
            None => detail.push(format!("{} valeurs", moved.len())),
            Some(_) if !moved.is_empty() => detail.push(format!(
                "{} valeurs modifiées ({})",
                moved.len(),
                moved.join(" ; ")
            )),
            _ => {}
        }
        let kind = if kind == "unchanged" && !detail.is_empty() {
            "updated"
        } else {
            kind
        };
        plan.changes.push(Change {
            line: r.line,
            kind,
            demarche: label,
            detail: if detail.is_empty() {
                "aucun changement".to_owned()
            } else {
                detail.join(" ; ")
            },
        });
    }
    Ok(plan)
}

impl Plan {
    /// Lines whose démarche is new, updated, unchanged.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |k: &str| self.changes.iter().filter(|c| c.kind == k).count();
        (n("new_demarche"), n("updated"), n("unchanged"))
    }
}

/// Applies a plan without problems in the caller's transaction: the edition
/// (opened if new, from `source`), new démarches, updated ones (refused if
/// someone changed them since the plan), then the values.
pub async fn apply(tx: &mut Tx, ctx: &AuditCtx, plan: &Plan, source: &str) -> StoreResult<Applied> {
    if !plan.problems.is_empty() {
        return Err(StoreError::Other(anyhow::anyhow!(
            "the file has problems: nothing imported"
        )));
    }
    let edition_id = upsert_edition(tx, ctx, plan.edition, plan.method.code, source).await?;
    let mut created = Vec::with_capacity(plan.new_demarches.len());
    for f in &plan.new_demarches {
        created.push(create(tx, ctx, f).await?.id);
    }
    for (id, version, f) in &plan.updates {
        update(tx, ctx, *id, *version, f).await?;
    }
    let values: Vec<ValueWrite> = plan
        .values
        .iter()
        .map(|(target, slug, raw)| ValueWrite {
            demarche_id: match target {
                Target::Existing(id) => *id,
                Target::New(i) => created[*i],
            },
            slug: slug.clone(),
            raw: raw.clone(),
            expected: None,
        })
        .collect();
    let values_written = write_values(tx, ctx, edition_id, &values).await?;
    Ok(Applied {
        created: created.len(),
        updated: plan.updates.len(),
        values_written,
    })
}
