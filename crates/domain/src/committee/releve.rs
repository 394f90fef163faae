//! The record of decisions ("relevé de décisions") of a session: drafted by
//! the secretariat (DINUM), validated by the chair, then published. A
//! published version never changes; correcting it opens a new version,
//! and every version stays readable.

use serde::{Deserialize, Serialize};

/// Where a version of the record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    /// Validated by the chair; the secretariat may now publish it.
    Validated,
    /// Sent to the members: immutable.
    Published,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Draft, Status::Validated, Status::Published];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Validated => "validated",
            Status::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Status::Draft => "Projet",
            Status::Validated => "Validé par la présidence",
            Status::Published => "Publié",
        }
    }

    pub fn badge(self) -> &'static str {
        match self {
            Status::Draft => "fr-badge--info",
            Status::Validated => "fr-badge--new",
            Status::Published => "fr-badge--success",
        }
    }
}

/// Who asks for a change of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The DINUM, which drafts and publishes.
    Secretariat,
    /// The chair of the committee, who validates.
    Chair,
}

/// Why a change of status is refused, in words for the user.
pub fn check_transition(from: Status, to: Status, by: Role) -> Result<(), &'static str> {
    match (from, to, by) {
        (Status::Draft, Status::Validated, Role::Chair) => Ok(()),
        (Status::Draft, Status::Validated, Role::Secretariat) => {
            Err("seule la présidence du comité valide le relevé")
        }
        (Status::Validated, Status::Published, Role::Secretariat | Role::Chair) => Ok(()),
        // The chair or the secretariat may reopen a validated draft for changes.
        (Status::Validated, Status::Draft, _) => Ok(()),
        (Status::Published, _, _) => {
            Err("un relevé publié ne change plus : ouvrez une nouvelle version")
        }
        (Status::Draft, Status::Published, _) => {
            Err("le relevé doit d'abord être validé par la présidence")
        }
        _ => Err("changement d'état impossible"),
    }
}

/// Whether the decisions of a session may still be reworded: only while its
/// latest record is a draft (or none exists). Follow-up (status, progress
/// notes) goes on whatever the record's state.
pub fn decisions_editable(latest: Option<Status>) -> bool {
    matches!(latest, None | Some(Status::Draft))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chair_validates_and_publication_freezes() {
        use Role::*;
        use Status::*;
        assert!(check_transition(Draft, Validated, Chair).is_ok());
        assert!(check_transition(Draft, Validated, Secretariat).is_err());
        assert!(check_transition(Draft, Published, Secretariat).is_err());
        assert!(check_transition(Validated, Published, Secretariat).is_ok());
        assert!(check_transition(Validated, Draft, Secretariat).is_ok());
        for to in Status::ALL {
            for by in [Chair, Secretariat] {
                assert!(check_transition(Published, to, by).is_err());
            }
        }
    }

    #[test]
    fn decisions_lock_once_the_record_leaves_draft() {
        assert!(decisions_editable(None));
        assert!(decisions_editable(Some(Status::Draft)));
        assert!(!decisions_editable(Some(Status::Validated)));
        assert!(!decisions_editable(Some(Status::Published)));
    }
}
