//! What users made of a candidate the reuse finder proposed: the ministry
//! reuses it, finds it not relevant, or wants it discussed in committee
//! (issue #8). Stored per (object, candidate) pair and shown wherever the
//! pair appears, so the same false lead is not raised at every session.

use serde::{Deserialize, Serialize};

use crate::validation::{ValidationError, optional_text};

/// The verdict on a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The ministry reuses (or will reuse) what the other one built.
    Reused,
    /// Not the same problem, or not reusable.
    NotRelevant,
    /// To put on the committee's agenda.
    Committee,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [Verdict::Reused, Verdict::NotRelevant, Verdict::Committee];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Reused => "reused",
            Verdict::NotRelevant => "not_relevant",
            Verdict::Committee => "committee",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Verdict::Reused => "Réutilisé",
            Verdict::NotRelevant => "Non pertinent",
            Verdict::Committee => "À discuter en comité",
        }
    }

    /// The DSFR badge colour: success, neutral, warning.
    pub fn badge(self) -> &'static str {
        match self {
            Verdict::Reused => "fr-badge--success",
            Verdict::NotRelevant => "",
            Verdict::Committee => "fr-badge--warning",
        }
    }
}

/// The kinds of objects the finder compares (as in the search index).
pub const KINDS: [&str; 4] = ["project", "application", "funding_application", "plan_line"];

/// A verdict as written by a user, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackInput {
    pub source_kind: String,
    pub source_id: i64,
    pub candidate_kind: String,
    pub candidate_id: i64,
    pub verdict: Verdict,
    pub note: String,
}

impl FeedbackInput {
    /// Refuses unknown kinds, a pair of an object with itself, and an
    /// over-long note.
    pub fn validated(mut self) -> Result<FeedbackInput, ValidationError> {
        for (field, kind) in [
            ("source_kind", &self.source_kind),
            ("candidate_kind", &self.candidate_kind),
        ] {
            if !KINDS.contains(&kind.as_str()) {
                return Err(ValidationError::new(
                    field,
                    format!("type inconnu : {kind} (attendu : {})", KINDS.join(", ")),
                ));
            }
        }
        if self.source_kind == self.candidate_kind && self.source_id == self.candidate_id {
            return Err(ValidationError::new(
                "candidate_id",
                "un objet ne peut pas être son propre candidat",
            ));
        }
        self.note = optional_text("note", Some(&self.note), 2000)?.unwrap_or_default();
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> FeedbackInput {
        FeedbackInput {
            source_kind: "plan_line".into(),
            source_id: 1,
            candidate_kind: "project".into(),
            candidate_id: 1,
            verdict: Verdict::Committee,
            note: "  à voir  ".into(),
        }
    }

    #[test]
    fn verdicts_round_trip_and_unknown_is_refused() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("maybe"), None);
    }

    #[test]
    fn validation_trims_the_note_and_refuses_bad_pairs() {
        assert_eq!(input().validated().expect("valid").note, "à voir");
        let mut same = input();
        same.candidate_kind = "plan_line".into();
        assert_eq!(same.validated().expect_err("itself").field, "candidate_id");
        let mut unknown = input();
        unknown.source_kind = "demarche".into();
        assert_eq!(
            unknown.validated().expect_err("unknown").field,
            "source_kind"
        );
        let mut long = input();
        long.note = "x".repeat(2001);
        assert_eq!(long.validated().expect_err("long").field, "note");
    }
}
