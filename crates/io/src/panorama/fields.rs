//! Cell-by-cell parsing of one Panorama data row. Each bad cell adds one
//! located error and parsing goes on, so a file's problems all show at once.

use cosinum_domain::money::Euros;
use cosinum_domain::projects::Phase;
use time::Date;

use super::{COLUMNS, ColumnMap, PanoramaRow};
use crate::error::ImportError;
use crate::text::{collapse_ws, excel_serial_to_date, fold, parse_date_text, parse_decimal};
use crate::xlsx_read::RawCell;

const MINISTRY_CODE: usize = 0;
const MINISTRY_NAME: usize = 1;
const NAME: usize = 2;
const INTERMINISTERIAL: usize = 3;
const DESCRIPTION: usize = 4;
const URL: usize = 5;
const START: usize = 6;
const DURATION: usize = 7;
const PHASE: usize = 8;
const COST: usize = 9;
const COST_BAND: usize = 10;
const ZONE: usize = 11;
const FUNDING: usize = 12;
const PAP_URL: usize = 13;
const PUBLICATION: usize = 14;

/// Folded words meaning "no value here" in numeric and date cells.
const PLACEHOLDERS: [&str; 6] = ["", "na", "n/a", "nc", "en cadrage", "cadrage"];

/// Serial numbers below this are not taken for dates when written as text:
/// "2016" is far more likely a year than serial 2016 (1905-07-08).
const MIN_TEXT_SERIAL: f64 = 10_000.0;

/// True for the masking sentence of MP §1.3 ("Les éléments chiffrés … ne sont
/// volontairement pas publiés par la DINUM …"); matched on its key words so
/// small wording or accent changes between editions still count.
pub(super) fn is_withheld(text: &str) -> bool {
    fold(text).contains("volontairement pas publi")
}

struct Row<'a> {
    file: &'a str,
    line: usize,
    cells: &'a [RawCell],
    columns: &'a ColumnMap,
    errors: &'a mut Vec<ImportError>,
    failed: bool,
}

impl Row<'_> {
    fn cell(&self, col: usize) -> &RawCell {
        self.cells.get(self.columns[col]).unwrap_or(&RawCell::Empty)
    }

    fn error(&mut self, col: usize, message: String) {
        self.failed = true;
        self.errors.push(ImportError {
            file: self.file.to_owned(),
            row: self.line,
            column: COLUMNS[col].0.to_owned(),
            message,
        });
    }

    /// The cell as trimmed text; a formula error (#REF!…) is reported.
    fn text(&mut self, col: usize) -> String {
        if let RawCell::Error(e) = self.cell(col) {
            let msg = format!("cellule en erreur dans le classeur ({e})");
            self.error(col, msg);
            return String::new();
        }
        self.cell(col).as_text().trim().to_owned()
    }

    fn required(&mut self, col: usize) -> String {
        let t = self.text(col);
        if t.is_empty() {
            self.error(col, "valeur obligatoire manquante".to_owned());
        }
        t
    }

    fn yes_no(&mut self, col: usize) -> bool {
        let t = self.text(col);
        match fold(&t).as_str() {
            "oui" => true,
            "non" => false,
            _ => {
                self.error(
                    col,
                    format!("valeur « {t} » invalide : « Oui » ou « Non » attendu"),
                );
                false
            }
        }
    }

    /// A link cell: `None` when it holds no URL-looking token at all.
    fn link(&mut self, col: usize) -> Option<String> {
        let t = collapse_ws(&self.text(col));
        let has_link = t.split([' ', ';', ',']).any(|w| {
            let w = w.to_lowercase();
            w.starts_with("http://") || w.starts_with("https://") || w.starts_with("www.")
        });
        has_link.then_some(t)
    }

    /// A non-negative decimal (M€ or years); `None` for placeholders, the
    /// masking sentence (which sets `withheld`) and errors (recorded).
    fn decimal(&mut self, col: usize, withheld: &mut bool, what: &str) -> Option<f64> {
        let value = match self.cell(col).clone() {
            RawCell::Number(v) => Some(v),
            RawCell::Date { .. } | RawCell::Error(_) => None,
            RawCell::Empty | RawCell::Text(_) => {
                let t = self.text(col);
                if is_withheld(&t) {
                    *withheld = true;
                    return None;
                }
                if PLACEHOLDERS.contains(&fold(&t).as_str()) {
                    return None;
                }
                parse_decimal(&t)
            }
        };
        match value {
            Some(v) if v >= 0.0 => Some(v),
            _ => {
                let shown = self.cell(col).as_text().trim().to_owned();
                self.error(
                    col,
                    format!("{what} illisible « {shown} » : nombre positif attendu (ex. 12,5), « NA » ou « En cadrage »"),
                );
                None
            }
        }
    }

    /// A date (ISO, French, Excel serial); `None` as for `decimal`.
    fn date(&mut self, col: usize, withheld: &mut bool) -> Option<Date> {
        let parsed = match self.cell(col).clone() {
            RawCell::Date { date, .. } => date,
            RawCell::Number(v) => excel_serial_to_date(v),
            RawCell::Error(_) => None,
            RawCell::Empty | RawCell::Text(_) => {
                let t = self.text(col);
                if is_withheld(&t) {
                    *withheld = true;
                    return None;
                }
                if PLACEHOLDERS.contains(&fold(&t).as_str()) {
                    return None;
                }
                parse_date_text(&t).or_else(|| {
                    let serial = t.parse::<f64>().ok().filter(|v| *v >= MIN_TEXT_SERIAL)?;
                    excel_serial_to_date(serial)
                })
            }
        };
        if parsed.is_none() {
            let shown = self.cell(col).as_text().trim().to_owned();
            self.error(
                col,
                format!(
                    "date illisible « {shown} » : jj/mm/aaaa, aaaa-mm-jj ou date Excel attendue"
                ),
            );
        }
        parsed
    }
}

