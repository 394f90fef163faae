//! Digital talent files, CSV or XLSX, in the layout of our exports: HR
//! returns (one line per ministry, region and period, CTR §B.3) and the
//! salary reference grid (one line per version, job and experience band,
//! CTR §B.2). Each cell is checked here, then each return or grid goes
//! through the domain's validation; the platform resolves ministries and
//! rights before applying.

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::money::Euros;
use cosinum_domain::talent::hr_return::{ExitReasons, HrReturn, Period};
use cosinum_domain::talent::salary::{Grid, GridCell};
use time::Date;

use crate::error::{ImportError, ImportErrors};
use crate::sheet::{Sheet, read_sheet};
use crate::text::{collapse_ws, excel_serial_to_date, fold, parse_date_text, parse_decimal};

/// One line of an HR-returns file. `r.organisation_id` is `OrgId(0)`: the
/// platform resolves `ministry` (code or name) later. `r` is validated
/// (region trimmed, period in its canonical code).
#[derive(Debug, Clone, PartialEq)]
pub struct HrReturnRow {
    pub line: usize,
    pub ministry: String,
    pub r: HrReturn,
}

/// The columns of an HR-returns file, in our export's order: (header, required).
pub const HR_HEADER: [(&str, bool); 18] = [
    ("Ministère", true),
    ("Région", true),
    ("Période", true),
    ("Effectif début", true),
    ("dont contractuels (début)", false),
    ("Effectif fin", true),
    ("dont contractuels (fin)", false),
    ("Entrées", true),
    ("Sorties", true),
    ("Sorties : retraite", false),
    ("Sorties : démission", false),
    ("Sorties : fin de contrat", false),
    ("Sorties : mobilité", false),
    ("Postes ouverts", true),
    ("Postes vacants fin", true),
    ("Délai médian de recrutement (jours)", false),
    ("ETP externes", false),
    ("Dépenses externes (M€)", false),
];

/// Columns of our HR export that are computed, not read back (and not
/// reported as ignored).
pub const HR_DERIVED: [&str; 5] = [
    "Taux d'entrée",
    "Taux de sortie",
    "Taux de rotation",
    "Taux de vacance",
    "Part externe",
];

/// Other headers accepted for a column: (column, alias). External spend may
/// be given in whole euros instead of M€.
const HR_ALIASES: [(&str, &str); 1] = [("Dépenses externes (M€)", "Dépenses externes (€)")];

/// The [`HrReturn`] field each column fills, for the errors of
/// [`HrReturn::validated`] (exit reasons are reported on "Sorties").
const HR_FIELDS: &str = "ministry region period headcount_start contract_start headcount_end \
    contract_end entries exits retirement resignation end_of_contract mobility positions_opened \
    vacant_end median_days_to_fill external_fte external_spend";

/// The columns of a salary-grid file, in our export's order: (header, required).
pub const GRID_HEADER: [(&str, bool); 8] = [
    ("Version", true),
    ("En vigueur le", true),
    ("Métier", true),
    ("Expérience", true),
    ("Bas (€)", false),
    ("Haut (€)", true),
    ("Part variable max (%)", false),
    ("Source", false),
];

/// The December 2021 grid has one threshold per job and band.
const GRID_ALIASES: [(&str, &str); 1] = [("Haut (€)", "Seuil (€)")];

/// The [`Grid`] or [`GridCell`] field each column fills, for the errors of
/// [`Grid::validated`].
const GRID_FIELDS: &str = "version valid_from job band low high variable_max source";

const PERIOD: &str = "période attendue : une année (2024) ou un semestre (2024S1)";
const AMOUNT: &str = "montant positif en euros attendu (brut annuel, ex. 54 400)";
const DATE: &str = "date attendue (JJ/MM/AAAA ou AAAA-MM-JJ)";

fn key(s: &str) -> String {
    fold(&s.replace('_', " "))
}

fn error(file: &str, row: usize, column: &str, message: impl Into<String>) -> ImportError {
    let (file, column, message) = (file.to_owned(), column.to_owned(), message.into());
    ImportError {
        file,
        row,
        column,
        message,
    }
}

/// Nothing returned unless the whole file is valid.
fn all_or_nothing<T>(errors: Vec<ImportError>, ok: T) -> Result<T, ImportErrors> {
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(ImportErrors(errors))
    }
}

