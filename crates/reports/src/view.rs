//! What the templates print, already worded: every date, figure, label and
//! change is formatted here, in Rust, with the domain's French formats, so
//! the typst templates only lay text out (and cannot drift from the pages),
//! and the ODT writer reads the very same strings.
//!
//! These structs are serialised to the `data.json` the templates read.

use cosinum_domain::committee::documents::{
    AgendaLine, Attendee, Pack, PackSheet, Record, RecordPoint, RecordedDecision, SessionHeader,
};
use cosinum_domain::committee::fiche::{Chart, Fiche, Table};
use serde::Serialize;

use crate::french;

#[derive(Debug, Serialize)]
pub(crate) struct SessionView {
    pub committee: String,
    pub title: String,
    pub held_on: String,
    pub cut_off: String,
    /// "En présentiel — Salle Marianne", or just the format when online.
    pub venue: String,
    pub chair: String,
}

impl SessionView {
    fn new(s: &SessionHeader) -> Self {
        let format = s.format.label_fr();
        let venue = match s.place.as_deref().map(str::trim) {
            Some(place) if !place.is_empty() => format!("{format} — {place}"),
            _ => format.to_owned(),
        };
        SessionView {
            committee: s.committee.clone(),
            title: s.title.clone(),
            held_on: french::date(s.held_on),
            cut_off: french::date(s.cut_off),
            venue,
            chair: s.chair.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct AttendeeView {
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub presence: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct AttendanceView {
    pub people: Vec<AttendeeView>,
    /// "6 membres attendus : 4 présents, 1 absent, 1 non relevé."
    pub summary: String,
}

impl AttendanceView {
    fn new(attendees: &[Attendee]) -> Self {
        let count = |p: Option<bool>| attendees.iter().filter(|a| a.present == p).count();
        let summary = if attendees.is_empty() {
            "Aucun participant enregistré.".to_owned()
        } else {
            format!(
                "{} : {}, {}, {}.",
                plural(attendees.len(), "membre attendu", "membres attendus"),
                plural(count(Some(true)), "présent", "présents"),
                plural(count(Some(false)), "absent", "absents"),
                plural(count(None), "non relevé", "non relevés"),
            )
        };
        AttendanceView {
            people: attendees
                .iter()
                .map(|a| AttendeeView {
                    name: a.name.clone(),
                    role: a.role.clone(),
                    organisation: a.organisation.clone(),
                    presence: french::attendance(a.present),
                })
                .collect(),
            summary,
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    // French counts 0 and 1 as singular.
    format!("{n} {}", if n <= 1 { one } else { many })
}

/// Free text split into paragraphs on line breaks, blank lines dropped.
fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Serialize)]
pub(crate) struct AgendaView {
    pub position: String,
    /// Offset from the opening, "+45 min": the opening time is not stored.
    pub starts: String,
    pub title: String,
    pub topic: &'static str,
    pub presenter: String,
    pub duration: String,
    pub reasons: Vec<String>,
}

impl AgendaView {
    fn new(line: &AgendaLine) -> Self {
        AgendaView {
            position: line.position.to_string(),
            starts: format!("+{} min", line.starts_at_minute),
            title: line.title.clone(),
            topic: line.topic.label_fr(),
            presenter: line.presenter.clone(),
            duration: format!("{} min", line.duration_minutes),
            reasons: line.reasons.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct FigureView {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct BarView {
    pub label: String,
    pub value: String,
    /// Length relative to the longest bar, in `0..=1` (negative values draw
    /// no bar: their printed value says it all).
    pub share: f64,
}

#[derive(Debug, Serialize)]
pub(crate) struct ChartView {
    pub title: String,
    pub bars: Vec<BarView>,
}

impl ChartView {
    pub(crate) fn new(chart: &Chart) -> Self {
        let longest = chart
            .bars
            .iter()
            .map(|b| b.value)
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max);
        ChartView {
            title: chart.title.clone(),
            bars: chart
                .bars
                .iter()
                .map(|b| BarView {
                    label: b.label.clone(),
                    value: chart.unit.format_fr(Some(b.value)),
                    share: if longest > 0.0 && b.value.is_finite() {
                        (b.value / longest).clamp(0.0, 1.0)
                    } else {
                        0.0
                    },
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct TableView {
    pub title: String,
    pub columns: Vec<String>,
    /// Every row has exactly one cell per column, so a ragged stored row
    /// cannot shift the grid.
    pub rows: Vec<Vec<String>>,
    /// Columns of figures, right-aligned so digits line up.
    pub numeric: Vec<bool>,
}

impl TableView {
    fn new(table: &Table) -> Self {
        let width = table.columns.len().max(1);
        let rows: Vec<Vec<String>> = table
            .rows
            .iter()
            .map(|row| {
                let mut cells: Vec<String> = row.iter().take(width).cloned().collect();
                cells.resize(width, String::new());
                cells
            })
            .collect();
        let numeric = (0..width)
            .map(|c| {
                let mut cells = rows.iter().map(|r| r[c].trim()).filter(|s| !s.is_empty());
                let mut any = false;
                let all = cells.all(|s| {
                    any = true;
                    looks_numeric(s)
                });
                any && all
            })
            .collect();
        let mut columns = table.columns.clone();
        columns.resize(width, String::new());
        TableView {
            title: table.title.clone(),
            columns,
            rows,
            numeric,
        }
    }
}

/// "12,5 %", "-3", "1 234 M€", "—": a figure rather than words.
fn looks_numeric(cell: &str) -> bool {
    if cell == "—" {
        return true;
    }
    let body = cell.trim_start_matches(['+', '-', '−']);
    body.chars().next().is_some_and(|c| c.is_ascii_digit())
        && body.split_whitespace().next().is_some_and(|n| {
            n.chars()
                .all(|c| c.is_ascii_digit() || ",.\u{202f}".contains(c))
        })
}

#[derive(Debug, Serialize)]
pub(crate) struct ChangeView {
    pub label: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct EvolutionView {
    /// "Évolution depuis la séance du 15 janvier 2025".
    pub heading: String,
    pub changes: Vec<ChangeView>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl EvolutionView {
    fn new(fiche: &Fiche) -> Option<Self> {
        let since = fiche.compared_with?;
        Some(EvolutionView {
            heading: format!("Évolution depuis la séance du {}", french::date(since)),
            changes: fiche
                .changes
                .iter()
                .map(|c| ChangeView {
                    label: c.label.clone(),
                    description: c.describe_fr(),
                })
                .collect(),
            added: fiche.objects_added.iter().map(french::object).collect(),
            removed: fiche.objects_removed.iter().map(french::object).collect(),
        })
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct SheetView {
    /// "2. Démarches en ligne": the agenda position and the sheet's title,
    /// one string so it lands in the table of contents as printed.
    pub heading: String,
    pub topic: &'static str,
    pub as_of: String,
    pub frozen: bool,
    pub digest: Option<String>,
    pub summary: Vec<String>,
    pub figures: Vec<FigureView>,
    pub charts: Vec<ChartView>,
    pub tables: Vec<TableView>,
    pub objects: Vec<String>,
    pub methods: String,
    pub evolution: Option<EvolutionView>,
}

impl SheetView {
    fn new(sheet: &PackSheet) -> Self {
        let f = &sheet.fiche;
        SheetView {
            heading: format!("{}. {}", sheet.position, f.title),
            topic: f.topic.label_fr(),
            as_of: format!("Données au {}", french::date(f.as_of)),
            frozen: sheet.frozen,
            digest: sheet.digest.clone(),
            summary: paragraphs(&f.summary),
            figures: f
                .figures
                .iter()
                .map(|k| FigureView {
                    label: k.label.clone(),
                    value: k.display(),
                })
                .collect(),
            charts: f.charts.iter().map(ChartView::new).collect(),
            tables: f.tables.iter().map(TableView::new).collect(),
            objects: f.objects.iter().map(french::object).collect(),
            methods: if f.methods.is_empty() {
                "non précisées".to_owned()
            } else {
                f.methods.join(", ")
            },
            evolution: EvolutionView::new(f),
        }
    }
}

/// The data of `templates/pack.typ`.
#[derive(Debug, Serialize)]
pub(crate) struct PackView {
    pub document_title: String,
    pub session: SessionView,
    pub generated_on: String,
    pub agenda: Vec<AgendaView>,
    pub attendance: AttendanceView,
    pub sheets: Vec<SheetView>,
}

impl PackView {
    pub(crate) fn new(pack: &Pack) -> Self {
        PackView {
            document_title: format!(
                "{} — dossier de séance — {}",
                pack.session.committee, pack.session.title
            ),
            session: SessionView::new(&pack.session),
            generated_on: french::date(pack.generated_on),
            agenda: pack.agenda.iter().map(AgendaView::new).collect(),
            attendance: AttendanceView::new(&pack.attendees),
            sheets: pack.sheets.iter().map(SheetView::new).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct DecisionView {
    pub reference: String,
    pub text: Vec<String>,
    pub owner: String,
    pub due_on: String,
    pub frequency: String,
    pub objects: Vec<String>,
}

impl DecisionView {
    fn new(d: &RecordedDecision) -> Self {
        DecisionView {
            reference: d.reference.clone(),
            text: paragraphs(&d.text),
            owner: d.owner.clone(),
            due_on: french::date(d.due_on),
            frequency: d.frequency.clone(),
            objects: d.objects.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct PointView {
    pub heading: String,
    pub decisions: Vec<DecisionView>,
}

impl PointView {
    fn new(p: &RecordPoint) -> Self {
        PointView {
            heading: format!("{}. {}", p.position, p.title),
            decisions: p.decisions.iter().map(DecisionView::new).collect(),
        }
    }
}

/// The date a record's files carry: a record has no generation date of its
/// own, so its publication, or else the meeting it reports, which are
/// stable (the same version always gives the same bytes).
pub(crate) fn record_date(record: &Record) -> time::Date {
    record.published_on.unwrap_or(record.session.held_on)
}

/// The data of `templates/record.typ`, and what the ODT writer prints.
#[derive(Debug, Serialize)]
pub(crate) struct RecordView {
    pub document_title: String,
    pub session: SessionView,
    /// "Version 2".
    pub version: String,
    pub status: String,
    pub draft: bool,
    pub preamble: Vec<String>,
    pub attendance: AttendanceView,
    pub points: Vec<PointView>,
    pub validated: Option<String>,
}

impl RecordView {
    pub(crate) fn new(record: &Record) -> Self {
        RecordView {
            document_title: format!(
                "{} — relevé de décisions — {}",
                record.session.committee, record.session.title
            ),
            session: SessionView::new(&record.session),
            version: format!("Version {}", record.version),
            status: french::record_status(&record.status, record.published_on),
            draft: french::is_draft(&record.status),
            preamble: paragraphs(&record.preamble),
            attendance: AttendanceView::new(&record.attendees),
            points: record.points.iter().map(PointView::new).collect(),
            validated: record.validated.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_columns_are_recognised() {
        for cell in ["12", "1\u{202f}234,5 M€", "-3,5 pt", "12,0 %", "—", "+4"] {
            assert!(looks_numeric(cell), "{cell}");
        }
        for cell in ["Projet 12", "n/a", "", "12e arrondissement"] {
            assert!(!looks_numeric(cell), "{cell}");
        }
    }

    #[test]
    fn ragged_rows_are_squared() {
        let t = TableView::new(&Table {
            title: "T".into(),
            columns: vec!["Nom".into(), "Coût".into()],
            rows: vec![vec!["A".into()], vec!["B".into(), "2".into(), "x".into()]],
        });
        assert_eq!(t.rows, [["A", ""], ["B", "2"]]);
        assert_eq!(t.numeric, [false, true]);
    }
}
