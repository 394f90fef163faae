//! An HR return: what an organisation reports on its digital staff for one
//! site (job-market area) and one period (CTR §B.3 proposal: store entries,
//! exits, headcounts at start and end; compute every rate from them).

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::money::Euros;
use crate::validation::{ValidationError, required_text};
use crate::{OrgId, funding::Semester};

/// A reporting period: a calendar year or a semester.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Year(i32),
    Semester(Semester),
}

/// Periods are ordered by their last day; a year comes after the second
/// semester ending the same day, so the "latest" period is the whole year
/// once it is there.
impl Ord for Period {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let is_year = |p: &Period| matches!(p, Period::Year(_));
        (self.end(), is_year(self), self.code()).cmp(&(other.end(), is_year(other), other.code()))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Period {
    /// "2024" or "2024S1" (also "2024-S1", "2024 s1").
    pub fn parse(s: &str) -> Option<Period> {
        let t = s.trim();
        if t.len() == 4
            && let Ok(y) = t.parse::<i32>()
        {
            return (1900..=9999).contains(&y).then_some(Period::Year(y));
        }
        Semester::parse(t).map(Period::Semester)
    }

    /// The canonical text, as stored.
    pub fn code(self) -> String {
        match self {
            Period::Year(y) => y.to_string(),
            Period::Semester(s) => format!("{}S{}", s.year, s.half),
        }
    }

    /// The last day of the period (the date headcounts "at the end" refer to).
    pub fn end(self) -> Date {
        match self {
            Period::Year(y) => Date::from_calendar_date(y, Month::December, 31).expect("valid"),
            Period::Semester(s) => s.bounds().1,
        }
    }
}

/// Exits by reason, where the organisation knows it; the rest of the exits
/// have an unknown or other reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitReasons {
    pub retirement: Option<u32>,
    pub resignation: Option<u32>,
    /// End of a fixed-term contract.
    pub end_of_contract: Option<u32>,
    /// Mobility to another administration.
    pub mobility: Option<u32>,
}

impl ExitReasons {
    /// The exits whose reason is known.
    pub fn known(&self) -> u32 {
        [
            self.retirement,
            self.resignation,
            self.end_of_contract,
            self.mobility,
        ]
        .into_iter()
        .flatten()
        .sum()
    }
}

/// What an organisation reports for a site and a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HrReturn {
    pub organisation_id: OrgId,
    pub region: String,
    /// "2024" or "2024S1" (see [`Period`]).
    pub period: String,
    pub headcount_start: u32,
    pub headcount_end: u32,
    /// Contract staff (contractuels) among the headcount at the start and at
    /// the end; the rest are civil servants.
    pub contract_start: Option<u32>,
    pub contract_end: Option<u32>,
    pub entries: u32,
    pub exits: u32,
    pub exit_reasons: ExitReasons,
    /// Positions opened during the period.
    pub positions_opened: u32,
    /// Open positions still vacant at the end of the period.
    pub vacant_end: u32,
    /// Median days between a position's opening and its filling.
    pub median_days_to_fill: Option<u32>,
    /// External (consulting) full-time equivalents, if known.
    pub external_fte: Option<f64>,
    /// Spend on external IT services over the period, if known.
    pub external_spend: Option<Euros>,
}

impl HrReturn {
    /// Checks the return and normalises its region and period; the error
    /// names the field.
    pub fn validated(&self) -> Result<HrReturn, ValidationError> {
        let region = required_text("region", &self.region, 100)?;
        let period = Period::parse(&self.period).ok_or_else(|| {
            ValidationError::new(
                "period",
                "période attendue : une année (2024) ou un semestre (2024S1)",
            )
        })?;
        for (field, contract, total) in [
            ("contract_start", self.contract_start, self.headcount_start),
            ("contract_end", self.contract_end, self.headcount_end),
        ] {
            if contract.is_some_and(|c| c > total) {
                return Err(ValidationError::new(
                    field,
                    format!("plus de contractuels que d'agents ({total})"),
                ));
            }
        }
        if self.exit_reasons.known() > self.exits {
            return Err(ValidationError::new(
                "exit_reasons",
                format!(
                    "les sorties par motif ({}) dépassent les sorties ({})",
                    self.exit_reasons.known(),
                    self.exits
                ),
            ));
        }
        if self.exits > self.headcount_start + self.entries {
            return Err(ValidationError::new(
                "exits",
                "plus de sorties que d'agents présents au début et entrés pendant la période",
            ));
        }
        if self.external_fte.is_some_and(|x| !x.is_finite() || x < 0.0) {
            return Err(ValidationError::new(
                "external_fte",
                "nombre d'ETP externes positif attendu",
            ));
        }
        if self.external_spend.is_some_and(|x| x.0 < 0) {
            return Err(ValidationError::new(
                "external_spend",
                "montant positif attendu",
            ));
        }
        Ok(HrReturn {
            region,
            period: period.code(),
            ..self.clone()
        })
    }

