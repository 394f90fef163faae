//! Decisions of the committee and their follow-up: who owns each one, when
//! it is due, how often its owner must report progress, and the alerts the
//! DINUM chases (overdue, update missing) — peers.md §9.16.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::ObjectRef;
use crate::OrgId;
use crate::validation::{ValidationError, required_text};

/// Where a decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Decided, nothing done yet.
    Open,
    InProgress,
    Done,
    /// Dropped by a later decision.
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::InProgress,
        Status::Done,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Status::Open => "À engager",
            Status::InProgress => "En cours",
            Status::Done => "Réalisée",
            Status::Cancelled => "Abandonnée",
        }
    }

    /// DSFR badge class.
    pub fn badge(self) -> &'static str {
        match self {
            Status::Open => "fr-badge--info",
            Status::InProgress => "fr-badge--new",
            Status::Done => "fr-badge--success",
            Status::Cancelled => "",
        }
    }

    /// Still to follow up.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Open | Status::InProgress)
    }
}

/// How often the owner must report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Monthly,
    Quarterly,
    /// At each session only (twice a year).
    Biannual,
}

impl Frequency {
    pub const ALL: [Frequency; 3] = [
        Frequency::Monthly,
        Frequency::Quarterly,
        Frequency::Biannual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Biannual => "biannual",
        }
    }

    pub fn parse(s: &str) -> Option<Frequency> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Frequency::Monthly => "Mensuelle",
            Frequency::Quarterly => "Trimestrielle",
            Frequency::Biannual => "Semestrielle",
        }
    }

    /// The longest silence allowed between two progress notes.
    pub fn period(self) -> Duration {
        match self {
            Frequency::Monthly => Duration::days(31),
            Frequency::Quarterly => Duration::days(92),
            Frequency::Biannual => Duration::days(183),
        }
    }
}

/// A decision as written by the secretariat, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionInput {
    pub text: String,
    pub owner: OrgId,
    pub due_on: Date,
    pub frequency: Frequency,
    pub objects: Vec<ObjectRef>,
}

impl DecisionInput {
    /// `decided_on` is the meeting date: a decision is not due before it.
    pub fn validated(&self, decided_on: Date) -> Result<DecisionInput, ValidationError> {
        if self.due_on < decided_on {
            return Err(ValidationError::new(
                "due_on",
                "l'échéance ne peut précéder la séance",
            ));
        }
        let mut objects = self.objects.clone();
        objects.sort();
        objects.dedup_by(|a, b| a.kind == b.kind && a.id == b.id);
        Ok(DecisionInput {
            text: required_text("text", &self.text, 2000)?,
            objects,
            ..self.clone()
        })
    }
}

/// A progress note as written by the owner, checked.
pub fn note_text(text: &str) -> Result<String, ValidationError> {
    required_text("text", text, 4000)
}

/// What the follow-up of a decision needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUp {
    pub status: Status,
    pub decided_on: Date,
    pub due_on: Date,
    pub frequency: Frequency,
    /// The date of the last progress note, if any.
    pub last_update: Option<Date>,
}

/// An alert on a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Alert {
    /// Past its due date and not done.
    Overdue,
    /// No progress note within its update period.
    UpdateMissing,
}

impl Alert {
    pub fn label_fr(self) -> &'static str {
        match self {
            Alert::Overdue => "En retard",
            Alert::UpdateMissing => "Point d'avancement manquant",
        }
    }
}

/// The date by which the next progress note is expected: one period after
/// the last note, or after the meeting when there is none.
pub fn next_update_due(f: &FollowUp) -> Date {
    f.last_update.unwrap_or(f.decided_on).max(f.decided_on) + f.frequency.period()
}

/// The alerts on a decision as of `today`. Closed decisions raise none.
pub fn alerts(f: &FollowUp, today: Date) -> Vec<Alert> {
    if !f.status.is_open() {
        return vec![];
    }
    let mut out = vec![];
    if today > f.due_on {
        out.push(Alert::Overdue);
    }
    if today > next_update_due(f) {
        out.push(Alert::UpdateMissing);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn follow(status: Status, last: Option<Date>) -> FollowUp {
        FollowUp {
            status,
            decided_on: date!(2025 - 01 - 15),
            due_on: date!(2025 - 06 - 30),
            frequency: Frequency::Quarterly,
            last_update: last,
        }
    }

    #[test]
    fn overdue_after_the_due_date_only_while_open() {
        let f = follow(Status::InProgress, Some(date!(2025 - 06 - 01)));
        assert!(alerts(&f, date!(2025 - 06 - 30)).is_empty());
        assert_eq!(alerts(&f, date!(2025 - 07 - 01)), [Alert::Overdue]);
        assert!(alerts(&follow(Status::Done, None), date!(2026 - 01 - 01)).is_empty());
        assert!(alerts(&follow(Status::Cancelled, None), date!(2026 - 01 - 01)).is_empty());
    }

    #[test]
    fn update_missing_one_period_after_the_last_note() {
        let none = follow(Status::Open, None);
        assert_eq!(next_update_due(&none), date!(2025 - 04 - 17));
        assert!(alerts(&none, date!(2025 - 04 - 17)).is_empty());
        assert_eq!(alerts(&none, date!(2025 - 04 - 18)), [Alert::UpdateMissing]);
        let noted = follow(Status::Open, Some(date!(2025 - 04 - 10)));
        assert!(alerts(&noted, date!(2025 - 04 - 18)).is_empty());
    }

    #[test]
    fn a_decision_is_not_due_before_its_meeting() {
        let d = DecisionInput {
            text: "Présenter un plan de redressement".into(),
            owner: OrgId(3),
            due_on: date!(2025 - 01 - 01),
            frequency: Frequency::Monthly,
            objects: vec![],
        };
        assert_eq!(
            d.validated(date!(2025 - 01 - 15)).unwrap_err().field,
            "due_on"
        );
        assert!(d.validated(date!(2024 - 12 - 15)).is_ok());
        let blank = DecisionInput {
            text: " ".into(),
            ..d
        };
        assert_eq!(
            blank.validated(date!(2024 - 12 - 15)).unwrap_err().field,
            "text"
        );
    }

    proptest! {
        /// An open decision with a note written today never lacks an update,
        /// and a closed one never raises an alert.
        #[test]
        fn alerts_are_consistent(days in 0i64..2000, due in 0i64..800) {
            let decided = date!(2024 - 01 - 01);
            let today = decided + Duration::days(days);
            for frequency in Frequency::ALL {
                let f = FollowUp { status: Status::Open, decided_on: decided, due_on: decided + Duration::days(due), frequency, last_update: Some(today) };
                prop_assert!(!alerts(&f, today).contains(&Alert::UpdateMissing));
                prop_assert_eq!(alerts(&f, today).contains(&Alert::Overdue), days > due);
                let closed = FollowUp { status: Status::Done, ..f };
                prop_assert!(alerts(&closed, today).is_empty());
            }
        }
    }
}
