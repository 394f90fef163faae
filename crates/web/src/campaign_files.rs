//! The campaign template: a ministry downloads its to-do list as Excel or
//! CSV, pre-filled with last period's values (or those it already
//! entered), updates it and sends it back. The file is checked whole —
//! rights, item statuses, every value, the module's own rules — shown before
//! anything is written, then applied all or nothing.

use std::collections::BTreeMap;

use cosinum_domain::authz::Actor;
use cosinum_domain::campaigns::fields::{self, FieldDef, Values};
use cosinum_io::xlsx_out::{Cell, write_xlsx};
use cosinum_store::AuditCtx;
use cosinum_store::campaigns::{Campaign, Item, items};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::campaigns::{campaign_for, enters, value_changes};
use crate::error::AppError;
use crate::funding_import::{LineChange, LineProblem};

const ID: &str = "Identifiant élément";
const ORG: &str = "Organisation";
const OBJECT: &str = "Objet";

/// The template's header: the item's identity, then one column per field.
pub fn header(c: &Campaign) -> Vec<String> {
    [ID, ORG, OBJECT]
        .into_iter()
        .map(str::to_owned)
        .chain(
            fields::fields(c.kind, c.reference_date)
                .into_iter()
                .map(|f| f.label.to_owned()),
        )
        .collect()
}

/// The items `actor` may still fill, with their values as the template shows them.
async fn fillable(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(Campaign, Vec<Item>), AppError> {
    let (c, items) = campaign_for(state, actor, id).await?;
    let items = items
        .into_iter()
        .filter(|i| enters(actor, i.organisation_id) && i.status.editable())
        .collect();
    Ok((c, items))
}

/// The pre-filled template as XLSX (`xlsx`) or CSV bytes, with its file name.
pub async fn template(
    state: &AppState,
    actor: &Actor,
    id: i64,
    xlsx: bool,
) -> Result<(Vec<u8>, String), AppError> {
    let (c, items) = fillable(state, actor, id).await?;
    let orgs: BTreeMap<_, _> = cosinum_store::organisations::list(&state.db, true)
        .await?
        .into_iter()
        .map(|o| (o.id, o.code))
        .collect();
    let defs = fields::fields(c.kind, c.reference_date);
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .map(|i| {
            let v = i.current_values();
            [
                Cell::Text(i.id.to_string()),
                Cell::Text(orgs.get(&i.organisation_id).cloned().unwrap_or_default()),
                Cell::Text(i.label.clone()),
            ]
            .into_iter()
            .chain(
                defs.iter()
                    .map(|f| Cell::Text(v.get(f.key).cloned().unwrap_or_default())),
            )
            .collect()
        })
        .collect();
    let head = header(&c);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let stem = format!("campagne-{}-{}", c.id, c.reference_date);
    if xlsx {
        let notes = vec![
            format!("{} — données au {}", c.title, c.reference_date),
            format!("Échéance : {}", c.deadline),
            "Mettez à jour les valeurs, sans modifier les trois premières colonnes, puis renvoyez le fichier (Importer).".into(),
            "Les valeurs pré-remplies sont celles de la période précédente ou celles déjà saisies.".into(),
        ];
        let bytes = write_xlsx("Campagne", &head, &rows, &notes)
            .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
        Ok((bytes, format!("{stem}.xlsx")))
    } else {
        let mut out = Vec::new();
        cosinum_io::csv_out::write_csv(
            &mut out,
            &head,
            rows.iter().map(|r| r.iter().map(Cell::csv_text).collect()),
        )
        .map_err(|e| AppError::Internal(e.into()))?;
        Ok((out, format!("{stem}.csv")))
    }
}

/// What an import found and did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub file: String,
    /// Written (only when not a dry run and nothing was wrong).
    pub applied: bool,
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    pub ignored_columns: Vec<String>,
}

/// Header then data rows with their spreadsheet row number.
type Table = (Vec<String>, Vec<(usize, Vec<String>)>);

/// Reads a CSV or XLSX file as a [`Table`].
fn read_table(name: &str, bytes: &[u8]) -> Result<Table, String> {
    if name.to_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK") {
        let mut rows = cosinum_io::xlsx_out::read_xlsx_rows(bytes)?.into_iter();
        let head = rows.next().ok_or("feuille vide")?;
        Ok((
            head,
            rows.enumerate()
                .map(|(i, r)| (i + 2, r))
                .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
                .collect(),
        ))
    } else {
        cosinum_io::csv_out::read_csv_records(bytes)
    }
}

fn problem(row: usize, column: &str, message: impl Into<String>) -> LineProblem {
    LineProblem {
        row,
        column: column.to_owned(),
        message: message.into(),
    }
}

/// A row read: the item and its checked values.
struct RowPlan {
    row: usize,
    item: Item,
    values: Values,
}

fn label_of<'a>(defs: &'a [FieldDef], key: &'a str) -> &'a str {
    defs.iter().find(|f| f.key == key).map_or(key, |f| f.label)
}

