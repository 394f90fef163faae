//! The documents the committee prints: the pack (agenda and briefing
//! sheets) and the record of decisions. Plain data, assembled by the web
//! layer from stored records and rendered by `cosinum-reports` to PDF and
//! ODT, and by the pages to HTML — one model, so they always agree.

use serde::{Deserialize, Serialize};
use time::Date;

use super::fiche::Fiche;
use super::{Format, Topic};

/// The meeting a document belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionHeader {
    pub id: i64,
    /// The committee's name ("COSINUM").
    pub committee: String,
    pub title: String,
    pub held_on: Date,
    pub cut_off: Date,
    pub format: Format,
    pub place: Option<String>,
    /// The chair, as printed ("Secrétaire générale du Gouvernement").
    pub chair: String,
}

/// One person expected at the meeting, and whether they came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendee {
    pub name: String,
    pub role: String,
    pub organisation: String,
    /// `None` until attendance is taken.
    pub present: Option<bool>,
}

/// An agenda point as printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaLine {
    pub position: i64,
    pub title: String,
    pub topic: Topic,
    pub presenter: String,
    pub duration_minutes: i64,
    /// Minutes from the opening of the meeting.
    pub starts_at_minute: i64,
    /// Why the point was put on the agenda, when a rule proposed it.
    pub reasons: Vec<String>,
}

/// A briefing sheet in the pack: frozen, or computed from live data while
/// the point is still being prepared (printed with a "draft" mark).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackSheet {
    pub position: i64,
    pub fiche: Fiche,
    pub frozen: bool,
    /// A digest of the frozen content, printed so readers can check two
    /// copies are the same.
    pub digest: Option<String>,
}

/// The committee pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    pub session: SessionHeader,
    pub attendees: Vec<Attendee>,
    pub agenda: Vec<AgendaLine>,
    pub sheets: Vec<PackSheet>,
    /// When the document was produced (printed in the footer).
    pub generated_on: Date,
}

/// One decision as printed in the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedDecision {
    /// "2025-1-3": session, point, rank.
    pub reference: String,
    pub text: String,
    pub owner: String,
    pub due_on: Date,
    pub frequency: String,
    pub objects: Vec<String>,
}

/// The decisions taken on one agenda point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordPoint {
    pub position: i64,
    pub title: String,
    pub decisions: Vec<RecordedDecision>,
}

/// The record of decisions, one version of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub session: SessionHeader,
    pub version: i64,
    /// `draft`, `validated` or `published` (see [`super::releve::Status`]).
    pub status: String,
    /// A free introduction (context, next meeting).
    pub preamble: String,
    pub attendees: Vec<Attendee>,
    pub points: Vec<RecordPoint>,
    /// "Validé par … le …", when validated.
    pub validated: Option<String>,
    pub published_on: Option<Date>,
}
