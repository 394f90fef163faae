//! Any uploaded table as rows, whatever its format: the first sheet of an
//! XLSX workbook, or a CSV file (`;` or `,`, with or without BOM). The name
//! decides (`.xlsx`), or the content (a ZIP archive is a workbook).

use crate::error::{ImportError, ImportErrors};
use crate::xlsx_out::read_xlsx_rows;

/// A table read from a file: its name (without directory) for messages, its
/// header row, and every row with its spreadsheet number (header = 1).
pub(crate) struct Sheet {
    pub file: String,
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads `bytes` as a table; an unreadable or empty file is one file-level
/// error.
pub(crate) fn read_sheet(name: &str, bytes: &[u8]) -> Result<Sheet, ImportErrors> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name).to_owned();
    let whole = |m: String| ImportErrors(vec![ImportError::file_level(&file, m)]);
    let mut rows: Vec<(usize, Vec<String>)> =
        if name.to_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK") {
            read_xlsx_rows(bytes)
                .map_err(whole)?
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i + 1, r))
                .collect()
        } else {
            let (header, records) = crate::csv_out::read_csv_records(bytes).map_err(whole)?;
            std::iter::once((1, header)).chain(records).collect()
        };
    if rows.is_empty() {
        return Err(whole("fichier vide".into()));
    }
    let (_, header) = rows.remove(0);
    Ok(Sheet { file, header, rows })
}
