//! CSV both ways. Writing follows the French spreadsheet convention (`;`
//! separator, UTF-8 BOM so Excel detects the encoding, CRLF line ends);
//! reading accepts `;` or `,` files, with or without BOM.

use std::io::{self, Write};

pub use crate::text::neutralise_formula;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `header` then `rows` as a French CSV: `;` separator, UTF-8 BOM, CRLF
/// line ends, fields quoted only when needed, and every cell passed through
/// [`neutralise_formula`]. Rows shorter than the header are padded with empty
/// cells; a longer row is refused (`InvalidInput`) rather than producing a
/// ragged file.
pub fn write_csv<W: Write>(
    mut out: W,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> io::Result<()> {
    if header.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "en-tête vide : au moins une colonne est nécessaire",
        ));
    }
    out.write_all(BOM)?;
    // The header is always quoted: `read_csv_records` sniffs the separator
    // from the header line, and a quoted "a,b" cannot pass for a comma file.
    let mut head = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(out);
    head.write_record(header.iter().map(|h| neutralise_formula(h).into_owned()))?;
    let out = head.into_inner().map_err(|e| e.into_error())?;

    let mut body = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out);
    for (i, mut row) in rows.into_iter().enumerate() {
        if row.len() > header.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "ligne {} : {} cellules pour {} colonnes d'en-tête",
                    i + 2,
                    row.len(),
                    header.len()
                ),
            ));
        }
        row.resize(header.len(), String::new());
        body.write_record(row.iter().map(|c| neutralise_formula(c).into_owned()))?;
    }
    body.flush()?;
    Ok(())
}

/// Header plus data records, each with its spreadsheet row number.
type Records = (Vec<String>, Vec<(usize, Vec<String>)>);

/// Reads a CSV file for a generic import: strips a UTF-8 BOM, sniffs `;` or `,`
/// from the header line, and returns the header plus each data record with
/// its 1-based row number as a spreadsheet shows it (header = 1; a cell with
/// line breaks still counts as one row; empty lines count). Fully blank
/// records are skipped. Records keep their own length (no padding).
///
/// Errors (in French): empty file, text that is not UTF-8.
pub fn read_csv_records(bytes: &[u8]) -> Result<Records, String> {
    let table = parse_csv(bytes)?;
    let mut records = Vec::with_capacity(table.records.len());
    for (row, rec) in table.records {
        match rec {
            Ok(fields) => records.push((row, fields)),
            Err(message) => return Err(format!("ligne {row} : {message}")),
        }
    }
    Ok((table.header.1, records))
}

/// A parsed CSV: header (with its row) and the non-blank records; a record
/// that is not valid UTF-8 carries its error so callers can report every bad
/// row, not just the first.
pub(crate) struct CsvTable {
    pub header: (usize, Vec<String>),
    pub records: Vec<(usize, Result<Vec<String>, String>)>,
}

pub(crate) fn parse_csv(bytes: &[u8]) -> Result<CsvTable, String> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(bytes))
        .from_reader(bytes);

    let mut header: Option<(usize, Vec<String>)> = None;
    let mut records = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut prev_row = 0usize;
    loop {
        // The reader skips empty lines silently, but a spreadsheet shows them
        // as rows: count the line breaks it is about to skip.
        let from = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(format!("fichier CSV illisible : {e}")),
        }
        let row = prev_row + 1 + empty_lines_at(bytes, from);
        prev_row = row;

        let decoded: Result<Vec<String>, String> = record
            .iter()
            .map(|f| {
                String::from_utf8(f.to_vec()).map_err(|_| {
                    "texte non encodé en UTF-8 : enregistrez le fichier au format « CSV UTF-8 »"
                        .to_owned()
                })
            })
            .collect();
        let blank = decoded
            .as_ref()
            .is_ok_and(|fs| fs.iter().all(|f| f.trim().is_empty()));
        if blank {
            continue;
        }
        if header.is_none() {
            header = Some((row, decoded.map_err(|m| format!("ligne {row} : {m}"))?));
        } else {
            records.push((row, decoded));
        }
    }
    let header = header.ok_or_else(|| "fichier CSV vide : aucune ligne d'en-tête".to_owned())?;
    Ok(CsvTable { header, records })
}

/// Number of empty lines starting at byte `from` (just after the previous
/// record). A `\n` that completes the previous record's `\r\n` is not one.
fn empty_lines_at(bytes: &[u8], from: usize) -> usize {
    let Some(rest) = bytes.get(from..) else {
        return 0;
    };
    let run = rest.iter().take_while(|&&b| b == b'\n' || b == b'\r');
    let breaks = run.filter(|&&b| b == b'\n').count();
    let completes_crlf = from > 0 && rest.first() == Some(&b'\n') && bytes[from - 1] == b'\r';
    breaks - usize::from(completes_crlf)
}

/// `;` unless the first non-empty line holds more commas than semicolons
/// outside quotes. Ties (including a one-column file) go to `;`, the French
/// convention and what `write_csv` produces.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let (mut in_quotes, mut semis, mut commas, mut seen) = (false, 0usize, 0usize, false);
    for &b in bytes {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes && seen => break,
            b'\n' | b'\r' => {}
            b';' if !in_quotes => semis += 1,
            b',' if !in_quotes => commas += 1,
            _ => {}
        }
        seen |= !matches!(b, b'\n' | b'\r');
    }
    if commas > semis { b',' } else { b';' }
}

