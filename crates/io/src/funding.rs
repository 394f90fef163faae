//! Funding files, CSV or XLSX, in two layouts recognised by their headers:
//! applications with their decisions (the layout of our export), and credit
//! movements (an accounting extract: application, AE or CP, date, amount,
//! reference). Each cell is checked on its own here; the platform checks the
//! rest (windows, rights, pipeline, totals) before applying anything.

use cosinum_domain::funding::{MovementKind, Semester, Status};
use cosinum_domain::money::Euros;
use time::Date;

use crate::error::{ImportError, ImportErrors};
use crate::text::{fold, parse_decimal};

/// An application line: cosinum's identifier when known, else matched by
/// window, ministry and title.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationRow {
    pub line: usize,
    pub id: Option<i64>,
    pub window: String,
    pub ministry: String,
    pub title: String,
    pub description: Option<String>,
    pub status: Option<Status>,
    pub submitted_on: Option<Date>,
    pub reviewed_on: Option<Date>,
    pub decided_on: Option<Date>,
    pub total_cost: Euros,
    pub requested: Euros,
    pub granted: Option<Euros>,
    pub planned_start: Date,
    pub planned_end: Date,
    pub motive: String,
    pub workload: Option<Vec<(Semester, f64)>>,
}

/// A credit movement line.
#[derive(Debug, Clone, PartialEq)]
pub struct MovementRow {
    pub line: usize,
    pub application_id: i64,
    pub kind: MovementKind,
    pub date: Date,
    pub amount: Euros,
    pub reference: String,
}

/// A file read, by layout.
#[derive(Debug, Clone, PartialEq)]
pub enum FundingFile {
    Applications(Vec<ApplicationRow>),
    Movements(Vec<MovementRow>),
}

/// Columns of our export that are computed, not read back.
const DERIVED: [&str; 4] = [
    "Situation au",
    "AE engagées (€)",
    "CP payés (€)",
    "Restes à payer (€)",
];

/// Application columns: (our header, other accepted names, required).
const APPLICATION_COLUMNS: [(&str, &[&str], bool); 16] = [
    ("Identifiant", &["id", "dossier"], false),
    ("Guichet", &["code guichet"], true),
    ("Ministère", &["ministere", "demandeur"], true),
    ("Intitulé", &["titre", "projet"], true),
    ("Description", &[], false),
    ("Statut", &["etat"], false),
    ("Déposé le", &["date de depot"], false),
    ("Instruit le", &["date d'instruction"], false),
    ("Décision le", &["date de decision"], false),
    (
        "Coût total (€)",
        &["cout total", "cout total du projet"],
        true,
    ),
    ("Demandé (€)", &["montant demande", "demande"], true),
    ("Accordé (€)", &["montant accorde", "accorde"], false),
    ("Début prévu", &["debut"], true),
    ("Fin prévue", &["fin"], true),
    ("Motif", &["motif de la decision"], false),
    (
        "Charge interne",
        &["charge (mois-personnes)", "charge"],
        false,
    ),
];

const MOVEMENT_COLUMNS: [(&str, &[&str], bool); 5] = [
    (
        "Dossier",
        &["identifiant", "identifiant du dossier", "id"],
        true,
    ),
    ("Type", &["nature", "ae/cp"], true),
    ("Date", &["date comptable", "date du mouvement"], true),
    ("Montant (€)", &["montant"], true),
    ("Référence", &["reference comptable", "numero"], true),
];

fn key(s: &str) -> String {
    fold(&s.replace('_', " "))
}

fn date(v: &str) -> Option<Date> {
    crate::text::parse_date_cell(v)
}

fn euros(v: &str) -> Option<Euros> {
    let v: String = v.chars().filter(|c| *c != '€').collect();
    parse_decimal(&v)
        .filter(|x| x.abs() < 1e15)
        .map(|x| Euros(x.round() as i64))
}

/// "2022S1: 4; 2022S2: 6".
fn workload(v: &str) -> Option<Vec<(Semester, f64)>> {
    v.split([';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (s, pm) = p.split_once(':')?;
            Some((Semester::parse(s)?, parse_decimal(pm)?))
        })
        .collect()
}

/// Finds each column of `spec` in `header`: index per spec entry.
fn locate(
    file: &str,
    header: &[String],
    spec: &[(&str, &[&str], bool)],
    errors: &mut Vec<ImportError>,
) -> Vec<Option<usize>> {
    spec.iter()
        .map(|(name, others, required)| {
            let found = header.iter().position(|h| {
                let k = key(h);
                k == key(name) || others.iter().any(|o| key(o) == k)
            });
            if found.is_none() && *required {
                errors.push(ImportError {
                    file: file.to_owned(),
                    row: 1,
                    column: (*name).to_owned(),
                    message: "colonne absente de l'en-tête".into(),
                });
            }
            found
        })
        .collect()
}

