//! Investment plans sent as files (page, API, command line). A file is the
//! whole plan of each ministry and year it contains: every line is checked
//! against the database (ministry, rights, keys, links), the lines added,
//! changed (field by field) and removed are listed before anything is
//! written, then the ministry's draft revision for that year is made to
//! match the file in one transaction, all or nothing — a first revision is
//! opened when the ministry has no plan for the year, a new one (a copy of
//! the latest) when its latest revision was submitted. A file applied twice
//! changes nothing the second time.

use std::collections::{BTreeSet, HashMap};

use cosinum_domain::OrgId;
use cosinum_domain::money::Euros;
use cosinum_domain::reuse::plans::{Plan, PlanLine, PlanStatus};
use cosinum_io::plans::PlanLineRow;
use cosinum_store::{AuditCtx, Db, StoreError, StoreResult, plans};
use serde::Serialize;
use utoipa::ToSchema;

use crate::format::number;
use crate::funding_import::{LineChange, LineProblem};

/// What the caller may do: write this ministry's plans.
pub type Rights<'a> = &'a (dyn Fn(OrgId) -> bool + Sync);

enum Op {
    Add(PlanLine),
    /// The line of this key (upper case) becomes this one.
    Update(String, PlanLine),
    Remove(String),
}

/// Where a plan's changes go.
enum Target {
    /// The open draft, with its lines' (id, version) by key, as read.
    Draft(i64, HashMap<String, (i64, i64)>),
    /// A new draft revision, a copy of the latest one if any.
    Open,
}

struct PlanOps {
    org: OrgId,
    year: i32,
    target: Target,
    ops: Vec<Op>,
}

/// What a plan import would do; applied only without problems.
#[derive(Default)]
pub struct PlansImport {
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    plans: Vec<PlanOps>,
}

