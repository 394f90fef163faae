//! Investment-plan files, CSV or XLSX, in the layout of the plan export
//! (issue #8): one row per line of a ministry's plan for a year — ministry,
//! year of the plan, line key (blank for a new line), title, description,
//! functional zone, linked major project and application, expected start —
//! then the credits, in whole euros, one pair of columns per year
//! (« AE 2027 », « CP 2027 », « AE 2028 »…). Each cell is checked here, then
//! each line goes through the domain's validation; the platform resolves
//! ministries, keys, links and rights before applying.

use std::collections::HashMap;

use cosinum_domain::money::Euros;
use cosinum_domain::reuse::plans::{Plan, PlanLine, YearAmount};
use time::Date;

use crate::error::{ImportError, ImportErrors};
use crate::sheet::{Sheet, read_sheet};
use crate::text::{collapse_ws, fold, parse_decimal};
use crate::xlsx_out::Cell;

/// One line of a plan file. `l.id` is 0 and `l.key` the key as written
/// (blank for a new line); `l` is validated (texts trimmed, amounts sorted
/// by year). The platform resolves `ministry` (code or name) later.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanLineRow {
    pub line: usize,
    pub ministry: String,
    /// The year the plan is for.
    pub year: i32,
    pub l: PlanLine,
}

/// The columns before the credits, in the export's order: (header, required).
pub const PLAN_HEADER: [(&str, bool); 9] = [
    ("Ministère", true),
    ("Année du plan", true),
    ("Clé", false),
    ("Intitulé", true),
    ("Description", false),
    ("Zone fonctionnelle", false),
    ("Projet lié", false),
    ("Application liée", false),
    ("Début prévu", false),
];

const MINISTRY: usize = 0;
const YEAR: usize = 1;
const KEY: usize = 2;
const TITLE: usize = 3;
const DESCRIPTION: usize = 4;
const ZONE: usize = 5;
const PROJECT: usize = 6;
const APPLICATION: usize = 7;
const START: usize = 8;

/// The header of a credit column: `AE 2027` or `CP 2027`.
pub fn credit_header(ae: bool, year: i32) -> String {
    format!("{} {year}", if ae { "AE" } else { "CP" })
}

const DATE: &str = "date attendue (JJ/MM/AAAA ou AAAA-MM-JJ)";
const AMOUNT: &str = "montant en euros attendu, positif ou nul et sans centimes (ex. 1 200 000)";
const ID: &str = "identifiant attendu (nombre entier, celui de la fiche dans cosinum)";

fn key(s: &str) -> String {
    fold(&s.replace('_', " "))
}

fn error(file: &str, row: usize, column: &str, message: impl Into<String>) -> ImportError {
    ImportError {
        file: file.to_owned(),
        row,
        column: column.to_owned(),
        message: message.into(),
    }
}

fn date(v: &str) -> Option<Date> {
    crate::text::parse_date_cell(v)
}

/// Whole euros, zero or more: "1 200 000", "1200000.0", "1 200 000,00 €".
fn euros(v: &str) -> Option<Euros> {
    parse_decimal(v.trim_end_matches('€'))
        .filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 9.0e15)
        .map(|x| Euros(x as i64))
}

/// A whole number (a year, an identifier).
fn whole(v: &str) -> Option<i64> {
    parse_decimal(v)
        .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e15)
        .map(|x| x as i64)
}

/// A text cell as it was before our exports neutralised it against formula
/// injection (a leading apostrophe before `=`, `+`, `-`, `@`…), trimmed.
fn text(v: &str) -> &str {
    let v = v.trim();
    match v.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => v,
    }
}

