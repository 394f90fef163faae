//! Open-data publication: which fields of a module are public, which stay
//! internal and which are withheld while a condition holds, and the tables a
//! release publishes once those rules are applied.
//!
//! A release never reads live data: it is built from [`Record`]s captured
//! when it is prepared (the release's *inputs*), the dataset's field
//! [`catalog`] and the [`Rules`] in force. [`publish`] is the only way from
//! records to a public [`Table`]; internal fields never reach it and withheld
//! values are replaced by their published mask (MP §1.3: the DINUM's sentence
//! in « Phase du projet en cours », nothing in the figures).
//!
//! Licence of every release: Licence Ouverte / Etalab 2.0, the licence of the
//! DINUM's own open data (the panorama and observatory datasets on
//! data.gouv.fr, MP §1.1, DM §2.1).

pub mod catalog;
pub mod changelog;
pub mod figures;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

/// The licence every release carries.
pub const LICENCE_NAME: &str = "etalab-2.0";
pub const LICENCE_TITLE: &str = "Licence Ouverte / Open Licence version 2.0";
pub const LICENCE_URL: &str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";

/// A published dataset: one per module that publishes open data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    /// The major-projects panorama (MP §1).
    Panorama,
    /// The online-services observatory (DM §1).
    Observatoire,
}

impl Dataset {
    pub const ALL: [Dataset; 2] = [Dataset::Panorama, Dataset::Observatoire];

    pub fn as_str(self) -> &'static str {
        match self {
            Dataset::Panorama => "panorama",
            Dataset::Observatoire => "observatoire",
        }
    }

    pub fn parse(s: &str) -> Option<Dataset> {
        Dataset::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn title_fr(self) -> &'static str {
        match self {
            Dataset::Panorama => "Panorama des grands projets numériques de l'État",
            Dataset::Observatoire => "Observatoire de la qualité des démarches en ligne",
        }
    }

    pub fn description_fr(self) -> &'static str {
        match self {
            Dataset::Panorama => {
                "Les grands projets numériques de l'État (coût complet estimé d'au moins 9 M€ ou enjeux particuliers) : ministère porteur, phase, début, durée, coût estimé, zone fonctionnelle et financement."
            }
            Dataset::Observatoire => {
                "Les démarches en ligne les plus utilisées, évaluées chaque trimestre sur les indicateurs de qualité de l'Observatoire (réalisable en ligne, satisfaction, accessibilité, Dites-le-nous une fois…)."
            }
        }
    }

    /// What the withholding condition of the dataset means, if it has one.
    pub fn condition_fr(self) -> Option<&'static str> {
        match self {
            Dataset::Panorama => Some(
                "projet marqué « chiffres non publiés » (appel d'offres ou trajectoire en révision)",
            ),
            Dataset::Observatoire => None,
        }
    }
}

/// What a rule lets out of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Published for every record.
    Public,
    /// Published, except for records where the dataset's condition holds:
    /// those get the field's mask instead.
    Withheld,
    /// Never published.
    Internal,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Withheld => "withheld",
            Visibility::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        [
            Visibility::Public,
            Visibility::Withheld,
            Visibility::Internal,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Visibility::Public => "Public",
            Visibility::Withheld => "Public sauf si la condition de retenue s'applique",
            Visibility::Internal => "Interne (jamais publié)",
        }
    }
}

/// The type of a field, as the Frictionless Table Schema names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    String,
    /// A URL (Table Schema `string`, format `uri`).
    Url,
    Number,
    Integer,
    Date,
    /// Written « Oui » / « Non ».
    Boolean,
}

/// One field a dataset may publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Stable key, used by rules (`cout_estime`, `satisfaction`).
    pub key: String,
    /// Column header, and the field's name in the Table Schema.
    pub name: String,
    pub kind: FieldKind,
    pub description: String,
    /// Unit of a number (`M€`, `années`, `%`), written in the schema.
    pub unit: Option<String>,
    /// Rules group fields: an indicator's value and level share one rule.
    pub rule_key: String,
    pub default: Visibility,
    /// Whether the dataset's withholding condition may apply to the field.
    pub withholdable: bool,
    /// What is published instead of a withheld value (empty = nothing).
    pub mask: String,
    /// The field states the release's own date (« Date de publication »,
    /// « Édition »): it changes with every release, so changelogs skip it.
    #[serde(default)]
    pub stamp: bool,
}

/// The rules in force for a dataset: each rule key's visibility. Keys not
/// listed take their field's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules(pub BTreeMap<String, Visibility>);

/// A rule that cannot be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} : {message}")]
pub struct RuleError {
    pub key: String,
    pub message: String,
}

impl Rules {
    /// The visibility of `field` under these rules.
    pub fn visibility(&self, field: &FieldSpec) -> Visibility {
        self.0
            .get(&field.rule_key)
            .copied()
            .unwrap_or(field.default)
    }