    /// Figures that do not add up, worth a second look but not refused:
    /// headcounts move for other reasons too (transfers, counting dates).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let expected =
            i64::from(self.headcount_start) + i64::from(self.entries) - i64::from(self.exits);
        if expected != i64::from(self.headcount_end) {
            out.push(format!(
                "effectif de fin {} ≠ début {} + entrées {} − sorties {} = {expected}",
                self.headcount_end, self.headcount_start, self.entries, self.exits
            ));
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> HrReturn {
        HrReturn {
            organisation_id: OrgId(1),
            region: " Île-de-France ".into(),
            period: "2024-s1".into(),
            headcount_start: 100,
            headcount_end: 105,
            contract_start: Some(40),
            contract_end: Some(44),
            entries: 15,
            exits: 10,
            exit_reasons: ExitReasons {
                resignation: Some(6),
                retirement: Some(2),
                ..ExitReasons::default()
            },
            positions_opened: 20,
            vacant_end: 5,
            median_days_to_fill: Some(95),
            external_fte: Some(30.0),
            external_spend: Some(Euros(2_500_000)),
        }
    }

    #[test]
    fn periods_parse_to_one_code() {
        assert_eq!(
            Period::parse("2024").map(Period::code).as_deref(),
            Some("2024")
        );
        assert_eq!(
            Period::parse(" 2024-s2").map(Period::code).as_deref(),
            Some("2024S2")
        );
        assert_eq!(Period::parse("2024S3"), None);
        assert_eq!(Period::parse("24"), None);
        assert_eq!(
            Period::parse("2024S1").map(Period::end),
            Some(time::macros::date!(2024 - 06 - 30))
        );
        let p = |s: &str| Period::parse(s).unwrap();
        assert!(p("2023") < p("2024S1"));
        let mut all = vec![p("2025"), p("2025S2"), p("2024"), p("2025S1"), p("2024S2")];
        all.sort();
        let codes: Vec<String> = all.into_iter().map(Period::code).collect();
        assert_eq!(codes, ["2024S2", "2024", "2025S1", "2025S2", "2025"]);
    }

    #[test]
    fn validation_normalises_and_names_the_field() {
        let ok = sample().validated().unwrap();
        assert_eq!(
            (ok.region.as_str(), ok.period.as_str()),
            ("Île-de-France", "2024S1")
        );
        assert!(ok.warnings().is_empty());
        let field = |r: HrReturn| r.validated().unwrap_err().field;
        assert_eq!(
            field(HrReturn {
                period: "T1".into(),
                ..sample()
            }),
            "period"
        );
        assert_eq!(
            field(HrReturn {
                contract_end: Some(106),
                ..sample()
            }),
            "contract_end"
        );
        assert_eq!(
            field(HrReturn {
                exits: 7,
                ..sample()
            }),
            "exit_reasons"
        );
        assert_eq!(
            field(HrReturn {
                exits: 200,
                exit_reasons: ExitReasons::default(),
                ..sample()
            }),
            "exits"
        );
        assert_eq!(
            field(HrReturn {
                external_fte: Some(-1.0),
                ..sample()
            }),
            "external_fte"
        );
        let odd = HrReturn {
            headcount_end: 90,
            ..sample()
        };
        assert_eq!(odd.warnings().len(), 1, "{:?}", odd.warnings());
    }
}
