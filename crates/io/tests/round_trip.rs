//! Writers and readers agree: what `write_csv` / `write_xlsx` produce reads
//! back cell for cell (modulo the anti-formula apostrophe), and the XLSX
//! layout (frozen bold header, autofilter, widths, notes sheet) is there.

// Helpers outside #[test] fns unwrap too: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::io::Read;

use cosinum_io::csv_out::{neutralise_formula, read_csv_records, write_csv};
use cosinum_io::xlsx_out::{Cell, NOTES_SHEET, read_xlsx_rows, write_xlsx};
use proptest::prelude::*;
use time::Duration;
use time::macros::date;

/// Cells full of what breaks CSV and spreadsheets: separators, quotes, line
/// breaks, formula starters, accents, the euro sign.
fn csv_cell() -> impl Strategy<Value = String> {
    "[a-zé€0-9 ;,\"\r\n\t=+@.-]{0,12}"
}

fn header_cell() -> impl Strategy<Value = String> {
    "[A-Za-zé][A-Za-zé ;,\"=+@-]{0,8}"
}

fn blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

proptest! {
    #[test]
    fn csv_write_then_read_gives_the_same_cells(
        header in prop::collection::vec(header_cell(), 1..5),
        rows in prop::collection::vec(prop::collection::vec(csv_cell(), 5), 0..8),
    ) {
        let width = header.len();
        let rows: Vec<Vec<String>> = rows.into_iter().map(|mut r| { r.truncate(width); r }).collect();
        let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut buf = Vec::new();
        write_csv(&mut buf, &header_refs, rows.clone()).unwrap();
        prop_assert!(buf.starts_with(b"\xEF\xBB\xBF"));

        let (read_header, records) = read_csv_records(&buf).unwrap();
        let expected_header: Vec<String> =
            header.iter().map(|h| neutralise_formula(h).into_owned()).collect();
        prop_assert_eq!(read_header, expected_header);
        // Blank rows are skipped on reading but still counted in row numbers.
        let expected: Vec<(usize, Vec<String>)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r.iter().map(|c| neutralise_formula(c).into_owned()).collect()))
            .filter(|(_, r): &(usize, Vec<String>)| !blank(r))
            .collect();
        prop_assert_eq!(records, expected);
    }
}

#[test]
fn csv_injection_is_neutralised_but_numbers_are_kept() {
    let mut buf = Vec::new();
    let rows = vec![
        vec!["=1+1".to_owned(), "-3,5".to_owned()],
        vec!["@SOMME(A1:A9)".to_owned(), "-3.5".to_owned()],
        vec!["+33 1 40".to_owned(), "\t=cmd".to_owned()],
        vec!["a=b".to_owned(), "-".to_owned()],
    ];
    write_csv(&mut buf, &["=Nom", "Valeur"], rows).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert_eq!(
        text,
        "\u{feff}\"'=Nom\";\"Valeur\"\r\n'=1+1;-3,5\r\n'@SOMME(A1:A9);-3.5\r\n\
         '+33 1 40;'\t=cmd\r\na=b;'-\r\n"
    );
}

fn text_cell() -> impl Strategy<Value = Cell> {
    // No carriage return: XML parsers turn "\r\n" into "\n" inside cells.
    "[a-zé€0-9 ;,\"\n\t=+@.-]{0,12}".prop_map(Cell::Text)
}

fn xlsx_cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        text_cell(),
        (-1_000_000i64..1_000_000).prop_map(|n| Cell::Number(n as f64)),
        (-1.0e6f64..1.0e6).prop_map(Cell::Number),
        (0i64..2_900_000).prop_map(|d| Cell::Date(date!(1900 - 03 - 01) + Duration::days(d))),
        Just(Cell::Empty),
    ]
}

/// What `read_xlsx_rows` should give for a cell, computed independently.
fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => neutralise_formula(s).into_owned(),
        Cell::Number(v) if v.fract() == 0.0 => format!("{}", *v as i64),
        Cell::Number(v) => format!("{v}"),
        Cell::Date(d) => format!("{:02}/{:02}/{}", d.day(), d.month() as u8, d.year()),
        Cell::Empty => String::new(),
    }
}

