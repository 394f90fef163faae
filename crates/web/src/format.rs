//! French number formats for pages: "1 234,5", "+21 %", "—" for nothing.

/// A number with `decimals` digits, French style (narrow no-break space
/// between thousands, decimal comma).
pub fn number(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped},{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// M€ with one decimal.
pub fn meur(v: f64) -> String {
    format!("{} M€", number(v, 1))
}

/// A ratio as a signed percentage ("+21 %"), or "—".
pub fn pct(v: Option<f64>) -> String {
    match v {
        Some(r) if r.is_finite() => {
            let p = r * 100.0;
            let sign = if p >= 0.5 { "+" } else { "" };
            format!("{sign}{} %", number(p, 0))
        }
        _ => "—".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_formats() {
        assert_eq!(number(1234.56, 1), "1\u{202f}234,6");
        assert_eq!(number(-0.04, 1), "0,0");
        assert_eq!(number(-12.0, 0), "-12");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(number(1_000_000.0, 0), "1\u{202f}000\u{202f}000");
        assert_eq!(meur(496.4), "496,4 M€");
        assert_eq!(pct(Some(0.213)), "+21 %");
        assert_eq!(pct(Some(-0.05)), "-5 %");
        assert_eq!(pct(Some(0.0)), "0 %");
        assert_eq!(pct(None), "—");
    }
}
