//! Ministries send projects and reviews with the generic template: the file
//! is checked against the database (rights, projects, the drift rule), every
//! change is shown before anything is written, then applied all or nothing.

use std::collections::{HashMap, HashSet};

use cosinum_domain::authz::{Access, Actor, allows};
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::drift::baseline_in_force;
use cosinum_domain::projects::project::{ProjectFields, Rating, ReviewFields};
use cosinum_io::ImportError;
use cosinum_io::template::TemplateRow;
use cosinum_store::AuditCtx;
use cosinum_store::projects::{self, baselines, reviews};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::projects::project_resource;
use crate::error::AppError;

/// One change the import will make, for people to check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Change {
    pub line: usize,
    /// `new_project`, `new_review`, `updated_review` or `unchanged`.
    pub kind: &'static str,
    pub project: String,
    pub detail: String,
}

/// A problem found in the file, with its place.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    pub file: String,
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl From<&ImportError> for Problem {
    fn from(e: &ImportError) -> Self {
        Self {
            file: e.file.clone(),
            row: e.row,
            column: e.column.clone(),
            message: e.message.clone(),
        }
    }
}

enum Target {
    Existing(i64),
    New(usize),
}

struct ReviewOp {
    target: Target,
    fields: ReviewFields,
    existing: Option<(i64, i64)>,
}

/// What the import would do; applied only when `problems` is empty.
#[derive(Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub problems: Vec<Problem>,
    new_projects: Vec<ProjectFields>,
    reviews: Vec<ReviewOp>,
}

fn key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn fmt_cost(c: Option<cosinum_domain::money::Euros>) -> String {
    c.map_or("—".into(), |c| {
        format!("{:.1} M€", c.meur()).replace('.', ",")
    })
}

