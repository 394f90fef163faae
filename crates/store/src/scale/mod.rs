//! The scale generator behind `cosinum demo --scale N --seed S` (issue #11):
//! N times the realistic demo, for measuring how cost grows with data.
//!
//! The realistic demo is "one State" (about 20 ministries, 60 major projects
//! with years of reviews, 250 démarches over 19 editions, funding
//! applications, an application inventory, HR returns, investment plans).
//! Copy 0 is that demo itself, written by the ordinary audited code; each
//! further copy replays the demo's rows under new organisations (code
//! `MEF-2`, name « … (État n° 2) »), with new ids, every reference carried
//! over, and seeded variation: each project's and application's costs are
//! multiplied by a factor in [0.5, 2), and each copy deals the démarches'
//! indicator series out to its démarches in its own order. Reference tables
//! (funds, windows, cloud offers, editions, salary grids, accounts,
//! committee) are shared, so every copy sits in the same editions.
//!
//! Rows are written in bulk (multi-row inserts on SQLite, `COPY` on
//! PostgreSQL), one transaction per copy, each copied object with its
//! "create" line in the audit history in that same transaction. The SQL is
//! built from table and column names of [`SPECS`] and of the schema itself,
//! never from input.

mod rows;
pub(crate) mod write;

use std::collections::HashMap;

use rows::{TableRows, Value, factor, keyed_ids, mix, read_table};

use crate::db::Db;
use crate::error::StoreResult;

/// Where a referencing column points.
#[derive(Debug, Clone, Copy)]
enum Ref {
    /// A table copied along: the id moves with the copy.
    Copied(&'static str),
    /// A table every copy shares: the id is found by this natural key.
    Shared(&'static str, &'static str),
}

/// A table copied once per copy.
struct Spec {
    table: &'static str,
    /// Whether the table has an integer `id` primary key.
    has_id: bool,
    refs: &'static [(&'static str, Ref)],
    /// The object type of its audit lines, for tables of audited objects.
    audit: Option<&'static str>,
}

use Ref::{Copied, Shared};

const ORG: (&str, Ref) = ("organisation_id", Copied("organisations"));
const PROJECT: (&str, Ref) = ("project_id", Copied("projects"));

