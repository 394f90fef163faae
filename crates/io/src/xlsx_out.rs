//! Excel both ways: a formatted one-table workbook for exports (bold frozen
//! header, autofilter, fitted widths, French dates, an "Informations" sheet
//! for provenance notes), and a plain reader of a workbook's first sheet.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use time::Date;

use crate::text::neutralise_formula;
use crate::xlsx_read::{self, RawCell};

/// Name of the sheet holding the notes.
pub const NOTES_SHEET: &str = "Informations";

/// Autofit cap in pixels (about 60 characters): long descriptions would
/// otherwise make columns wider than a screen.
const MAX_COLUMN_WIDTH_PX: u32 = 420;
/// Autofit looks at this many rows only: enough for the widths, and it keeps
/// large exports fast.
const AUTOFIT_ROWS: u32 = 2_000;
/// Excel's limits: cell text length (UTF-16 units), rows, columns.
const MAX_CELL_TEXT: usize = 32_767;
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as a string cell (formula injection neutralised).
    Text(String),
    /// A number, written as is (format it in the header: "Coût (M€)").
    Number(f64),
    /// A date, shown as dd/mm/yyyy.
    Date(Date),
    /// Nothing.
    Empty,
}

impl Cell {
    /// The cell as CSV text, the French way: decimal comma, dd/mm/yyyy.
    pub fn csv_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => format!("{n}").replace('.', ","),
            Cell::Date(d) => crate::text::format_date_fr(*d),
            Cell::Empty => String::new(),
        }
    }
}

/// Builds an XLSX workbook: sheet `sheet_name` with the bold, frozen,
/// filterable `header` and the `rows` (a row may be shorter than the header,
/// not longer), then, when `notes` is not empty, a sheet "Informations" with
/// one note per row (provenance, date of the data, method). Text cells,
/// header and notes go through the same formula neutralising as CSV.
///
/// Errors (in French): invalid sheet name, Excel limits exceeded, non-finite
/// number, date outside 1900–9999.
pub fn write_xlsx(
    sheet_name: &str,
    header: &[&str],
    rows: &[Vec<Cell>],
    notes: &[String],
) -> Result<Vec<u8>, String> {
    if header.is_empty() || header.len() > MAX_COLUMNS {
        return Err(format!(
            "nombre de colonnes invalide ({}) : entre 1 et {MAX_COLUMNS}",
            header.len()
        ));
    }
    if rows.len() >= MAX_ROWS {
        return Err(format!(
            "trop de lignes pour une feuille Excel ({} ; maximum {})",
            rows.len(),
            MAX_ROWS - 1
        ));
    }
    if sheet_name.eq_ignore_ascii_case(NOTES_SHEET) && !notes.is_empty() {
        return Err(format!(
            "le nom de feuille « {NOTES_SHEET} » est réservé aux notes"
        ));
    }
    let location = |r: usize, c: usize| format!("ligne {}, colonne « {} »", r + 2, header[c]);

    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet();
    sheet
        .set_name(sheet_name)
        .map_err(|e| format!("nom de feuille invalide « {sheet_name} » : {e}"))?;
    for (c, h) in header.iter().enumerate() {
        write_text(sheet, 0, c, h, Some(&bold)).map_err(|e| format!("en-tête : {e}"))?;
    }
    for (r, row) in rows.iter().enumerate() {
        if row.len() > header.len() {
            return Err(format!(
                "ligne {} : {} cellules pour {} colonnes d'en-tête",
                r + 2,
                row.len(),
                header.len()
            ));
        }
        let xr = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let xc = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    write_text(sheet, xr, c, s, None)
                        .map_err(|e| format!("{} : {e}", location(r, c)))?;
                }
                Cell::Number(v) if v.is_finite() => {
                    sheet.write_number(xr, xc, *v).map_err(writer_error)?;
                }
                Cell::Number(_) => {
                    return Err(format!(
                        "{} : nombre invalide (infini ou NaN)",
                        location(r, c)
                    ));
                }
                Cell::Date(d) => {
                    let xd = excel_date(*d).map_err(|e| format!("{} : {e}", location(r, c)))?;
                    sheet
                        .write_datetime_with_format(xr, xc, xd, &date_format)
                        .map_err(writer_error)?;
                }
            }
        }
    }
    let last_col = (header.len() - 1) as u16;
    sheet.set_freeze_panes(1, 0).map_err(writer_error)?;
    sheet
        .autofilter(0, 0, rows.len() as u32, last_col)
        .map_err(writer_error)?;
    sheet
        .set_autofit_max_width(MAX_COLUMN_WIDTH_PX)
        .set_autofit_max_row(AUTOFIT_ROWS)
        .autofit();

    if !notes.is_empty() {
        let info = book.add_worksheet();
        info.set_name(NOTES_SHEET).map_err(writer_error)?;
        for (r, note) in notes.iter().enumerate() {
            write_text(info, r as u32, 0, note, None)
                .map_err(|e| format!("note {} : {e}", r + 1))?;
        }
        info.set_autofit_max_width(MAX_COLUMN_WIDTH_PX * 2)
            .autofit();
    }
    book.save_to_buffer().map_err(writer_error)
}

fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: usize,
    text: &str,
    format: Option<&Format>,
) -> Result<(), String> {
    let text = neutralise_formula(text);
    if text.encode_utf16().count() > MAX_CELL_TEXT {
        return Err(format!(
            "texte trop long pour une cellule Excel ({MAX_CELL_TEXT} caractères au plus)"
        ));
    }
    let col = col as u16;
    match format {
        Some(f) => sheet.write_string_with_format(row, col, text.as_ref(), f),
        None => sheet.write_string(row, col, text.as_ref()),
    }
    .map(|_| ())
    .map_err(writer_error)
}

fn excel_date(d: Date) -> Result<ExcelDateTime, String> {
    let out_of_range = || format!("date {d} hors de la plage d'Excel (1900 à 9999)");
    let year = u16::try_from(d.year())
        .ok()
        .filter(|y| (1900..=9999).contains(y))
        .ok_or_else(out_of_range)?;
    ExcelDateTime::from_ymd(year, d.month().into(), d.day()).map_err(|_| out_of_range())
}

fn writer_error(e: XlsxError) -> String {
    format!("échec de l'écriture du classeur Excel : {e}")
}

/// Reads the first worksheet of an XLSX file as text, for round trips and
/// generic imports: `result[i]` is spreadsheet row `i + 1`, `result[i][j]`
/// column `j` (0 = A), all rows padded to the same width. Numbers are written
/// with a decimal point and no useless ".0", dates as dd/mm/yyyy (time of day
/// dropped), booleans VRAI/FAUX, formula errors as Excel shows them (#REF!).
///
/// Inputs over 50 MiB, or whose declared uncompressed content is
/// disproportionate (zip bombs), are refused before parsing.
pub fn read_xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let mut book = xlsx_read::open_checked(bytes)?;
    let first = calamine::Reader::sheet_names(&book)
        .into_iter()
        .next()
        .ok_or_else(|| "classeur sans feuille".to_owned())?;
    let grid = xlsx_read::sheet(&mut book, &first)?;
    let width = grid.iter().map(|(_, cells)| cells.len()).max().unwrap_or(0);
    let height = grid.last().map_or(0, |(row, _)| *row);
    // The dense grid pads every row: bound it as the sheet itself is.
    if width.saturating_mul(height) > xlsx_read::MAX_CELL_SLOTS {
        return Err(format!(
            "feuille « {first} » trop grande : {height} lignes × {width} colonnes"
        ));
    }
    let mut out = vec![vec![String::new(); width]; height];
    for (row, cells) in grid {
        for (c, cell) in cells.iter().enumerate() {
            if !matches!(cell, RawCell::Empty) {
                out[row - 1][c] = cell.as_text().into_owned();
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cell() -> impl Strategy<Value = Cell> {
        prop_oneof![
            "[a-zé ;,\"\n=+@'-]{0,8}".prop_map(Cell::Text),
            (-1_000_000i64..1_000_000).prop_map(|n| Cell::Number(n as f64 / 100.0)),
            (18_264i64..73_050).prop_map(|d| {
                Cell::Date(crate::text::excel_serial_to_date(d as f64).expect("in range"))
            }),
            Just(Cell::Empty),
        ]
    }

    /// What a cell reads back as: text neutralised, numbers without a
    /// useless ".0", dates dd/mm/yyyy.
    fn shown(c: &Cell) -> String {
        match c {
            Cell::Text(s) => neutralise_formula(s).into_owned(),
            Cell::Number(n) => crate::text::format_number(*n),
            Cell::Date(d) => crate::text::format_date_fr(*d),
            Cell::Empty => String::new(),
        }
    }

    /// Trailing empty cells and rows do not show in a spreadsheet.
    fn trimmed(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
        for r in &mut rows {
            while r.last().is_some_and(String::is_empty) {
                r.pop();
            }
        }
        while rows.last().is_some_and(Vec::is_empty) {
            rows.pop();
        }
        rows
    }

    proptest! {
        /// Export then import gives back every cell as the export shows it.
        #[test]
        fn export_then_import_round_trips(
            header in proptest::collection::vec("[A-Za-zé][a-zé ;,=]{0,6}", 1..5),
            rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..5), 0..6),
        ) {
            let head: Vec<&str> = header.iter().map(String::as_str).collect();
            let rows: Vec<Vec<Cell>> = rows
                .into_iter()
                .map(|mut r| { r.truncate(head.len()); r })
                .collect();
            let bytes = write_xlsx("Données", &head, &rows, &[]).expect("write");
            let read = read_xlsx_rows(&bytes).expect("read");
            let mut expected = vec![header.iter().map(|h| neutralise_formula(h).into_owned()).collect()];
            expected.extend(rows.iter().map(|r| r.iter().map(shown).collect()));
            prop_assert_eq!(trimmed(read), trimmed(expected));
        }
    }
}
