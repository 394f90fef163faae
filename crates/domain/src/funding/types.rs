//! The records of the funding module: funds, their windows ("guichets"),
//! applications ("dossiers") and their decisions, credit movements (AE
//! engaged, CP paid), and each ministry's delivery capacity per semester.
//! Vocabulary: `shared/reference/cloud-talents-relance.md` part C (cited
//! "CTR §C.n").

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::OrgId;
use crate::money::Euros;
use crate::validation::{ValidationError, required_text};

/// A half-year, the period of delivery capacity and workload (e.g. "2022S2").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Semester {
    pub year: i32,
    /// 1 (January–June) or 2 (July–December).
    pub half: u8,
}

impl Semester {
    /// The semester holding `day`.
    pub fn of(day: Date) -> Semester {
        Semester {
            year: day.year(),
            half: if u8::from(day.month()) <= 6 { 1 } else { 2 },
        }
    }

    /// Reads "2022S2" (also "2022-S2", "2022 s2").
    pub fn parse(s: &str) -> Option<Semester> {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_uppercase();
        let (year, half) = s.split_once('S')?;
        let half: u8 = half.parse().ok()?;
        let year: i32 = year.parse().ok()?;
        ((1..=2).contains(&half) && (1900..=9999).contains(&year))
            .then_some(Semester { year, half })
    }

    /// First and last day.
    pub fn bounds(self) -> (Date, Date) {
        let (start, end) = if self.half == 1 {
            ((Month::January, 1), (Month::June, 30))
        } else {
            ((Month::July, 1), (Month::December, 31))
        };
        (
            Date::from_calendar_date(self.year, start.0, start.1).unwrap_or(Date::MIN),
            Date::from_calendar_date(self.year, end.0, end.1).unwrap_or(Date::MAX),
        )
    }

    pub fn next(self) -> Semester {
        if self.half == 1 {
            Semester { half: 2, ..self }
        } else {
            Semester {
                year: self.year + 1,
                half: 1,
            }
        }
    }

    /// Every semester from `a` to `b` included (empty if `b < a`).
    pub fn range(a: Semester, b: Semester) -> Vec<Semester> {
        let mut out = Vec::new();
        let mut s = a;
        while s <= b {
            out.push(s);
            s = s.next();
        }
        out
    }
}

impl std::fmt::Display for Semester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}S{}", self.year, self.half)
    }
}

/// Where an application stands (CTR §C.4 "déposé | instruit | retenu |
/// rejeté", plus withdrawal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    UnderReview,
    Granted,
    Rejected,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Submitted,
        Status::UnderReview,
        Status::Granted,
        Status::Rejected,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::UnderReview => "under_review",
            Status::Granted => "granted",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Status::Submitted => "Déposé",
            Status::UnderReview => "En instruction",
            Status::Granted => "Retenu",
            Status::Rejected => "Rejeté",
            Status::Withdrawn => "Retiré",
        }
    }

    /// Reads the French labels too ("retenu", "lauréat", "rejeté"…).
    pub fn parse_fr(s: &str) -> Option<Status> {
        let k = s.trim().to_lowercase();
        Status::parse(&k).or(match k.as_str() {
            "déposé" | "depose" | "soumis" => Some(Status::Submitted),
            "en instruction" | "instruit" | "en cours d'instruction" => Some(Status::UnderReview),
            "retenu" | "accordé" | "accorde" | "lauréat" | "laureat" => Some(Status::Granted),
            "rejeté" | "rejete" | "refusé" | "refuse" => Some(Status::Rejected),
            "retiré" | "retire" | "abandonné" | "abandonne" => Some(Status::Withdrawn),
            _ => None,
        })
    }

    /// A decision was taken (granted or rejected).
    pub fn decided(self) -> bool {
        matches!(self, Status::Granted | Status::Rejected)
    }

    /// Still waiting for a decision.
    pub fn pending(self) -> bool {
        matches!(self, Status::Submitted | Status::UnderReview)
    }

    /// The moves the pipeline allows: submitted → under review → granted /
    /// rejected; withdrawn from any undecided state.
    pub fn can_move_to(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Submitted, UnderReview) | (Submitted | UnderReview, Granted | Rejected | Withdrawn)
        )
    }
}

/// A fund (an envelope of AE, CTR §C.2, §C.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fund {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// LOLF programme carrying the credits (e.g. "363", "349").
    pub programme: String,
    pub envelope: Euros,
    pub start: Date,
    pub end: Date,
    pub rules: String,
    /// Target time from submission to decision, in days (FTAP's target:
    /// 60 days, CTR §C.3).
    pub decision_target_days: u32,
    pub version: i64,
}

