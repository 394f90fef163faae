//! One cell of text through the parsers of cell values:
//! - `neutralise_formula` (the CSV/XLSX exports' guard against formula
//!   injection) keeps its contract;
//! - the French date and number parsing of the importers (private to
//!   `cosinum-io`, reached through a one-line credit-movement file whose
//!   date and amount cells hold the text) accepts every date written
//!   `jj/mm/aaaa` or `aaaa-mm-jj`, reads whole euros exactly, and whatever
//!   it accepts reads the same once written back the French way;
//! - the observatory's cell reader (`parse_raw`) and the assessment of the
//!   value against every indicator of every method;
//! - M€ amounts (`Euros::from_meur`).
#![no_main]

use cosinum_domain::demarches::{Assessment, RawValue, assess, methods, parse_raw};
use cosinum_domain::money::Euros;
use cosinum_io::csv_out::neutralise_formula;
use cosinum_io::funding::{FundingFile, MovementRow, read_funding};
use libfuzzer_sys::fuzz_target;
use time::{Date, Month};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    formula(text);
    date_and_amount(text);
    observatory_cell(text);
    meur(text);
});

/// Optional sign, digits, at most one `.` or `,` followed by digits: the
/// cells `neutralise_formula` documents it leaves alone.
fn plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match body.split_once(['.', ',']) {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(body),
    }
}

fn formula(cell: &str) {
    let out = neutralise_formula(cell);
    let risky = |s: &str| s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky(cell) && !plain_number(cell) {
        assert_eq!(out, format!("'{cell}"), "risky cell left active");
    } else {
        assert_eq!(out, cell, "harmless cell altered");
    }
    // What an export writes never starts a formula, unless it is a number.
    assert!(!risky(&out) || plain_number(&out), "{out:?}");
}

/// A credit-movement file whose date and amount cells hold `date` and
/// `amount` (quoted, so the CSV layer hands them over untouched).
fn movement(date: &str, amount: &str) -> Option<MovementRow> {
    let quoted = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    let (date, amount) = (quoted(date), quoted(amount));
    let csv = format!("Dossier;Type;Date;Montant (€);Référence\n1;AE;{date};{amount};R\n");
    match read_funding("mouvements.csv", csv.as_bytes()) {
        Ok((FundingFile::Movements(mut rows), _)) => {
            assert_eq!(rows.len(), 1, "{rows:?}");
            rows.pop()
        }
        Ok((other, _)) => panic!("a movement file read as {other:?}"),
        Err(errors) => {
            // Problems are on the data row, in the date or amount column.
            for e in &errors.0 {
                assert_eq!(e.row, 2, "{e:?}");
                assert!(e.column == "Date" || e.column == "Montant (€)", "{e:?}");
            }
            None
        }
    }
}

/// The day `v` names when written `jj/mm/aaaa`, `jj.mm.aaaa` or
/// `aaaa-mm-jj` (one- or two-digit day and month), as the importers
/// document.
fn written_date(v: &str) -> Option<Date> {
    let digits =
        |p: &str, len: &[usize]| len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    let v = v.trim();
    let (y, m, d) = match v.split(['/', '.']).collect::<Vec<_>>()[..] {
        [d, m, y] => (y, m, d),
        _ => match v.split('-').collect::<Vec<_>>()[..] {
            [y, m, d] => (y, m, d),
            _ => return None,
        },
    };
    if !(digits(y, &[4]) && digits(m, &[1, 2]) && digits(d, &[1, 2])) {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

fn date_and_amount(v: &str) {
    // The other cell holds a valid value, so only `v` can be refused.
    let as_date = movement(v, "0");
    if let Some(day) = written_date(v) {
        let read = as_date.as_ref().map(|r| r.date);
        assert_eq!(read, Some(day), "{v:?} is a date");
    }
    let as_amount = movement("01/01/2024", v);
    let t = v.trim();
    let whole = t.strip_prefix('-').unwrap_or(t);
    if (1..=15).contains(&whole.len())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && let Ok(expected) = t.parse::<i64>()
    {
        // Whole euros are read exactly.
        let read = as_amount.as_ref().map(|r| r.amount.0);
        assert_eq!(read, Some(expected), "{v:?} is an amount");
    }
    // What was accepted reads the same once written back the French way.
    if let Some(r) = as_date {
        let fr = format!(
            "{:02}/{:02}/{:04}",
            r.date.day(),
            u8::from(r.date.month()),
            r.date.year()
        );
        let again = movement(&fr, "0").map(|a| a.date);
        assert_eq!(
            again,
            Some(r.date),
            "{v:?} read as {}, written {fr}",
            r.date
        );
    }
    if let Some(r) = as_amount {
        let again = movement("01/01/2024", &r.amount.0.to_string()).map(|a| a.amount);
        assert_eq!(again, Some(r.amount), "{v:?} read as {:?}", r.amount);
    }
}

fn observatory_cell(v: &str) {
    let raw = parse_raw(v);
    match &raw {
        RawValue::Number(x) => assert!(x.is_finite(), "{v:?}"),
        RawValue::Text(t) => assert_eq!(t, v.trim()),
        RawValue::NotApplicable | RawValue::NotYetMeasured => {}
    }
    for method in methods() {
        for indicator in method.indicators {
            match assess(indicator, &raw) {
                Assessment::Level { code, .. } => {
                    assert!(
                        indicator.level(code).is_some(),
                        "{}: {code}",
                        indicator.slug
                    );
                }
                Assessment::Invalid(message) => assert!(!message.is_empty()),
                Assessment::NotApplicable | Assessment::NotYetMeasured => {}
            }
        }
    }
}

fn meur(v: &str) {
    let Ok(x) = v.trim().replace(',', ".").parse::<f64>() else {
        return;
    };
    match Euros::from_meur(x) {
        Some(e) => {
            assert!(
                x.is_finite() && e.0.unsigned_abs() < 9_000_000_000_000_000,
                "{v:?}"
            );
            // Amounts up to a million M€ survive M€ and back.
            if e.0.unsigned_abs() <= 1_000_000_000_000 {
                assert_eq!(Euros::from_meur(e.meur()), Some(e), "{v:?}");
            }
        }
        None => assert!(!x.is_finite() || x.abs() > 8.0e9, "{v:?} refused"),
    }
}
