//! Shared by the fuzz targets: run every importer of `cosinum-io` on one
//! input and check what the readers promise whatever the input is:
//!
//! - they return, never panic (a panic is what libFuzzer reports);
//! - a refusal lists at least one problem, each naming the file as the
//!   user sent it, a spreadsheet row no further than the file goes (row 0
//!   only for a problem with the whole file, and then without a column),
//!   and a message;
//! - what they accept is in file order, below the header, and already
//!   satisfies the domain's rules (levels 1 to 4, amounts not negative,
//!   validated grids, canonical periods…).
//!
//! The targets differ only in how they turn fuzz input into a file; the
//! first byte of their input picks the reader (see [`run_reader`]).

use std::io::{Cursor, Write};
use std::path::PathBuf;

use cosinum_domain::demarches::{Assessment, Method, V2019, V2023, assess, parse_raw};
use cosinum_domain::talent::hr_return::Period;
use cosinum_io::funding::{FundingFile, read_funding};
use cosinum_io::inventory::read_inventory;
use cosinum_io::observatoire::read_observatoire;
use cosinum_io::plans::read_plan_lines;
use cosinum_io::talent::{read_grids, read_hr_returns};
use cosinum_io::template::read_template;
use cosinum_io::{ImportErrors, read_panorama};

/// Highest row a CSV file can report: one per line break (`\n`, `\r`, or a
/// `\r\n` counted twice, which only loosens the bound), plus the last line.
pub fn csv_row_bound(bytes: &[u8]) -> usize {
    1 + bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count()
}

/// The checks every refusal must pass. `max_row` bounds the rows named
/// (`None`: no bound known, as for a workbook).
pub fn check_errors(errors: &ImportErrors, file: &str, max_row: Option<usize>) {
    assert!(!errors.is_empty(), "{file}: refused without any problem");
    for e in &errors.0 {
        assert_eq!(e.file, file, "problem names another file: {e:?}");
        assert!(
            !e.message.trim().is_empty(),
            "problem without message: {e:?}"
        );
        if e.row == 0 {
            assert!(
                e.column.is_empty(),
                "file-level problem with a column: {e:?}"
            );
        }
        if let Some(max) = max_row {
            assert!(e.row <= max, "row {} beyond the file's {max}: {e:?}", e.row);
        }
        let shown = e.to_string();
        assert!(shown.starts_with(file), "message without its file: {shown}");
    }
    // Displaying the whole list must work too (one problem per line).
    let _ = errors.to_string();
}

/// Data rows: below the header (row 1 at least) and in file order.
pub fn check_lines(what: &str, lines: impl IntoIterator<Item = usize>, max_row: Option<usize>) {
    let mut previous = 1;
    for line in lines {
        assert!(line > previous, "{what}: row {line} after row {previous}");
        if let Some(max) = max_row {
            assert!(line <= max, "{what}: row {line} beyond the file's {max}");
        }
        previous = line;
    }
}

fn check<T>(
    file: &str,
    max_row: Option<usize>,
    result: Result<T, ImportErrors>,
    accepted: impl FnOnce(T),
) {
    match result {
        Ok(v) => accepted(v),
        Err(e) => check_errors(&e, file, max_row),
    }
}

fn collapsed(s: &str) -> bool {
    s.split_whitespace().collect::<Vec<_>>().join(" ") == s
}

/// The readers, in the order a selector byte picks them (see [`run_reader`]).
pub const READERS: [&str; 9] = [
    "funding",
    "inventory",
    "template",
    "plans",
    "hr_returns",
    "grids",
    "observatoire_v2019",
    "observatoire_v2023",
    "panorama",
];

/// The selector byte that picks a reader by name, for the seeds.
pub fn selector(reader: &str) -> u8 {
    match READERS.iter().position(|r| *r == reader) {
        Some(i) => i as u8,
        None => panic!("no reader named {reader}"),
    }
}

/// Runs one reader, picked by `which` (modulo the number of readers), on
/// `bytes` under a name with extension `ext` (`csv` or `xlsx`, which decides
/// the format). One reader per run rather than all of them: each run is
/// then about ten times faster, and the fuzzer learns which selector
/// reaches which code.
pub fn run_reader(which: u8, ext: &str, bytes: &[u8], max_row: Option<usize>) {
    match READERS[usize::from(which) % READERS.len()] {
        "funding" => funding(ext, bytes, max_row),
        "inventory" => inventory(ext, bytes, max_row),
        "template" => template(ext, bytes, max_row),
        "plans" => plans(ext, bytes, max_row),
        "hr_returns" => hr_returns(ext, bytes, max_row),
        "grids" => grids(ext, bytes, max_row),
        "observatoire_v2019" => observatoire(&V2019, ext, bytes, max_row),
        "observatoire_v2023" => observatoire(&V2023, ext, bytes, max_row),
        _ => panorama(ext, bytes, max_row),
    }
}

