//! Collection campaigns (issue #13): the DINUM asks every ministry for a
//! periodic return — a review of each ongoing major project, the quarter's
//! indicators of each démarche — by a deadline, as of a reference date.
//! Opening a campaign creates one expected item per object; a ministry fills
//! its items (form or pre-filled template), attests the whole return, and
//! the DINUM accepts or returns each item before closing the campaign.
//!
//! This module holds the vocabulary and the rules; `fields` the values each
//! kind collects, `quality` the checks flagging suspicious values, and
//! `progress` completeness, lateness, reminders and the e-mail digest.

pub mod fields;
pub mod progress;
pub mod quality;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::validation::{ValidationError, required_text};

/// What a campaign collects, and so which objects get an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// A review of every ongoing major project (not finished, not abandoned).
    ProjectReview,
    /// The quality indicators of every active démarche, for the edition dated
    /// at the reference date.
    DemarcheIndicators,
    /// The HR return of each ministry and region that sent one before, for
    /// the year or semester ending at the reference date.
    HrReturn,
}

impl CampaignKind {
    pub const ALL: [CampaignKind; 3] = [
        CampaignKind::ProjectReview,
        CampaignKind::DemarcheIndicators,
        CampaignKind::HrReturn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignKind::ProjectReview => "project_review",
            CampaignKind::DemarcheIndicators => "demarche_indicators",
            CampaignKind::HrReturn => "hr_return",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            CampaignKind::ProjectReview => "Revue des grands projets",
            CampaignKind::DemarcheIndicators => "Indicateurs des démarches en ligne",
            CampaignKind::HrReturn => "Retours RH des équipes numériques",
        }
    }

    /// What one item is about, as the audit and the API name it.
    pub fn object_type(self) -> &'static str {
        match self {
            CampaignKind::ProjectReview => "project",
            CampaignKind::DemarcheIndicators => "demarche",
            CampaignKind::HrReturn => "hr_return",
        }
    }

    /// "une revue par grand projet en cours", for people.
    pub fn item_label_fr(self) -> &'static str {
        match self {
            CampaignKind::ProjectReview => "une revue par grand projet en cours",
            CampaignKind::DemarcheIndicators => "les indicateurs de chaque démarche active",
            CampaignKind::HrReturn => "un retour RH par ministère et par région",
        }
    }
}

/// A campaign is open (ministries answer) until the DINUM closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Open,
    Closed,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Open => "open",
            CampaignStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(CampaignStatus::Open),
            "closed" => Some(CampaignStatus::Closed),
            _ => None,
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            CampaignStatus::Open => "En cours",
            CampaignStatus::Closed => "Close",
        }
    }
}

/// Where one expected item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Nothing entered yet.
    NotStarted,
    /// Values entered by the ministry, not yet attested.
    Draft,
    /// Attested by the ministry, awaiting the DINUM.
    Submitted,
    /// Sent back by the DINUM with a comment; the ministry corrects it.
    Returned,
    /// Accepted: its values are in the module.
    Accepted,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 5] = [
        ItemStatus::NotStarted,
        ItemStatus::Draft,
        ItemStatus::Submitted,
        ItemStatus::Returned,
        ItemStatus::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::NotStarted => "not_started",
            ItemStatus::Draft => "draft",
            ItemStatus::Submitted => "submitted",
            ItemStatus::Returned => "returned",
            ItemStatus::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            ItemStatus::NotStarted => "Non commencé",
            ItemStatus::Draft => "Brouillon",
            ItemStatus::Submitted => "Transmis",
            ItemStatus::Returned => "À corriger",
            ItemStatus::Accepted => "Accepté",
        }
    }

    /// The DSFR badge variant showing the status.
    pub fn badge(self) -> &'static str {
        match self {
            ItemStatus::NotStarted => "fr-badge--error",
            ItemStatus::Draft => "fr-badge--info",
            ItemStatus::Submitted => "fr-badge--new",
            ItemStatus::Returned => "fr-badge--warning",
            ItemStatus::Accepted => "fr-badge--success",
        }
    }

    /// The ministry may (re)enter values: before attestation, or once returned.
    pub fn editable(self) -> bool {
        matches!(
            self,
            ItemStatus::NotStarted | ItemStatus::Draft | ItemStatus::Returned
        )
    }

    /// Counted as received by the DINUM.
    pub fn transmitted(self) -> bool {
        matches!(self, ItemStatus::Submitted | ItemStatus::Accepted)
    }
}