/// Parents before children, so that every reference exists when written.
const SPECS: &[Spec] = &[
    Spec {
        table: "organisations",
        has_id: true,
        refs: &[("parent_id", Copied("organisations"))],
        audit: Some("organisation"),
    },
    Spec {
        table: "projects",
        has_id: true,
        refs: &[ORG],
        audit: Some("project"),
    },
    Spec {
        table: "project_baselines",
        has_id: true,
        refs: &[PROJECT],
        audit: None,
    },
    Spec {
        table: "project_reviews",
        has_id: true,
        refs: &[PROJECT],
        audit: Some("project_review"),
    },
    Spec {
        table: "review_milestones",
        has_id: true,
        refs: &[("review_id", Copied("project_reviews"))],
        audit: None,
    },
    Spec {
        table: "review_risks",
        has_id: true,
        refs: &[("review_id", Copied("project_reviews"))],
        audit: None,
    },
    Spec {
        table: "edition_projects",
        has_id: false,
        refs: &[
            ("edition_id", Shared("portfolio_editions", "as_of")),
            PROJECT,
        ],
        audit: None,
    },
    Spec {
        table: "avis",
        has_id: true,
        refs: &[PROJECT],
        audit: Some("avis"),
    },
    Spec {
        table: "avis_info_requests",
        has_id: true,
        refs: &[("avis_id", Copied("avis"))],
        audit: None,
    },
    Spec {
        table: "avis_assessments",
        has_id: false,
        refs: &[("avis_id", Copied("avis"))],
        audit: None,
    },
    Spec {
        table: "avis_recommendations",
        has_id: true,
        refs: &[("avis_id", Copied("avis"))],
        audit: Some("avis_recommendation"),
    },
    Spec {
        table: "demarches",
        has_id: true,
        refs: &[ORG],
        audit: Some("demarche"),
    },
    Spec {
        table: "demarche_values",
        has_id: false,
        refs: &[
            ("edition_id", Shared("demarche_editions", "edition_date")),
            ("demarche_id", Copied("demarches")),
        ],
        audit: None,
    },
    Spec {
        table: "cloud_applications",
        has_id: true,
        refs: &[ORG, PROJECT],
        audit: Some("cloud_application"),
    },
    Spec {
        table: "cloud_assessments",
        has_id: true,
        refs: &[("application_id", Copied("cloud_applications"))],
        audit: None,
    },
    Spec {
        table: "cloud_hostings",
        has_id: true,
        refs: &[
            ("application_id", Copied("cloud_applications")),
            ("offer_id", Shared("cloud_offers", "name")),
        ],
        audit: None,
    },
    Spec {
        table: "cloud_derogations",
        has_id: true,
        refs: &[("application_id", Copied("cloud_applications"))],
        audit: None,
    },
    Spec {
        table: "funding_applications",
        has_id: true,
        refs: &[
            ORG,
            ("window_id", Shared("funding_windows", "code")),
            PROJECT,
            ("cloud_application_id", Copied("cloud_applications")),
        ],
        audit: Some("funding_application"),
    },
    Spec {
        table: "funding_workloads",
        has_id: false,
        refs: &[("application_id", Copied("funding_applications"))],
        audit: None,
    },
    Spec {
        table: "credit_movements",
        has_id: true,
        refs: &[("application_id", Copied("funding_applications"))],
        audit: Some("credit_movement"),
    },
    Spec {
        table: "delivery_capacities",
        has_id: false,
        refs: &[ORG],
        audit: None,
    },
    Spec {
        table: "hr_returns",
        has_id: true,
        refs: &[ORG],
        audit: Some("hr_return"),
    },
    Spec {
        table: "investment_plans",
        has_id: true,
        refs: &[ORG],
        audit: Some("investment_plan"),
    },
    Spec {
        table: "plan_lines",
        has_id: true,
        refs: &[
            ("plan_id", Copied("investment_plans")),
            PROJECT,
            ("cloud_application_id", Copied("cloud_applications")),
        ],
        audit: Some("plan_line"),
    },
    Spec {
        table: "plan_line_amounts",
        has_id: true,
        refs: &[("line_id", Copied("plan_lines"))],
        audit: None,
    },
    Spec {
        table: "plan_comments",
        has_id: true,
        refs: &[
            ("line_id", Copied("plan_lines")),
            ("author_id", Shared("users", "email")),
        ],
        audit: None,
    },
];

/// What the generator wrote.
#[derive(Debug, Clone, Default)]
pub struct ScaleReport {
    /// Rows written per table (audit lines under `audit_log`), in writing order.
    pub rows: Vec<(String, u64)>,
}

