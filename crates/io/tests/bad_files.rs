//! Crafted Panorama files: every problem is reported, located by spreadsheet
//! row and column header; unreadable files give one row-0 error.

// Helpers outside #[test] fns unwrap too: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;

use cosinum_domain::projects::Phase;
use cosinum_io::{ImportErrors, read_panorama};
use tempfile::TempDir;

const HEADER: [&str; 15] = [
    "MINISTERE PORTEUR ",
    "Ministère nom complet",
    "Nom du projet",
    "Projet interministeriel",
    "Description et objectifs du projet",
    "En savoir plus sur le projet",
    "Début",
    "Durée prévisionnelle en année",
    "Phase du projet en cours",
    "Cout estime",
    "Coût estimé par tranche",
    "Zone fonctionnelle",
    "Financement [programme(s)]",
    "Lien vers les Projets Annuels de Performances",
    "Date de publication",
];

const MASK: &str = "Les éléments chiffrés des projets en cours d'appel d'offres ou dont la \
                    trajectoire est en cours de révision ne sont volontairement pas publiés \
                    par la DINUM afin de ne pas interférer avec les procédures en cours";

fn good() -> Vec<String> {
    [
        "MI",
        "Ministère de l'Intérieur",
        "ANEF",
        "Non",
        "Administration numérique des étrangers",
        "https://administration-etrangers-en-france.interieur.gouv.fr",
        "01/03/2016",
        "3,5",
        "Conception / Réalisation",
        "39,1",
        "entre 20 et 100 M€",
        "Etrangers",
        "P216",
        "NC",
        "2016-11-03",
    ]
    .map(String::from)
    .to_vec()
}

fn with(changes: &[(usize, &str)]) -> Vec<String> {
    let mut row = good();
    for (i, v) in changes {
        row[*i] = (*v).to_owned();
    }
    row
}

fn write_file(dir: &TempDir, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(content)
        .unwrap();
    path
}

fn located(errors: &ImportErrors) -> Vec<(usize, &str)> {
    errors
        .0
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .collect()
}

#[test]
fn bad_csv_reports_every_problem_with_its_row_and_column() {
    let dir = TempDir::new().unwrap();
    let line = |cells: Vec<String>| cells.join(";") + "\n";
    let mut csv = String::from("\u{feff}");
    csv += &(HEADER.join(";") + ";\n"); // row 1, with a trailing empty column
    csv += &line(good()); // row 2
    csv += &line(with(&[(3, "Peut-être"), (9, "douze")])); // row 3
    csv += &line(with(&[
        (2, "SIRHEN"),
        (4, "\"Deux lignes\nde description\""),
    ])); // row 4
    csv += &line(with(&[(6, "31/02/2017"), (8, "En pause")])); // row 5
    csv += "\n"; // row 6, empty
    csv += &line(with(&[(14, "2017-06-01")])); // row 7
    let mut extra = with(&[(2, "  ")]);
    extra.push("perdu".to_owned());
    csv += &line(extra); // row 8
    csv += &line(with(&[(2, "PPN"), (8, MASK), (9, MASK)])); // row 9
    csv += ";;;;;;;;;;;;;;;\n\n"; // rows 10–11, blank
    let path = write_file(&dir, "mauvais.csv", csv.as_bytes());

    let errors = read_panorama(&path).unwrap_err();
    assert_eq!(
        located(&errors),
        vec![
            (3, "Projet interministériel"),
            (3, "Coût estimé"),
            (5, "Début"),
            (5, "Phase du projet en cours"),
            (7, "Date de publication"),
            (8, "P"),
            (8, "Nom du projet"),
        ],
        "{errors}"
    );
    let text = errors.to_string();
    assert_eq!(text.lines().count(), 7);
    assert!(
        text.contains("mauvais.csv, ligne 3, colonne « Coût estimé » : coût illisible « douze »")
    );
    assert!(
        text.contains(
            "ligne 3, colonne « Projet interministériel » : valeur « Peut-être » invalide"
        )
    );
    assert!(text.contains("date illisible « 31/02/2017 »"));
    assert!(text.contains("phase inconnue « En pause »"));
    assert!(
        text.contains(
            "01/06/2017 différente de celle des lignes précédentes (03/11/2016, ligne 2)"
        )
    );
}

