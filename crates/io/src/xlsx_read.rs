//! Shared XLSX reading: size and zip-bomb checks, then calamine cells turned
//! into a small cell type with spreadsheet coordinates.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use time::{Date, Month};

use crate::text::{format_date_fr, format_number};

/// Largest XLSX accepted, compressed (50 MiB): far above any Panorama file
/// (< 1 MiB) and bounds memory before anything is parsed.
pub(crate) const MAX_XLSX_BYTES: usize = 50 * 1024 * 1024;
/// Largest total declared uncompressed size. The zip reader stops an entry at
/// its declared size, so checking declarations is enough to defuse bombs.
const MAX_UNCOMPRESSED_BYTES: u64 = 256 * 1024 * 1024;
const MAX_ENTRIES: usize = 10_000;

/// A cell as the importers need it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawCell {
    Empty,
    Text(String),
    Number(f64),
    /// A date-formatted number; `date` is `None` when out of Excel's range.
    Date {
        serial: f64,
        date: Option<Date>,
    },
    /// A formula error such as `#REF!`.
    Error(String),
}

impl RawCell {
    /// The cell as text: numbers without a useless ".0", dates dd/mm/yyyy.
    pub(crate) fn as_text(&self) -> Cow<'_, str> {
        match self {
            RawCell::Empty => Cow::Borrowed(""),
            RawCell::Text(s) | RawCell::Error(s) => Cow::Borrowed(s),
            RawCell::Number(v) => Cow::Owned(format_number(*v)),
            RawCell::Date { date: Some(d), .. } => Cow::Owned(format_date_fr(*d)),
            RawCell::Date { serial, .. } => Cow::Owned(format_number(*serial)),
        }
    }

    /// True when the cell holds nothing but whitespace.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            RawCell::Empty => true,
            RawCell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// One worksheet: `(spreadsheet row number, cells)` where a cell's index is
/// its absolute column (0 = A), whatever the sheet's used range.
pub(crate) type Grid = Vec<(usize, Vec<RawCell>)>;

/// Opens an XLSX held in memory after the size checks; errors in French.
pub(crate) fn open_checked(bytes: &[u8]) -> Result<Xlsx<Cursor<&[u8]>>, String> {
    if bytes.len() > MAX_XLSX_BYTES {
        return Err(format!(
            "fichier trop volumineux ({} Mio ; maximum {} Mio)",
            bytes.len().div_ceil(1024 * 1024),
            MAX_XLSX_BYTES / (1024 * 1024)
        ));
    }
    check_archive(bytes, MAX_UNCOMPRESSED_BYTES)?;
    calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| format!("classeur Excel illisible : {e}"))
}

/// Refuses archives whose entries declare more than `max_uncompressed`
/// bytes in total, or too many entries.
fn check_archive(bytes: &[u8], max_uncompressed: u64) -> Result<(), String> {
    let not_xlsx = |_| "ce fichier n'est pas un classeur Excel .xlsx lisible".to_owned();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    if zip.len() > MAX_ENTRIES {
        return Err("classeur suspect : trop d'éléments dans l'archive".to_owned());
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(not_xlsx)?;
        total = total.saturating_add(entry.size());
    }
    if total > max_uncompressed {
        return Err(format!(
            "classeur suspect : contenu décompressé trop volumineux (plus de {} Mio)",
            max_uncompressed.div_ceil(1024 * 1024)
        ));
    }
    Ok(())
}

/// Every worksheet of the workbook, in workbook order, as `(name, grid)`.
pub(crate) fn sheets(book: &mut Xlsx<Cursor<&[u8]>>) -> Result<Vec<(String, Grid)>, String> {
    book.sheet_names()
        .into_iter()
        .map(|name| sheet(book, &name).map(|grid| (name, grid)))
        .collect()
}

/// Excel's grid: 1,048,576 rows × 16,384 columns (A…XFD).
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLUMNS: u32 = 16_384;
/// Most cell slots (filled or padding) a sheet may occupy in memory: about
/// 300 MB at worst, far above any return a ministry sends.
pub(crate) const MAX_CELL_SLOTS: usize = 8_000_000;