impl ScaleReport {
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Everything a copy needs, read once.
struct Plan {
    tables: Vec<TableRows>,
    /// Per copied table: (target's largest id before generation, template's largest id).
    ids: HashMap<&'static str, (i64, i64)>,
    /// Per shared table: template id → target id.
    shared: HashMap<&'static str, HashMap<i64, i64>>,
    /// The template's démarche ids, dealt out anew by each copy.
    demarches: Vec<i64>,
    seed: u64,
    label: String,
}

/// Adds `copies` copies of the demo held in `template` (a SQLite database
/// seeded by [`crate::demo::seed`]) to `db`, which already holds the demo
/// itself. `progress` is called after each copy with the number done.
pub async fn replicate(
    db: &Db,
    template: &Db,
    copies: u64,
    seed: u64,
    progress: &mut (dyn FnMut(u64) + Send),
) -> StoreResult<ScaleReport> {
    let plan = Plan::read(db, template, copies, seed).await?;
    let mut counts: Vec<(String, u64)> = SPECS.iter().map(|s| (s.table.to_owned(), 0)).collect();
    counts.push(("audit_log".to_owned(), 0));
    for copy in 1..=copies {
        let mut tx = db.begin().await?;
        let mut audit_rows = Vec::new();
        for (i, spec) in SPECS.iter().enumerate() {
            let rows = plan.copy_rows(spec, &plan.tables[i], copy, &mut audit_rows)?;
            write::write_rows(&mut tx, spec.table, &plan.tables[i].columns, &rows).await?;
            counts[i].1 += rows.len() as u64;
        }
        write::write_rows(&mut tx, "audit_log", &audit_columns(), &audit_rows).await?;
        counts[SPECS.len()].1 += audit_rows.len() as u64;
        tx.commit().await?;
        progress(copy);
    }
    let mut tx = db.begin().await?;
    for spec in SPECS.iter().filter(|s| s.has_id) {
        write::reset_identity(&mut tx, spec.table).await?;
    }
    tx.commit().await?;
    // Fresh statistics, so that the planner knows the tables' new sizes.
    on_pool!(db, p => sqlx::query("ANALYZE").execute(p).await.map(|_| ()))?;
    Ok(ScaleReport { rows: counts })
}

impl Plan {
    async fn read(db: &Db, template: &Db, copies: u64, seed: u64) -> StoreResult<Plan> {
        let mut tables = Vec::new();
        let mut ids = HashMap::new();
        for spec in SPECS {
            let rows = read_table(template, spec.table).await?;
            if spec.has_id {
                let sql = format!("SELECT MAX(id) FROM {}", spec.table);
                let (max,): (Option<i64>,) = on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(p).await)?;
                ids.insert(spec.table, (max.unwrap_or(0), rows.max_id()?));
            }
            tables.push(rows);
        }
        let mut shared = HashMap::new();
        for (_, r) in SPECS.iter().flat_map(|s| s.refs.iter()) {
            if let Shared(table, key) = *r {
                if shared.contains_key(table) {
                    continue;
                }
                let theirs = keyed_ids(template, table, key).await?;
                let ours = keyed_ids(db, table, key).await?;
                let mut map = HashMap::new();
                for (k, tid) in theirs {
                    let id = ours.get(&k).ok_or_else(|| {
                        anyhow::anyhow!("{table} « {k} » of the demo is missing from the database")
                    })?;
                    map.insert(tid, *id);
                }
                shared.insert(table, map);
            }
        }
        let demarches_at = SPECS
            .iter()
            .position(|s| s.table == "demarches")
            .unwrap_or(0);
        let id_col = tables[demarches_at].col("id")?;
        let demarches = tables[demarches_at]
            .rows
            .iter()
            .filter_map(|r| r[id_col].int())
            .collect();
        Ok(Plan {
            tables,
            ids,
            shared,
            demarches,
            seed,
            label: format!(
                "données de démonstration (échelle {}, graine {seed})",
                copies + 1
            ),
        })
    }

    /// The id of template row `old` of `table` in copy `copy`.
    fn moved(&self, table: &str, copy: u64, old: i64) -> anyhow::Result<i64> {
        let (base, span) = self
            .ids
            .get(table)
            .ok_or_else(|| anyhow::anyhow!("{table} is not copied"))?;
        Ok(base + (copy as i64 - 1) * span + old)
    }

    fn copy_rows(
        &self,
        spec: &Spec,
        template: &TableRows,
        copy: u64,
        audit: &mut Vec<Vec<Value>>,
    ) -> anyhow::Result<Vec<Vec<Value>>> {
        let id_col = spec.has_id.then(|| template.col("id")).transpose()?;
        let refs: Vec<(usize, Ref)> = spec
            .refs
            .iter()
            .map(|(c, r)| Ok((template.col(c)?, *r)))
            .collect::<anyhow::Result<_>>()?;
        let tweak = Tweak::for_table(spec.table, template)?;
        let dealing = if spec.table == "demarche_values" {
            Some(self.dealing(copy)?)
        } else {
            None
        };
        let version_col = template.col("version").ok();
        let created_col = template.col("created_at").ok();
        let mut out = Vec::with_capacity(template.rows.len());
        for row in &template.rows {
            let mut row = row.clone();
            let old_id = id_col.and_then(|i| row[i].int());
            tweak.apply(&mut row, self.seed, copy);
            for &(i, r) in &refs {
                let Some(old) = row[i].int() else { continue };
                let new = match (r, &dealing) {
                    (Copied("demarches"), Some(d)) => *d
                        .get(&old)
                        .ok_or_else(|| anyhow::anyhow!("demarche {old} not dealt"))?,
                    (Copied(table), _) => self.moved(table, copy, old)?,
                    (Shared(table, _), _) => *self
                        .shared
                        .get(table)
                        .and_then(|m| m.get(&old))
                        .ok_or_else(|| anyhow::anyhow!("{table} #{old} has no match"))?,
                };
                row[i] = Value::Int(new);
            }
            if let (Some(i), Some(old)) = (id_col, old_id) {
                let new = self.moved(spec.table, copy, old)?;
                row[i] = Value::Int(new);
                if let Some(object_type) = spec.audit {
                    let version = version_col.and_then(|c| row[c].int()).unwrap_or(1);
                    let at = created_col.map_or(Value::Null, |c| row[c].clone());
                    audit.push(self.audit_row(object_type, new, version, at, copy, old));
                }
            }
            out.push(row);
        }
        Ok(out)
    }