/// Checks that every item of a ministry's return is ready to be attested:
/// all entered (a returned item must be corrected first). Returns the
/// labels of the items still missing.
pub fn missing_for_attestation<'a>(
    items: impl IntoIterator<Item = (&'a str, ItemStatus)>,
) -> Vec<&'a str> {
    items
        .into_iter()
        .filter(|(_, s)| matches!(s, ItemStatus::NotStarted | ItemStatus::Returned))
        .map(|(label, _)| label)
        .collect()
}

/// What the DINUM decides on a submitted item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Return,
}

/// The fields of a new campaign, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignFields {
    pub title: String,
    pub kind: CampaignKind,
    /// "Data as of": the review date, or the démarches edition date.
    pub reference_date: Date,
    pub opens_on: Date,
    pub deadline: Date,
    /// Reminders sent this many days before the deadline (e.g. 14, 7, 2).
    pub reminder_days: Vec<u32>,
}

impl CampaignFields {
    /// Trims the title, checks the dates and sorts the reminders (latest last);
    /// errors name the field.
    pub fn validated(&self) -> Result<CampaignFields, ValidationError> {
        let title = required_text("title", &self.title, 200)?;
        if self.deadline < self.opens_on {
            return Err(ValidationError::new(
                "deadline",
                "l'échéance doit suivre l'ouverture de la campagne",
            ));
        }
        if self.kind == CampaignKind::HrReturn && fields::hr_period(self.reference_date).is_none() {
            return Err(ValidationError::new(
                "reference_date",
                "un retour RH porte sur un semestre ou une année : date de référence au 30/06 ou au 31/12",
            ));
        }
        let mut reminders = self.reminder_days.clone();
        reminders.sort_unstable_by(|a, b| b.cmp(a));
        reminders.dedup();
        if reminders.len() > 6 || reminders.iter().any(|d| !(1..=90).contains(d)) {
            return Err(ValidationError::new(
                "reminder_days",
                "au plus six relances, chacune entre 1 et 90 jours avant l'échéance",
            ));
        }
        Ok(CampaignFields {
            title,
            reminder_days: reminders,
            ..self.clone()
        })
    }
}

/// Reads "14, 7, 2" (days before the deadline); blank means no reminder.
pub fn parse_reminder_days(s: &str) -> Result<Vec<u32>, ValidationError> {
    s.split([',', ';', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<u32>().map_err(|_| {
                ValidationError::new(
                    "reminder_days",
                    format!("« {p} » n'est pas un nombre de jours (ex. « 14, 7, 2 »)"),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn fields() -> CampaignFields {
        CampaignFields {
            title: "  Revue S1 2026 ".into(),
            kind: CampaignKind::ProjectReview,
            reference_date: date!(2026 - 06 - 30),
            opens_on: date!(2026 - 06 - 01),
            deadline: date!(2026 - 07 - 15),
            reminder_days: vec![2, 14, 7, 7],
        }
    }

    #[test]
    fn validation_trims_sorts_and_refuses_bad_dates() {
        let v = fields().validated().unwrap();
        assert_eq!(v.title, "Revue S1 2026");
        assert_eq!(v.reminder_days, vec![14, 7, 2]);
        let mut bad = fields();
        bad.deadline = date!(2026 - 05 - 01);
        assert_eq!(bad.validated().unwrap_err().field, "deadline");
        let mut bad = fields();
        bad.reminder_days = vec![0];
        assert_eq!(bad.validated().unwrap_err().field, "reminder_days");
        let mut bad = fields();
        bad.title = "   ".into();
        assert_eq!(bad.validated().unwrap_err().field, "title");
    }

    #[test]
    fn reminder_days_parse_french_lists() {
        assert_eq!(parse_reminder_days("14, 7 ;2").unwrap(), vec![14, 7, 2]);
        assert!(parse_reminder_days("").unwrap().is_empty());
        assert!(parse_reminder_days("sept").is_err());
    }

    #[test]
    fn statuses_round_trip_and_gate_edits() {
        for s in ItemStatus::ALL {
            assert_eq!(ItemStatus::parse(s.as_str()), Some(s));
        }
        for k in CampaignKind::ALL {
            assert_eq!(CampaignKind::parse(k.as_str()), Some(k));
        }
        assert!(ItemStatus::Returned.editable());
        assert!(!ItemStatus::Submitted.editable());
        assert!(!ItemStatus::Accepted.editable());
        let missing = missing_for_attestation([
            ("A", ItemStatus::Draft),
            ("B", ItemStatus::NotStarted),
            ("C", ItemStatus::Returned),
            ("D", ItemStatus::Accepted),
        ]);
        assert_eq!(missing, vec!["B", "C"]);
    }
}