    /// Checks the rules against a catalog: every key names a rule of the
    /// catalog, and `withheld` only on fields the condition applies to.
    /// Fields the condition applies to cannot be made plainly public: their
    /// figures are masked whenever the condition holds, or not published.
    pub fn check(&self, fields: &[FieldSpec]) -> Result<(), RuleError> {
        for (key, v) in &self.0 {
            let Some(f) = fields.iter().find(|f| &f.rule_key == key) else {
                return Err(RuleError {
                    key: key.clone(),
                    message: "champ inconnu pour ce jeu de données".into(),
                });
            };
            match (v, f.withholdable) {
                (Visibility::Withheld, false) => {
                    return Err(RuleError {
                        key: key.clone(),
                        message: "la condition de retenue ne s'applique pas à ce champ".into(),
                    });
                }
                (Visibility::Public, true) => {
                    return Err(RuleError {
                        key: key.clone(),
                        message: "ce champ est retenu tant que la condition s'applique : « public » sans condition n'est pas permis".into(),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The rules with every default spelt out, in catalog order: what a
    /// release records of the rules it was built under.
    pub fn resolved(&self, fields: &[FieldSpec]) -> Vec<(String, Visibility)> {
        let mut out: Vec<(String, Visibility)> = Vec::new();
        for f in fields {
            if !out.iter().any(|(k, _)| *k == f.rule_key) {
                out.push((f.rule_key.clone(), self.visibility(f)));
            }
        }
        out
    }
}

/// A value of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Integer(i64),
    Date(Date),
    Bool(bool),
}

impl Value {
    pub fn text(s: &str) -> Value {
        if s.trim().is_empty() {
            Value::Empty
        } else {
            Value::Text(s.to_owned())
        }
    }

    /// The value as a French CSV cell: decimal comma, ISO dates (the Table
    /// Schema `date` default), « Oui » / « Non ».
    pub fn csv_cell(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) => s.clone(),
            Value::Number(x) => format!("{x}").replace('.', ","),
            Value::Integer(i) => i.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Bool(b) => if *b { "Oui" } else { "Non" }.to_owned(),
        }
    }

    /// The value as it reads on a page and in a changelog.
    pub fn display_fr(&self) -> String {
        match self {
            Value::Empty => "—".to_owned(),
            Value::Date(d) => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
            other => other.csv_cell(),
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(x) => Some(*x),
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// One object of a dataset as captured for a release: every field of the
/// catalog (internal ones included) and whether the dataset's withholding
/// condition holds for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Stable identifier of the object (project or démarche id).
    pub id: String,
    /// What the changelog calls the record (its name).
    pub label: String,
    pub values: BTreeMap<String, Value>,
    pub withheld: bool,
}

/// A public table: the published columns and, per record, their values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub fields: Vec<FieldSpec>,
    pub rows: Vec<Row>,
}

/// One published row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub label: String,
    /// In the order of [`Table::fields`].
    pub values: Vec<Value>,
}

impl Table {
    /// The value of the field with key `key` in `row`.
    pub fn value<'a>(&self, row: &'a Row, key: &str) -> Option<&'a Value> {
        self.fields
            .iter()
            .position(|f| f.key == key)
            .and_then(|i| row.values.get(i))
    }

    pub fn has_field(&self, key: &str) -> bool {
        self.fields.iter().any(|f| f.key == key)
    }
}

/// Applies the rules: keeps the catalog's non-internal fields in catalog
/// order, and for each record its values, masked where the condition holds.
/// Every record gives exactly one row (none is dropped), in input order.
pub fn publish(fields: &[FieldSpec], rules: &Rules, records: &[Record]) -> Table {
    let published: Vec<FieldSpec> = fields
        .iter()
        .filter(|f| rules.visibility(f) != Visibility::Internal)
        .cloned()
        .collect();
    let rows = records
        .iter()
        .map(|r| Row {
            id: r.id.clone(),
            label: r.label.clone(),
            values: published
                .iter()
                .map(|f| {
                    let masked =
                        r.withheld && f.withholdable && rules.visibility(f) == Visibility::Withheld;
                    if masked {
                        Value::text(&f.mask)
                    } else {
                        r.values.get(&f.key).cloned().unwrap_or(Value::Empty)
                    }
                })
                .collect(),
        })
        .collect();
    Table {
        fields: published,
        rows,
    }
}

/// Where a release stands. Prepared releases are under embargo: only the
/// DINUM sees them until an administrator or the committee's chair
/// publishes them. Published releases never change; a prepared one may be
/// discarded instead (it is kept, never shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStatus {
    Embargoed,
    Published,
    Discarded,
}

impl ReleaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Embargoed => "embargoed",
            ReleaseStatus::Published => "published",
            ReleaseStatus::Discarded => "discarded",
        }
    }

    pub fn parse(s: &str) -> Option<ReleaseStatus> {
        [
            ReleaseStatus::Embargoed,
            ReleaseStatus::Published,
            ReleaseStatus::Discarded,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            ReleaseStatus::Embargoed => "Sous embargo",
            ReleaseStatus::Published => "Publiée",
            ReleaseStatus::Discarded => "Abandonnée",
        }
    }
}

/// A release's number, dataset and dates, as its files state them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseId {
    pub dataset: Dataset,
    pub number: i64,
    /// The date the data describe.
    pub as_of: Date,
    /// The day the release was prepared (its files' creation date).
    pub prepared_on: Date,
}

impl ReleaseId {
    /// `panorama-v3`: the release's name in file names and the data package.
    pub fn name(&self) -> String {
        format!("{}-v{}", self.dataset.as_str(), self.number)
    }
}

/// The method a release's figures follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Methodology {
    pub code: String,
    pub label: String,
}

/// Everything a release is built from, and nothing else: the same inputs
/// always give the same files, byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseInputs {
    pub id: ReleaseId,
    pub methodology: Methodology,
    pub fields: Vec<FieldSpec>,
    pub rules: Rules,
    pub records: Vec<Record>,
    /// The previous published release, for the changelog.
    pub previous: Option<PreviousRelease>,
}

/// The previous release as it was published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviousRelease {
    pub number: i64,
    pub as_of: Date,
    pub methodology: Methodology,
    pub table: Table,
}

impl ReleaseInputs {
    /// The public table of the release.
    pub fn table(&self) -> Table {
        publish(&self.fields, &self.rules, &self.records)
    }
}

#[cfg(test)]
mod tests;
