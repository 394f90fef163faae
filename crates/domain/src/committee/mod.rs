//! The committee (issue #9): COSINUM sessions, their agenda, the briefing
//! sheets ("fiches") frozen as of the meeting, the record of decisions
//! ("relevé de décisions") and the follow-up of each decision.
//!
//! Nothing here does I/O: the web layer gathers the module figures and
//! hands them to these functions, so the rules that put a point on the
//! agenda, the diff between two sessions and the follow-up alerts are all
//! unit- and property-tested in isolation. Why the loop matters:
//! `../shared/reference/peers.md` §9 (1, 2, 16).

pub mod decisions;
pub mod documents;
pub mod fiche;
pub mod releve;
pub mod rules;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::validation::{ValidationError, optional_text, required_text};

/// The topic of an agenda point: one per module the committee reviews, a
/// follow-up point on open decisions, or anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Projects,
    Demarches,
    Funding,
    Cloud,
    Talent,
    Reuse,
    FollowUp,
    Other,
}

impl Topic {
    pub const ALL: [Topic; 8] = [
        Topic::Projects,
        Topic::Demarches,
        Topic::Funding,
        Topic::Cloud,
        Topic::Talent,
        Topic::Reuse,
        Topic::FollowUp,
        Topic::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Projects => "projects",
            Topic::Demarches => "demarches",
            Topic::Funding => "funding",
            Topic::Cloud => "cloud",
            Topic::Talent => "talent",
            Topic::Reuse => "reuse",
            Topic::FollowUp => "follow_up",
            Topic::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Topic> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Topic::Projects => "Grands projets",
            Topic::Demarches => "Démarches en ligne",
            Topic::Funding => "Financements",
            Topic::Cloud => "Hébergement (cloud au centre)",
            Topic::Talent => "Talents numériques",
            Topic::Reuse => "Réutilisation",
            Topic::FollowUp => "Suivi des décisions",
            Topic::Other => "Divers",
        }
    }
}

/// Where a point is held: in a room, online, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    InPerson,
    Online,
    Hybrid,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::InPerson, Format::Online, Format::Hybrid];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::InPerson => "in_person",
            Format::Online => "online",
            Format::Hybrid => "hybrid",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Format::InPerson => "En présentiel",
            Format::Online => "En ligne",
            Format::Hybrid => "Hybride",
        }
    }
}

/// An object of another module that a point, a fiche or a decision is
/// about: `project:12`, `application:3`, `funding_application:7`,
/// `organisation:4`, `demarche:88`, `plan_line:5`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: String,
    pub id: i64,
    /// A readable name as of when the link was made (the object may be
    /// renamed or removed later; the record keeps what was discussed).
    pub label: String,
}

/// The kinds of objects a committee item may link to.
pub const OBJECT_KINDS: [&str; 7] = [
    "project",
    "demarche",
    "funding_application",
    "application",
    "plan_line",
    "organisation",
    "avis",
];

impl ObjectRef {
    /// `kind:id`, the key other pages look decisions up by.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind, self.id)
    }

    /// Parses `kind:id`.
    pub fn parse_key(s: &str) -> Option<(String, i64)> {
        let (kind, id) = s.trim().split_once(':')?;
        let id = id.trim().parse().ok().filter(|i: &i64| *i > 0)?;
        OBJECT_KINDS
            .contains(&kind.trim())
            .then(|| (kind.trim().to_owned(), id))
    }
}

/// A session as written by a user, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInput {
    pub title: String,
    pub held_on: Date,
    /// The date the figures are taken as of (at most the meeting date).
    pub cut_off: Date,
    pub format: Format,
    pub place: Option<String>,
}

impl SessionInput {
    pub fn validated(&self) -> Result<SessionInput, ValidationError> {
        if self.cut_off > self.held_on {
            return Err(ValidationError::new(
                "cut_off",
                "la date d'arrêté des données doit précéder la séance",
            ));
        }
        let place = optional_text("place", self.place.as_deref(), 200)?;
        if self.format != Format::Online && place.is_none() {
            return Err(ValidationError::new(
                "place",
                "indiquez le lieu d'une séance en présentiel ou hybride",
            ));
        }
        Ok(SessionInput {
            title: required_text("title", &self.title, 200)?,
            place,
            ..self.clone()
        })
    }
}

/// An agenda point as written by a user, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointInput {
    pub title: String,
    pub topic: Topic,
    pub presenter: String,
    pub duration_minutes: i64,
    pub objects: Vec<ObjectRef>,
}

