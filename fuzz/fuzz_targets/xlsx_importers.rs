//! Uploaded Excel workbooks. The input's first byte picks what reads the
//! workbook: one of the importers (see `cosinum_fuzz::READERS`), or, past
//! them, `read_xlsx_rows` followed by `write_xlsx`, which must read back the
//! same cells. The rest is the workbook: if it starts with `PK`, the
//! workbook's bytes as they are (zip layer, size and zip-bomb checks
//! included); any other input is the XML of a worksheet, then optionally of
//! the shared strings and of the styles, separated by NUL bytes, wrapped
//! into an otherwise valid workbook so that mutations reach the cell parsing
//! instead of dying on zip checksums.
#![no_main]

use cosinum_fuzz::{READERS, run_reader, workbook, workbook_parts};
use cosinum_io::csv_out::neutralise_formula;
use cosinum_io::xlsx_out::{Cell, read_xlsx_rows, write_xlsx};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&reader, data)) = data.split_first() else {
        return;
    };
    let built;
    let bytes = if data.starts_with(b"PK") {
        data
    } else {
        let (sheet, shared, styles) = workbook_parts(data);
        built = workbook(sheet, shared, styles);
        &built
    };
    // Readers first, then the round trip.
    let pick = reader % (READERS.len() as u8 + 1);
    if usize::from(pick) == READERS.len() {
        round_trip(bytes);
    } else {
        run_reader(pick, "xlsx", bytes, None);
    }
});

/// Trailing empty rows and columns do not show in a spreadsheet: drop them
/// before comparing.
fn shown(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let width = rows
        .iter()
        .map(|r| r.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1))
        .max()
        .unwrap_or(0);
    for r in &mut rows {
        r.truncate(width);
    }
    while rows.last().is_some_and(|r| r.iter().all(String::is_empty)) {
        rows.pop();
    }
    rows
}

fn round_trip(bytes: &[u8]) {
    let rows = match read_xlsx_rows(bytes) {
        Ok(rows) => rows,
        Err(message) => {
            assert!(!message.trim().is_empty());
            return;
        }
    };
    let width = rows.first().map_or(0, Vec::len);
    assert!(
        rows.iter().all(|r| r.len() == width),
        "rows of different widths"
    );
    let rows = shown(rows);
    let Some((header, body)) = rows.split_first() else {
        return;
    };
    if header.is_empty() {
        return;
    }
    let head: Vec<&str> = header.iter().map(String::as_str).collect();
    let cells: Vec<Vec<Cell>> = body
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c.is_empty() {
                    true => Cell::Empty,
                    false => Cell::Text(c.clone()),
                })
                .collect()
        })
        .collect();
    // Refusals (text over Excel's cell limit…) are documented; only what is
    // written must read back.
    let Ok(written) = write_xlsx("Export", &head, &cells, &[]) else {
        return;
    };
    let back = read_xlsx_rows(&written);
    let Ok(back) = back else {
        panic!("our own export does not read back: {back:?}");
    };
    let expected: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| neutralise_formula(c).into_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        shown(back),
        shown(expected),
        "cells changed by the round trip"
    );
}