fn funding(ext: &str, bytes: &[u8], max_row: Option<usize>) {
    let name = format!("dossiers.{ext}");
    check(
        &name,
        max_row,
        read_funding(&name, bytes),
        |(file, _)| match file {
            FundingFile::Applications(rows) => {
                check_lines(&name, rows.iter().map(|r| r.line), max_row);
                for r in rows {
                    assert!(!r.window.is_empty() && !r.ministry.is_empty(), "{r:?}");
                    assert!(!r.title.is_empty() && collapsed(&r.title), "{r:?}");
                    let amounts = [Some(r.total_cost), Some(r.requested), r.granted];
                    assert!(amounts.into_iter().flatten().all(|e| e.0 >= 0), "{r:?}");
                }
            }
            FundingFile::Movements(rows) => {
                check_lines(&name, rows.iter().map(|r| r.line), max_row);
                for r in rows {
                    assert!(!r.reference.trim().is_empty(), "{r:?}");
                    assert!(r.amount.0.unsigned_abs() < 1_000_000_000_000_000, "{r:?}");
                }
            }
        },
    );
}

fn inventory(ext: &str, bytes: &[u8], max_row: Option<usize>) {
    let name = format!("inventaire.{ext}");
    check(&name, max_row, read_inventory(&name, bytes), |(rows, _)| {
        check_lines(&name, rows.iter().map(|r| r.line), max_row);
        for r in rows {
            assert!(r.needs.iter().all(|n| (1..=4).contains(n)), "{r:?}");
            assert!(!r.ministry.is_empty() && !r.name.is_empty(), "{r:?}");
            assert!(r.full_cost.is_none_or(|c| c.0 >= 0), "{r:?}");
            assert!(r.users.is_none_or(|u| u >= 0) && r.id.is_none_or(|i| i >= 0));
        }
    });
}

fn template(ext: &str, bytes: &[u8], max_row: Option<usize>) {
    let name = format!("revues.{ext}");
    check(&name, max_row, read_template(&name, bytes), |rows| {
        check_lines(&name, rows.iter().map(|r| r.line), max_row);
        for r in rows {
            assert!(
                r.ministry_rating.is_none_or(|n| (1..=4).contains(&n)),
                "{r:?}"
            );
            assert!(r.cost.is_none_or(|c| c.0 >= 0), "{r:?}");
            assert!(!r.ministry_code.is_empty() && !r.name.is_empty(), "{r:?}");
            assert!(collapsed(&r.name), "{r:?}");
        }
    });
}

fn plans(ext: &str, bytes: &[u8], max_row: Option<usize>) {
    let name = format!("plan.{ext}");
    check(
        &name,
        max_row,
        read_plan_lines(&name, bytes),
        |(rows, _)| {
            check_lines(&name, rows.iter().map(|r| r.line), max_row);
            for r in rows {
                assert!((2000..=2100).contains(&r.year), "{r:?}");
                assert!(!r.ministry.is_empty() && !r.l.title.is_empty(), "{r:?}");
                let years: Vec<i32> = r.l.amounts.iter().map(|a| a.year).collect();
                assert!(years.windows(2).all(|w| w[0] < w[1]), "{r:?}");
                assert!(
                    r.l.amounts.iter().all(|a| a.ae.0 >= 0 && a.cp.0 >= 0),
                    "{r:?}"
                );
                assert!(
                    r.l.validated().is_ok(),
                    "accepted line fails validation: {r:?}"
                );
            }
        },
    );
}

fn hr_returns(ext: &str, bytes: &[u8], max_row: Option<usize>) {
    let name = format!("rh.{ext}");
    check(
        &name,
        max_row,
        read_hr_returns(&name, bytes),
        |(rows, _)| {
            check_lines(&name, rows.iter().map(|r| r.line), max_row);
            for r in rows {
                let period = Period::parse(&r.r.period).map(Period::code);
                assert_eq!(period.as_deref(), Some(r.r.period.as_str()), "{r:?}");
                assert!(
                    r.r.validated().is_ok(),
                    "accepted return fails validation: {r:?}"
                );
            }
        },
    );
}

fn grids(ext: &str, bytes: &[u8], max_row: Option<usize>) {
    let name = format!("grille.{ext}");
    check(&name, max_row, read_grids(&name, bytes), |(grids, _)| {
        for g in grids {
            assert!(!g.cells.is_empty(), "{g:?}");
            assert!(
                g.validated().is_ok(),
                "accepted grid fails validation: {g:?}"
            );
        }
    });
}

