//! An edition of the online-services observatory in its open-data layout
//! (`shared/reference/demarches.md` §2.1, cited "DM"): one line per démarche,
//! one column per indicator of the edition's method, both ways.
//!
//! Headers are matched tolerantly: accents, case, underscores and runs of
//! spaces do not matter, and each column is known under the names it has
//! had (the indicator's label, the VDE export's cleaned names, the Grist
//! column names). Grist and the 2025 export store percentages as fractions
//! (DM §2.1); those columns are converted to points on reading.

use cosinum_domain::demarches::demarche::{EditionCell, EditionRow};
use cosinum_domain::demarches::{Assessment, Indicator, Method, RawValue, assess, parse_raw};
use time::Date;

use crate::error::{ImportError, ImportErrors};
use crate::text::{fold, parse_decimal};
use crate::xlsx_out::Cell;

/// How a column's numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// In the indicator's own unit (points for percentages).
    AsIs,
    /// A fraction of 1, for a percentage indicator (Grist, DM §2.1).
    Fraction,
    /// A fraction when ≤ 1, else points (`Taux_Dispo`: the export's type
    /// allows both, and an availability of 1 % is not a real value).
    FractionIfAtMostOne,
}

/// Other names of indicator columns, per method: `(method, slug, header, unit)`.
/// The indicator's own label is always accepted too.
const ALIASES: &[(&str, &str, &str, Unit)] = &[
    ("v2019", "online", "statutDemat", Unit::AsIs),
    ("v2019", "satisfaction", "Satisfaction usagers", Unit::AsIs),
    ("v2019", "satisfaction", "satisfactionIndex", Unit::AsIs),
    (
        "v2019",
        "handicap_v1",
        "Prise en compte des handicaps",
        Unit::AsIs,
    ),
    (
        "v2019",
        "help_reachable_v1",
        "Support accessible",
        Unit::AsIs,
    ),
    (
        "v2019",
        "help_reachable_v1",
        "Support de qualité",
        Unit::AsIs,
    ),
    ("v2019", "help_reachable_v1", "qualiteSupport", Unit::AsIs),
    ("v2019", "mobile", "adapteMobile", Unit::AsIs),
    ("v2019", "franceconnect", "FranceConnect", Unit::AsIs),
    ("v2019", "dlnuf_v1", "DLNUF", Unit::AsIs),
    ("v2019", "dlnuf_v1", "ditesLeNousUneFois", Unit::AsIs),
    ("v2023", "online", "Statut_En_ligne", Unit::AsIs),
    ("v2023", "satisfaction", "Note_Satisfaction", Unit::AsIs),
    ("v2023", "handicap", "Taux_RGAA_Publie", Unit::Fraction),
    ("v2023", "handicap", "Taux_Audit_RGAA", Unit::Fraction),
    ("v2023", "dlnuf", "Score_DLNUF", Unit::AsIs),
    ("v2023", "usage", "Recours_au_Numerique", Unit::Fraction),
    ("v2023", "usage", "pct_Recours_au_Numerique", Unit::Fraction),
    ("v2023", "auth", "FranceConnect", Unit::AsIs),
    ("v2023", "simplicity", "Note_Clarte_Langage", Unit::AsIs),
    ("v2023", "help_reachable", "Aide_Joignable", Unit::Fraction),
    ("v2023", "help_efficient", "Aide_Efficace", Unit::AsIs),
    ("v2023", "help_used", "Niveau_Autonomie", Unit::Fraction),
    ("v2023", "uptime", "Taux_Dispo", Unit::FractionIfAtMostOne),
    (
        "v2023",
        "uptime",
        "Dashlord_UpDown_Dispo",
        Unit::FractionIfAtMostOne,
    ),
    ("v2023", "performance", "Tps_Moy_Chargement", Unit::AsIs),
    (
        "v2023",
        "performance",
        "Dashlord_UpDown_Tps_Moy_Chargement",
        Unit::AsIs,
    ),
];

