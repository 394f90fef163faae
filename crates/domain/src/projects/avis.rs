//! The DINUM's avis on major projects: when one is required, its delays, and
//! where a case stands (MP §3.1–3.2).
//!
//! Sources: décret n° 2019-1088 du 25 octobre 2019, art. 3 in the version in
//! force since 24 April 2023 (décret 2023-304) — the avis conforme is in
//! art. 3, not art. 4 (MP §0 point 5); arrêté du 5 juin 2020, art. 1–2.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::money::Euros;

/// Threshold of the avis: "montant prévisionnel global … supérieur ou égal à
/// 9 millions d'euros toutes taxes comprises" (arrêté du 5 juin 2020 art. 1,
/// MP §3.2).
pub const THRESHOLD: Euros = Euros(9_000_000);

/// Which avis the DINUM gives (décret 2019-1088 art. 3 al. 1–2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AvisKind {
    /// Binding: "les projets interministériels et ministériels … sont soumis
    /// pour avis conforme au directeur interministériel du numérique".
    Conforme,
    /// Recommendations only: "Les projets des organismes placés sous la tutelle
    /// de l'Etat … sont soumis pour avis … afin qu'il émette des recommandations."
    Simple,
}

impl AvisKind {
    pub fn label_fr(self) -> &'static str {
        match self {
            AvisKind::Conforme => "Avis conforme",
            AvisKind::Simple => "Avis simple (recommandations)",
        }
    }
}

/// The avis a project of this full cost requires, if any (décret 2019-1088
/// art. 3 al. 1–2; arrêté du 5 juin 2020 art. 1–2, MP §3.2): `full_cost` is the
/// "montant prévisionnel global", which "comprend l'ensemble des coûts estimés
/// depuis la phase de construction ainsi que ceux relatifs aux vingt-quatre
/// premiers mois de maintien en conditions opérationnelles", TTC. At or above
/// [`THRESHOLD`]: an avis conforme for a ministerial or interministerial
/// project, a simple avis for a project of a body under tutelle
/// (`operator_project`). Below it: none.
pub fn avis_required(full_cost: Euros, operator_project: bool) -> Option<AvisKind> {
    (full_cost >= THRESHOLD).then_some(if operator_project {
        AvisKind::Simple
    } else {
        AvisKind::Conforme
    })
}

/// The DINUM's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Favourable,
    FavourableWithRecommendations,
    Unfavourable,
    /// "L'avis … est réputé favorable en l'absence de réponse dans un délai
    /// d'un mois après réception du dossier de présentation." (art. 3 al. 4)
    DeemedFavourable,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Favourable,
        Verdict::FavourableWithRecommendations,
        Verdict::Unfavourable,
        Verdict::DeemedFavourable,
    ];

    /// Stable code (same as the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Favourable => "favourable",
            Verdict::FavourableWithRecommendations => "favourable_with_recommendations",
            Verdict::Unfavourable => "unfavourable",
            Verdict::DeemedFavourable => "deemed_favourable",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Verdict::Favourable => "Favorable",
            Verdict::FavourableWithRecommendations => "Favorable avec recommandations",
            Verdict::Unfavourable => "Défavorable",
            Verdict::DeemedFavourable => "Réputé favorable",
        }
    }
}

/// The five axes of the DINUM's analysis, each with its recommendations:
/// "stratégie, finances, gouvernance, réalisation et planning" (MP §1.5, §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    Strategie,
    Finances,
    Gouvernance,
    Realisation,
    Planning,
}

impl Axis {
    pub const ALL: [Axis; 5] = [
        Axis::Strategie,
        Axis::Finances,
        Axis::Gouvernance,
        Axis::Realisation,
        Axis::Planning,
    ];

    /// Stable code (same as the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Axis::Strategie => "strategie",
            Axis::Finances => "finances",
            Axis::Gouvernance => "gouvernance",
            Axis::Realisation => "realisation",
            Axis::Planning => "planning",
        }
    }

    pub fn parse(s: &str) -> Option<Axis> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Axis::Strategie => "Stratégie",
            Axis::Finances => "Finances",
            Axis::Gouvernance => "Gouvernance",
            Axis::Realisation => "Réalisation",
            Axis::Planning => "Planning",
        }
    }
}

/// A request for information from the DINUM to the administration: "La
/// direction interministérielle du numérique peut, dans ce délai, demander
/// aux administrations concernées tout complément d'information nécessaire à
/// la formation de son avis. Cette demande suspend le délai" (art. 3 al. 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InfoRequest {
    pub sent_on: Date,
    pub answered_on: Option<Date>,
}