/// "AE 2027", "cp_2028", "AE 2027 (€)" → (AE?, year); `None` for another header.
fn credit_column(h: &str) -> Option<(bool, i32)> {
    let k = key(h);
    let k = k
        .trim_end_matches("(€)")
        .trim_end_matches("(euros)")
        .trim_end_matches('€')
        .trim_end();
    let (ae, rest) = if let Some(r) = k.strip_prefix("ae") {
        (true, r)
    } else {
        (false, k.strip_prefix("cp")?)
    };
    let y = rest.trim_start();
    (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
        .then(|| y.parse().ok())
        .flatten()
        .map(|y| (ae, y))
}

/// Where every column is: the fixed ones, then each year's AE and CP.
struct Columns {
    at: [Option<usize>; 9],
    /// (year, AE column, CP column), by year.
    credits: Vec<(i32, Option<usize>, Option<usize>)>,
    ignored: Vec<String>,
}

fn columns(file: &str, header: &[String]) -> Result<Columns, ImportErrors> {
    let mut errors = Vec::new();
    let mut at = [None; 9];
    for (k, (h, required)) in PLAN_HEADER.iter().enumerate() {
        at[k] = header.iter().position(|x| key(x) == key(h));
        if at[k].is_none() && *required {
            errors.push(error(file, 1, h, "colonne absente de l'en-tête"));
        }
    }
    let mut credits: Vec<(i32, Option<usize>, Option<usize>)> = Vec::new();
    let mut ignored = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if at.contains(&Some(i)) || h.trim().is_empty() {
            continue;
        }
        let Some((ae, year)) = credit_column(h) else {
            ignored.push(h.clone());
            continue;
        };
        if !(2000..=2100).contains(&year) {
            errors.push(error(
                file,
                1,
                h,
                "année de crédits invalide (de 2000 à 2100)",
            ));
            continue;
        }
        let pos = credits.iter().position(|c| c.0 == year).unwrap_or_else(|| {
            credits.push((year, None, None));
            credits.len() - 1
        });
        let slot = if ae {
            &mut credits[pos].1
        } else {
            &mut credits[pos].2
        };
        if slot.is_some() {
            errors.push(error(file, 1, h, "colonne présente deux fois"));
        }
        *slot = Some(i);
    }
    credits.sort_by_key(|c| c.0);
    if errors.is_empty() {
        Ok(Columns {
            at,
            credits,
            ignored,
        })
    } else {
        Err(ImportErrors(errors))
    }
}

/// One data row being read: its cells and the problems found in it.
struct Cells<'a> {
    file: &'a str,
    header: &'a [String],
    line: usize,
    cells: &'a [String],
    errors: Vec<ImportError>,
}

impl<'a> Cells<'a> {
    fn at(&self, i: Option<usize>) -> &'a str {
        let cells = self.cells;
        i.and_then(|i| cells.get(i)).map_or("", |s| text(s))
    }

    /// The header of column `i` as the file names it.
    fn name(&self, i: Option<usize>, fallback: &str) -> String {
        i.and_then(|i| self.header.get(i))
            .map_or_else(|| fallback.to_owned(), |h| h.trim().to_owned())
    }

    fn bad(&mut self, column: &str, message: impl Into<String>) {
        let e = error(self.file, self.line, column, message);
        self.errors.push(e);
    }

    /// An optional cell read by `parse`: blank is `None`, unreadable reported
    /// on `column`.
    fn read<T>(
        &mut self,
        i: Option<usize>,
        column: &str,
        message: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let v = self.at(i);
        let x = (!v.is_empty()).then(|| parse(v)).flatten();
        if x.is_none() && !v.is_empty() {
            self.bad(column, message);
        }
        x
    }
}