/// Checks every row against the database and the caller's rights.
pub async fn plan(
    state: &AppState,
    actor: &Actor,
    file: &str,
    rows: &[TemplateRow],
) -> Result<Plan, AppError> {
    let db = &state.db;
    let orgs = cosinum_store::organisations::list(db, false).await?;
    let all = projects::list(db, false).await?;
    let mut plan = Plan::default();
    let mut new_index: HashMap<(i64, String), usize> = HashMap::new();
    let mut seen: HashSet<(String, time::Date)> = HashSet::new();
    for r in rows {
        let mut problem = |column: &str, message: String| {
            plan.problems.push(Problem {
                file: file.to_owned(),
                row: r.line,
                column: column.into(),
                message,
            });
        };
        let Some(org) = orgs.iter().find(|o| o.code == r.ministry_code) else {
            problem(
                "Ministère",
                format!("organisation inconnue : {}", r.ministry_code),
            );
            continue;
        };
        if !allows(Some(actor), Access::Write, &project_resource(org.id)) {
            problem(
                "Ministère",
                format!("vous ne pouvez pas déclarer les projets de {}", org.code),
            );
            continue;
        }
        let Some(phase) =
            Phase::parse(&r.phase.to_lowercase()).or_else(|| Phase::parse_fr(&r.phase))
        else {
            problem("Phase", format!("phase inconnue : « {} »", r.phase));
            continue;
        };
        let existing = match r.project_id {
            Some(id) => match all.iter().find(|p| p.id == id) {
                Some(p) if p.organisation_id == org.id => Some(p),
                Some(_) => {
                    problem(
                        "Identifiant projet",
                        format!("le projet {id} n'est pas un projet de {}", org.code),
                    );
                    continue;
                }
                None => {
                    problem(
                        "Identifiant projet",
                        format!("aucun projet n'a l'identifiant {id}"),
                    );
                    continue;
                }
            },
            None => all
                .iter()
                .find(|p| p.organisation_id == org.id && key(&p.name) == key(&r.name)),
        };
        let label = existing.map_or_else(|| r.name.clone(), |p| p.name.clone());
        if !seen.insert((format!("{}/{}", org.id, key(&label)), r.review_date)) {
            problem(
                "Date de la revue",
                format!("deux lignes pour « {label} » à la même date"),
            );
            continue;
        }
        let fields = ReviewFields {
            review_date: r.review_date,
            cost: r.cost,
            start: r.start,
            forecast_end: r.forecast_end,
            phase,
            figures_withheld: r.figures_withheld,
            ministry_rating: r.ministry_rating.map(Rating),
            dinum_rating: None,
            narrative: r.narrative.trim().to_owned(),
            milestones: Vec::new(),
            risks: Vec::new(),
        };
        let (target, existing_review) = match existing {
            Some(p) => {
                let ledger: Vec<_> = baselines::list(db, p.id)
                    .await?
                    .iter()
                    .map(|b| b.baseline())
                    .collect();
                if let Err(e) = fields.check(
                    baseline_in_force(&ledger, r.review_date),
                    state.config.narrative_drift_threshold,
                ) {
                    problem(
                        if e.field == "narrative" {
                            "Commentaire"
                        } else {
                            "Fin prévue"
                        },
                        e.message,
                    );
                    continue;
                }
                let previous = reviews::list(db, p.id)
                    .await?
                    .into_iter()
                    .find(|x| x.review_date == r.review_date && x.source == reviews::SOURCE_REVIEW);
                (Target::Existing(p.id), previous)
            }
            None => {
                if let Err(e) = fields.check(None, state.config.narrative_drift_threshold) {
                    problem("Fin prévue", e.message);
                    continue;
                }
                let k = (org.id.0, key(&r.name));
                let index = match new_index.get(&k) {
                    Some(i) => *i,
                    None => {
                        plan.new_projects.push(ProjectFields {
                            organisation_id: org.id,
                            name: r.name.clone(),
                            description: r.description.clone(),
                            functional_zone: r.functional_zone.clone(),
                            interministerial: r.interministerial,
                            funding_programmes: String::new(),
                            links: String::new(),
                            phase,
                            figures_withheld: r.figures_withheld,
                            entered_on: r.review_date,
                            exited_on: None,
                        });
                        plan.changes.push(Change {
                            line: r.line,
                            kind: "new_project",
                            project: r.name.clone(),
                            detail: format!("nouveau projet de {}", org.code),
                        });
                        new_index.insert(k, plan.new_projects.len() - 1);
                        plan.new_projects.len() - 1
                    }
                };
                (Target::New(index), None)
            }
        };
        let summary = format!(
            "revue du {} : coût {}, phase {}",
            r.review_date,
            fmt_cost(fields.cost),
            phase.label_fr()
        );
        match &existing_review {
            Some(prev)
                if prev.cost == fields.cost
                    && prev.forecast_end == fields.forecast_end
                    && prev.phase == fields.phase
                    && prev.start == fields.start
                    && prev.figures_withheld == fields.figures_withheld
                    && prev.ministry_rating == fields.ministry_rating
                    && prev.narrative == fields.narrative =>
            {
                plan.changes.push(Change {
                    line: r.line,
                    kind: "unchanged",
                    project: label,
                    detail: summary,
                });
                continue;
            }
            Some(prev) => plan.changes.push(Change {
                line: r.line,
                kind: "updated_review",
                project: label,
                detail: format!(
                    "revue du {} : coût {} → {}",
                    r.review_date,
                    fmt_cost(prev.cost),
                    fmt_cost(fields.cost)
                ),
            }),
            None => plan.changes.push(Change {
                line: r.line,
                kind: "new_review",
                project: label,
                detail: summary,
            }),
        }
        plan.reviews.push(ReviewOp {
            target,
            fields,
            existing: existing_review.map(|p| (p.id, p.version)),
        });
    }
    Ok(plan)
}

/// Applies a plan without problems, in one transaction. Returns how many
/// projects and reviews were written.
pub async fn apply(
    state: &AppState,
    ctx: &AuditCtx,
    plan: Plan,
) -> Result<(usize, usize), AppError> {
    if !plan.problems.is_empty() {
        return Err(AppError::BadRequest(
            "Le fichier contient des erreurs : rien n'a été importé.".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let mut created = Vec::with_capacity(plan.new_projects.len());
    for f in &plan.new_projects {
        created.push(projects::create(&mut tx, ctx, f).await?.id);
    }
    let mut written = 0;
    for op in &plan.reviews {
        let project_id = match op.target {
            Target::Existing(id) => id,
            Target::New(i) => created[i],
        };
        match op.existing {
            Some((id, version)) => {
                let kept = reviews::get(&state.db, id).await?;
                let fields = ReviewFields {
                    dinum_rating: kept.dinum_rating,
                    milestones: kept.milestones,
                    risks: kept.risks,
                    ..op.fields.clone()
                };
                reviews::update(&mut tx, ctx, id, version, &fields).await?;
            }
            None => {
                reviews::create(&mut tx, ctx, project_id, reviews::SOURCE_REVIEW, &op.fields)
                    .await?;
            }
        }
        written += 1;
    }
    tx.commit().await?;
    Ok((created.len(), written))
}