impl PlansImport {
    /// Whether applying it would write anything.
    pub fn changes_anything(&self) -> bool {
        self.plans.iter().any(|p| !p.ops.is_empty())
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct PlansApplied {
    /// Draft revisions opened (a first plan, or the revision of a submitted one).
    pub revisions_opened: usize,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

impl PlansApplied {
    pub fn nothing(&self) -> bool {
        self.revisions_opened + self.added + self.updated + self.removed == 0
    }
}

fn euros(e: Euros) -> String {
    format!("{} €", number(e.0 as f64, 0))
}

fn quoted(s: &str) -> String {
    if s.is_empty() {
        "—".into()
    } else {
        format!("« {s} »")
    }
}

fn fr_date(d: Option<time::Date>) -> String {
    d.map_or_else(
        || "—".into(),
        |d| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
    )
}

fn id(x: Option<i64>) -> String {
    x.map_or_else(|| "—".into(), |x| x.to_string())
}

/// Each field that differs, with its value before and after.
fn changed_fields(a: &PlanLine, b: &PlanLine) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |changed: bool, label: &str, before: String, after: String| {
        if changed {
            out.push(format!("{label} : {before} → {after}"));
        }
    };
    field(
        a.title != b.title,
        "intitulé",
        quoted(&a.title),
        quoted(&b.title),
    );
    field(
        a.functional_zone != b.functional_zone,
        "zone fonctionnelle",
        quoted(&a.functional_zone),
        quoted(&b.functional_zone),
    );
    field(
        a.project_id != b.project_id,
        "grand projet lié",
        id(a.project_id),
        id(b.project_id),
    );
    field(
        a.application_id != b.application_id,
        "application liée",
        id(a.application_id),
        id(b.application_id),
    );
    field(
        a.expected_start != b.expected_start,
        "début prévu",
        fr_date(a.expected_start),
        fr_date(b.expected_start),
    );
    let years: BTreeSet<i32> = a.amounts.iter().chain(&b.amounts).map(|x| x.year).collect();
    for y in years {
        let of = |l: &PlanLine| l.amounts.iter().find(|x| x.year == y).copied();
        let (x, z) = (of(a), of(b));
        let show = |v: Option<Euros>| v.map_or_else(|| "—".into(), euros);
        let (ae, ae2) = (x.map(|v| v.ae), z.map(|v| v.ae));
        let (cp, cp2) = (x.map(|v| v.cp), z.map(|v| v.cp));
        field(ae != ae2, &format!("AE {y}"), show(ae), show(ae2));
        field(cp != cp2, &format!("CP {y}"), show(cp), show(cp2));
    }
    if a.description != b.description {
        out.push("description modifiée".into());
    }
    out
}

/// The same line, as far as the import goes.
fn same(a: &PlanLine, b: &PlanLine) -> bool {
    changed_fields(a, b).is_empty()
}

fn totals(l: &PlanLine) -> String {
    let (ae, cp) = l.total();
    format!("AE {} / CP {}", euros(ae), euros(cp))
}

/// A linked project or application must exist and be the ministry's.
async fn check_links(
    db: &Db,
    org: OrgId,
    l: &PlanLine,
    mut problem: impl FnMut(&str, String),
) -> StoreResult<()> {
    if let Some(id) = l.project_id {
        match cosinum_store::projects::get(db, id).await {
            Err(StoreError::NotFound) => problem("Projet lié", format!("aucun grand projet {id}")),
            Err(e) => return Err(e),
            Ok(p) if p.organisation_id != org => problem(
                "Projet lié",
                format!("le grand projet {id} est celui d'un autre ministère"),
            ),
            Ok(_) => {}
        }
    }
    if let Some(id) = l.application_id {
        match cosinum_store::cloud::application(db, id).await {
            Err(StoreError::NotFound) => {
                problem("Application liée", format!("aucune application {id}"))
            }
            Err(e) => return Err(e),
            Ok(a) if a.organisation_id != org => problem(
                "Application liée",
                format!("l'application {id} est celle d'un autre ministère"),
            ),
            Ok(_) => {}
        }
    }
    Ok(())
}

/// Checks a plan file and lists what applying it would change.
pub async fn plan_plan_lines(
    db: &Db,
    rows: &[PlanLineRow],
    can_write: Rights<'_>,
) -> StoreResult<PlansImport> {
    let orgs = cosinum_store::organisations::list(db, false).await?;
    let all = plans::plans(db).await?;
    let mut out = PlansImport::default();
    // The plans of the file, in order of first appearance.
    let mut groups: Vec<(OrgId, String, i32, Vec<&PlanLineRow>)> = Vec::new();
    for row in rows {
        let mut problem = |message: String| {
            out.problems.push(LineProblem {
                row: row.line,
                column: "Ministère".into(),
                message,
            });
        };
        let Some(org) = cosinum_store::organisations::resolve(&orgs, &row.ministry) else {
            problem(format!("ministère inconnu : « {} »", row.ministry));
            continue;
        };
        if !can_write(org.id) {
            problem(format!(
                "vous ne pouvez pas modifier le plan d'investissement de {}",
                org.code
            ));
            continue;
        }
        match groups.iter_mut().find(|g| g.0 == org.id && g.2 == row.year) {
            Some(g) => g.3.push(row),
            None => groups.push((org.id, org.code.clone(), row.year, vec![row])),
        }
    }
    for (org, code, year, rows) in groups {
        let latest: Option<&Plan> = all
            .iter()
            .filter(|p| p.organisation_id == org && p.year == year)
            .max_by_key(|p| p.revision);
        let base = latest.map_or(&[][..], |p| &p.lines[..]);
        let draft = latest.filter(|p| p.status == PlanStatus::Draft);
        let commented = match draft {
            Some(p) => plans::commented_lines(db, p.id).await?,
            None => Vec::new(),
        };
        let by_key: HashMap<String, &PlanLine> =
            base.iter().map(|l| (l.key.to_uppercase(), l)).collect();
        let mut kept = BTreeSet::new();
        let (mut ops, mut changes) = (Vec::new(), Vec::new());
        for row in rows.iter().copied() {
            let label = |key: &str| {
                let key = if key.is_empty() {
                    String::new()
                } else {
                    format!(" ({key})")
                };
                format!("{code} {year} — {}{key}", row.l.title)
            };
            let mut problem = |column: &str, message: String| {
                out.problems.push(LineProblem {
                    row: row.line,
                    column: column.into(),
                    message,
                });
            };
            let key = row.l.key.to_uppercase();
            let old = if key.is_empty() {
                None
            } else if !kept.insert(key.clone()) {
                let m = format!("clé « {} » donnée deux fois pour ce plan", row.l.key);
                problem("Clé", m);
                continue;
            } else if let Some(old) = by_key.get(&key) {
                Some(*old)
            } else {
                problem(
                    "Clé",
                    format!(
                        "aucune ligne de clé « {} » dans le plan {code} {year} : laissez la clé vide pour une nouvelle ligne",
                        row.l.key
                    ),
                );
                continue;
            };
            let relinked = old.is_none_or(|o| {
                o.project_id != row.l.project_id || o.application_id != row.l.application_id
            });
            if relinked {
                check_links(db, org, &row.l, &mut problem).await?;
            }
            let (kind, detail) = match old {
                None => {
                    ops.push(Op::Add(row.l.clone()));
                    ("new_line", format!("nouvelle ligne : {}", totals(&row.l)))
                }
                Some(o) if same(o, &row.l) => ("unchanged", "aucun changement".into()),
                Some(o) => {
                    ops.push(Op::Update(key.clone(), row.l.clone()));
                    let fields = changed_fields(o, &row.l).join(" ; ");
                    ("updated", format!("modifiée : {fields}"))
                }
            };
            changes.push(LineChange {
                line: row.line,
                kind,
                label: label(old.map_or("", |o| &o.key)),
                detail,
            });
        }
        for l in base
            .iter()
            .filter(|l| !kept.contains(&l.key.to_uppercase()))
        {
            if commented.contains(&l.id) {
                out.problems.push(LineProblem {
                    row: 0,
                    column: "Clé".into(),
                    message: format!(
                        "la ligne « {} » ({}) du plan {code} {year} a des commentaires : elle ne peut pas être retirée, gardez-la dans le fichier",
                        l.title, l.key
                    ),
                });
                continue;
            }
            ops.push(Op::Remove(l.key.to_uppercase()));
            changes.push(LineChange {
                line: 0,
                kind: "removed",
                label: format!("{code} {year} — {} ({})", l.title, l.key),
                detail: format!("retirée du plan : {}", totals(l)),
            });
        }
        let target = match draft {
            Some(p) => Target::Draft(
                p.id,
                p.lines
                    .iter()
                    .map(|l| (l.key.to_uppercase(), (l.id, l.version)))
                    .collect(),
            ),
            None => Target::Open,
        };
        if !ops.is_empty() && matches!(target, Target::Open) {
            let detail = match latest {
                None => "premier plan de ce ministère pour l'année : une révision 1 est ouverte en brouillon".to_owned(),
                Some(p) => format!(
                    "la révision {} est « {} » : une révision {} est ouverte en brouillon, copie de celle-ci, puis modifiée",
                    p.revision,
                    p.status.label_fr(),
                    p.revision + 1
                ),
            };
            out.changes.push(LineChange {
                line: rows[0].line,
                kind: if latest.is_none() {
                    "new_plan"
                } else {
                    "new_revision"
                },
                label: format!("Plan {code} {year}"),
                detail,
            });
        }
        out.changes.append(&mut changes);
        out.plans.push(PlanOps {
            org,
            year,
            target,
            ops,
        });
    }
    Ok(out)
}

/// Applies an import without problems, in one transaction: all or nothing.
pub async fn apply_plan_lines(
    db: &Db,
    ctx: &AuditCtx,
    import: &PlansImport,
) -> StoreResult<PlansApplied> {
    let mut tx = db.begin().await?;
    let mut done = PlansApplied::default();
    for p in import.plans.iter().filter(|p| !p.ops.is_empty()) {
        let (plan_id, lines) = match &p.target {
            Target::Draft(id, lines) => (*id, lines.clone()),
            Target::Open => {
                let opened = plans::open_revision(&mut tx, ctx, p.org, p.year).await?;
                done.revisions_opened += 1;
                let lines = opened
                    .lines
                    .iter()
                    .map(|l| (l.key.to_uppercase(), (l.id, l.version)))
                    .collect();
                (opened.id, lines)
            }
        };
        // The plan moved since it was read: refused, nothing written.
        let line = |key: &str| {
            lines.get(key).copied().ok_or(StoreError::Stale(format!(
                "la ligne {key} n'est plus dans le plan"
            )))
        };
        for op in &p.ops {
            match op {
                Op::Add(l) => {
                    plans::add_line(&mut tx, ctx, plan_id, l).await?;
                    done.added += 1;
                }
                Op::Update(key, l) => {
                    let (id, version) = line(key)?;
                    plans::update_line(&mut tx, ctx, id, version, l).await?;
                    done.updated += 1;
                }
                Op::Remove(key) => {
                    let (id, version) = line(key)?;
                    plans::remove_line(&mut tx, ctx, id, version).await?;
                    done.removed += 1;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(done)
}