/// Reads a plan file; every problem with its row and column, nothing
/// returned unless the whole file is valid. Also returns the headers it did
/// not read.
pub fn read_plan_lines(
    name: &str,
    bytes: &[u8],
) -> Result<(Vec<PlanLineRow>, Vec<String>), ImportErrors> {
    let Sheet { file, header, rows } = read_sheet(name, bytes)?;
    let cols = columns(&file, &header)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    // The first row of each key of each plan: (ministry, year, key).
    let mut seen: HashMap<(String, i32, String), usize> = HashMap::new();
    for (line, cells) in &rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut c = Cells {
            file: &file,
            header: &header,
            line: *line,
            cells,
            errors: Vec::new(),
        };
        let col = |k: usize| PLAN_HEADER[k].0;
        let ministry = collapse_ws(c.at(cols.at[MINISTRY]));
        if ministry.is_empty() {
            c.bad(col(MINISTRY), "ministère obligatoire (code ou nom)");
        }
        let year = c.read(
            cols.at[YEAR],
            col(YEAR),
            "année attendue (ex. 2027)",
            |v| {
                whole(v)
                    .filter(|y| (2000..=2100).contains(y))
                    .map(|y| y as i32)
            },
        );
        if year.is_none() && c.at(cols.at[YEAR]).is_empty() {
            c.bad(col(YEAR), "année du plan obligatoire (ex. 2027)");
        }
        let title = c.at(cols.at[TITLE]).to_owned();
        if title.is_empty() {
            c.bad(col(TITLE), "intitulé obligatoire");
        }
        let id = |v: &str| whole(v).filter(|x| *x > 0);
        let project_id = c.read(cols.at[PROJECT], col(PROJECT), ID, id);
        let application_id = c.read(cols.at[APPLICATION], col(APPLICATION), ID, id);
        let expected_start = c.read(cols.at[START], col(START), DATE, date);
        let mut amounts = Vec::new();
        for &(y, ae_at, cp_at) in &cols.credits {
            let (ae_name, cp_name) = (
                c.name(ae_at, &credit_header(true, y)),
                c.name(cp_at, &credit_header(false, y)),
            );
            let blank = c.at(ae_at).is_empty() && c.at(cp_at).is_empty();
            let ae = c.read(ae_at, &ae_name, AMOUNT, euros);
            let cp = c.read(cp_at, &cp_name, AMOUNT, euros);
            if !blank {
                amounts.push(YearAmount {
                    year: y,
                    ae: ae.unwrap_or_default(),
                    cp: cp.unwrap_or_default(),
                });
            }
        }
        let l = PlanLine {
            id: 0,
            key: c.at(cols.at[KEY]).to_owned(),
            title,
            description: c.at(cols.at[DESCRIPTION]).to_owned(),
            functional_zone: c.at(cols.at[ZONE]).to_owned(),
            project_id,
            application_id,
            expected_start,
            amounts,
            version: 0,
        };
        if let (true, Some(year)) = (c.errors.is_empty(), year) {
            match l.validated() {
                Err(e) => {
                    // The column of the field the domain refused.
                    let name = match e.field.as_str() {
                        "title" => col(TITLE).to_owned(),
                        "description" => col(DESCRIPTION).to_owned(),
                        "functional_zone" => col(ZONE).to_owned(),
                        _ => c.name(cols.credits.first().and_then(|x| x.1.or(x.2)), ""),
                    };
                    c.bad(&name, e.message);
                }
                Ok(l) => {
                    let id = (key(&ministry), year, l.key.to_uppercase());
                    match seen.get(&id) {
                        Some(first) if !l.key.is_empty() => {
                            let m = format!("clé déjà donnée à la ligne {first} pour ce plan");
                            c.bad(col(KEY), m);
                        }
                        _ => {
                            seen.entry(id).or_insert(*line);
                            out.push(PlanLineRow {
                                line: *line,
                                ministry,
                                year,
                                l,
                            });
                        }
                    }
                }
            }
        }
        errors.append(&mut c.errors);
    }
    if errors.is_empty() {
        Ok((out, cols.ignored))
    } else {
        Err(ImportErrors(errors))
    }
}

/// A revision of a plan in the import's layout: the header (the fixed
/// columns, then AE and CP for every year of credits of its lines) and one
/// row per line. Imported back unchanged, it changes nothing.
pub fn plan_export(ministry: &str, plan: &Plan) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut years: Vec<i32> = plan
        .lines
        .iter()
        .flat_map(|l| l.amounts.iter().map(|a| a.year))
        .collect();
    years.sort();
    years.dedup();
    let mut header: Vec<String> = PLAN_HEADER.iter().map(|(h, _)| (*h).to_owned()).collect();
    for y in &years {
        header.push(credit_header(true, *y));
        header.push(credit_header(false, *y));
    }
    let t = |s: &str| Cell::Text(s.to_owned());
    let id = |x: Option<i64>| x.map_or(Cell::Empty, |x| Cell::Number(x as f64));
    let rows = plan
        .lines
        .iter()
        .map(|l| {
            let mut row = vec![
                t(ministry),
                Cell::Number(f64::from(plan.year)),
                t(&l.key),
                t(&l.title),
                t(&l.description),
                t(&l.functional_zone),
                id(l.project_id),
                id(l.application_id),
                l.expected_start.map_or(Cell::Empty, Cell::Date),
            ];
            for y in &years {
                match l.amounts.iter().find(|a| a.year == *y) {
                    Some(a) => {
                        row.push(Cell::Number(a.ae.0 as f64));
                        row.push(Cell::Number(a.cp.0 as f64));
                    }
                    None => row.extend([Cell::Empty, Cell::Empty]),
                }
            }
            row
        })
        .collect();
    (header, rows)
}

#[cfg(test)]
#[path = "plans_tests.rs"]
mod tests;