impl PointInput {
    pub fn validated(&self) -> Result<PointInput, ValidationError> {
        if !(1..=240).contains(&self.duration_minutes) {
            return Err(ValidationError::new(
                "duration_minutes",
                "une durée entre 1 et 240 minutes",
            ));
        }
        if let Some(o) = self
            .objects
            .iter()
            .find(|o| !OBJECT_KINDS.contains(&o.kind.as_str()))
        {
            return Err(ValidationError::new(
                "objects",
                format!("type d'objet inconnu : {}", o.kind),
            ));
        }
        let mut objects = self.objects.clone();
        objects.sort();
        objects.dedup_by(|a, b| a.kind == b.kind && a.id == b.id);
        Ok(PointInput {
            title: required_text("title", &self.title, 300)?,
            presenter: optional_text("presenter", Some(&self.presenter), 200)?.unwrap_or_default(),
            objects,
            ..self.clone()
        })
    }
}

/// A date as French prose: "30 juin 2025", and "1er juillet 2025" for the
/// first of the month, as French typography requires (sheets, packs, records).
pub fn long_date_fr(d: Date) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let month = MONTHS[usize::from(u8::from(d.month())) - 1];
    match d.day() {
        1 => format!("1er {month} {}", d.year()),
        n => format!("{n} {month} {}", d.year()),
    }
}

/// Minutes from the start of the meeting at which each point begins, in
/// agenda order (the timetable printed on the agenda).
pub fn timetable(durations: &[i64]) -> Vec<i64> {
    durations
        .iter()
        .scan(0, |start, d| {
            let begins = *start;
            *start += d.max(&0);
            Some(begins)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn session() -> SessionInput {
        SessionInput {
            title: "COSINUM".into(),
            held_on: date!(2025 - 06 - 30),
            cut_off: date!(2025 - 06 - 15),
            format: Format::InPerson,
            place: Some("Hôtel de Matignon".into()),
        }
    }

    #[test]
    fn a_cut_off_after_the_meeting_is_refused() {
        let mut s = session();
        s.cut_off = date!(2025 - 07 - 01);
        assert_eq!(s.validated().unwrap_err().field, "cut_off");
        assert!(session().validated().is_ok());
    }

    #[test]
    fn a_meeting_in_a_room_needs_a_place() {
        let mut s = session();
        s.place = Some("  ".into());
        assert_eq!(s.validated().unwrap_err().field, "place");
        s.format = Format::Online;
        assert_eq!(s.validated().unwrap().place, None);
    }

    #[test]
    fn point_objects_are_checked_and_deduplicated() {
        let o = |kind: &str, id| ObjectRef {
            kind: kind.into(),
            id,
            label: format!("{kind} {id}"),
        };
        let p = PointInput {
            title: " Dérive ".into(),
            topic: Topic::Projects,
            presenter: "".into(),
            duration_minutes: 15,
            objects: vec![o("project", 2), o("project", 1), o("project", 2)],
        };
        let v = p.validated().unwrap();
        assert_eq!(v.title, "Dérive");
        assert_eq!(v.objects.iter().map(|o| o.id).collect::<Vec<_>>(), [1, 2]);
        let bad = PointInput {
            objects: vec![o("spaceship", 1)],
            ..p.clone()
        };
        assert_eq!(bad.validated().unwrap_err().field, "objects");
        let long = PointInput {
            duration_minutes: 0,
            ..p
        };
        assert_eq!(long.validated().unwrap_err().field, "duration_minutes");
    }

    #[test]
    fn object_keys_round_trip() {
        assert_eq!(
            ObjectRef::parse_key("project:12"),
            Some(("project".into(), 12))
        );
        assert_eq!(ObjectRef::parse_key("project:-1"), None);
        assert_eq!(ObjectRef::parse_key("nothing:1"), None);
        assert_eq!(ObjectRef::parse_key("project"), None);
    }

    #[test]
    fn long_dates_in_french() {
        assert_eq!(long_date_fr(date!(2025 - 06 - 30)), "30 juin 2025");
        assert_eq!(long_date_fr(date!(2026 - 02 - 01)), "1er février 2026");
        assert_eq!(long_date_fr(date!(2025 - 12 - 31)), "31 décembre 2025");
    }

    #[test]
    fn the_timetable_adds_up_durations() {
        assert_eq!(timetable(&[10, 20, 5]), [0, 10, 30]);
        assert!(timetable(&[]).is_empty());
    }

    #[test]
    fn topics_round_trip() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
    }
}