fn trim_trailing_empty_rows(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    while rows.last().is_some_and(|r| r.iter().all(String::is_empty)) {
        rows.pop();
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn xlsx_write_then_read_gives_the_same_cells(
        header in prop::collection::vec(header_cell(), 1..5),
        rows in prop::collection::vec(prop::collection::vec(xlsx_cell(), 4), 0..8),
    ) {
        let width = header.len();
        let rows: Vec<Vec<Cell>> = rows.into_iter().map(|mut r| { r.truncate(width); r }).collect();
        let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
        let bytes = write_xlsx("Projets", &header_refs, &rows, &[]).unwrap();
        let read = read_xlsx_rows(&bytes).unwrap();

        let mut expected = vec![header.iter().map(|h| neutralise_formula(h).into_owned()).collect()];
        expected.extend(rows.iter().map(|r| {
            let mut out: Vec<String> = r.iter().map(shown).collect();
            out.resize(width, String::new());
            out
        }));
        prop_assert_eq!(trim_trailing_empty_rows(read), trim_trailing_empty_rows(expected));
    }
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut out).unwrap();
    out
}

#[test]
fn xlsx_layout_and_notes_sheet() {
    let long = "très long texte ".repeat(40);
    let rows = vec![
        vec![
            Cell::Text("SIRHEN".into()),
            Cell::Number(496.4),
            Cell::Date(date!(2016 - 11 - 03)),
        ],
        vec![Cell::Text(long), Cell::Empty, Cell::Empty],
        vec![
            Cell::Text("=HYPERLINK(\"http://x\")".into()),
            Cell::Number(-3.5),
        ],
    ];
    let notes = vec![
        "Données au 30/06/2026 — méthode dinum-2017".to_owned(),
        "Source : Panorama DINUM".to_owned(),
    ];
    let bytes = write_xlsx("Projets", &["Projet", "Coût (M€)", "Début"], &rows, &notes).unwrap();

    let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{sheet}"
    );
    assert!(sheet.contains(r#"<autoFilter ref="A1:C4"/>"#), "{sheet}");
    let widths: Vec<f64> = sheet
        .split("width=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(widths.len(), 3, "{sheet}");
    assert!(widths.iter().all(|w| *w > 5.0 && *w <= 61.0), "{widths:?}");
    assert!(
        widths[0] > 55.0,
        "the long text column is fitted up to the cap: {widths:?}"
    );
    let styles = zip_entry(&bytes, "xl/styles.xml");
    assert!(
        styles.contains("<b/>") && styles.contains("dd/mm/yyyy"),
        "{styles}"
    );
    let workbook = zip_entry(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains(&format!("name=\"{NOTES_SHEET}\"")),
        "{workbook}"
    );

    let read = read_xlsx_rows(&bytes).unwrap();
    assert_eq!(read[0], ["Projet", "Coût (M€)", "Début"]);
    assert_eq!(read[1], ["SIRHEN", "496.4", "03/11/2016"]);
    assert_eq!(read[3], ["'=HYPERLINK(\"http://x\")", "-3.5", ""]);
}

#[test]
fn xlsx_errors_are_french_and_located() {
    let bad = |rows: Vec<Vec<Cell>>| write_xlsx("Projets", &["A", "B"], &rows, &[]).unwrap_err();
    let err = bad(vec![vec![Cell::Empty, Cell::Number(f64::NAN)]]);
    assert_eq!(
        err,
        "ligne 2, colonne « B » : nombre invalide (infini ou NaN)"
    );
    let err = bad(vec![vec![], vec![Cell::Date(date!(1899 - 12 - 31))]]);
    assert!(
        err.starts_with("ligne 3, colonne « A » : date 1899-12-31 hors de la plage"),
        "{err}"
    );
    let err = bad(vec![vec![Cell::Empty, Cell::Empty, Cell::Empty]]);
    assert!(err.contains("3 cellules pour 2 colonnes"), "{err}");
    let err = bad(vec![vec![Cell::Text("x".repeat(40_000))]]);
    assert!(err.contains("texte trop long"), "{err}");
    let err = write_xlsx("a/b", &["A"], &[], &[]).unwrap_err();
    assert!(err.starts_with("nom de feuille invalide"), "{err}");
    let err = write_xlsx("Informations", &["A"], &[], &["note".to_owned()]).unwrap_err();
    assert!(err.contains("réservé"), "{err}");
    assert!(read_xlsx_rows(b"ceci n'est pas un classeur").is_err());
}
