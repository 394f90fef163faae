//! Reader for the Panorama des grands projets SI/numériques raw open-data
//! files (DINSIC/DINUM; 2016-11, 2017-06 and 2018-03 editions, CSV or XLSX).
//! The 15 columns and their quirks are described in
//! `shared/reference/major-projects.md` §1.3 ("MP §1.3").
//!
//! The reader is strict about content (every non-blank row becomes a
//! [`PanoramaRow`] or at least one [`ImportError`]) but tolerant about form:
//! header spelling (case, accents, the 2016 trailing space), separators,
//! decimal commas, ISO / French / Excel-serial dates, trailing blank rows and
//! columns.

mod fields;

use std::path::Path;

use cosinum_domain::money::Euros;
use cosinum_domain::projects::{Estimate, Phase};
use time::{Date, Duration};

use crate::csv_out::parse_csv;
use crate::error::{ImportError, ImportErrors};
use crate::text::{column_letter, fold, format_date_fr};
use crate::xlsx_read::{self, Grid, MAX_XLSX_BYTES, RawCell};

/// A Panorama raw file, fully parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct PanoramaFile {
    /// The path as given to [`read_panorama`].
    pub path: String,
    /// One entry per project row, in file order.
    pub rows: Vec<PanoramaRow>,
    /// The "Date de publication" shared by every row (`None` if no row has one).
    pub publication_date: Option<Date>,
}

/// One project row of a Panorama file (MP §1.3, columns 1–14).
#[derive(Debug, Clone, PartialEq)]
pub struct PanoramaRow {
    /// 1-based row number as a spreadsheet shows it (header = 1 in the
    /// published files; a CSV cell spanning several lines is still one row).
    pub line: usize,
    /// "Ministère porteur": acronym (SPM, MEF, MCAP, MI…), trimmed.
    pub ministry_code: String,
    /// "Ministère nom complet", trimmed.
    pub ministry_name: String,
    /// "Nom du projet", trimmed, inner whitespace (no-break spaces included)
    /// collapsed to single spaces so names match across editions.
    pub name: String,
    /// "Projet interministériel": Oui / Non.
    pub interministerial: bool,
    /// "Description et objectifs du projet", trimmed (line breaks kept).
    pub description: String,
    /// "En savoir plus sur le projet"; `None` when the cell holds no link
    /// (empty, "0", "N/A", "NC", a sentence without URL). Several links stay
    /// together in one string, as published.
    pub url: Option<String>,
    /// "Début".
    pub start: Option<Date>,
    /// "Durée prévisionnelle en année"; `None` for empty, "NA", "En cadrage".
    pub duration_years: Option<f64>,
    /// "Phase du projet en cours", trimmed, as written.
    pub phase_raw: String,
    /// Parsed phase; `None` only when the cell holds the masking sentence.
    pub phase: Option<Phase>,
    /// True when the masking sentence ("Les éléments chiffrés … ne sont
    /// volontairement pas publiés …", MP §1.3) stands in the phase, cost,
    /// start or duration cell: the project is listed but its figures are not.
    pub figures_withheld: bool,
    /// "Coût estimé" (M€ in the file); `None` for empty, "NA", "En cadrage"
    /// or withheld figures.
    pub cost: Option<Euros>,
    /// "Coût estimé par tranche" as written ("entre 20 et 100 M€", "NA"…).
    pub cost_band_raw: String,
    /// "Zone fonctionnelle", trimmed.
    pub functional_zone: String,
    /// "Financement [programme(s)]", trimmed.
    pub funding: String,
    /// "Lien vers les Projets Annuels de Performances"; `None` as for `url`
    /// (the 2018 files hold "N/A", "NC", "En attente publication PAP 2017").
    pub pap_url: Option<String>,
}

impl PanoramaRow {
    /// What this row says of the project as of `date` (normally the file's
    /// publication date), for the drift maths. The forecast end is start +
    /// duration at 365 days a year: the 2016 durations are exact day counts
    /// divided by 365 (3.750684931… = 1369 / 365). `None` when the phase is
    /// unknown (figures withheld), since an estimate needs one.
    pub fn estimate(&self, date: Date) -> Option<Estimate> {
        let forecast_end = match (self.start, self.duration_years) {
            (Some(start), Some(years)) => {
                let days = (years * 365.0).round();
                (days.abs() < 3.0e6)
                    .then(|| start.checked_add(Duration::days(days as i64)))
                    .flatten()
            }
            _ => None,
        };
        Some(Estimate {
            date,
            cost: self.cost,
            start: self.start,
            forecast_end,
            phase: self.phase?,
            figures_withheld: self.figures_withheld,
        })
    }
}

