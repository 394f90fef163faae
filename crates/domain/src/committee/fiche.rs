//! The briefing sheet ("fiche") of an agenda point: key figures, tables and
//! charts of a module as of the session's cut-off date, the objects
//! concerned, the method versions used, and what changed since the previous
//! session. Once validated its content is stored as is and never
//! recomputed, so a pack reads the same forever (peers.md §9.2).

use serde::{Deserialize, Serialize};
use time::Date;

use super::{ObjectRef, Topic};

/// The unit of a key figure, which decides how it is printed and how its
/// change is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A count of objects.
    Count,
    /// A ratio printed as a percentage (0.25 = 25 %); changes in points.
    Ratio,
    /// Millions of euros.
    Meur,
    /// Years.
    Years,
}

impl Unit {
    /// The value as the committee reads it, in French notation.
    pub fn format_fr(self, value: Option<f64>) -> String {
        let Some(v) = value else {
            return "—".into();
        };
        match self {
            Unit::Count => group_thousands(v.round() as i64),
            Unit::Ratio => format!("{} %", decimal_fr(v * 100.0, 1)),
            Unit::Meur => format!("{} M€", decimal_fr(v, 1)),
            Unit::Years => format!("{} ans", decimal_fr(v, 1)),
        }
    }

    /// A change between two values: points for ratios, signed units otherwise.
    pub fn format_change_fr(self, delta: f64) -> String {
        let sign = if delta > 0.0 { "+" } else { "" };
        match self {
            Unit::Count => format!("{sign}{}", group_thousands(delta.round() as i64)),
            Unit::Ratio => format!("{sign}{} pt", decimal_fr(delta * 100.0, 1)),
            Unit::Meur => format!("{sign}{} M€", decimal_fr(delta, 1)),
            Unit::Years => format!("{sign}{} ans", decimal_fr(delta, 1)),
        }
    }
}

/// `v` with `places` decimals, a decimal comma and narrow spaces between
/// thousands ("3\u{202f}867,0"); no minus sign on a value that rounds to zero.
fn decimal_fr(v: f64, places: usize) -> String {
    let text = format!("{:.places$}", v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let grouped = group_thousands(int.parse::<i64>().unwrap_or(0));
    let negative = v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// One headline figure of a fiche.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyFigure {
    /// Stable key, compared across sessions (`total_cost_meur`).
    pub key: String,
    pub label: String,
    pub value: Option<f64>,
    pub unit: Unit,
}

impl KeyFigure {
    pub fn display(&self) -> String {
        self.unit.format_fr(self.value)
    }
}

/// A table as printed: column headers and rows of text (already formatted,
/// so the frozen sheet needs no code to be read again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A horizontal bar chart: one bar per label. Stored as data, drawn as
/// vectors (SVG on pages, typst in the PDF).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    pub unit: Unit,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// A key figure that moved since the previous session's sheet on the same topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureChange {
    pub key: String,
    pub label: String,
    pub unit: Unit,
    pub before: Option<f64>,
    pub after: Option<f64>,
}

impl FigureChange {
    /// "12,0 % → 15,5 % (+3,5 pt)", or "nouveau" / "plus calculé".
    pub fn describe_fr(&self) -> String {
        let a = self.unit.format_fr(self.before);
        let b = self.unit.format_fr(self.after);
        match (self.before, self.after) {
            (Some(x), Some(y)) => format!("{a} → {b} ({})", self.unit.format_change_fr(y - x)),
            (None, Some(_)) => format!("{b} (nouveau)"),
            (Some(_), None) => format!("{a} → non calculé"),
            (None, None) => "—".into(),
        }
    }
}

/// The content of a fiche.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fiche {
    pub topic: Topic,
    pub title: String,
    /// The data are taken as of this date.
    pub as_of: Date,
    /// A paragraph saying what the sheet shows and where the figures come from.
    pub summary: String,
    pub figures: Vec<KeyFigure>,
    pub charts: Vec<Chart>,
    pub tables: Vec<Table>,
    pub objects: Vec<ObjectRef>,
    /// The method versions that produced the figures (`projects:dinum-2017`).
    pub methods: Vec<String>,
    /// The date of the sheet compared with, if any.
    pub compared_with: Option<Date>,
    pub changes: Vec<FigureChange>,
    /// Objects concerned now that were not in the previous sheet, and gone ones.
    pub objects_added: Vec<ObjectRef>,
    pub objects_removed: Vec<ObjectRef>,
}

/// Two values are the same figure if they agree to a part in a million
/// (the stored JSON round-trips floats, but rounding in the sources may not).
fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-6 * x.abs().max(y.abs()).max(1.0),
        (None, None) => true,
        _ => false,
    }
}