/// Checks the file `name` against campaign `id` for `actor` and, unless
/// `dry_run`, applies it in one transaction. The module's rules are run in
/// the dry run too (in a transaction rolled back), so the preview shows
/// every problem the application would meet.
pub async fn run_import(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    let (c, all) = campaign_for(state, actor, id).await?;
    let mut report = ImportReport {
        file: name.to_owned(),
        applied: false,
        changes: vec![],
        problems: vec![],
        ignored_columns: vec![],
    };
    if !c.is_open() {
        report
            .problems
            .push(problem(0, "", "la campagne est close : plus aucune saisie"));
        return Ok(report);
    }
    let (head, rows) = match read_table(name, bytes) {
        Ok(t) => t,
        Err(e) => {
            report
                .problems
                .push(problem(0, "", format!("fichier illisible : {e}")));
            return Ok(report);
        }
    };
    let defs = fields::fields(c.kind, c.reference_date);
    let col = |label: &str| head.iter().position(|h| h.trim() == label);
    let mut columns: Vec<(usize, &FieldDef)> = Vec::new();
    for f in &defs {
        match col(f.label) {
            Some(i) => columns.push((i, f)),
            None => report.problems.push(problem(
                1,
                f.label,
                "colonne manquante : partez du modèle de la campagne",
            )),
        }
    }
    let Some(id_col) = col(ID) else {
        report.problems.push(problem(
            1,
            ID,
            "colonne manquante : partez du modèle de la campagne",
        ));
        return Ok(report);
    };
    let known: Vec<&str> = [ID, ORG, OBJECT]
        .into_iter()
        .chain(defs.iter().map(|f| f.label))
        .collect();
    report.ignored_columns = head
        .iter()
        .filter(|h| !known.contains(&h.trim()))
        .cloned()
        .collect();
    if !report.problems.is_empty() {
        return Ok(report);
    }
    let by_id: BTreeMap<i64, &Item> = all.iter().map(|i| (i.id, i)).collect();
    let mut plans: Vec<RowPlan> = Vec::new();
    let mut seen = BTreeMap::new();
    for (row, cells) in &rows {
        let cell = |i: usize| cells.get(i).map_or("", |s| s.trim());
        let Some(item) = cell(id_col).parse::<i64>().ok().and_then(|i| by_id.get(&i)) else {
            report.problems.push(problem(
                *row,
                ID,
                format!(
                    "« {} » : aucun élément de cette campagne ne porte cet identifiant",
                    cell(id_col)
                ),
            ));
            continue;
        };
        if let Some(first) = seen.insert(item.id, *row) {
            report.problems.push(problem(
                *row,
                ID,
                format!("élément déjà donné ligne {first}"),
            ));
            continue;
        }
        if !enters(actor, item.organisation_id) {
            report.problems.push(problem(
                *row,
                ID,
                format!(
                    "« {} » : vous ne pouvez pas saisir pour cette organisation",
                    item.label
                ),
            ));
            continue;
        }
        let raw: Values = columns
            .iter()
            .map(|(i, f)| (f.key.to_owned(), cell(*i).to_owned()))
            .collect();
        match fields::check(c.kind, c.reference_date, &raw) {
            Ok(values) => {
                if !item.status.editable() {
                    if item.values.as_ref() != Some(&values) {
                        report.problems.push(problem(
                            *row,
                            ID,
                            format!(
                                "« {} » est « {} » : il ne peut plus être modifié",
                                item.label,
                                item.status.label_fr()
                            ),
                        ));
                    }
                    continue;
                }
                plans.push(RowPlan {
                    row: *row,
                    item: (*item).clone(),
                    values,
                });
            }
            Err(errors) => report.problems.extend(
                errors
                    .into_iter()
                    .map(|e| problem(*row, label_of(&defs, &e.field), e.message)),
            ),
        }
    }
    if !report.problems.is_empty() {
        return Ok(report);
    }
    let mut tx = state.db.begin().await?;
    for p in &plans {
        let current = p.item.current_values();
        let (kind, detail) = if p.item.values.as_ref() == Some(&p.values) {
            ("unchanged", String::new())
        } else if current == &p.values {
            (
                "confirmed",
                "valeurs de la période précédente reconduites".to_owned(),
            )
        } else {
            let changes = value_changes(&c, current, &p.values);
            let detail = changes
                .iter()
                .map(|ch| {
                    format!(
                        "{} : {} → {}",
                        ch.field,
                        ch.before.as_str().unwrap_or(""),
                        ch.after.as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join(" ; ");
            ("updated", detail)
        };
        report.changes.push(LineChange {
            line: p.row,
            kind,
            label: p.item.label.clone(),
            detail,
        });
        if kind == "unchanged" {
            continue;
        }
        if let Err(e) = items::save_values(
            &mut tx,
            ctx,
            p.item.id,
            p.item.version,
            &p.values,
            state.config.narrative_drift_threshold,
        )
        .await
        {
            match AppError::from(e) {
                AppError::Invalid(v) => {
                    report
                        .problems
                        .push(problem(p.row, label_of(&defs, &v.field), v.message))
                }
                AppError::Conflict { .. } => report.problems.push(problem(
                    p.row,
                    ID,
                    "modifié par quelqu'un d'autre entre-temps : téléchargez à nouveau le modèle",
                )),
                other => return Err(other),
            }
        }
    }
    if dry_run || !report.problems.is_empty() {
        drop(tx);
        return Ok(report);
    }
    tx.commit().await?;
    report.applied = true;
    Ok(report)
}
