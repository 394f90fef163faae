//! Small text helpers shared by the readers and writers: header folding,
//! French number and date parsing, Excel serial dates, formula neutralising.

use std::borrow::Cow;

use time::{Date, Duration, Month};

/// Folds a header or keyword for tolerant comparison: lowercase, French
/// accents removed, typographic apostrophes made plain, whitespace (including
/// no-break spaces) collapsed and trimmed. "Ministère porteur " and
/// "MINISTERE  PORTEUR" fold to the same string.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' => 'y',
            'ç' => 'c',
            'œ' => {
                out.push('o');
                'e'
            }
            'æ' => {
                out.push('a');
                'e'
            }
            '\u{2019}' | '\u{2018}' | '`' | '´' => '\'',
            c => c,
        };
        out.push(c);
    }
    collapse_ws(&out)
}

/// Trims and collapses every run of whitespace (no-break spaces and line
/// breaks included) into one ordinary space.
pub(crate) fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True for a plain decimal number such as "12", "-3.5" or "-3,5": optional
/// sign, digits, at most one decimal separator followed by digits. Such cells
/// are data, not formulas, and must not be altered on export.
pub(crate) fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = match body.find(['.', ',']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

/// Neutralises spreadsheet formula injection (OWASP "CSV injection"): a cell
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
/// apostrophe so Excel and LibreOffice show it as text instead of evaluating
/// it. Plain numbers ("-3.5", "-3,5") are left as they are.
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Parses a French or international decimal: "3.75", "3,75", "1 234,5"
/// (spaces, no-break spaces as thousands separators). Rejects "inf", "NaN",
/// and anything that is not purely numeric.
pub(crate) fn parse_decimal(s: &str) -> Option<f64> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let ok_chars = cleaned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if cleaned.is_empty() || !ok_chars || !cleaned.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Excel 1900-system serial day number → date. Serial 1 is 1900-01-01 and
/// Excel counts a fictitious 1900-02-29 (serial 60, refused here), which is
/// why the epoch is 1899-12-30 from serial 61 on. The time of day is dropped.
pub(crate) fn excel_serial_to_date(serial: f64) -> Option<Date> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let epoch = match days {
        60 => return None,
        ..60 => Date::from_calendar_date(1899, Month::December, 31).ok()?,
        _ => Date::from_calendar_date(1899, Month::December, 30).ok()?,
    };
    epoch.checked_add(Duration::days(days))
}

/// Parses a date written as ISO `yyyy-mm-dd` (a time part after `T` or a
/// space is ignored) or French `dd/mm/yyyy` (also `d/m/yyyy`, `dd.mm.yyyy`).
pub(crate) fn parse_date_text(s: &str) -> Option<Date> {
    let s = s.trim();
    let ymd = |y: &str, m: &str, d: &str| -> Option<Date> {
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
            return None;
        }
        if !(all_digits(y) && all_digits(m) && all_digits(d)) {
            return None;
        }
        let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
        Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
    };
    let date_part = s.split(['T', ' ']).next().unwrap_or(s);
    let iso: Vec<&str> = date_part.split('-').collect();
    if let [y, m, d] = iso[..] {
        return ymd(y, m, d);
    }
    let fr: Vec<&str> = date_part.split(['/', '.']).collect();
    if let [d, m, y] = fr[..] {
        return ymd(y, m, d);
    }
    None
}

/// A date cell of an imported file, as text: French or ISO, or the serial
/// number Excel leaves when a date column lost its format. A serial is
/// believed only when it falls between 1950 and 2100: "2016" or "12.2016"
/// typed in a date column are mistakes to report (they would read as 1905
/// and 1900), not dates to store.
pub(crate) fn parse_date_cell(s: &str) -> Option<Date> {
    parse_date_text(s).or_else(|| {
        parse_decimal(s)
            .and_then(excel_serial_to_date)
            .filter(|d| (1950..=2100).contains(&d.year()))
    })
}

