//! The generic template ministries fill to send projects and their reviews
//! (CSV or Excel): one line per review; a line whose project does not exist
//! yet declares it. Parsing only checks each cell on its own; the platform
//! checks the rest (rights, existing projects, drift rule) before applying.

use cosinum_domain::money::Euros;
use time::Date;

use crate::error::{ImportError, ImportErrors};
use crate::xlsx_out::Cell;

/// The template's columns, in order.
pub const HEADER: [&str; 14] = [
    "Identifiant projet",
    "Ministère",
    "Nom du projet",
    "Phase",
    "Date de la revue",
    "Coût estimé (M€)",
    "Début",
    "Fin prévue",
    "Chiffres non publiés",
    "Météo ministère (1 à 4)",
    "Commentaire",
    "Zone fonctionnelle",
    "Interministériel",
    "Description",
];

/// One line of the template, each cell parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRow {
    pub line: usize,
    pub project_id: Option<i64>,
    pub ministry_code: String,
    pub name: String,
    pub phase: String,
    pub review_date: Date,
    pub cost: Option<Euros>,
    pub start: Option<Date>,
    pub forecast_end: Option<Date>,
    pub figures_withheld: bool,
    pub ministry_rating: Option<u8>,
    pub narrative: String,
    pub functional_zone: String,
    pub interministerial: bool,
    pub description: String,
}

fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    let fr = time::macros::format_description!("[day]/[month]/[year]");
    Date::parse(s, iso).or_else(|_| Date::parse(s, fr)).ok()
}

fn yes(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "oui" | "o" | "yes" | "vrai" | "true" | "1" | "x" => Some(true),
        "non" | "n" | "no" | "faux" | "false" | "0" | "" => Some(false),
        _ => None,
    }
}