/// The 15 columns, in the published order: canonical header (used in error
/// messages) and extra accepted spellings, already folded (see `text::fold`).
const COLUMNS: [(&str, &[&str]); 15] = [
    ("Ministère porteur", &[]),
    ("Ministère nom complet", &[]),
    ("Nom du projet", &[]),
    (
        "Projet interministériel",
        &["projet interministeriel (oui/non)"],
    ),
    ("Description et objectifs du projet", &[]),
    (
        "En savoir plus sur le projet",
        &["en savoir plus sur le projet (url)"],
    ),
    ("Début", &[]),
    (
        "Durée prévisionnelle en année",
        &["duree previsionnelle en annees"],
    ),
    ("Phase du projet en cours", &[]),
    ("Coût estimé", &["cout estime (m€)"]),
    ("Coût estimé par tranche", &[]),
    ("Zone fonctionnelle", &[]),
    ("Financement [programme(s)]", &[]),
    ("Lien vers les Projets Annuels de Performances", &[]),
    ("Date de publication", &[]),
];

/// Plain text has no decompression to guard against: a CSV may be as large
/// as a generated portfolio of a million projects (about 260 MiB); the
/// 50 MiB cap stays for workbooks.
const MAX_CSV_BYTES: usize = 512 * 1024 * 1024;

/// Rows searched for the header in a worksheet (a title block may precede it).
const HEADER_SEARCH_ROWS: usize = 20;