fn observatoire(method: &Method, ext: &str, bytes: &[u8], max_row: Option<usize>) {
    let name = format!("observatoire-{}.{ext}", method.code);
    check(
        &name,
        max_row,
        read_observatoire(&name, bytes, method),
        |file| {
            check_lines(&name, file.rows.iter().map(|r| r.line), max_row);
            for r in &file.rows {
                assert!(!r.ministry.is_empty() && !r.name.is_empty(), "{r:?}");
                for v in &r.values {
                    let indicator = method.indicator(v.slug);
                    let Some(indicator) = indicator else {
                        panic!("{}: unknown indicator {}", method.code, v.slug);
                    };
                    let level = assess(indicator, &parse_raw(&v.raw));
                    assert!(!matches!(level, Assessment::Invalid(_)), "{v:?}: {level:?}");
                }
            }
        },
    );
}

/// The Panorama reader reads a path: `bytes` go to a file of this process
/// in the temporary directory first.
fn panorama(ext: &str, bytes: &[u8], max_row: Option<usize>) {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "cosinum-fuzz-{}-panorama.{ext}",
        std::process::id()
    ));
    let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(bytes));
    if written.is_err() {
        return; // not the reader's fault: nothing to check
    }
    let Some(file) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let result = read_panorama(&path);
    if let Err(errors) = &result {
        // Documented: every problem in file order.
        let rows: Vec<usize> = errors.0.iter().map(|e| e.row).collect();
        assert!(
            rows.windows(2).all(|w| w[0] <= w[1]),
            "not in file order: {rows:?}"
        );
    }
    check(&file, max_row, result, |p| {
        check_lines(&file, p.rows.iter().map(|r| r.line), max_row);
        for r in &p.rows {
            assert!(collapsed(&r.name), "{r:?}");
            if let Some(day) = p.publication_date {
                let _ = r.estimate(day);
            }
        }
    });
}

/// The parts of a workbook the fuzzer writes: the first worksheet, and the
/// shared strings and styles when given. The rest (content types,
/// relationships, workbook) is fixed and valid, so the fuzzer's effort goes
/// to the XML the importers actually read rather than to the zip layer.
pub fn workbook(sheet: &[u8], shared_strings: Option<&[u8]>, styles: Option<&[u8]>) -> Vec<u8> {
    const MAIN: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut types = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/xl/workbook.xml\" ContentType=\"{MAIN}.sheet.main+xml\"/>\
         <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"{MAIN}.worksheet+xml\"/>"
    );
    let mut rels = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    );
    if shared_strings.is_some() {
        types += &format!(
            "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"{MAIN}.sharedStrings+xml\"/>"
        );
        rels += &format!(
            "<Relationship Id=\"rId2\" Type=\"{REL}/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        );
    }
    if styles.is_some() {
        types +=
            &format!("<Override PartName=\"/xl/styles.xml\" ContentType=\"{MAIN}.styles+xml\"/>");
        rels += &format!("<Relationship Id=\"rId3\" Type=\"{REL}/styles\" Target=\"styles.xml\"/>");
    }
    types += "</Types>";
    rels += "</Relationships>";
    let root_rels = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/>\
         </Relationships>"
    );
    let book = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
         xmlns:r=\"{REL}\"><sheets><sheet name=\"Feuil1\" sheetId=\"1\" r:id=\"rId1\"/>\
         </sheets></workbook>"
    );

    let mut parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", root_rels.as_bytes()),
        ("xl/workbook.xml", book.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    if let Some(s) = shared_strings {
        parts.push(("xl/sharedStrings.xml", s));
    }
    if let Some(s) = styles {
        parts.push(("xl/styles.xml", s));
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in parts {
        // Writing to memory cannot fail short of running out of it.
        if zip.start_file(name, stored).is_err() || zip.write_all(content).is_err() {
            return Vec::new();
        }
    }
    zip.finish().map(Cursor::into_inner).unwrap_or_default()
}

/// Splits structured workbook input: the worksheet, then optionally the
/// shared strings and the styles, separated by NUL bytes (which XML text
/// cannot hold, so the separator never cuts a part the fuzzer means).
pub fn workbook_parts(data: &[u8]) -> (&[u8], Option<&[u8]>, Option<&[u8]>) {
    let mut parts = data.splitn(3, |&b| b == 0);
    let sheet = parts.next().unwrap_or_default();
    (sheet, parts.next(), parts.next())
}