/// The démarche's own columns and their names. The first name is ours (the
/// export's header).
const FIELDS: [(Field, &[&str]); 9] = [
    (Field::Id, &["Identifiant cosinum", "Identifiant", "id"]),
    (
        Field::Ministry,
        &[
            "Ministère",
            "Ministere_politique",
            "Nom_Ministere",
            "ministere",
        ],
    ),
    (
        Field::Administration,
        &[
            "Administration",
            "Ref_Administration",
            "Nom_Administration",
            "Direction",
        ],
    ),
    (
        Field::Name,
        &["Démarche", "Nom_Demarche", "Nom de la démarche", "title"],
    ),
    (
        Field::Audiences,
        &["Publics", "Categories_Usagers", "categoriesPublics"],
    ),
    (Field::Url, &["URL", "URL_Demarche", "urlDemarche"]),
    (
        Field::AnnualVolume,
        &["Volumétrie totale", "Volumetrie_Totale", "volumetrie"],
    ),
    (
        Field::OnlineVolume,
        &["Volumétrie en ligne", "Volumetrie_En_Ligne"],
    ),
    (
        Field::OnlineSince,
        &["Date de mise en ligne", "dateMiseEnLigne"],
    ),
];

/// Suffix of the derived columns our exports add after each value.
pub const LEVEL_SUFFIX: &str = " — niveau";

/// Columns our exports start with, naming the edition and its method: they
/// describe the file and are not read back (the edition is chosen on import).
pub const INFO_COLUMNS: [&str; 2] = ["Édition", "Méthode"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Ministry,
    Administration,
    Name,
    Audiences,
    Url,
    AnnualVolume,
    OnlineVolume,
    OnlineSince,
}

/// A file read: its rows and what became of each column.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservatoireFile {
    pub rows: Vec<EditionRow>,
    /// `(header, indicator slug)` for each indicator column recognised.
    pub indicator_columns: Vec<(String, &'static str)>,
    /// Headers neither recognised nor derived: shown to the user, not read.
    pub ignored_columns: Vec<String>,
}

/// The names a field is known under (the first is ours).
fn names_of(field: Field) -> &'static [&'static str] {
    FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(&[][..], |(_, names)| names)
}

fn key(s: &str) -> String {
    fold(&s.replace('_', " "))
}

/// The header of our exports (and of the blank template) for a method.
pub fn header(method: &Method) -> Vec<String> {
    let mut h: Vec<String> = INFO_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    h.extend(FIELDS.iter().map(|(_, n)| n[0].to_owned()));
    for i in method.indicators {
        h.push(i.label_fr.to_owned());
        h.push(format!("{}{LEVEL_SUFFIX}", i.label_fr));
    }
    h
}

/// Writes a number the French way, at most 6 decimals ("85,5", "8", "0,25").
fn french(x: f64) -> String {
    let rounded = (x * 1e6).round() / 1e6;
    format!("{rounded}").replace('.', ",")
}