/// Parses one non-blank data row. Returns the row and its publication date,
/// or `None` after recording at least one error.
pub(super) fn parse_row(
    file: &str,
    line: usize,
    cells: &[RawCell],
    columns: &ColumnMap,
    errors: &mut Vec<ImportError>,
) -> Option<(PanoramaRow, Option<Date>)> {
    let mut r = Row {
        file,
        line,
        cells,
        columns,
        errors,
        failed: false,
    };
    let mut withheld = false;

    let ministry_code = r.required(MINISTRY_CODE);
    let ministry_name = r.text(MINISTRY_NAME);
    let name = collapse_ws(&r.required(NAME));
    let interministerial = r.yes_no(INTERMINISTERIAL);
    let description = r.text(DESCRIPTION);
    let url = r.link(URL);
    let start = r.date(START, &mut withheld);
    let duration_years = r.decimal(DURATION, &mut withheld, "durée");

    let phase_raw = r.text(PHASE);
    let phase = if is_withheld(&phase_raw) {
        withheld = true;
        None
    } else if phase_raw.is_empty() {
        r.error(PHASE, "valeur obligatoire manquante".to_owned());
        None
    } else {
        let phase = Phase::parse_fr(&collapse_ws(&phase_raw));
        if phase.is_none() {
            r.error(
                PHASE,
                format!(
                    "phase inconnue « {phase_raw} » : Cadrage, Conception / Réalisation, \
                     Expérimentation, Déploiement ou Terminé attendu"
                ),
            );
        }
        phase
    };

    let cost =
        r.decimal(COST, &mut withheld, "coût")
            .and_then(|meur| match Euros::from_meur(meur) {
                Some(e) => Some(e),
                None => {
                    r.error(COST, format!("coût hors limites : {meur} M€"));
                    None
                }
            });
    let cost_band_raw = r.text(COST_BAND);
    let functional_zone = r.text(ZONE);
    let funding = r.text(FUNDING);
    let pap_url = r.link(PAP_URL);
    let mut no_mask = false;
    let publication = r.date(PUBLICATION, &mut no_mask);
    if no_mask {
        r.error(
            PUBLICATION,
            "la date de publication ne peut pas être masquée".to_owned(),
        );
    }

    if r.failed {
        return None;
    }
    let row = PanoramaRow {
        line,
        ministry_code,
        ministry_name,
        name,
        interministerial,
        description,
        url,
        start,
        duration_years,
        phase_raw,
        phase,
        figures_withheld: withheld,
        cost,
        cost_band_raw,
        functional_zone,
        funding,
        pap_url,
    };
    Some((row, publication))
}