/// Reads a Panorama raw file: `.csv` (`,` or `;`, UTF-8, header on the first
/// non-blank line) or `.xlsx` (the first worksheet with the header row within
/// its first 20 rows). Columns other than the 15 are ignored when they have a
/// header; a value under no header is an error. Returns the parsed file, or every problem found, each
/// located by row and column; a file that cannot be read at all gives one
/// error with row 0. Workbooks over 50 MiB and CSV files over 512 MiB are
/// refused.
pub fn read_panorama(path: &Path) -> Result<PanoramaFile, ImportErrors> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let fail = |msg: String| ImportErrors::from(ImportError::file_level(&file, msg));
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if ext != "csv" && ext != "xlsx" {
        return Err(fail(
            "format non reconnu : extension .csv ou .xlsx attendue".to_owned(),
        ));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| fail(format!("fichier illisible : {e}")))?
        .len();
    let max = if ext == "csv" {
        MAX_CSV_BYTES
    } else {
        MAX_XLSX_BYTES
    };
    if size > max as u64 {
        return Err(fail(format!(
            "fichier trop volumineux ({} Mio ; maximum {} Mio)",
            size.div_ceil(1024 * 1024),
            max / (1024 * 1024)
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("fichier illisible : {e}")))?;

    let mut errors = Vec::new();
    let table = if ext == "csv" {
        csv_table(&bytes, &file, &mut errors)
    } else {
        xlsx_table(&bytes, &file)
    };
    let (header, data) = table.map_err(|e| match e {
        TableError::File(msg) => fail(msg),
        TableError::Located(errs) => ImportErrors(errs),
    })?;
    // The cells own their text: the file's bytes (up to 512 MiB) can go
    // before the rows are built.
    drop(bytes);

    let (rows, publication_date) = read_rows(&file, &header, data, &mut errors);
    if !errors.is_empty() {
        // Stable sort: file order; within a row, the order problems were found.
        errors.sort_by_key(|e| e.row);
        return Err(ImportErrors(errors));
    }
    Ok(PanoramaFile {
        path: path.display().to_string(),
        rows,
        publication_date,
    })
}

/// Where each of the 15 columns sits (absolute 0-based index).
type ColumnMap = [usize; 15];

/// The header as understood: where the 15 columns are, and which other
/// columns carry a (non-Panorama) name and are therefore ignored knowingly.
struct Header {
    columns: ColumnMap,
    extra: Vec<usize>,
}

/// Header and the data rows below it.
type Table = (Header, Grid);

enum TableError {
    File(String),
    Located(Vec<ImportError>),
}

fn csv_table(bytes: &[u8], file: &str, errors: &mut Vec<ImportError>) -> Result<Table, TableError> {
    let csv = parse_csv(bytes).map_err(TableError::File)?;
    let (header_row, header) = csv.header;
    let header: Vec<RawCell> = header.into_iter().map(RawCell::Text).collect();
    let header =
        match_header(file, header_row, &header, "").map_err(|(_, e)| TableError::Located(e))?;
    let mut data = Vec::with_capacity(csv.records.len());
    for (row, rec) in csv.records {
        match rec {
            Ok(fields) => data.push((row, fields.into_iter().map(RawCell::Text).collect())),
            Err(message) => errors.push(ImportError {
                file: file.to_owned(),
                row,
                column: String::new(),
                message,
            }),
        }
    }
    Ok((header, data))
}

fn xlsx_table(bytes: &[u8], file: &str) -> Result<Table, TableError> {
    let mut book = xlsx_read::open_checked(bytes).map_err(TableError::File)?;
    let sheets = xlsx_read::sheets(&mut book).map_err(TableError::File)?;
    // Best partial header seen (most columns recognised), to say which
    // columns are missing when no sheet has them all.
    let mut best: Option<(usize, Vec<ImportError>)> = None;
    for (name, grid) in sheets {
        for (i, (row, cells)) in grid.iter().take(HEADER_SEARCH_ROWS).enumerate() {
            match match_header(file, *row, cells, &name) {
                Ok(header) => {
                    let data = grid.into_iter().skip(i + 1).collect();
                    return Ok((header, data));
                }
                Err((matched, errors)) => {
                    if matched > 0 && best.as_ref().is_none_or(|(m, _)| matched > *m) {
                        best = Some((matched, errors));
                    }
                }
            }
        }
    }
    Err(match best {
        Some((_, errors)) => TableError::Located(errors),
        None => TableError::File(format!(
            "aucune feuille ne contient la ligne d'en-tête du Panorama (colonnes attendues : {})",
            COLUMNS
                .iter()
                .map(|(h, _)| format!("« {h} »"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })
}

/// Maps the 15 columns in a header row, or says which are missing or doubled
/// (with the number of columns recognised, to pick the likeliest header).
fn match_header(
    file: &str,
    row: usize,
    cells: &[RawCell],
    sheet: &str,
) -> Result<Header, (usize, Vec<ImportError>)> {
    let mut found: [Option<usize>; 15] = [None; 15];
    let mut extra = Vec::new();
    let mut errors = Vec::new();
    let located = |column: &str, message: String| ImportError {
        file: file.to_owned(),
        row,
        column: column.to_owned(),
        message,
    };
    let in_sheet = if sheet.is_empty() {
        String::new()
    } else {
        format!(" (feuille « {sheet} »)")
    };
    for (idx, cell) in cells.iter().enumerate() {
        let folded = fold(&cell.as_text());
        let Some(k) = COLUMNS
            .iter()
            .position(|(h, aliases)| fold(h) == folded || aliases.contains(&folded.as_str()))
        else {
            if !folded.is_empty() {
                extra.push(idx);
            }
            continue;
        };
        match found[k] {
            None => found[k] = Some(idx),
            Some(first) => errors.push(located(
                COLUMNS[k].0,
                format!(
                    "colonne en double (colonnes {} et {}){in_sheet}",
                    column_letter(first),
                    column_letter(idx)
                ),
            )),
        }
    }
    for (k, slot) in found.iter().enumerate() {
        if slot.is_none() {
            errors.push(located(
                COLUMNS[k].0,
                format!("colonne obligatoire absente de la ligne d'en-tête{in_sheet}"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err((found.iter().flatten().count(), errors));
    }
    Ok(Header {
        // Every slot is filled here: an empty one pushed an error above.
        columns: found.map(Option::unwrap_or_default),
        extra,
    })
}

/// Parses the data rows; returns the rows and the shared publication date.
fn read_rows(
    file: &str,
    header: &Header,
    data: Grid,
    errors: &mut Vec<ImportError>,
) -> (Vec<PanoramaRow>, Option<Date>) {
    let columns = &header.columns;
    let needed = columns.iter().max().map_or(0, |m| m + 1);
    let mut rows = Vec::with_capacity(data.len());
    let mut publication: Option<(Date, usize)> = None;
    for (line, cells) in data {
        if cells.iter().all(RawCell::is_blank) {
            continue;
        }
        let before = errors.len();
        let mut push = |column: String, message: String| {
            errors.push(ImportError {
                file: file.to_owned(),
                row: line,
                column,
                message,
            })
        };
        if cells.len() < needed {
            push(
                String::new(),
                format!(
                    "ligne incomplète : {} champs au lieu d'au moins {needed} \
                     (guillemet mal fermé ou séparateur manquant ?)",
                    cells.len()
                ),
            );
            continue;
        }
        // Data under no header at all would be lost without anyone knowing
        // (a shifted row, a stray paste); named extra columns are ignored.
        for (idx, cell) in cells.iter().enumerate() {
            let known = columns.contains(&idx) || header.extra.contains(&idx);
            if !known && !cell.is_blank() {
                push(
                    column_letter(idx),
                    "valeur dans une colonne sans en-tête : elle serait ignorée".to_owned(),
                );
            }
        }
        let parsed = fields::parse_row(file, line, &cells, columns, errors);
        if let Some((row, pub_date)) = parsed {
            if let Some(date) = pub_date {
                match publication {
                    None => publication = Some((date, line)),
                    Some((first, first_line)) if first != date => errors.push(ImportError {
                        file: file.to_owned(),
                        row: line,
                        column: COLUMNS[14].0.to_owned(),
                        message: format!(
                            "date de publication {} différente de celle des lignes précédentes \
                             ({}, ligne {first_line}) : un fichier = une édition",
                            format_date_fr(date),
                            format_date_fr(first)
                        ),
                    }),
                    Some(_) => {}
                }
            }
            if errors.len() == before {
                rows.push(row);
            }
        }
    }
    (rows, publication.map(|(d, _)| d))
}