#[cfg(test)]
mod tests {

    mod round_trip {
        use super::super::*;
        use proptest::prelude::*;

        /// Cells full of what breaks CSV files: separators, quotes, line
        /// breaks, accents, formula triggers, padding spaces.
        fn cell() -> impl Strategy<Value = String> {
            "[a-zé ;,\"\n=+@'-]{0,8}|-?[0-9]{1,4}([.,][0-9]{1,2})?"
        }

        proptest! {
            /// Export then import gives back every cell as exported (formula
            /// triggers neutralised), every non-blank row at its row number.
            #[test]
            fn export_then_import_round_trips(
                header in proptest::collection::vec("[A-Za-zé][a-zé ;,=]{0,6}", 1..5),
                rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..5), 0..6),
            ) {
                let head: Vec<&str> = header.iter().map(String::as_str).collect();
                let rows: Vec<Vec<String>> = rows
                    .into_iter()
                    .map(|mut r| { r.truncate(head.len()); r })
                    .collect();
                let mut bytes = Vec::new();
                write_csv(&mut bytes, &head, rows.clone()).expect("write");
                let (read_header, records) = read_csv_records(&bytes).expect("read");
                let shown = |c: &String| neutralise_formula(c).into_owned();
                prop_assert_eq!(read_header, header.iter().map(shown).collect::<Vec<_>>());
                let expected: Vec<(usize, Vec<String>)> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut r: Vec<String> = r.iter().map(shown).collect();
                        r.resize(head.len(), String::new());
                        (i + 2, r)
                    })
                    .filter(|(_, r)| !r.iter().all(|c| c.trim().is_empty()))
                    .collect();
                prop_assert_eq!(records, expected);
            }
        }
    }
    use super::*;

    fn write(header: &[&str], rows: Vec<Vec<String>>) -> Vec<u8> {
        let mut buf = Vec::new();
        write_csv(&mut buf, header, rows).unwrap();
        buf
    }

    #[test]
    fn french_convention() {
        let buf = write(
            &["Nom", "Coût (M€)"],
            vec![
                vec!["SIRHEN; phase 2".into(), "496,4".into()],
                vec!["=HYPERLINK(\"x\")".into(), "-3,5".into()],
                vec!["court".into()],
            ],
        );
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(
            text,
            "\u{feff}\"Nom\";\"Coût (M€)\"\r\n\"SIRHEN; phase 2\";496,4\r\n\
             \"'=HYPERLINK(\"\"x\"\")\";-3,5\r\ncourt;\r\n"
        );
    }

    #[test]
    fn longer_row_is_refused() {
        let mut buf = Vec::new();
        let err = write_csv(&mut buf, &["a"], vec![vec!["1".into(), "2".into()]]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("ligne 2"));
    }

    #[test]
    fn reads_comma_files_and_counts_rows_like_a_spreadsheet() {
        let src = "a,b\n\n\"multi\nline\",2\n,\n3,4\n";
        let (header, recs) = read_csv_records(src.as_bytes()).unwrap();
        assert_eq!(header, ["a", "b"]);
        // Row 2 is empty, row 3 holds the two-line cell, row 4 is blank.
        assert_eq!(
            recs,
            vec![
                (3, vec!["multi\nline".to_owned(), "2".to_owned()]),
                (5, vec!["3".to_owned(), "4".to_owned()]),
            ]
        );
    }

    #[test]
    fn row_numbers_with_crlf_empty_lines_and_multiline_cells() {
        for eol in ["\n", "\r\n"] {
            let src = [
                "", "h", "r3", "\"r4", "x\"", "r5", "", "", "r8", "\"r9", "\"", "", "r11", "",
            ]
            .join(eol);
            let (header, recs) = read_csv_records(src.as_bytes()).unwrap();
            assert_eq!(header, ["h"]);
            let rows: Vec<usize> = recs.iter().map(|(r, _)| *r).collect();
            assert_eq!(rows, [3, 4, 5, 8, 9, 11], "{eol:?}");
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3"), b';');
        assert_eq!(sniff_delimiter(b"\n\na,b\n1;2"), b',');
        assert_eq!(sniff_delimiter(b"\"a,b\"\n"), b';');
        assert_eq!(sniff_delimiter(b"\"x;y\",b,c\n"), b',');
        assert_eq!(sniff_delimiter(b""), b';');
    }

    #[test]
    fn errors_are_french() {
        assert!(read_csv_records(b"").unwrap_err().contains("vide"));
        assert!(
            read_csv_records(b"\xEF\xBB\xBF\r\n;;\r\n")
                .unwrap_err()
                .contains("vide")
        );
        let err = read_csv_records(b"a;b\nok;1\nd\xE9but;2\n").unwrap_err();
        assert!(
            err.starts_with("ligne 3 : texte non encodé en UTF-8"),
            "{err}"
        );
    }
}