/// One worksheet by name, read cell by cell. Reading the sheet's range at
/// once would allocate every cell between its first and last references, so
/// two cells at A1 and XFD1048576 would ask for hundreds of gigabytes and
/// abort the process (found by the `xlsx_importers` fuzz target). Here only
/// filled cells are kept, references outside Excel's grid are refused, and
/// the memory a sheet takes is bounded.
pub(crate) fn sheet(book: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Grid, String> {
    let unreadable = |e: calamine::XlsxError| format!("feuille « {name} » illisible : {e}");
    let mut reader = book.worksheet_cells_reader(name).map_err(unreadable)?;
    let mut rows: std::collections::BTreeMap<u32, Vec<RawCell>> = Default::default();
    let mut slots = 0usize;
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if r >= MAX_ROWS || c >= MAX_COLUMNS {
            return Err(format!(
                "feuille « {name} » : référence de cellule hors de la grille d'Excel \
                 (ligne {}, colonne {})",
                u64::from(r) + 1,
                u64::from(c) + 1
            ));
        }
        let value = convert(&Data::from(cell.get_value().clone()));
        if matches!(value, RawCell::Empty) {
            continue;
        }
        let row = rows.entry(r).or_default();
        let c = c as usize;
        if row.len() <= c {
            slots += c + 1 - row.len();
            if slots > MAX_CELL_SLOTS {
                return Err(format!(
                    "feuille « {name} » trop grande : plus de {MAX_CELL_SLOTS} cellules"
                ));
            }
            row.resize(c + 1, RawCell::Empty);
        }
        row[c] = value;
    }
    Ok(rows
        .into_iter()
        .map(|(r, cells)| (r as usize + 1, cells))
        .collect())
}

fn convert(d: &Data) -> RawCell {
    match d {
        Data::Empty => RawCell::Empty,
        Data::String(s) if s.is_empty() => RawCell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => RawCell::Text(s.clone()),
        Data::Int(i) => RawCell::Number(*i as f64),
        Data::Float(f) => RawCell::Number(*f),
        // French Excel's own words, so a re-import reads them the same way.
        Data::Bool(b) => RawCell::Text(if *b { "VRAI" } else { "FAUX" }.to_owned()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let serial = dt.as_f64();
            // calamine clamps out-of-range serials; refuse them instead.
            let date = (0.0..2_958_466.0).contains(&serial).then(|| {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                Month::try_from(m)
                    .ok()
                    .and_then(|m| Date::from_calendar_date(i32::from(y), m, d).ok())
            });
            RawCell::Date {
                serial,
                date: date.flatten(),
            }
        }
        Data::DateTime(dt) => RawCell::Number(dt.as_f64()),
        Data::Error(e) => RawCell::Error(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_workbook() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet().write(0, 0, "x".repeat(5_000)).unwrap();
        book.save_to_buffer().unwrap()
    }

    /// A workbook whose first sheet holds `cells`, each at (row, col) 0-based,
    /// with `patch` applied to the sheet's XML (to write what no tool writes).
    fn workbook_with(cells: &[(u32, u16)], patch: (&str, &str)) -> Vec<u8> {
        use std::io::{Read, Write};
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for &(r, c) in cells {
            sheet.write(r, c, "x").unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut content = String::new();
            entry.read_to_string(&mut content).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                content = content.replace(patch.0, patch.1);
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(content.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    /// Found by the `xlsx_importers` fuzz target: these aborted the process
    /// (a 512 GiB allocation, or an overflow in calamine's reference parser).
    #[test]
    fn far_apart_and_impossible_cell_references_are_refused_not_fatal() {
        let corners = workbook_with(&[(0, 0), (1_048_575, 16_383)], ("", ""));
        let err = crate::xlsx_out::read_xlsx_rows(&corners).unwrap_err();
        assert!(err.contains("trop grande"), "{err}");
        // The importers' sparse grid holds just the two cells.
        let mut book = open_checked(&corners).unwrap();
        let grid = sheet(&mut book, "Sheet1").unwrap();
        assert_eq!(grid.len(), 2);
        assert_eq!(grid[1].0, 1_048_576);

        let beyond = workbook_with(&[(0, 0)], ("r=\"A1\"", "r=\"A99999999999\""));
        let mut book = open_checked(&beyond).unwrap();
        let err = sheet(&mut book, "Sheet1").unwrap_err();
        assert!(err.contains("hors de la grille"), "{err}");
        assert!(crate::xlsx_out::read_xlsx_rows(&beyond).is_err());
    }

    #[test]
    fn declared_uncompressed_size_is_bounded() {
        let bytes = small_workbook();
        assert!(check_archive(&bytes, MAX_UNCOMPRESSED_BYTES).is_ok());
        let err = check_archive(&bytes, 4_096).unwrap_err();
        assert!(err.contains("trop volumineux"), "{err}");
        assert!(open_checked(&bytes).is_ok());
    }

    #[test]
    fn oversized_and_non_zip_inputs_are_refused() {
        let big = vec![0u8; MAX_XLSX_BYTES + 1];
        assert!(
            open_checked(&big)
                .err()
                .unwrap()
                .contains("trop volumineux")
        );
        assert!(
            open_checked(b"PK junk")
                .err()
                .unwrap()
                .contains("pas un classeur")
        );
    }
}
