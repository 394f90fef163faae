//! An application inventory (cloud hosting), CSV or XLSX, in the layout of
//! our export: one line per application with its security needs and the
//! offer hosting its production. Each cell is checked on its own here; the
//! platform checks the rest (ministry, rights, offers) before applying.

use cosinum_domain::cloud::types::AppStatus;
use cosinum_domain::money::Euros;
use time::Date;

use crate::error::{ImportError, ImportErrors};
use crate::text::{fold, parse_decimal};

/// One application line.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryRow {
    pub line: usize,
    pub id: Option<i64>,
    pub ministry: String,
    pub name: String,
    pub description: String,
    pub status: AppStatus,
    pub users: Option<i64>,
    pub full_cost: Option<Euros>,
    pub new_or_major: bool,
    /// Availability, integrity, confidentiality, traceability (1–4).
    pub needs: [u8; 4],
    pub diffusion_restreinte: bool,
    /// The offer hosting production, by name, and since when.
    pub production: Option<(String, Option<Date>)>,
}

/// The columns, in our export's order: (header, required).
pub const HEADER: [(&str, bool); 15] = [
    ("Identifiant", false),
    ("Ministère", true),
    ("Application", true),
    ("Description", false),
    ("Statut", true),
    ("Utilisateurs", false),
    ("Coût complet (€)", false),
    ("Nouveau projet ou évolution majeure", false),
    ("Disponibilité", true),
    ("Intégrité", true),
    ("Confidentialité", true),
    ("Traçabilité", true),
    ("Diffusion Restreinte", false),
    ("Hébergement de production", false),
    ("En production depuis le", false),
];

/// Columns our export adds that are computed, not read back.
pub const DERIVED: [&str; 4] = ["Situation au", "Données sensibles", "Verdict", "Motif"];

fn key(s: &str) -> String {
    fold(&s.replace('_', " "))
}

fn yes(s: &str) -> Option<bool> {
    match key(s).as_str() {
        "oui" | "o" | "yes" | "vrai" | "true" | "1" | "x" => Some(true),
        "non" | "n" | "no" | "faux" | "false" | "0" | "" => Some(false),
        _ => None,
    }
}

fn status(s: &str) -> Option<AppStatus> {
    AppStatus::parse(s.trim()).or_else(|| {
        AppStatus::ALL
            .into_iter()
            .find(|x| key(x.label_fr()) == key(s))
    })
}