/// Fills `current`'s "what changed" from `previous` (the last frozen sheet
/// on the same topic before it): every key figure whose value moved, appeared
/// or disappeared, in `current`'s order, then the objects that entered or
/// left the sheet. Without a previous sheet, nothing changed.
pub fn compare(current: &mut Fiche, previous: Option<&Fiche>) {
    current.changes.clear();
    current.objects_added.clear();
    current.objects_removed.clear();
    current.compared_with = previous.map(|p| p.as_of);
    let Some(prev) = previous else { return };
    for f in &current.figures {
        let before = prev
            .figures
            .iter()
            .find(|p| p.key == f.key)
            .and_then(|p| p.value);
        if !same(before, f.value) {
            current.changes.push(FigureChange {
                key: f.key.clone(),
                label: f.label.clone(),
                unit: f.unit,
                before,
                after: f.value,
            });
        }
    }
    for p in &prev.figures {
        if !current.figures.iter().any(|f| f.key == p.key) && p.value.is_some() {
            current.changes.push(FigureChange {
                key: p.key.clone(),
                label: p.label.clone(),
                unit: p.unit,
                before: p.value,
                after: None,
            });
        }
    }
    let has =
        |list: &[ObjectRef], o: &ObjectRef| list.iter().any(|x| x.kind == o.kind && x.id == o.id);
    current.objects_added = current
        .objects
        .iter()
        .filter(|o| !has(&prev.objects, o))
        .cloned()
        .collect();
    current.objects_removed = prev
        .objects
        .iter()
        .filter(|o| !has(&current.objects, o))
        .cloned()
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn fig(key: &str, value: Option<f64>, unit: Unit) -> KeyFigure {
        KeyFigure {
            key: key.into(),
            label: key.into(),
            value,
            unit,
        }
    }

    fn obj(id: i64) -> ObjectRef {
        ObjectRef {
            kind: "project".into(),
            id,
            label: format!("P{id}"),
        }
    }

    fn fiche(as_of: Date, figures: Vec<KeyFigure>, objects: Vec<ObjectRef>) -> Fiche {
        Fiche {
            topic: Topic::Projects,
            title: "Grands projets".into(),
            as_of,
            summary: String::new(),
            figures,
            charts: vec![],
            tables: vec![],
            objects,
            methods: vec![],
            compared_with: None,
            changes: vec![],
            objects_added: vec![],
            objects_removed: vec![],
        }
    }

    #[test]
    fn changes_list_moved_new_and_gone_figures_and_objects() {
        let prev = fiche(
            date!(2025 - 01 - 15),
            vec![
                fig("projects", Some(50.0), Unit::Count),
                fig("drift", Some(0.10), Unit::Ratio),
                fig("gone", Some(1.0), Unit::Count),
            ],
            vec![obj(1), obj(2)],
        );
        let mut cur = fiche(
            date!(2025 - 06 - 15),
            vec![
                fig("projects", Some(50.0), Unit::Count),
                fig("drift", Some(0.125), Unit::Ratio),
                fig("cost", Some(3200.0), Unit::Meur),
            ],
            vec![obj(2), obj(3)],
        );
        compare(&mut cur, Some(&prev));
        assert_eq!(cur.compared_with, Some(date!(2025 - 01 - 15)));
        let keys: Vec<_> = cur.changes.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["drift", "cost", "gone"]);
        assert_eq!(cur.changes[0].describe_fr(), "10,0 % → 12,5 % (+2,5 pt)");
        assert_eq!(cur.changes[1].describe_fr(), "3\u{202f}200,0 M€ (nouveau)");
        assert_eq!(cur.changes[2].describe_fr(), "1 → non calculé");
        assert_eq!(cur.objects_added, [obj(3)]);
        assert_eq!(cur.objects_removed, [obj(1)]);
    }

    #[test]
    fn without_a_previous_sheet_nothing_changed() {
        let mut cur = fiche(
            date!(2025 - 06 - 15),
            vec![fig("x", Some(1.0), Unit::Count)],
            vec![obj(1)],
        );
        compare(&mut cur, None);
        assert!(cur.changes.is_empty() && cur.objects_added.is_empty());
        assert_eq!(cur.compared_with, None);
    }

    #[test]
    fn french_formats() {
        assert_eq!(Unit::Count.format_fr(Some(12345.0)), "12\u{202f}345");
        assert_eq!(Unit::Ratio.format_fr(Some(-0.0004)), "0,0 %");
        assert_eq!(Unit::Meur.format_fr(None), "—");
        assert_eq!(Unit::Count.format_change_fr(-3.0), "-3");
        assert_eq!(Unit::Years.format_fr(Some(4.25)), "4,2 ans");
        assert_eq!(Unit::Meur.format_change_fr(-1234.56), "-1\u{202f}234,6 M€");
        assert_eq!(Unit::Ratio.format_change_fr(-0.012), "-1,2 pt");
    }

    proptest! {
        /// A sheet compared with itself shows no change, and the stored JSON
        /// reads back to the same sheet (what freezing relies on).
        #[test]
        fn a_sheet_equals_itself_after_freezing(values in proptest::collection::vec(proptest::option::of(-1e9f64..1e9), 0..8)) {
            let figures: Vec<_> = values.iter().enumerate()
                .map(|(i, v)| fig(&format!("k{i}"), *v, Unit::Meur)).collect();
            let objects = (1..=values.len() as i64).map(obj).collect();
            let f = fiche(date!(2025 - 06 - 15), figures, objects);
            let json = serde_json::to_string(&f).unwrap();
            let back: Fiche = serde_json::from_str(&json).unwrap();
            let mut again = back.clone();
            compare(&mut again, Some(&f));
            prop_assert!(again.changes.is_empty());
            prop_assert!(again.objects_added.is_empty() && again.objects_removed.is_empty());
            prop_assert_eq!(back, f);
        }

        /// Every figure whose value differs shows up once as a change.
        #[test]
        fn every_moved_figure_is_reported(a in proptest::collection::vec(0i64..100, 1..8), b in proptest::collection::vec(0i64..100, 1..8)) {
            let n = a.len().min(b.len());
            let prev = fiche(date!(2025 - 01 - 15), (0..n).map(|i| fig(&format!("k{i}"), Some(a[i] as f64), Unit::Count)).collect(), vec![]);
            let mut cur = fiche(date!(2025 - 06 - 15), (0..n).map(|i| fig(&format!("k{i}"), Some(b[i] as f64), Unit::Count)).collect(), vec![]);
            compare(&mut cur, Some(&prev));
            let moved = (0..n).filter(|i| a[*i] != b[*i]).count();
            prop_assert_eq!(cur.changes.len(), moved);
        }
    }
}