/// Where each expected column is in a file, and the name it has there (the
/// expected header or its alias).
struct Columns {
    at: Vec<Option<usize>>,
    names: Vec<&'static str>,
    ignored: Vec<String>,
}

/// Locates the expected columns: a missing required column, or a column
/// present under both its names, is an error at row 1.
fn columns(
    file: &str,
    header: &[String],
    expected: &[(&'static str, bool)],
    aliases: &[(&str, &'static str)],
    derived: &[&str],
) -> Result<Columns, ImportErrors> {
    let mut errors = Vec::new();
    let find = |n: &str| header.iter().position(|x| key(x) == key(n));
    let (mut at, mut names) = (Vec::new(), Vec::new());
    for &(h, required) in expected {
        let alias = aliases.iter().find(|(c, _)| *c == h).map(|(_, a)| *a);
        let (i, name) = match (find(h), alias.and_then(|a| Some((find(a)?, a)))) {
            (Some(i), None) => (Some(i), h),
            (None, Some((i, a))) => (Some(i), a),
            (Some(_), Some((_, a))) => {
                let m =
                    format!("colonnes « {h} » et « {a} » toutes deux présentes : gardez-en une");
                errors.push(error(file, 1, a, m));
                (None, h)
            }
            (None, None) => {
                if required {
                    let or = alias.map_or_else(String::new, |a| format!(" (ou « {a} »)"));
                    errors.push(error(
                        file,
                        1,
                        h,
                        format!("colonne absente de l'en-tête{or}"),
                    ));
                }
                (None, h)
            }
        };
        at.push(i);
        names.push(name);
    }
    let ignored = header
        .iter()
        .enumerate()
        .filter(|(i, h)| {
            !at.contains(&Some(*i))
                && !h.trim().is_empty()
                && !derived.iter().any(|d| key(d) == key(h))
        })
        .map(|(_, h)| h.clone())
        .collect();
    all_or_nothing(errors, Columns { at, names, ignored })
}

/// One data row being read: its cells and the problems found in it.
struct Cells<'a> {
    file: &'a str,
    cols: &'a Columns,
    line: usize,
    cells: &'a [String],
    errors: Vec<ImportError>,
}

impl<'a> Cells<'a> {
    fn new(file: &'a str, cols: &'a Columns, line: usize, cells: &'a [String]) -> Self {
        let errors = Vec::new();
        Cells {
            file,
            cols,
            line,
            cells,
            errors,
        }
    }

    fn text(&self, k: usize) -> &'a str {
        let cells = self.cells;
        self.cols.at[k]
            .and_then(|i| cells.get(i))
            .map_or("", |s| s.trim())
    }

    fn bad(&mut self, k: Option<usize>, message: impl Into<String>) {
        let column = k.map_or("", |k| self.cols.names[k]);
        self.errors
            .push(error(self.file, self.line, column, message));
    }

    fn failed(&self, k: usize) -> bool {
        self.errors.iter().any(|e| e.column == self.cols.names[k])
    }

    /// A required text, whitespace collapsed.
    fn required(&mut self, k: usize, message: &str) -> String {
        let v = collapse_ws(self.text(k));
        if v.is_empty() {
            self.bad(Some(k), message);
        }
        v
    }

    /// Reports a blank cell.
    fn must(&mut self, k: usize, message: &str) {
        if self.text(k).is_empty() {
            self.bad(Some(k), message);
        }
    }

    /// An optional cell read by `parse`: blank is `None`, unreadable reported.
    fn read<T>(&mut self, k: usize, message: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let v = self.text(k);
        let x = (!v.is_empty()).then(|| parse(v)).flatten();
        if x.is_none() && !v.is_empty() {
            self.bad(Some(k), message);
        }
        x
    }

    /// An optional non-negative whole number.
    fn count(&mut self, k: usize) -> Option<u32> {
        let whole = |v: &str| {
            parse_decimal(v)
                .filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x <= f64::from(u32::MAX))
                .map(|x| x as u32)
        };
        self.read(k, "nombre entier positif ou nul attendu (ex. 1 200)", whole)
    }

    /// A required non-negative whole number (0 when bad).
    fn required_count(&mut self, k: usize) -> u32 {
        self.must(k, "nombre obligatoire (entier positif ou nul)");
        self.count(k).unwrap_or(0)
    }
}

/// External spend, in M€ or whole euros depending on the header.
fn spend(c: &mut Cells, k: usize) -> Option<Euros> {
    if c.cols.names[k].contains("M€") {
        let meur =
            |v: &str| parse_decimal(v.trim_end_matches('€').trim_end().trim_end_matches('M'));
        let m = "montant positif ou nul en millions d'euros attendu (ex. 2,5)";
        c.read(k, m, |v| {
            meur(v).filter(|x| *x >= 0.0).and_then(Euros::from_meur)
        })
    } else {
        let m = "montant positif ou nul en euros attendu (ex. 2 500 000)";
        c.read(k, m, |v| euros(v).filter(|x| *x >= 0).map(Euros))
    }
}

/// A percentage 0–100 as a fraction. "0,2" without a percent sign is
/// refused: an Excel cell formatted as a percentage reads 0.2 for 20 %.
fn percent(v: &str) -> Option<f64> {
    let x = parse_decimal(v.trim_end_matches('%'))?;
    let ambiguous = x > 0.0 && x < 1.0 && !v.ends_with('%');
    ((0.0..=100.0).contains(&x) && !ambiguous).then_some(x / 100.0)
}

fn date(v: &str) -> Option<Date> {
    parse_date_text(v).or_else(|| parse_decimal(v).and_then(excel_serial_to_date))
}

/// Whole euros: "54 400", "54400.0", "54 400 €".
fn euros(v: &str) -> Option<i64> {
    parse_decimal(v.trim_end_matches('€'))
        .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e15)
        .map(|x| x as i64)
}

