//! Any bytes as an uploaded CSV file: the generic CSV reader and the CSV
//! export read back, then one importer picked by the input's first byte
//! (funding, inventory, template, plans, HR returns, salary grids,
//! observatory editions under each method, Panorama; see
//! `cosinum_fuzz::READERS`). The rest of the input is the file.
#![no_main]

use std::io;

use cosinum_fuzz::{csv_row_bound, run_reader};
use cosinum_io::csv_out::{neutralise_formula, read_csv_records, write_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&reader, file)) = data.split_first() else {
        return;
    };
    let max_row = Some(csv_row_bound(file));
    round_trip(file, max_row);
    run_reader(reader, "csv", file, max_row);
});

/// What `read_csv_records` accepts has a header, non-blank records in file
/// order, and survives `write_csv` then `read_csv_records` unchanged but for
/// the documented changes: formulas neutralised, short rows padded, one
/// record per spreadsheet row.
fn round_trip(data: &[u8], max_row: Option<usize>) {
    let (header, records) = match read_csv_records(data) {
        Ok(r) => r,
        Err(message) => {
            assert!(!message.trim().is_empty());
            return;
        }
    };
    assert!(
        header.iter().any(|h| !h.trim().is_empty()),
        "blank header: {header:?}"
    );
    cosinum_fuzz::check_lines("records", records.iter().map(|(r, _)| *r), max_row);
    for (row, fields) in &records {
        assert!(
            fields.iter().any(|f| !f.trim().is_empty()),
            "blank record kept at row {row}"
        );
    }

    let head: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = records.iter().map(|(_, r)| r.clone()).collect();
    let too_long = rows.iter().any(|r| r.len() > header.len());
    let mut out = Vec::new();
    match write_csv(&mut out, &head, rows.clone()) {
        Ok(()) => assert!(!too_long, "a row longer than the header was written"),
        Err(e) => {
            assert!(too_long, "export refused: {e}");
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            return;
        }
    }
    let back = read_csv_records(&out);
    let Ok((header_back, records_back)) = back else {
        panic!("our own export does not read back: {back:?}");
    };
    let neutral = |s: &String| neutralise_formula(s).into_owned();
    let expected: Vec<String> = header.iter().map(neutral).collect();
    assert_eq!(header_back, expected, "header changed by the round trip");
    let expected: Vec<(usize, Vec<String>)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r: Vec<String> = r.iter().map(neutral).collect();
            r.resize(header.len(), String::new());
            (i + 2, r)
        })
        .collect();
    assert_eq!(records_back, expected, "records changed by the round trip");
}