/// Reads a file (`name` decides the format: `.xlsx` or CSV) as an edition
/// under `method`. Every problem is reported with its row and column, and
/// nothing is returned unless the whole file is valid: each value must fit a
/// level of its indicator, as the edition's method defines them.
pub fn read_observatoire(
    name: &str,
    bytes: &[u8],
    method: &Method,
) -> Result<ObservatoireFile, ImportErrors> {
    let crate::sheet::Sheet { file, header, rows } = crate::sheet::read_sheet(name, bytes)?;
    let header = &header;
    let mut fields: Vec<(Field, usize)> = Vec::new();
    let mut indicators: Vec<(usize, &'static str, Unit)> = Vec::new();
    let mut out = ObservatoireFile {
        rows: Vec::new(),
        indicator_columns: Vec::new(),
        ignored_columns: Vec::new(),
    };
    let mut errors = Vec::new();
    let derived: Vec<String> = method
        .indicators
        .iter()
        .map(|i| key(&format!("{}{LEVEL_SUFFIX}", i.label_fr)))
        .chain(INFO_COLUMNS.iter().map(|c| key(c)))
        .collect();
    for (col, h) in header.iter().enumerate() {
        let k = key(h);
        if k.is_empty() || derived.contains(&k) {
            continue;
        }
        let field = FIELDS
            .iter()
            .find(|(_, names)| names.iter().any(|n| key(n) == k));
        let indicator = method
            .indicators
            .iter()
            .find(|i| key(i.label_fr) == k)
            .map(|i| (i.slug, Unit::AsIs))
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|(m, _, n, _)| *m == method.code && key(n) == k)
                    .map(|(_, slug, _, unit)| (*slug, *unit))
            });
        let mut duplicate = |what: &str| {
            errors.push(ImportError {
                file: file.clone(),
                row: 1,
                column: h.clone(),
                message: format!("deux colonnes pour {what}"),
            });
        };
        match (field, indicator) {
            (Some((f, names)), _) => {
                if fields.iter().any(|(g, _)| g == f) {
                    duplicate(&format!("« {} »", names[0]));
                }
                fields.push((*f, col));
            }
            (None, Some((slug, unit))) => {
                if indicators.iter().any(|(_, s, _)| *s == slug) {
                    duplicate(&format!("l'indicateur « {slug} »"));
                }
                indicators.push((col, slug, unit));
                out.indicator_columns.push((h.clone(), slug));
            }
            (None, None) => out.ignored_columns.push(h.clone()),
        }
    }
    let column = |f: Field| fields.iter().find(|(g, _)| *g == f).map(|(_, c)| *c);
    for required in [Field::Ministry, Field::Name] {
        if column(required).is_none() {
            let names = names_of(required);
            errors.push(ImportError {
                file: file.clone(),
                row: 1,
                column: names[0].into(),
                message: format!(
                    "colonne absente de l'en-tête (noms reconnus : {})",
                    names.join(", ")
                ),
            });
        }
    }
    if indicators.is_empty() {
        errors.push(ImportError {
            file: file.clone(),
            row: 1,
            column: String::new(),
            message: format!(
                "aucune colonne d'indicateur de la méthode « {} » (attendues : {})",
                method.label_fr,
                method
                    .indicators
                    .iter()
                    .map(|i| i.label_fr)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if !errors.is_empty() {
        return Err(ImportErrors(errors));
    }

    for (line, cells) in &rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let at = |c: usize| cells.get(c).map_or("", |s| s.trim());
        let get = |f: Field| column(f).map(at).filter(|s| !s.is_empty());
        // The column a field was read from (it exists: the value came from it).
        let name_of =
            |f: Field| column(f).map_or_else(|| names_of(f)[0].to_owned(), |c| header[c].clone());
        let mut bad = |column: String, message: String| {
            errors.push(ImportError {
                file: file.clone(),
                row: *line,
                column,
                message,
            });
        };
        let id = match get(Field::Id) {
            None => None,
            Some(v) => match v.trim_end_matches(".0").parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    bad(name_of(Field::Id), "identifiant numérique attendu".into());
                    None
                }
            },
        };
        let ministry = get(Field::Ministry).unwrap_or_default().to_owned();
        if ministry.is_empty() {
            bad(
                name_of(Field::Ministry),
                "ministère obligatoire (code, par exemple MININT, ou nom)".into(),
            );
        }
        let name = get(Field::Name)
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            bad(
                name_of(Field::Name),
                "nom de la démarche obligatoire".into(),
            );
        }
        let mut volume = |f: Field| {
            let v = get(f)?;
            match parse_decimal(v).filter(|x| *x >= 0.0 && x.fract() == 0.0) {
                Some(x) => Some(x as i64),
                None => {
                    bad(
                        name_of(f),
                        format!("nombre entier positif attendu, pas « {v} »"),
                    );
                    None
                }
            }
        };
        let annual_volume = volume(Field::AnnualVolume);
        let online_volume = volume(Field::OnlineVolume);
        let online_since = get(Field::OnlineSince).and_then(|v| match parse_date(v) {
            Some(d) => Some(d),
            None => {
                bad(
                    name_of(Field::OnlineSince),
                    format!("date attendue (JJ/MM/AAAA ou AAAA-MM-JJ), pas « {v} »"),
                );
                None
            }
        });
        let audiences = get(Field::Audiences).map(|v| {
            v.split([';', ',', '/'])
                .map(|a| fold(a).replace(' ', ""))
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>()
        });
        let mut values = Vec::with_capacity(indicators.len());
        for (col, slug, unit) in &indicators {
            let indicator = method.indicator(slug).expect("slug from the method");
            let text = at(*col);
            let raw = match (parse_raw(text), unit) {
                (RawValue::Number(x), Unit::Fraction) => french(x * 100.0),
                (RawValue::Number(x), Unit::FractionIfAtMostOne) if x <= 1.0 => french(x * 100.0),
                (RawValue::Number(x), _) => french(x),
                _ => text.to_owned(),
            };
            if let Assessment::Invalid(message) = assess(indicator, &parse_raw(&raw)) {
                bad(header[*col].clone(), message);
                continue;
            }
            values.push(EditionCell {
                slug,
                raw,
                column: header[*col].clone(),
            });
        }
        out.rows.push(EditionRow {
            line: *line,
            id,
            ministry,
            administration: get(Field::Administration).map(str::to_owned),
            name,
            audiences,
            url: get(Field::Url).map(str::to_owned),
            annual_volume,
            online_volume,
            online_since,
            values,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ImportErrors(errors))
    }
}