/// Formats a date the French way, `dd/mm/yyyy`.
pub(crate) fn format_date_fr(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// Formats a number read from a spreadsheet: integers without a decimal part
/// ("42677", not "42677.0"), others in Rust's shortest round-trip form.
pub(crate) fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Spreadsheet column letter of a 0-based index: 0 → "A", 26 → "AA".
pub(crate) fn column_letter(mut idx: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn folding_tolerates_case_accents_and_spaces() {
        assert_eq!(fold("Ministère porteur "), "ministere porteur");
        assert_eq!(fold(" MINISTÈRE\u{a0} PORTEUR"), "ministere porteur");
        assert_eq!(fold("Coût estimé"), "cout estime");
        assert_eq!(fold("l\u{2019}État"), "l'etat");
    }

    #[test]
    fn plain_numbers_and_injection() {
        for n in ["12", "-3.5", "-3,5", "+7", "0,25"] {
            assert!(is_plain_number(n), "{n}");
            assert_eq!(neutralise_formula(n), n);
        }
        for f in [
            "=1+1", "+33 1 23", "-", "-3.5.1", "@SUM(A1)", "\tx", "\rx", "-1e5", "=-3",
        ] {
            assert!(neutralise_formula(f).starts_with('\''), "{f:?}");
        }
        assert_eq!(neutralise_formula("a=b"), "a=b");
        assert_eq!(neutralise_formula(""), "");
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("3,75"), Some(3.75));
        assert_eq!(parse_decimal(" 1 234,5 "), Some(1234.5));
        assert_eq!(parse_decimal("75.099999999999994"), Some(75.1));
        assert_eq!(parse_decimal("inf"), None);
        assert_eq!(parse_decimal("NaN"), None);
        assert_eq!(parse_decimal("NA"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("12 M€"), None);
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_to_date(42677.0), Some(date!(2016 - 11 - 03)));
        // The 2018 export's publication cell: Excel shows it as 2018-02-28.
        assert_eq!(excel_serial_to_date(43159.0), Some(date!(2018 - 02 - 28)));
        assert_eq!(excel_serial_to_date(43160.0), Some(date!(2018 - 03 - 01)));
        assert_eq!(excel_serial_to_date(61.0), Some(date!(1900 - 03 - 01)));
        assert_eq!(excel_serial_to_date(59.0), Some(date!(1900 - 02 - 28)));
        assert_eq!(excel_serial_to_date(1.0), Some(date!(1900 - 01 - 01)));
        assert_eq!(excel_serial_to_date(60.0), None);
        assert_eq!(excel_serial_to_date(42677.75), Some(date!(2016 - 11 - 03)));
        assert_eq!(excel_serial_to_date(0.0), None);
    }

    #[test]
    fn date_cells_believe_only_plausible_serials() {
        assert_eq!(parse_date_cell("03/11/2016"), Some(date!(2016 - 11 - 03)));
        assert_eq!(parse_date_cell("42677"), Some(date!(2016 - 11 - 03)));
        assert_eq!(parse_date_cell("2016"), None);
        assert_eq!(parse_date_cell("12.2016"), None);
        assert_eq!(parse_date_cell("12,5"), None);
        assert_eq!(parse_date_cell("abc"), None);
    }

    #[test]
    fn date_texts() {
        assert_eq!(parse_date_text("2013-07-01"), Some(date!(2013 - 07 - 01)));
        assert_eq!(parse_date_text("01/07/2011"), Some(date!(2011 - 07 - 01)));
        assert_eq!(parse_date_text("1/7/2011"), Some(date!(2011 - 07 - 01)));
        assert_eq!(
            parse_date_text("2016-11-03 00:00:00"),
            Some(date!(2016 - 11 - 03))
        );
        assert_eq!(parse_date_text("31/02/2016"), None);
        assert_eq!(parse_date_text("2016"), None);
        assert_eq!(parse_date_text("07/2016"), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_date_fr(date!(2026 - 06 - 30)), "30/06/2026");
        assert_eq!(format_number(42677.0), "42677");
        assert_eq!(format_number(3.75), "3.75");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