/// The column filling `field`, in a space-separated list of fields.
fn column_of(fields: &str, field: &str) -> Option<usize> {
    fields.split_whitespace().position(|f| f == field)
}

/// Two values read, and different (a bad cell is already reported).
fn differ<T: PartialEq>(a: Option<T>, b: Option<T>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a != b)
}

fn blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// Reads an HR-returns file; every problem with its row and column, nothing
/// returned unless the whole file is valid. Also returns the headers it did
/// not read.
pub fn read_hr_returns(
    name: &str,
    bytes: &[u8],
) -> Result<(Vec<HrReturnRow>, Vec<String>), ImportErrors> {
    let Sheet { file, header, rows } = read_sheet(name, bytes)?;
    let cols = columns(&file, &header, &HR_HEADER, &HR_ALIASES, &HR_DERIVED)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for (line, cells) in &rows {
        if blank(cells) {
            continue;
        }
        let mut c = Cells::new(&file, &cols, *line, cells);
        let ministry = c.required(0, "ministère obligatoire (code ou nom)");
        let region = c.required(1, "région obligatoire");
        let period = Period::parse(c.text(2))
            .map(Period::code)
            .unwrap_or_else(|| {
                c.bad(Some(2), PERIOD);
                String::new()
            });
        let r = HrReturn {
            organisation_id: OrgId(0),
            region,
            period,
            headcount_start: c.required_count(3),
            contract_start: c.count(4),
            headcount_end: c.required_count(5),
            contract_end: c.count(6),
            entries: c.required_count(7),
            exits: c.required_count(8),
            exit_reasons: ExitReasons {
                retirement: c.count(9),
                resignation: c.count(10),
                end_of_contract: c.count(11),
                mobility: c.count(12),
            },
            positions_opened: c.required_count(13),
            vacant_end: c.required_count(14),
            median_days_to_fill: c.count(15),
            external_fte: c.read(16, "nombre d'ETP positif ou nul attendu (ex. 12,5)", |v| {
                parse_decimal(v).filter(|x| *x >= 0.0)
            }),
            external_spend: spend(&mut c, 17),
        };
        if c.errors.is_empty() {
            match r.validated() {
                Err(e) => {
                    let field = e.field.replace("exit_reasons", "exits");
                    c.bad(column_of(HR_FIELDS, &field), e.message);
                }
                Ok(r) => {
                    let id = (key(&ministry), key(&r.region), r.period.clone());
                    if let Some(first) = seen.get(&id) {
                        c.bad(
                            Some(2),
                            format!("même ministère, région et période qu'à la ligne {first}"),
                        );
                    } else {
                        seen.insert(id, *line);
                        out.push(HrReturnRow {
                            line: *line,
                            ministry,
                            r,
                        });
                    }
                }
            }
        }
        errors.append(&mut c.errors);
    }
    all_or_nothing(errors, (out, cols.ignored))
}