    /// Template démarche id → the démarche of copy `copy` that receives its
    /// indicator series: each copy deals the series out in its own order.
    fn dealing(&self, copy: u64) -> anyhow::Result<HashMap<i64, i64>> {
        let mut order = self.demarches.clone();
        order.sort_by_key(|id| mix(self.seed, copy, *id));
        self.demarches
            .iter()
            .zip(order)
            .map(|(from, to)| Ok((*from, self.moved("demarches", copy, to)?)))
            .collect()
    }

    fn audit_row(
        &self,
        object_type: &str,
        id: i64,
        version: i64,
        at: Value,
        copy: u64,
        old: i64,
    ) -> Vec<Value> {
        let change = serde_json::json!([{
            "field": "génération",
            "before": null,
            "after": format!("exemplaire n° {} de l'objet n° {old} de la démonstration", copy + 1),
        }]);
        vec![
            at,
            Value::Null,
            Value::Text(self.label.clone()),
            Value::Text("system".into()),
            Value::Null,
            Value::Text(object_type.into()),
            Value::Int(id),
            Value::Int(version),
            Value::Text("create".into()),
            Value::Text(change.to_string()),
        ]
    }
}

fn audit_columns() -> Vec<String> {
    crate::audit::COLUMNS.map(str::to_owned).to_vec()
}

/// What a copy changes in a row besides its ids.
enum Tweak {
    None,
    /// Organisations: a code and a name of their own.
    Rename {
        code: usize,
        name: usize,
    },
    /// Amounts scaled by the factor of the object named in `key`.
    Scale {
        key: usize,
        salt: u64,
        amounts: Vec<usize>,
    },
}

impl Tweak {
    fn for_table(table: &str, t: &TableRows) -> anyhow::Result<Tweak> {
        let scale = |key: &str, salt: u64, amounts: &[&str]| -> anyhow::Result<Tweak> {
            Ok(Tweak::Scale {
                key: t.col(key)?,
                salt,
                amounts: amounts
                    .iter()
                    .map(|a| t.col(a))
                    .collect::<anyhow::Result<_>>()?,
            })
        };
        Ok(match table {
            "organisations" => Tweak::Rename {
                code: t.col("code")?,
                name: t.col("name")?,
            },
            // One factor per project for its baselines and its reviews alike.
            "project_baselines" | "project_reviews" => scale("project_id", 1, &["cost_eur"])?,
            "cloud_applications" => scale("id", 2, &["full_cost", "users"])?,
            _ => Tweak::None,
        })
    }

    fn apply(&self, row: &mut [Value], seed: u64, copy: u64) {
        match self {
            Tweak::None => {}
            Tweak::Rename { code, name } => {
                if let Some(c) = row[*code].text() {
                    row[*code] = Value::Text(format!("{c}-{}", copy + 1));
                }
                if let Some(n) = row[*name].text() {
                    row[*name] = Value::Text(format!("{n} (État n° {})", copy + 1));
                }
            }
            Tweak::Scale { key, salt, amounts } => {
                let Some(id) = row[*key].int() else { return };
                let f = factor(seed ^ salt, copy, id);
                for &a in amounts {
                    if let Some(v) = row[a].int() {
                        row[a] = Value::Int((v as f64 * f).round() as i64);
                    }
                }
            }
        }
    }
}