/// A window ("guichet") of a fund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub id: i64,
    pub fund_id: i64,
    /// E.g. "ITN5".
    pub code: String,
    pub theme: String,
    /// Maximum co-funding rate, 0..1 (e.g. 0.75).
    pub max_rate: f64,
    pub min_size: Option<Euros>,
    pub max_size: Option<Euros>,
    pub opens: Date,
    pub closes: Date,
    /// Results expected within this many months of the decision (18 for the
    /// recovery plan, CTR §C.2).
    pub delivery_months: u32,
    pub version: i64,
}

/// An application's editable fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationFields {
    pub organisation_id: OrgId,
    pub window_id: i64,
    pub title: String,
    pub description: String,
    pub total_cost: Euros,
    pub requested: Euros,
    /// A major project it belongs to, if any.
    pub project_id: Option<i64>,
    /// An application of the inventory (cloud hosting) it concerns, if any.
    #[serde(default)]
    pub inventory_id: Option<i64>,
    pub planned_start: Date,
    pub planned_end: Date,
    pub submitted_on: Date,
    /// Internal workload to deliver it, person-months per semester.
    pub workload: Vec<(Semester, f64)>,
}

impl ApplicationFields {
    /// Checks the fields against the window's rules: amounts positive, the
    /// request within the co-funding rate and the project size bounds,
    /// dates in order, submitted while the window was open, workload ≥ 0.
    pub fn validated(mut self, window: &Window) -> Result<ApplicationFields, ValidationError> {
        self.title = required_text("title", &self.title, 300)?;
        self.description = self.description.trim().to_owned();
        if self.total_cost.0 <= 0 {
            return Err(ValidationError::new(
                "total_cost",
                "le coût total doit être positif",
            ));
        }
        if self.requested.0 <= 0 {
            return Err(ValidationError::new(
                "requested",
                "le montant demandé doit être positif",
            ));
        }
        let ceiling = (self.total_cost.0 as f64 * window.max_rate).floor() as i64;
        if self.requested.0 > ceiling {
            return Err(ValidationError::new(
                "requested",
                format!(
                    "le montant demandé dépasse le taux de cofinancement maximal du guichet {} ({} % du coût total, soit {} €)",
                    window.code,
                    (window.max_rate * 100.0).round(),
                    ceiling
                ),
            ));
        }
        if window.min_size.is_some_and(|m| self.total_cost < m)
            || window.max_size.is_some_and(|m| self.total_cost > m)
        {
            return Err(ValidationError::new(
                "total_cost",
                format!("le coût total sort des bornes du guichet {}", window.code),
            ));
        }
        if self.planned_end < self.planned_start {
            return Err(ValidationError::new(
                "planned_end",
                "la fin prévue précède le début",
            ));
        }
        if self.submitted_on < window.opens || self.submitted_on > window.closes {
            return Err(ValidationError::new(
                "submitted_on",
                format!(
                    "le guichet {} est ouvert du {} au {}",
                    window.code, window.opens, window.closes
                ),
            ));
        }
        if self
            .workload
            .iter()
            .any(|(_, pm)| !pm.is_finite() || *pm < 0.0)
        {
            return Err(ValidationError::new(
                "workload",
                "la charge (mois-personnes) doit être positive",
            ));
        }
        self.workload.sort_by_key(|(s, _)| *s);
        self.workload.dedup_by_key(|(s, _)| *s);
        Ok(self)
    }
}

/// An application as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Application {
    pub id: i64,
    #[serde(flatten)]
    pub fields: ApplicationFields,
    pub status: Status,
    pub reviewed_on: Option<Date>,
    pub decided_on: Option<Date>,
    pub granted: Option<Euros>,
    pub motive: String,
    pub version: i64,
}

impl Application {
    /// The application's status on `day`: `None` before it was submitted;
    /// its final status from `decided_on` (the date of the decision, or of
    /// the withdrawal); under review from `reviewed_on`; submitted before.
    pub fn status_on(&self, day: Date) -> Option<Status> {
        if day < self.fields.submitted_on {
            return None;
        }
        if !self.status.pending() && self.decided_on.is_none_or(|d| d <= day) {
            return Some(self.status);
        }
        if self.reviewed_on.is_some_and(|d| d <= day) {
            return Some(Status::UnderReview);
        }
        Some(Status::Submitted)
    }
}

/// A ministry's delivery capacity for a semester, in person-months
/// (declared; the talent module's headcounts will inform it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    pub organisation_id: OrgId,
    pub semester: Semester,
    /// Person-months its digital teams can put into projects.
    pub capacity: f64,
    /// Of which already taken by ongoing projects outside this fund.
    pub committed: f64,
}