/// Reads a filled template (`name` decides the format: `.xlsx` or CSV).
/// Every problem is reported with its line and column; nothing is returned
/// unless the whole file is valid.
pub fn read_template(name: &str, bytes: &[u8]) -> Result<Vec<TemplateRow>, ImportErrors> {
    let crate::sheet::Sheet { file, header, rows } = crate::sheet::read_sheet(name, bytes)?;
    let header = &header;
    let normal = |s: &str| s.trim().to_lowercase();
    let mut index = Vec::with_capacity(HEADER.len());
    let mut errors = Vec::new();
    for column in HEADER {
        match header.iter().position(|h| normal(h) == normal(column)) {
            Some(i) => index.push(i),
            None => errors.push(ImportError {
                file: file.clone(),
                row: 1,
                column: column.into(),
                message: "colonne absente de l'en-tête".into(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(ImportErrors(errors));
    }
    let mut out = Vec::new();
    for (line, cells) in &rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| cells.get(index[k]).map_or("", |s| s.trim());
        let mut bad = |k: usize, message: &str| {
            errors.push(ImportError {
                file: file.clone(),
                row: *line,
                column: HEADER[k].into(),
                message: message.into(),
            });
        };
        let project_id = match cell(0) {
            "" => None,
            v => match v.trim_end_matches(".0").parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    bad(0, "identifiant numérique attendu");
                    None
                }
            },
        };
        if cell(1).is_empty() {
            bad(1, "ministère obligatoire (code, par exemple MININT)");
        }
        if cell(2).is_empty() {
            bad(2, "nom du projet obligatoire");
        }
        let review_date = parse_date(cell(4));
        if review_date.is_none() {
            bad(4, "date attendue (AAAA-MM-JJ ou JJ/MM/AAAA)");
        }
        let cost = match cell(5)
            .replace([' ', '\u{a0}', '\u{202f}'], "")
            .replace(',', ".")
        {
            v if v.is_empty() => None,
            v => match v
                .parse::<f64>()
                .ok()
                .filter(|c| *c >= 0.0)
                .and_then(Euros::from_meur)
            {
                Some(c) => Some(c),
                None => {
                    bad(5, "montant positif en M€ attendu (par exemple 12,5)");
                    None
                }
            },
        };
        let mut date_cell = |k: usize| match cell(k) {
            "" => None,
            v => parse_date(v).or_else(|| {
                bad(k, "date attendue (AAAA-MM-JJ ou JJ/MM/AAAA)");
                None
            }),
        };
        let start = date_cell(6);
        let forecast_end = date_cell(7);
        let withheld = yes(cell(8)).unwrap_or_else(|| {
            bad(8, "Oui ou Non attendu");
            false
        });
        let rating = match cell(9) {
            "" => None,
            v => match v.trim_end_matches(".0").parse::<u8>() {
                Ok(n @ 1..=4) => Some(n),
                _ => {
                    bad(9, "note de 1 à 4 attendue");
                    None
                }
            },
        };
        let interministerial = yes(cell(12)).unwrap_or_else(|| {
            bad(12, "Oui ou Non attendu");
            false
        });
        if let Some(review_date) = review_date {
            out.push(TemplateRow {
                line: *line,
                project_id,
                ministry_code: cell(1).to_uppercase(),
                name: cell(2).split_whitespace().collect::<Vec<_>>().join(" "),
                phase: cell(3).to_owned(),
                review_date,
                cost,
                start,
                forecast_end,
                figures_withheld: withheld,
                ministry_rating: rating,
                narrative: cell(10).to_owned(),
                functional_zone: cell(11).to_owned(),
                interministerial,
                description: cell(13).to_owned(),
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ImportErrors(errors))
    }
}

/// A template row as cells, for the pre-filled download.
pub fn to_cells(r: &TemplateRow) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_owned());
    let yn = |b: bool| text(if b { "Oui" } else { "Non" });
    vec![
        r.project_id
            .map_or(Cell::Empty, |id| Cell::Number(id as f64)),
        text(&r.ministry_code),
        text(&r.name),
        text(&r.phase),
        Cell::Date(r.review_date),
        r.cost.map_or(Cell::Empty, |c| Cell::Number(c.meur())),
        r.start.map_or(Cell::Empty, Cell::Date),
        r.forecast_end.map_or(Cell::Empty, Cell::Date),
        yn(r.figures_withheld),
        r.ministry_rating
            .map_or(Cell::Empty, |n| Cell::Number(f64::from(n))),
        text(&r.narrative),
        text(&r.functional_zone),
        yn(r.interministerial),
        text(&r.description),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(body: &str) -> Vec<u8> {
        format!("{}\n{body}", HEADER.join(";")).into_bytes()
    }

    #[test]
    fn reads_a_valid_file_in_french_formats() {
        let rows = read_template("revues.csv", &csv("12;MININT;ANEF;Déploiement;30/06/2026;54,3;01/03/2016;2024-05-01;Non;2;RAS;Immigration;Non;\n;MEF;Nouveau  projet;cadrage;2026-06-30;;;;non;;;Fiscalité;oui;Desc\n")).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].project_id, Some(12));
        assert_eq!(rows[0].cost, Euros::from_meur(54.3));
        assert_eq!(
            rows[0].start.map(|d| d.to_string()).as_deref(),
            Some("2016-03-01")
        );
        assert_eq!(rows[1].name, "Nouveau projet");
        assert!(rows[1].interministerial && rows[1].cost.is_none());
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn reports_every_problem_with_line_and_column() {
        let err = read_template("revues.csv", &csv("x;;ANEF;Déploiement;demain;-3;;;peut-être;7;;;Non;\n;MEF;P;cadrage;2026-06-30;;;;Non;;;;Non;\n")).unwrap_err();
        let found: Vec<(usize, &str)> = err.0.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (2, "Identifiant projet"),
                (2, "Ministère"),
                (2, "Date de la revue"),
                (2, "Coût estimé (M€)"),
                (2, "Chiffres non publiés"),
                (2, "Météo ministère (1 à 4)")
            ]
        );
        assert!(err.to_string().contains("revues.csv"));
        // "Ministere" without its accent is not the column: all 14 are missing.
        let missing = read_template("x.csv", b"Ministere;Nom\n").unwrap_err();
        assert_eq!(missing.0.len(), HEADER.len());
        assert!(missing.0.iter().all(|e| e.row == 1));
    }
}