/// One referral ("saisine") of a project to the DINUM for its avis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvisCase {
    /// Reception of the "dossier de présentation": starts the one-month delay.
    pub received_on: Date,
    pub info_requests: Vec<InfoRequest>,
    /// Transmission to the ANSSI and the direction du budget for observations.
    pub transmitted_for_observations_on: Option<Date>,
    pub issued_on: Option<Date>,
    pub verdict: Option<Verdict>,
}

/// The same day one month later, clamped to the end of the month (31 January
/// → 28 or 29 February): the "délai d'un mois" of décret 2019-1088 art. 3
/// al. 4. Saturates at the last representable date.
pub fn add_one_month(d: Date) -> Date {
    let month = d.month().next();
    let year = if month == time::Month::January {
        d.year() + 1
    } else {
        d.year()
    };
    let day = d.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// Where the one-month delay stands.
enum Delay {
    /// Running, ends on this day (included).
    Due(Date),
    /// Suspended by a request sent on this day and not answered yet.
    Suspended(Date),
}

fn plus(d: Date, days: Duration) -> Date {
    d.checked_add(days).unwrap_or(Date::MAX)
}

fn delay(case: &AvisCase) -> Delay {
    let mut deadline = add_one_month(case.received_on);
    // Days up to `covered` are already counted as suspended (or precede reception).
    let mut covered = case.received_on;
    let mut requests: Vec<&InfoRequest> = case.info_requests.iter().collect();
    requests.sort_by_key(|r| r.sent_on);
    for r in requests {
        if r.sent_on > deadline {
            // Sent after the delay ran out: it can no longer suspend it (nor can later ones).
            break;
        }
        let Some(answered) = r.answered_on else {
            return Delay::Suspended(r.sent_on);
        };
        let from = r.sent_on.max(covered);
        if answered > from {
            deadline = plus(deadline, answered - from);
            covered = answered;
        }
    }
    Delay::Due(deadline)
}

/// The last day for the DINUM's avis (décret 2019-1088 art. 3 al. 4): "L'avis
/// … est réputé favorable en l'absence de réponse dans un délai d'un mois après
/// réception du dossier de présentation. La direction interministérielle du
/// numérique peut, dans ce délai, demander aux administrations concernées tout
/// complément d'information … Cette demande suspend le délai".
///
/// [`add_one_month`] from `received_on`, extended by the days each information
/// request suspended the delay (from its sending to its answer). Only requests
/// sent within the delay as extended so far (on or before its last day) count;
/// overlapping requests suspend the delay once, not twice (the union of their
/// periods counts), and days before reception do not count. `None` while a
/// request that counts is unanswered: the delay is suspended, it has no end yet.
pub fn decision_deadline(case: &AvisCase) -> Option<Date> {
    match delay(case) {
        Delay::Due(deadline) => Some(deadline),
        Delay::Suspended(_) => None,
    }
}

/// The last day for the observations of the ANSSI and the direction du
/// budget: transmission + 25 days (décret 2019-1088 art. 3 al. 3: "Le
/// directeur interministériel du numérique transmet au directeur de l'Agence
/// nationale de la sécurité des systèmes d'information et au directeur du
/// budget les projets dont il est saisi afin que, dans un délai de 25 jours,
/// ils lui fassent part de leurs observations."). `None` if not transmitted.
pub fn observations_deadline(case: &AvisCase) -> Option<Date> {
    case.transmitted_for_observations_on?
        .checked_add(Duration::days(25))
}

/// Where a case stands on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AvisStatus {
    /// The delay is suspended by a request sent on `since`.
    AwaitingInformation {
        since: Date,
    },
    /// The delay runs until `deadline` (included).
    Pending {
        deadline: Date,
        days_left: i64,
    },
    Issued {
        verdict: Verdict,
        on: Date,
    },
    /// No avis within the delay: "réputé favorable" from `since`.
    DeemedFavourable {
        since: Date,
    },
}

/// The case as it was known on `today`: later requests, answers and avis ignored.
fn known_on(case: &AvisCase, today: Date) -> AvisCase {
    let issued = case.issued_on.filter(|&on| on <= today);
    AvisCase {
        received_on: case.received_on,
        info_requests: case
            .info_requests
            .iter()
            .filter(|r| r.sent_on <= today)
            .map(|r| InfoRequest {
                sent_on: r.sent_on,
                answered_on: r.answered_on.filter(|&a| a <= today),
            })
            .collect(),
        transmitted_for_observations_on: case
            .transmitted_for_observations_on
            .filter(|&t| t <= today),
        issued_on: issued,
        verdict: issued.and(case.verdict),
    }
}