/// Reads an inventory file; every problem with its row and column, nothing
/// returned unless the whole file is valid. Also returns the headers it did
/// not read.
pub fn read_inventory(
    name: &str,
    bytes: &[u8],
) -> Result<(Vec<InventoryRow>, Vec<String>), ImportErrors> {
    let crate::sheet::Sheet { file, header, rows } = crate::sheet::read_sheet(name, bytes)?;
    let mut errors = Vec::new();
    let index: Vec<Option<usize>> = HEADER
        .iter()
        .map(|(h, required)| {
            let found = header.iter().position(|x| key(x) == key(h));
            if found.is_none() && *required {
                errors.push(ImportError {
                    file: file.clone(),
                    row: 1,
                    column: (*h).to_owned(),
                    message: "colonne absente de l'en-tête".into(),
                });
            }
            found
        })
        .collect();
    if !errors.is_empty() {
        return Err(ImportErrors(errors));
    }
    let ignored = header
        .iter()
        .enumerate()
        .filter(|(i, h)| {
            !index.contains(&Some(*i))
                && !h.trim().is_empty()
                && !DERIVED.iter().any(|d| key(d) == key(h))
        })
        .map(|(_, h)| h.clone())
        .collect();
    let mut out = Vec::new();
    for (line, cells) in &rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| index[k].and_then(|i| cells.get(i)).map_or("", |s| s.trim());
        let mut bad = |k: usize, message: String| {
            errors.push(ImportError {
                file: file.clone(),
                row: *line,
                column: HEADER[k].0.to_owned(),
                message,
            });
        };
        let number = |v: &str| {
            parse_decimal(v)
                .filter(|x| *x >= 0.0 && x.fract() == 0.0)
                .map(|x| x as i64)
        };
        let id = match cell(0) {
            "" => None,
            v => number(v).or_else(|| {
                bad(0, "identifiant numérique attendu".into());
                None
            }),
        };
        for (k, what) in [(1, "ministère"), (2, "nom de l'application")] {
            if cell(k).is_empty() {
                bad(k, format!("{what} obligatoire"));
            }
        }
        let st = status(cell(4)).or_else(|| {
            bad(
                4,
                format!(
                    "statut inconnu : « {} » (En projet, En production, En migration, Retirée)",
                    cell(4)
                ),
            );
            None
        });
        let users = match cell(5) {
            "" => None,
            v => number(v).or_else(|| {
                bad(5, "nombre entier attendu".into());
                None
            }),
        };
        let full_cost = match cell(6) {
            "" => None,
            v => number(&v.replace('€', "")).map(Euros).or_else(|| {
                bad(6, "montant en euros attendu".into());
                None
            }),
        };
        let new_or_major = yes(cell(7)).unwrap_or_else(|| {
            bad(7, "Oui ou Non attendu".into());
            false
        });
        let mut needs = [0u8; 4];
        for (i, k) in (8..12).enumerate() {
            match cell(k).trim_end_matches(".0").parse::<u8>() {
                Ok(n @ 1..=4) => needs[i] = n,
                _ => bad(k, "niveau de 1 à 4 attendu".into()),
            }
        }
        let dr = yes(cell(12)).unwrap_or_else(|| {
            bad(12, "Oui ou Non attendu".into());
            false
        });
        let since = match cell(14) {
            "" => None,
            v => crate::text::parse_date_cell(v).or_else(|| {
                bad(14, "date attendue (JJ/MM/AAAA ou AAAA-MM-JJ)".into());
                None
            }),
        };
        let production = (!cell(13).is_empty()).then(|| (cell(13).to_owned(), since));
        if let Some(status) = st
            && !cell(1).is_empty()
            && !cell(2).is_empty()
        {
            out.push(InventoryRow {
                line: *line,
                id,
                ministry: cell(1).to_owned(),
                name: cell(2).split_whitespace().collect::<Vec<_>>().join(" "),
                description: cell(3).to_owned(),
                status,
                users,
                full_cost,
                new_or_major,
                needs,
                diffusion_restreinte: dr,
                production,
            });
        }
    }
    if errors.is_empty() {
        Ok((out, ignored))
    } else {
        Err(ImportErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "Identifiant;Ministère;Application;Description;Statut;Utilisateurs;Coût complet (€);Nouveau projet ou évolution majeure;Disponibilité;Intégrité;Confidentialité;Traçabilité;Diffusion Restreinte;Hébergement de production;En production depuis le;Verdict";

    #[test]
    fn reads_the_export_layout() {
        let csv = format!(
            "{HEAD}\n;MININT;Fichier  des titres;Desc;En production;12 000;4 000 000;Oui;3;4;4;4;Non;Pi;01/02/2024;Conforme\n7;MEF;Paie;;retired;;;;1;1;1;1;;;;\n"
        );
        let (rows, ignored) = read_inventory("inventaire.csv", csv.as_bytes()).unwrap();
        assert!(ignored.is_empty(), "{ignored:?}");
        assert_eq!(rows[0].name, "Fichier des titres");
        assert_eq!(
            (rows[0].users, rows[0].full_cost),
            (Some(12_000), Some(Euros(4_000_000)))
        );
        assert_eq!(rows[0].needs, [3, 4, 4, 4]);
        assert_eq!(
            rows[0].production.as_ref().map(|p| p.0.as_str()),
            Some("Pi")
        );
        assert_eq!((rows[1].id, rows[1].status), (Some(7), AppStatus::Retired));
    }

    #[test]
    fn reports_bad_cells_by_row_and_column() {
        let csv = format!("{HEAD}\n;;X;;en panne;;-5;peut-être;0;4;4;4;Non;;demain;\n");
        let err = read_inventory("i.csv", csv.as_bytes()).unwrap_err();
        let cols: Vec<&str> = err.0.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            cols,
            [
                "Ministère",
                "Statut",
                "Coût complet (€)",
                "Nouveau projet ou évolution majeure",
                "Disponibilité",
                "En production depuis le"
            ]
        );
        assert!(err.0.iter().all(|e| e.row == 2));
    }
}