/// Reads a funding file (`name` decides the format: `.xlsx` or CSV). Every
/// problem is reported with its row and column; nothing is returned unless
/// the whole file is valid.
///
/// Also returns the headers it did not read (neither known nor computed
/// columns of our export), so the preview can show them.
pub fn read_funding(name: &str, bytes: &[u8]) -> Result<(FundingFile, Vec<String>), ImportErrors> {
    let crate::sheet::Sheet { file, header, rows } = crate::sheet::read_sheet(name, bytes)?;
    let header = &header;
    let has = |n: &str| header.iter().any(|h| key(h) == key(n));
    let movements = has("Référence") && has("Type") && !has("Intitulé");
    let mut errors = Vec::new();
    let spec: &[(&str, &[&str], bool)] = if movements {
        &MOVEMENT_COLUMNS
    } else {
        &APPLICATION_COLUMNS
    };
    let index = locate(&file, header, spec, &mut errors);
    if !errors.is_empty() {
        errors.push(ImportError::file_level(
            &file,
            "format non reconnu : attendu soit les dossiers (Guichet, Ministère, Intitulé, Coût total (€), Demandé (€), Début prévu, Fin prévue…), soit les mouvements (Dossier, Type, Date, Montant (€), Référence)",
        ));
        return Err(ImportErrors(errors));
    }
    let known: Vec<usize> = index.iter().flatten().copied().collect();
    let ignored: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(i, h)| {
            !known.contains(i) && !h.trim().is_empty() && !DERIVED.iter().any(|d| key(d) == key(h))
        })
        .map(|(_, h)| h.clone())
        .collect();
    let mut apps = Vec::new();
    let mut moves = Vec::new();
    for (line, cells) in &rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| index[k].and_then(|i| cells.get(i)).map_or("", |s| s.trim());
        let mut bad = |k: usize, message: String| {
            errors.push(ImportError {
                file: file.clone(),
                row: *line,
                column: spec[k].0.to_owned(),
                message,
            });
        };
        let mut required = |k: usize, what: &str| {
            let v = cell(k);
            if v.is_empty() {
                bad(k, format!("{what} obligatoire"));
            }
            v.to_owned()
        };
        if movements {
            let id = required(0, "identifiant du dossier");
            let kind = required(1, "type (AE ou CP)");
            let day = required(2, "date");
            let amount = required(3, "montant");
            let reference = required(4, "référence comptable");
            let id = id.trim_end_matches(".0").parse::<i64>();
            let kind = MovementKind::parse(&kind);
            let (day, amount) = (date(&day), euros(&amount));
            if cell(0).is_empty()
                || cell(1).is_empty()
                || cell(2).is_empty()
                || cell(3).is_empty()
                || reference.is_empty()
            {
                continue;
            }
            match (id, kind, day, amount) {
                (Ok(application_id), Some(kind), Some(date), Some(amount)) => {
                    moves.push(MovementRow {
                        line: *line,
                        application_id,
                        kind,
                        date,
                        amount,
                        reference,
                    })
                }
                (id, kind, day, amount) => {
                    if id.is_err() {
                        bad(0, "identifiant numérique attendu".into());
                    }
                    if kind.is_none() {
                        bad(
                            1,
                            format!("« {} » : AE (engagement) ou CP (paiement) attendu", cell(1)),
                        );
                    }
                    if day.is_none() {
                        bad(2, "date attendue (JJ/MM/AAAA ou AAAA-MM-JJ)".into());
                    }
                    if amount.is_none() {
                        bad(3, "montant en euros attendu".into());
                    }
                }
            }
            continue;
        }
        let window = required(1, "guichet");
        let ministry = required(2, "ministère");
        let title = required(3, "intitulé");
        let parse_date = |k: usize, bad: &mut dyn FnMut(usize, String)| match cell(k) {
            "" => None,
            v => date(v).or_else(|| {
                bad(
                    k,
                    format!("date attendue (JJ/MM/AAAA ou AAAA-MM-JJ), pas « {v} »"),
                );
                None
            }),
        };
        let parse_euros = |k: usize, bad: &mut dyn FnMut(usize, String)| match cell(k) {
            "" => None,
            v => euros(v).filter(|e| e.0 >= 0).or_else(|| {
                bad(k, format!("montant positif en euros attendu, pas « {v} »"));
                None
            }),
        };
        let id = match cell(0) {
            "" => None,
            v => match v.trim_end_matches(".0").parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    bad(0, "identifiant numérique attendu".into());
                    None
                }
            },
        };
        let status = match cell(5) {
            "" => None,
            v => Status::parse_fr(v).or_else(|| {
                bad(
                    5,
                    format!(
                        "statut inconnu : « {v} » (Déposé, En instruction, Retenu, Rejeté, Retiré)"
                    ),
                );
                None
            }),
        };
        let submitted_on = parse_date(6, &mut bad);
        let reviewed_on = parse_date(7, &mut bad);
        let decided_on = parse_date(8, &mut bad);
        let total_cost = parse_euros(9, &mut bad);
        let requested = parse_euros(10, &mut bad);
        let granted = parse_euros(11, &mut bad);
        let planned_start = parse_date(12, &mut bad);
        let planned_end = parse_date(13, &mut bad);
        let workload = match cell(15) {
            "" => None,
            v => workload(v).or_else(|| {
                bad(
                    15,
                    format!("« {v} » : écrivez SEMESTRE: MOIS-PERSONNES, par exemple 2022S2: 6"),
                );
                None
            }),
        };
        let mut missing = |k: usize, present: bool| {
            if !present && cell(k).is_empty() {
                bad(k, "valeur obligatoire".into());
            }
        };
        missing(9, total_cost.is_some());
        missing(10, requested.is_some());
        missing(12, planned_start.is_some());
        missing(13, planned_end.is_some());
        if let (Some(total_cost), Some(requested), Some(planned_start), Some(planned_end), false) = (
            total_cost,
            requested,
            planned_start,
            planned_end,
            window.is_empty() || ministry.is_empty() || title.is_empty(),
        ) {
            apps.push(ApplicationRow {
                line: *line,
                id,
                window,
                ministry,
                title: title.split_whitespace().collect::<Vec<_>>().join(" "),
                description: index[4].map(|_| cell(4).to_owned()),
                status,
                submitted_on,
                reviewed_on,
                decided_on,
                total_cost,
                requested,
                granted,
                planned_start,
                planned_end,
                motive: cell(14).to_owned(),
                workload,
            });
        }
    }
    if !errors.is_empty() {
        return Err(ImportErrors(errors));
    }
    let read = if movements {
        FundingFile::Movements(moves)
    } else {
        FundingFile::Applications(apps)
    };
    Ok((read, ignored))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn reads_applications_in_the_export_layout() {
        let csv = "\u{feff}Situation au;Identifiant;Guichet;Ministère;Intitulé;Statut;Déposé le;Instruit le;Décision le;Coût total (€);Demandé (€);Accordé (€);AE engagées (€);CP payés (€);Restes à payer (€);Début prévu;Fin prévue;Motif;Charge interne\n\
31/12/2022;12;ITN5;MEF;Entrepôt  de données;Retenu;01/03/2021;15/03/2021;2021-05-01;1 000 000;750000;700 000;0;0;0;01/06/2021;30/11/2022;Retenu;\"2021S2: 4; 2022S1: 6\"\n\
;;ITN9;MININT;Migration;;2021-04-01;;;400000;300000;;;;;2021-09-01;2022-09-01;;\n";
        let (FundingFile::Applications(rows), ignored) =
            read_funding("dossiers.csv", csv.as_bytes()).unwrap()
        else {
            panic!("applications expected");
        };
        assert_eq!(rows.len(), 2);
        assert!(ignored.is_empty(), "{ignored:?}");
        let r = &rows[0];
        assert_eq!(
            (r.id, r.title.as_str(), r.status),
            (Some(12), "Entrepôt de données", Some(Status::Granted))
        );
        assert_eq!(
            (r.total_cost, r.granted),
            (Euros(1_000_000), Some(Euros(700_000)))
        );
        assert_eq!(r.decided_on, Some(date!(2021 - 05 - 01)));
        assert_eq!(r.workload.as_ref().map(Vec::len), Some(2));
        assert_eq!((rows[1].status, rows[1].workload.clone()), (None, None));
    }

    #[test]
    fn reads_an_accounting_extract_and_reports_bad_cells() {
        let ok = "Dossier;Type;Date;Montant (€);Référence\n12;AE;01/06/2021;700000;EJ-1\n12;CP;2021-09-01;-1 000,00;DP-9\n";
        let (FundingFile::Movements(m), _) = read_funding("chorus.csv", ok.as_bytes()).unwrap()
        else {
            panic!("movements expected");
        };
        assert_eq!(m[1].kind, MovementKind::Payment);
        assert_eq!(m[1].amount, Euros(-1000));
        let bad = "Dossier;Type;Date;Montant (€);Référence\nx;AE;01/06/2021;700000;EJ-1\n12;XX;demain;abc;EJ-2\n12;CP;01/06/2021;10;\n";
        let err = read_funding("chorus.csv", bad.as_bytes()).unwrap_err();
        let found: Vec<(usize, &str)> = err.0.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            found,
            [
                (2, "Dossier"),
                (3, "Type"),
                (3, "Date"),
                (3, "Montant (€)"),
                (4, "Référence")
            ]
        );
    }

    #[test]
    fn refuses_an_unknown_layout() {
        let err = read_funding("x.csv", b"Nom;Valeur\na;1\n").unwrap_err();
        assert!(err.0.last().unwrap().message.contains("format non reconnu"));
        assert!(err.0.iter().any(|e| e.column == "Guichet"));
    }
}