#[test]
fn masked_figures_and_placeholders_are_accepted() {
    let dir = TempDir::new().unwrap();
    // Comma-separated this time: the decimal commas must be quoted.
    let quoted = |cells: Vec<String>| {
        cells
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    // A named extra column is ignored, knowingly.
    let rows = [
        HEADER.join(",") + ",Commentaire",
        quoted(good()) + ",\"à revoir\"",
        quoted(with(&[(2, "SIRHEN"), (8, MASK), (9, MASK), (7, "NA")])),
        quoted(with(&[
            (2, "OP@LE"),
            (3, "OUI"),
            (5, "0"),
            (6, ""),
            (7, "En cadrage"),
            (8, "Cadrage"),
            (9, "En cadrage"),
        ])),
    ];
    let path = write_file(&dir, "ok.csv", (rows.join("\r\n") + "\r\n").as_bytes());
    let file = read_panorama(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.rows.len(), 3);
    let anef = &file.rows[0];
    assert_eq!(anef.cost, cosinum_domain::money::Euros::from_meur(39.1));
    assert_eq!(anef.duration_years, Some(3.5));
    assert_eq!(anef.pap_url, None, "« NC » is not a link");
    let sirhen = &file.rows[1];
    assert!(sirhen.figures_withheld);
    assert_eq!(
        (sirhen.phase, sirhen.cost, sirhen.duration_years),
        (None, None, None)
    );
    assert!(sirhen.phase_raw.starts_with("Les éléments chiffrés"));
    assert_eq!(sirhen.estimate(file.publication_date.unwrap()), None);
    let opale = &file.rows[2];
    assert!(opale.interministerial && !opale.figures_withheld);
    assert_eq!((opale.start, opale.url.as_deref()), (None, None));
    assert_eq!(opale.phase, Some(Phase::Cadrage));
}

#[test]
fn missing_and_doubled_columns_are_named() {
    let dir = TempDir::new().unwrap();
    let mut header: Vec<&str> = HEADER.iter().copied().filter(|h| *h != "Début").collect();
    header.retain(|h| *h != "Zone fonctionnelle");
    header.push("Nom du projet");
    let path = write_file(&dir, "entete.csv", (header.join(";") + "\n").as_bytes());
    let errors = read_panorama(&path).unwrap_err();
    assert_eq!(
        located(&errors),
        vec![
            (1, "Nom du projet"),
            (1, "Début"),
            (1, "Zone fonctionnelle")
        ]
    );
    assert!(
        errors.0[0]
            .message
            .contains("colonne en double (colonnes C et N)")
    );
    assert!(errors.0[1].message.contains("colonne obligatoire absente"));
}

#[test]
fn unreadable_files_give_one_file_level_error() {
    let dir = TempDir::new().unwrap();
    let cases = [
        (dir.path().join("absent.csv"), "fichier illisible"),
        (
            write_file(&dir, "notes.txt", b"a;b"),
            "extension .csv ou .xlsx",
        ),
        (
            write_file(&dir, "faux.xlsx", b"not a zip"),
            "n'est pas un classeur Excel",
        ),
        (write_file(&dir, "vide.csv", b"\xEF\xBB\xBF\r\n"), "vide"),
    ];
    for (path, expected) in cases {
        let errors = read_panorama(&path).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors}");
        assert_eq!((errors.0[0].row, errors.0[0].column.as_str()), (0, ""));
        assert!(errors.0[0].message.contains(expected), "{errors}");
        assert!(!errors.to_string().contains("ligne 0"), "{errors}");
    }
}

