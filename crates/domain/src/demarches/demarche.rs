//! A tracked online procedure ("démarche") and the validation of its fields.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::OrgId;
use crate::validation::{ValidationError, required_text};

/// Who a démarche serves (DM §1.4 "public categories").
pub const AUDIENCES: [&str; 4] = [
    "particuliers",
    "professionnels",
    "associations",
    "collectivites",
];

/// A démarche as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demarche {
    pub id: i64,
    /// The owning ministry.
    pub organisation_id: OrgId,
    /// The administration that runs it (e.g. "DGFiP", "CNAF").
    pub administration: String,
    pub name: String,
    pub audiences: Vec<String>,
    pub url: String,
    /// Completions per year, all channels.
    pub annual_volume: Option<i64>,
    /// Of which online.
    pub online_volume: Option<i64>,
    pub online_since: Option<Date>,
    pub archived: bool,
    pub version: i64,
}

/// The editable fields of a démarche, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemarcheFields {
    pub organisation_id: OrgId,
    pub administration: String,
    pub name: String,
    pub audiences: Vec<String>,
    pub url: String,
    pub annual_volume: Option<i64>,
    pub online_volume: Option<i64>,
    pub online_since: Option<Date>,
}

impl DemarcheFields {
    /// Checks and normalises the fields.
    pub fn validated(mut self) -> Result<DemarcheFields, ValidationError> {
        self.name = required_text("name", &self.name, 300)?;
        self.administration = required_text("administration", &self.administration, 200)?;
        for a in &mut self.audiences {
            *a = a.trim().to_lowercase().replace('é', "e");
            if !AUDIENCES.contains(&a.as_str()) {
                return Err(ValidationError::new(
                    "audiences",
                    format!("public inconnu : {a}"),
                ));
            }
        }
        self.audiences.sort();
        self.audiences.dedup();
        let url = self.url.trim();
        let http = url.starts_with("https://") || url.starts_with("http://");
        if !url.is_empty() && !http {
            return Err(ValidationError::new("url", "adresse http(s) attendue"));
        }
        self.url = url.to_owned();
        if self.annual_volume.is_some_and(|v| v < 0) || self.online_volume.is_some_and(|v| v < 0) {
            return Err(ValidationError::new(
                "annual_volume",
                "un volume ne peut pas être négatif",
            ));
        }
        if let (Some(total), Some(online)) = (self.annual_volume, self.online_volume)
            && online > total
        {
            return Err(ValidationError::new(
                "online_volume",
                "le volume en ligne dépasse le volume total",
            ));
        }
        Ok(self)
    }

    /// Share of completions made online (DM §1.4 "% recours à la voie dématérialisée").
    pub fn online_rate(&self) -> Option<f64> {
        match (self.online_volume, self.annual_volume) {
            (Some(o), Some(t)) if t > 0 => Some(o as f64 / t as f64),
            _ => None,
        }
    }
}

/// One démarche's line of an edition file (the Observatoire's open-data
/// layout, DM §2.1), each cell read on its own. Optional descriptive fields
/// are `None` when the file has no such column or the cell is blank: the
/// import then keeps what the platform knows.
#[derive(Debug, Clone, PartialEq)]
pub struct EditionRow {
    /// Spreadsheet row (header = 1).
    pub line: usize,
    /// cosinum's identifier, when the file comes from one of our exports.
    pub id: Option<i64>,
    /// Ministry as written (code, acronym or name).
    pub ministry: String,
    pub administration: Option<String>,
    pub name: String,
    pub audiences: Option<Vec<String>>,
    pub url: Option<String>,
    pub annual_volume: Option<i64>,
    pub online_volume: Option<i64>,
    pub online_since: Option<Date>,
    /// The indicator values present in the file.
    pub values: Vec<EditionCell>,
}

/// One indicator value of an [`EditionRow`].
#[derive(Debug, Clone, PartialEq)]
pub struct EditionCell {
    pub slug: &'static str,
    /// The value as it will be stored (French decimals, sentinels kept).
    pub raw: String,
    /// The file's column header, for messages.
    pub column: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> DemarcheFields {
        DemarcheFields {
            organisation_id: OrgId(1),
            administration: "DGFiP".into(),
            name: " Déclaration de revenus ".into(),
            audiences: vec!["Particuliers".into(), "particuliers".into()],
            url: "https://www.impots.gouv.fr".into(),
            annual_volume: Some(40_000_000),
            online_volume: Some(28_000_000),
            online_since: None,
        }
    }

    #[test]
    fn validation_normalises_and_refuses() {
        let f = fields().validated().unwrap();
        assert_eq!(f.name, "Déclaration de revenus");
        assert_eq!(f.audiences, vec!["particuliers"]);
        assert_eq!(f.online_rate(), Some(0.7));
        let bad = DemarcheFields {
            online_volume: Some(50_000_000),
            ..fields()
        };
        assert_eq!(bad.validated().unwrap_err().field, "online_volume");
        let bad = DemarcheFields {
            audiences: vec!["touristes".into()],
            ..fields()
        };
        assert_eq!(bad.validated().unwrap_err().field, "audiences");
        let bad = DemarcheFields {
            url: "impots.gouv.fr".into(),
            ..fields()
        };
        assert_eq!(bad.validated().unwrap_err().field, "url");
    }
}