/// AE engaged or CP paid (CTR §C.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Autorisations d'engagement consumed by a legal commitment.
    Commitment,
    /// Crédits de paiement paid.
    Payment,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Commitment => "commitment",
            MovementKind::Payment => "payment",
        }
    }

    pub fn parse(s: &str) -> Option<MovementKind> {
        match s.trim().to_lowercase().as_str() {
            "commitment" | "ae" | "engagement" => Some(MovementKind::Commitment),
            "payment" | "cp" | "paiement" => Some(MovementKind::Payment),
            _ => None,
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            MovementKind::Commitment => "Engagement (AE)",
            MovementKind::Payment => "Paiement (CP)",
        }
    }
}

/// A credit movement. Corrections are new movements (negative amounts),
/// never edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movement {
    pub application_id: i64,
    pub kind: MovementKind,
    pub date: Date,
    /// Signed: a correction is negative.
    pub amount: Euros,
    /// The accounting reference (e.g. Chorus document number).
    pub reference: String,
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn window() -> Window {
        Window {
            id: 1,
            fund_id: 1,
            code: "ITN5".into(),
            theme: "Données".into(),
            max_rate: 0.75,
            min_size: Some(Euros(100_000)),
            max_size: None,
            opens: date!(2021 - 01 - 01),
            closes: date!(2021 - 05 - 21),
            delivery_months: 18,
            version: 1,
        }
    }

    fn fields() -> ApplicationFields {
        ApplicationFields {
            organisation_id: OrgId(1),
            window_id: 1,
            title: " Entrepôt de données ".into(),
            description: String::new(),
            total_cost: Euros(1_000_000),
            requested: Euros(750_000),
            project_id: None,
            inventory_id: None,
            planned_start: date!(2021 - 06 - 01),
            planned_end: date!(2022 - 11 - 30),
            submitted_on: date!(2021 - 03 - 01),
            workload: vec![
                (
                    Semester {
                        year: 2022,
                        half: 1,
                    },
                    6.0,
                ),
                (
                    Semester {
                        year: 2021,
                        half: 2,
                    },
                    4.0,
                ),
            ],
        }
    }

    #[test]
    fn semesters_parse_order_and_bound() {
        let s = Semester::parse("2022-s2").unwrap();
        assert_eq!(s.to_string(), "2022S2");
        assert_eq!(Semester::of(date!(2022 - 07 - 01)), s);
        assert_eq!(Semester::of(date!(2022 - 06 - 30)).half, 1);
        assert_eq!(s.bounds(), (date!(2022 - 07 - 01), date!(2022 - 12 - 31)));
        assert_eq!(
            s.next(),
            Semester {
                year: 2023,
                half: 1
            }
        );
        assert_eq!(
            Semester::range(Semester::parse("2021S2").unwrap(), s).len(),
            3
        );
        assert!(Semester::parse("2022S3").is_none() && Semester::parse("S1").is_none());
    }

    #[test]
    fn an_application_follows_its_window_rules() {
        let f = fields().validated(&window()).unwrap();
        assert_eq!(f.title, "Entrepôt de données");
        assert_eq!(
            f.workload[0].0,
            Semester {
                year: 2021,
                half: 2
            },
            "sorted"
        );
        let over = ApplicationFields {
            requested: Euros(750_001),
            ..fields()
        };
        let e = over.validated(&window()).unwrap_err();
        assert_eq!(e.field, "requested");
        assert!(e.message.contains("75 %"), "{}", e.message);
        let small = ApplicationFields {
            total_cost: Euros(50_000),
            requested: Euros(10_000),
            ..fields()
        };
        assert_eq!(small.validated(&window()).unwrap_err().field, "total_cost");
        let late = ApplicationFields {
            submitted_on: date!(2021 - 06 - 01),
            ..fields()
        };
        assert_eq!(late.validated(&window()).unwrap_err().field, "submitted_on");
        let backwards = ApplicationFields {
            planned_end: date!(2021 - 01 - 01),
            ..fields()
        };
        assert_eq!(
            backwards.validated(&window()).unwrap_err().field,
            "planned_end"
        );
    }

    #[test]
    fn the_pipeline_only_moves_forward() {
        use Status::*;
        assert!(Submitted.can_move_to(UnderReview) && UnderReview.can_move_to(Granted));
        assert!(Submitted.can_move_to(Withdrawn) && UnderReview.can_move_to(Rejected));
        assert!(!Granted.can_move_to(Rejected) && !Rejected.can_move_to(Granted));
        assert!(!UnderReview.can_move_to(Submitted) && !Withdrawn.can_move_to(UnderReview));
        assert_eq!(Status::parse_fr("Lauréat"), Some(Granted));
        assert_eq!(Status::parse_fr("under_review"), Some(UnderReview));
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(!(s.decided() && s.pending()));
        }
    }
}