/// Where `case` stands on `today` (décret 2019-1088 art. 3 al. 4), considering
/// only what had happened by then (so past days can be replayed):
///
/// 1. an avis issued (a verdict and its date) wins: `Issued`;
/// 2. a counting information request unanswered: `AwaitingInformation`, since
///    its sending ("Cette demande suspend le délai");
/// 3. `today` after the [`decision_deadline`]: `DeemedFavourable` since the
///    day after it ("réputé favorable en l'absence de réponse dans un délai
///    d'un mois");
/// 4. otherwise `Pending`, with the days left until the deadline (0 on its
///    last day).
pub fn status(case: &AvisCase, today: Date) -> AvisStatus {
    let case = known_on(case, today);
    if let (Some(verdict), Some(on)) = (case.verdict, case.issued_on) {
        return AvisStatus::Issued { verdict, on };
    }
    match delay(&case) {
        Delay::Suspended(since) => AvisStatus::AwaitingInformation { since },
        Delay::Due(deadline) if today > deadline => AvisStatus::DeemedFavourable {
            since: deadline.next_day().unwrap_or(deadline),
        },
        Delay::Due(deadline) => AvisStatus::Pending {
            deadline,
            days_left: (deadline - today).whole_days(),
        },
    }
}

/// Whether the 25-day delay for the ANSSI's and the budget's observations
/// (décret 2019-1088 art. 3 al. 3, see [`observations_deadline`]) is over on
/// `today` while the avis is still being formed (pending or awaiting
/// information). The case does not record when observations arrive, so this
/// flags cases where they are due, not cases where they are known missing.
pub fn observations_overdue(case: &AvisCase, today: Date) -> bool {
    let still_open = matches!(
        status(case, today),
        AvisStatus::Pending { .. } | AvisStatus::AwaitingInformation { .. }
    );
    still_open && observations_deadline(&known_on(case, today)).is_some_and(|d| today > d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn case(received_on: Date, requests: &[(Date, Option<Date>)]) -> AvisCase {
        AvisCase {
            received_on,
            info_requests: requests
                .iter()
                .map(|&(sent_on, answered_on)| InfoRequest {
                    sent_on,
                    answered_on,
                })
                .collect(),
            transmitted_for_observations_on: None,
            issued_on: None,
            verdict: None,
        }
    }

    #[test]
    fn threshold_and_kind() {
        assert_eq!(avis_required(Euros(8_999_999), false), None);
        assert_eq!(avis_required(THRESHOLD, false), Some(AvisKind::Conforme));
        assert_eq!(
            avis_required(Euros(50_000_000), true),
            Some(AvisKind::Simple)
        );
        assert_eq!(AvisKind::Conforme.label_fr(), "Avis conforme");
    }

    #[test]
    fn codes_round_trip_and_match_serde() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                format!("\"{}\"", v.as_str())
            );
        }
        for a in Axis::ALL {
            assert_eq!(Axis::parse(a.as_str()), Some(a));
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.as_str())
            );
        }
        assert_eq!(Verdict::parse("nope"), None);
        assert_eq!(Verdict::DeemedFavourable.label_fr(), "Réputé favorable");
        assert_eq!(Axis::Realisation.label_fr(), "Réalisation");
    }

    #[test]
    fn one_month_clamps_to_month_end() {
        assert_eq!(add_one_month(date!(2023 - 01 - 31)), date!(2023 - 02 - 28));
        assert_eq!(add_one_month(date!(2024 - 01 - 31)), date!(2024 - 02 - 29));
        assert_eq!(add_one_month(date!(2023 - 03 - 31)), date!(2023 - 04 - 30));
        assert_eq!(add_one_month(date!(2023 - 12 - 15)), date!(2024 - 01 - 15));
        assert_eq!(add_one_month(Date::MAX), Date::MAX);
    }

    #[test]
    fn deadline_by_hand() {
        let r = date!(2024 - 03 - 10);
        assert_eq!(
            decision_deadline(&case(r, &[])),
            Some(date!(2024 - 04 - 10))
        );
        // 10 days suspended → 20 April; a second request sent on 15 April
        // (within the extended delay) adds 10 more; one sent after it is ignored.
        let c = case(
            r,
            &[
                (date!(2024 - 05 - 05), None),
                (date!(2024 - 04 - 15), Some(date!(2024 - 04 - 25))),
                (date!(2024 - 03 - 20), Some(date!(2024 - 03 - 30))),
            ],
        );
        assert_eq!(decision_deadline(&c), Some(date!(2024 - 04 - 30)));
        // Overlapping requests: 20 March → 4 April suspended once, 15 days.
        let c = case(
            r,
            &[
                (date!(2024 - 03 - 20), Some(date!(2024 - 03 - 30))),
                (date!(2024 - 03 - 25), Some(date!(2024 - 04 - 04))),
            ],
        );
        assert_eq!(decision_deadline(&c), Some(date!(2024 - 04 - 25)));
        // Unanswered within the delay: suspended, no deadline.
        let c = case(r, &[(date!(2024 - 04 - 10), None)]);
        assert_eq!(decision_deadline(&c), None);
    }

    #[test]
    fn status_walks_through_the_procedure() {
        use AvisStatus::*;
        let d = |m, day| Date::from_calendar_date(2024, m, day).unwrap();
        let (march, april) = (time::Month::March, time::Month::April);
        let mut c = case(d(march, 10), &[(d(march, 20), Some(d(march, 30)))]);
        c.transmitted_for_observations_on = Some(d(march, 11));
        assert_eq!(observations_deadline(&c), Some(d(april, 5)));
        // The request was not sent yet on 15 March: one month from reception.
        let pending = Pending {
            deadline: d(april, 10),
            days_left: 26,
        };
        assert_eq!(status(&c, d(march, 15)), pending);
        let since = d(march, 20);
        assert_eq!(status(&c, d(march, 25)), AwaitingInformation { since });
        // Ten days suspended: the last day is 20 April.
        let last_day = Pending {
            deadline: d(april, 20),
            days_left: 0,
        };
        assert_eq!(status(&c, d(april, 20)), last_day);
        assert!(!observations_overdue(&c, d(april, 5)));
        assert!(observations_overdue(&c, d(april, 6)));
        let since = d(april, 21);
        assert_eq!(status(&c, d(april, 21)), DeemedFavourable { since });
        c.issued_on = Some(d(april, 18));
        c.verdict = Some(Verdict::FavourableWithRecommendations);
        let verdict = Verdict::FavourableWithRecommendations;
        let issued = Issued {
            verdict,
            on: d(april, 18),
        };
        assert_eq!(status(&c, d(time::Month::June, 1)), issued);
        assert!(!observations_overdue(&c, d(time::Month::June, 1)));
        assert!(matches!(status(&c, d(april, 17)), Pending { .. }));
        let json = serde_json::to_value(&issued).unwrap();
        assert_eq!(json["status"], "issued");
        assert_eq!(json["verdict"], "favourable_with_recommendations");
    }

    fn arb_day() -> impl Strategy<Value = Date> {
        (0i64..3000).prop_map(|n| date!(2020 - 01 - 01) + Duration::days(n))
    }

    fn arb_request() -> impl Strategy<Value = (Date, Option<Date>)> {
        (arb_day(), -10i64..90).prop_map(|(sent, wait)| (sent, Some(sent + Duration::days(wait))))
    }

    proptest! {
        /// One month is 28 to 31 days and lands in the next month.
        #[test]
        fn one_month_is_28_to_31_days(d in arb_day()) {
            let next = add_one_month(d);
            prop_assert!((28..=31).contains(&(next - d).whole_days()));
            prop_assert_eq!(next.month(), d.month().next());
        }

        /// The deadline is never before reception + 28 days, and adding a
        /// (closed) information request never makes it earlier.
        #[test]
        fn deadline_bounds_and_monotonicity(received in arb_day(),
                                            requests in proptest::collection::vec(arb_request(), 0..5),
                                            extra in arb_request()) {
            let c = case(received, &requests);
            let deadline = decision_deadline(&c).unwrap();
            prop_assert!(deadline >= received + Duration::days(28));
            let mut more = c.clone();
            more.info_requests.push(InfoRequest { sent_on: extra.0, answered_on: extra.1 });
            prop_assert!(decision_deadline(&more).unwrap() >= deadline);
        }

        /// The status never says "pending" after the deadline nor "deemed
        /// favourable" before it.
        #[test]
        fn status_agrees_with_the_deadline(received in arb_day(),
                                           requests in proptest::collection::vec(arb_request(), 0..4),
                                           offset in 0i64..200) {
            let c = case(received, &requests);
            let today = received + Duration::days(offset);
            match status(&c, today) {
                AvisStatus::Pending { deadline, days_left } => {
                    prop_assert!(days_left >= 0);
                    prop_assert_eq!(deadline - Duration::days(days_left), today);
                }
                AvisStatus::DeemedFavourable { since } => prop_assert!(since <= today),
                AvisStatus::AwaitingInformation { since } => prop_assert!(since <= today),
                AvisStatus::Issued { .. } => prop_assert!(false, "no avis was issued"),
            }
        }
    }
}
