//! Funding files (page, API and command line): every line checked against
//! the database — window, ministry, rights, the window's rules, the
//! pipeline, the credit totals — and every change listed before anything is
//! written; then applied in one transaction, all or nothing. A file applied
//! twice changes nothing the second time.

use std::collections::{BTreeMap, HashMap};

use cosinum_domain::OrgId;
use cosinum_domain::funding::consumption::check_totals;
use cosinum_domain::funding::{Application, ApplicationFields, Movement, MovementKind, Status};
use cosinum_domain::money::Euros;
use cosinum_io::funding::{ApplicationRow, FundingFile, MovementRow};
use cosinum_store::funding::{self, applications, movements};
use cosinum_store::{AuditCtx, Db, StoreResult};
use serde::Serialize;
use utoipa::ToSchema;

/// What the caller may do.
pub struct Rights<'a> {
    /// File and edit applications of this ministry.
    pub write: &'a (dyn Fn(OrgId) -> bool + Sync),
    /// Decide and record credits (the DINUM).
    pub run_funds: bool,
}

/// One line's outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineChange {
    pub line: usize,
    /// `new_application`, `updated`, `decision`, `new_movement` or `unchanged`.
    pub kind: &'static str,
    pub label: String,
    pub detail: String,
}

/// A problem: row (0 for the whole file) and column.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineProblem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl LineProblem {
    /// A file's reading errors, as problems of a report.
    pub fn from_errors(errors: &cosinum_io::ImportErrors) -> Vec<LineProblem> {
        errors
            .0
            .iter()
            .map(|e| LineProblem {
                row: e.row,
                column: e.column.clone(),
                message: e.message.clone(),
            })
            .collect()
    }

    /// The status of an import's answer: 422 when the file was refused.
    pub fn status_of(problems: &[LineProblem]) -> axum::http::StatusCode {
        if problems.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

enum Target {
    /// An application in the database, at the version the plan read.
    Existing(i64, i64),
    New(usize),
}

enum Op {
    Create(ApplicationFields),
    Update(i64, i64, ApplicationFields),
    Decide(Target, applications::Decision),
    Move(Movement),
}

/// What the import would do; applied only without problems.
#[derive(Default)]
pub struct Plan {
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    ops: Vec<Op>,
}

fn key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Checks a file.
pub async fn plan(db: &Db, file: &FundingFile, rights: &Rights<'_>) -> StoreResult<Plan> {
    match file {
        FundingFile::Applications(rows) => plan_applications(db, rows, rights).await,
        FundingFile::Movements(rows) => plan_movements(db, rows, rights).await,
    }
}

/// The decisions that move `from` to `to`: under review first when needed,
/// then the final status. `None` when the pipeline does not allow it.
fn steps(from: Status, r: &ApplicationRow) -> Option<Vec<applications::Decision>> {
    let to = r.status.unwrap_or(from);
    if to == from {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    let mut at = from;
    if to != Status::Withdrawn && at == Status::Submitted && to != Status::UnderReview {
        out.push(applications::Decision {
            status: Status::UnderReview,
            date: r.reviewed_on.or(r.decided_on)?,
            granted: None,
            motive: String::new(),
        });
        at = Status::UnderReview;
    }
    if !at.can_move_to(to) {
        return None;
    }
    let date = if to == Status::UnderReview {
        r.reviewed_on?
    } else {
        r.decided_on?
    };
    out.push(applications::Decision {
        status: to,
        date,
        granted: r.granted.filter(|_| to == Status::Granted),
        motive: r.motive.clone(),
    });
    Some(out)
}

async fn plan_applications(
    db: &Db,
    rows: &[ApplicationRow],
    rights: &Rights<'_>,
) -> StoreResult<Plan> {
    let orgs = cosinum_store::organisations::list(db, false).await?;
    let windows = funding::windows(db).await?;
    let all = applications::list(db).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut plan = Plan::default();
    let mut new_index: HashMap<(i64, i64, String), usize> = HashMap::new();
    let mut news = 0;
    for r in rows {
        let mut problem = |column: &str, message: String| {
            plan.problems.push(LineProblem {
                row: r.line,
                column: column.into(),
                message,
            });
        };
        let Some(w) = windows
            .iter()
            .find(|w| w.code.eq_ignore_ascii_case(r.window.trim()))
        else {
            problem("Guichet", format!("guichet inconnu : « {} »", r.window));
            continue;
        };
        let Some(org) = cosinum_store::organisations::resolve(&orgs, &r.ministry) else {
            problem(
                "Ministère",
                format!("ministère inconnu : « {} »", r.ministry),
            );
            continue;
        };
        if !(rights.write)(org.id) {
            problem(
                "Ministère",
                format!("vous ne pouvez pas déposer de dossier pour {}", org.code),
            );
            continue;
        }
        let existing: Option<&Application> = match r.id {
            Some(id) => match all.iter().find(|a| a.id == id) {
                Some(a) if a.fields.organisation_id == org.id => Some(a),
                _ => {
                    problem("Identifiant", format!("aucun dossier {id} de {}", org.code));
                    continue;
                }
            },
            None => all.iter().find(|a| {
                a.fields.organisation_id == org.id
                    && a.fields.window_id == w.id
                    && key(&a.fields.title) == key(&r.title)
            }),
        };
        let fields = ApplicationFields {
            organisation_id: org.id,
            window_id: w.id,
            title: r.title.clone(),
            description: r.description.clone().unwrap_or_else(|| {
                existing.map_or_else(String::new, |a| a.fields.description.clone())
            }),
            total_cost: r.total_cost,
            requested: r.requested,
            project_id: existing.and_then(|a| a.fields.project_id),
            inventory_id: existing.and_then(|a| a.fields.inventory_id),
            planned_start: r.planned_start,
            planned_end: r.planned_end,
            submitted_on: r
                .submitted_on
                .or(existing.map(|a| a.fields.submitted_on))
                .unwrap_or(today),
            workload: r
                .workload
                .clone()
                .unwrap_or_else(|| existing.map_or_else(Vec::new, |a| a.fields.workload.clone())),
        };
        let fields = match fields.validated(w) {
            Ok(f) => f,
            Err(e) => {
                let column = match e.field.as_str() {
                    "title" => "Intitulé",
                    "total_cost" => "Coût total (€)",
                    "requested" => "Demandé (€)",
                    "planned_end" => "Fin prévue",
                    "submitted_on" => "Déposé le",
                    _ => "Charge interne",
                };
                problem(column, e.message);
                continue;
            }
        };
        let from = existing.map_or(Status::Submitted, |a| a.status);
        let Some(steps) = steps(from, r) else {
            problem(
                "Statut",
                format!(
                    "un dossier « {} » ne peut pas passer à « {} » (dates d'instruction et de décision obligatoires)",
                    from.label_fr(),
                    r.status.map_or("?", |s| s.label_fr())
                ),
            );
            continue;
        };
        let own_withdrawal = steps.iter().all(|s| s.status == Status::Withdrawn);
        if !steps.is_empty() && !rights.run_funds && !own_withdrawal {
            problem(
                "Statut",
                "seule la DINUM instruit et décide les dossiers".into(),
            );
            continue;
        }
        if let Some(s) = steps.iter().find(|s| s.status == Status::Granted)
            && s.granted.is_none_or(|g| g.0 <= 0 || g > fields.requested)
        {
            problem(
                "Accordé (€)",
                "montant accordé obligatoire, positif et au plus égal au montant demandé".into(),
            );
            continue;
        }
        if steps
            .iter()
            .any(|s| s.status == Status::Rejected && s.motive.trim().is_empty())
        {
            problem("Motif", "un rejet doit être motivé".into());
            continue;
        }
        let label = fields.title.clone();
        let mut detail = Vec::new();
        let target = match existing {
            None => {
                let k = (org.id.0, w.id, key(&fields.title));
                if new_index.contains_key(&k) {
                    problem(
                        "Intitulé",
                        format!("« {label} » figure deux fois dans le fichier"),
                    );
                    continue;
                }
                new_index.insert(k, news);
                plan.ops.push(Op::Create(fields));
                news += 1;
                detail.push(format!(
                    "nouveau dossier de {} au guichet {}",
                    org.code, w.code
                ));
                Target::New(news - 1)
            }
            Some(a) => {
                if a.fields != fields {
                    if !a.status.pending() {
                        problem(
                            "Intitulé",
                            "le dossier a reçu une décision : ses éléments ne changent plus".into(),
                        );
                        continue;
                    }
                    detail.push("éléments du dossier modifiés".into());
                    plan.ops.push(Op::Update(a.id, a.version, fields));
                }
                Target::Existing(a.id, a.version)
            }
        };
        for s in steps {
            detail.push(format!("{} le {}", s.status.label_fr(), s.date));
            plan.ops.push(Op::Decide(
                match target {
                    Target::Existing(id, v) => Target::Existing(id, v),
                    Target::New(i) => Target::New(i),
                },
                s,
            ));
        }
        let kind = match (&target, detail.is_empty()) {
            (Target::New(_), _) => "new_application",
            (_, true) => "unchanged",
            (_, false) => "updated",
        };
        plan.changes.push(LineChange {
            line: r.line,
            kind,
            label,
            detail: if detail.is_empty() {
                "aucun changement".into()
            } else {
                detail.join(" ; ")
            },
        });
    }
    Ok(plan)
}

async fn plan_movements(db: &Db, rows: &[MovementRow], rights: &Rights<'_>) -> StoreResult<Plan> {
    let mut plan = Plan::default();
    if !rights.run_funds {
        plan.problems.push(LineProblem {
            row: 0,
            column: String::new(),
            message: "seule la DINUM enregistre les mouvements de crédits".into(),
        });
        return Ok(plan);
    }
    let all = applications::list(db).await?;
    let existing = movements::list(db).await?;
    // Running totals per application, in file order: (engaged, paid).
    let mut totals: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for m in &existing {
        let t = totals.entry(m.application_id).or_default();
        match m.kind {
            MovementKind::Commitment => t.0 += m.amount.0,
            MovementKind::Payment => t.1 += m.amount.0,
        }
    }
    let mut seen: Vec<(i64, MovementKind, String)> = Vec::new();
    for r in rows {
        let mut problem = |column: &str, message: String| {
            plan.problems.push(LineProblem {
                row: r.line,
                column: column.into(),
                message,
            });
        };
        let Some(a) = all.iter().find(|a| a.id == r.application_id) else {
            problem("Dossier", format!("aucun dossier {}", r.application_id));
            continue;
        };
        if a.status != Status::Granted {
            problem(
                "Dossier",
                format!(
                    "le dossier {} n'est pas retenu : il ne consomme pas de crédits",
                    a.id
                ),
            );
            continue;
        }
        let label = format!("{} — {}", a.id, a.fields.title);
        let reference = r.reference.trim().to_owned();
        let same = existing
            .iter()
            .find(|m| m.application_id == a.id && m.kind == r.kind && m.reference == reference);
        if let Some(m) = same {
            if m.date == r.date && m.amount == r.amount {
                plan.changes.push(LineChange {
                    line: r.line,
                    kind: "unchanged",
                    label,
                    detail: format!("{} {reference} déjà enregistré", r.kind.label_fr()),
                });
            } else {
                problem(
                    "Référence",
                    format!("la référence {reference} est déjà utilisée pour un autre mouvement"),
                );
            }
            continue;
        }
        if seen.contains(&(a.id, r.kind, reference.clone())) {
            problem(
                "Référence",
                format!("la référence {reference} figure deux fois dans le fichier"),
            );
            continue;
        }
        seen.push((a.id, r.kind, reference.clone()));
        if r.amount.0 == 0 {
            problem("Montant (€)", "un mouvement a un montant non nul".into());
            continue;
        }
        let t = totals.entry(a.id).or_default();
        let (engaged, paid) = match r.kind {
            MovementKind::Commitment => (t.0 + r.amount.0, t.1),
            MovementKind::Payment => (t.0, t.1 + r.amount.0),
        };
        if let Err(m) = check_totals(a.granted.unwrap_or(Euros(0)), Euros(engaged), Euros(paid)) {
            problem("Montant (€)", m);
            continue;
        }
        *t = (engaged, paid);
        plan.changes.push(LineChange {
            line: r.line,
            kind: "new_movement",
            label,
            detail: format!(
                "{} {reference} : {} € le {}",
                r.kind.label_fr(),
                r.amount.0,
                r.date
            ),
        });
        plan.ops.push(Op::Move(Movement {
            application_id: a.id,
            kind: r.kind,
            date: r.date,
            amount: r.amount,
            reference,
        }));
    }
    Ok(plan)
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct FundingApplied {
    pub created: usize,
    pub updated: usize,
    pub decisions: usize,
    pub movements: usize,
}

/// Applies a plan without problems, in one transaction.
pub async fn apply(db: &Db, ctx: &AuditCtx, plan: &Plan) -> StoreResult<FundingApplied> {
    let mut tx = db.begin().await?;
    let mut created: Vec<(i64, i64)> = Vec::new();
    let mut versions: HashMap<i64, i64> = HashMap::new();
    let mut done = FundingApplied::default();
    for op in &plan.ops {
        match op {
            Op::Create(f) => {
                let a = applications::create(&mut tx, ctx, f).await?;
                created.push((a.id, a.version));
                done.created += 1;
            }
            Op::Update(id, version, f) => {
                let a = applications::update(&mut tx, ctx, *id, *version, f).await?;
                versions.insert(a.id, a.version);
                done.updated += 1;
            }
            Op::Decide(target, d) => {
                // The version this import last wrote, else the one the plan
                // read: a change made meanwhile by someone else is refused.
                let (id, read) = match target {
                    Target::Existing(id, v) => (*id, *v),
                    Target::New(i) => created[*i],
                };
                let version = versions.get(&id).copied().unwrap_or(read);
                let a = applications::decide(&mut tx, ctx, id, version, d).await?;
                versions.insert(id, a.version);
                done.decisions += 1;
            }
            Op::Move(m) => {
                if movements::record(&mut tx, ctx, m).await? == movements::Recorded::New {
                    done.movements += 1;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(done)
}