/// One line of a grid file, as read.
struct GridLine {
    line: usize,
    version: String,
    /// `None` when the cell was bad (already reported).
    valid_from: Option<Date>,
    variable_max: Option<Option<f64>>,
    source: String,
    cell: GridCell,
}

/// Reads a salary-grid file (one or several versions); every problem with
/// its row and column, nothing returned unless the whole file is valid.
/// Grids come in order of first appearance, validated. Also returns the
/// headers it did not read.
pub fn read_grids(name: &str, bytes: &[u8]) -> Result<(Vec<Grid>, Vec<String>), ImportErrors> {
    let Sheet { file, header, rows } = read_sheet(name, bytes)?;
    let cols = columns(&file, &header, &GRID_HEADER, &GRID_ALIASES, &[])?;
    let mut errors = Vec::new();
    // Versions in order of first appearance: (folded version, lines).
    let mut versions: Vec<(String, Vec<GridLine>)> = Vec::new();
    for (line, cells) in &rows {
        if blank(cells) {
            continue;
        }
        let mut c = Cells::new(&file, &cols, *line, cells);
        let version = c.required(0, "version obligatoire (ex. 2024-01)");
        c.must(1, DATE);
        let valid_from = c.read(1, DATE, date);
        let job = c.required(2, "métier obligatoire");
        let band = c.required(3, "tranche d'expérience obligatoire (ex. 3–6 ans)");
        let low = c.read(4, AMOUNT, |v| euros(v).filter(|x| *x > 0));
        c.must(5, "montant obligatoire (brut annuel, en euros)");
        let high = c.read(5, AMOUNT, |v| euros(v).filter(|x| *x > 0));
        let m = "pourcentage de 0 à 100 attendu, ex. 20 (« 0,5 % » sous 1 %)";
        let variable = c.read(6, m, percent);
        let g = GridLine {
            line: *line,
            version,
            valid_from,
            variable_max: (!c.failed(6)).then_some(variable),
            source: collapse_ws(c.text(7)),
            cell: GridCell {
                job,
                band,
                low,
                high: high.unwrap_or(0),
            },
        };
        if !g.version.is_empty() {
            let v = key(&g.version);
            match versions.iter_mut().find(|(k, _)| *k == v) {
                None => versions.push((v, vec![g])),
                Some((_, lines)) => {
                    let first = &lines[0];
                    let differs = [
                        (
                            1,
                            "date d'entrée en vigueur",
                            differ(first.valid_from, g.valid_from),
                        ),
                        (
                            6,
                            "part variable",
                            differ(first.variable_max, g.variable_max),
                        ),
                        (7, "source", first.source != g.source),
                    ];
                    for (k, what, differs) in differs {
                        if differs {
                            let (n, v) = (first.line, &first.version);
                            let m = format!("{what} différente de la ligne {n}");
                            c.bad(Some(k), format!("{m} : une seule par version (« {v} »)"));
                        }
                    }
                    lines.push(g);
                }
            }
        }
        errors.append(&mut c.errors);
    }
    if !errors.is_empty() {
        return Err(ImportErrors(errors));
    }
    let mut out = Vec::new();
    for (_, lines) in versions {
        let first = &lines[0];
        let Some(valid_from) = first.valid_from else {
            continue; // cannot happen: the date was checked above
        };
        let grid = Grid {
            version: first.version.clone(),
            valid_from,
            cells: lines.iter().map(|l| l.cell.clone()).collect(),
            variable_max: first.variable_max.flatten(),
            source: first.source.clone(),
        };
        match grid.validated() {
            Ok(g) => out.push(g),
            Err(e) => {
                // The cell concerned: the shortest prefix of the grid that
                // already fails.
                let at = (1..=lines.len())
                    .find(|&n| {
                        Grid {
                            cells: grid.cells[..n].to_vec(),
                            ..grid.clone()
                        }
                        .validated()
                        .is_err()
                    })
                    .map_or(first.line, |n| lines[n - 1].line);
                let k = column_of(GRID_FIELDS, &e.field);
                errors.push(error(&file, at, k.map_or("", |k| cols.names[k]), e.message));
            }
        }
    }
    all_or_nothing(errors, (out, cols.ignored))
}

#[cfg(test)]
#[path = "talent_tests.rs"]
mod tests;