/// A date cell: text (French or ISO) or an Excel serial number.
fn parse_date(v: &str) -> Option<Date> {
    crate::text::parse_date_cell(v)
}

/// The level a raw value reads as under an indicator, in French (for the
/// derived columns of an export).
pub fn level_label(indicator: &Indicator, raw: &str) -> &'static str {
    match assess(indicator, &parse_raw(raw)) {
        Assessment::Level { code, .. } => indicator.level(code).map_or("", |l| l.label_fr),
        Assessment::NotApplicable => "Non applicable",
        Assessment::NotYetMeasured => "Non mesuré",
        Assessment::Invalid(_) => "Valeur non reconnue",
    }
}

/// One démarche's line of an export, in [`header`]'s order: each value is
/// followed by its level, as the method reads it. Numbers are written as
/// numbers so spreadsheets can compute with them.
pub fn to_cells(edition: Date, method: &Method, row: &EditionRow) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_owned());
    let opt_text = |s: &Option<String>| s.as_deref().map_or(Cell::Empty, text);
    let number = |n: Option<i64>| n.map_or(Cell::Empty, |n| Cell::Number(n as f64));
    let mut cells = vec![
        Cell::Date(edition),
        text(method.code),
        row.id.map_or(Cell::Empty, |id| Cell::Number(id as f64)),
        text(&row.ministry),
        opt_text(&row.administration),
        text(&row.name),
        row.audiences
            .as_ref()
            .map_or(Cell::Empty, |a| text(&a.join(";"))),
        opt_text(&row.url),
        number(row.annual_volume),
        number(row.online_volume),
        row.online_since.map_or(Cell::Empty, Cell::Date),
    ];
    for i in method.indicators {
        match row.values.iter().find(|v| v.slug == i.slug) {
            Some(v) => {
                cells.push(match parse_raw(&v.raw) {
                    RawValue::Number(x) => Cell::Number(x),
                    _ => text(&v.raw),
                });
                cells.push(text(level_label(i, &v.raw)));
            }
            None => cells.extend([Cell::Empty, Cell::Empty]),
        }
    }
    cells
}

#[cfg(test)]
#[path = "observatoire_tests.rs"]
mod tests;