#[test]
fn non_utf8_rows_are_reported_and_the_rest_still_checked() {
    let dir = TempDir::new().unwrap();
    let mut bytes = (HEADER.join(";") + "\n").into_bytes();
    bytes.extend(
        with(&[(2, "D\u{e9}but")])
            .join(";")
            .replace('é', "\u{1}")
            .as_bytes(),
    );
    // A Latin-1 "é" (0xE9) in row 2.
    let pos = bytes.iter().position(|&b| b == 1).unwrap();
    bytes[pos] = 0xE9;
    bytes.extend(b"\n");
    bytes.extend((with(&[(3, "?")]).join(";") + "\n").as_bytes());
    let path = write_file(&dir, "latin1.csv", &bytes);
    let errors = read_panorama(&path).unwrap_err();
    assert_eq!(
        located(&errors),
        vec![(2, ""), (3, "Projet interministériel")]
    );
    assert!(errors.0[0].message.contains("UTF-8"));
}

/// XLSX: the header is looked for in each sheet (here the second, below a
/// title), row numbers are the sheet's own, dates may be real date cells.
#[test]
fn xlsx_header_found_in_a_later_sheet_and_rows_located() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = TempDir::new().unwrap();
    let mut book = Workbook::new();
    book.add_worksheet()
        .set_name("Lisez-moi")
        .unwrap()
        .write(0, 0, "Sommaire")
        .unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Export").unwrap();
    sheet.write(0, 0, "Panorama des grands projets").unwrap();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write(2, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (r, row) in [good(), with(&[(3, "peut-être")])].iter().enumerate() {
        let r = r as u32 + 3;
        for (c, v) in row.iter().enumerate() {
            sheet.write(r, c as u16, v.as_str()).unwrap();
        }
        sheet.write_number(r, 9, 39.1).unwrap();
        let d = ExcelDateTime::from_ymd(2016, 11, 3).unwrap();
        sheet.write_datetime_with_format(r, 14, d, &date).unwrap();
    }
    let path = write_file(&dir, "classeur.xlsx", &book.save_to_buffer().unwrap());
    let errors = read_panorama(&path).unwrap_err();
    assert_eq!(located(&errors), vec![(5, "Projet interministériel")]);

    // Only the good row: parsed, numbered as the sheet shows it, numbers and
    // date cells read as such.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write(2, c as u16, *h).unwrap();
    }
    for (c, v) in good().iter().enumerate() {
        sheet.write(3, c as u16, v.as_str()).unwrap();
    }
    sheet.write_number(3, 9, 39.1).unwrap();
    sheet.write_number(3, 7, 3.25).unwrap();
    let d = ExcelDateTime::from_ymd(2016, 11, 3).unwrap();
    sheet.write_datetime_with_format(3, 14, d, &date).unwrap();
    let path = write_file(&dir, "bon.xlsx", &book.save_to_buffer().unwrap());
    let file = read_panorama(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.rows.len(), 1);
    assert_eq!(file.rows[0].line, 4);
    assert_eq!(
        file.rows[0].cost,
        cosinum_domain::money::Euros::from_meur(39.1)
    );
    assert_eq!(file.rows[0].duration_years, Some(3.25));
    assert_eq!(
        file.publication_date,
        Some(time::macros::date!(2016 - 11 - 03))
    );

    // A header missing a column: located on the best candidate row.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate().filter(|(c, _)| *c != 11) {
        sheet.write(0, c as u16, *h).unwrap();
    }
    let path = write_file(&dir, "incomplet.xlsx", &book.save_to_buffer().unwrap());
    let errors = read_panorama(&path).unwrap_err();
    assert_eq!(located(&errors), vec![(1, "Zone fonctionnelle")]);
    assert!(
        errors.0[0].message.contains("feuille « Sheet1 »"),
        "{errors}"
    );
}
