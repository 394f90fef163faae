//! The values a campaign item collects, per kind, as the ministry types them
//! (form fields or template cells), and their checks. Values travel as text
//! keyed by field, so a draft keeps exactly what was entered and the template
//! round trip is lossless; [`review_values`] reads a project review's typed
//! figures when it is applied to the module.

use std::collections::BTreeMap;

use time::Date;
use time::macros::format_description;

use super::CampaignKind;
use crate::demarches::method::{Method, method_in_force};
use crate::funding::Semester;
use crate::money::Euros;
use crate::projects::Phase;
use crate::projects::project::Rating;
use crate::talent::hr_return::{HrReturn, Period};
use crate::validation::ValidationError;

/// An item's values: field key → text as entered.
pub type Values = BTreeMap<String, String>;

/// How a field is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A phase of the project (code or its French label).
    Phase,
    /// Millions of euros, decimal comma or point.
    MillionEuros,
    Date,
    /// The ministry's weather, 1 (on track) to 4 (in difficulty).
    Rating,
    /// Free text.
    Text,
    /// An indicator cell of the démarches observatory (number, level or
    /// "n/a"), read by the indicator's method.
    Indicator,
    /// A whole number of people, positions or days, 0 or more.
    Count,
    /// A number of full-time equivalents, 0 or more.
    Fte,
}

/// One field of a kind's form and template column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

const REVIEW_FIELDS: [FieldDef; 5] = [
    FieldDef {
        key: "phase",
        label: "Phase",
        kind: FieldKind::Phase,
        required: true,
    },
    FieldDef {
        key: "cost_meur",
        label: "Coût estimé (M€)",
        kind: FieldKind::MillionEuros,
        required: true,
    },
    FieldDef {
        key: "forecast_end",
        label: "Fin prévue",
        kind: FieldKind::Date,
        required: true,
    },
    FieldDef {
        key: "ministry_rating",
        label: "Météo ministère (1 à 4)",
        kind: FieldKind::Rating,
        required: true,
    },
    FieldDef {
        key: "narrative",
        label: "Commentaire",
        kind: FieldKind::Text,
        required: false,
    },
];

const fn count(key: &'static str, label: &'static str, required: bool) -> FieldDef {
    FieldDef {
        key,
        label,
        kind: FieldKind::Count,
        required,
    }
}

/// The HR return's figures (talent module, `crates/domain/src/talent/hr_return.rs`).
const HR_FIELDS: [FieldDef; 9] = [
    count("headcount_start", "Effectif début", true),
    count("headcount_end", "Effectif fin", true),
    count("contract_end", "dont contractuels (fin)", false),
    count("entries", "Entrées", true),
    count("exits", "Sorties", true),
    count("positions_opened", "Postes ouverts", true),
    count("vacant_end", "Postes vacants fin", true),
    count(
        "median_days_to_fill",
        "Délai médian de recrutement (jours)",
        false,
    ),
    FieldDef {
        key: "external_fte",
        label: "ETP externes",
        kind: FieldKind::Fte,
        required: false,
    },
];

/// The period an HR campaign collects: the year ending on 31/12, the first
/// semester ending on 30/06; no other reference date fits a return.
pub fn hr_period(reference_date: Date) -> Option<Period> {
    match (reference_date.month(), reference_date.day()) {
        (time::Month::December, 31) => Some(Period::Year(reference_date.year())),
        (time::Month::June, 30) => {
            Semester::parse(&format!("{}S1", reference_date.year())).map(Period::Semester)
        }
        _ => None,
    }
}

/// An HR return's figures as the form and template show them.
pub fn hr_to_values(r: &HrReturn) -> Values {
    let opt = |x: Option<u32>| x.map_or(String::new(), |v| v.to_string());
    [
        ("headcount_start", r.headcount_start.to_string()),
        ("headcount_end", r.headcount_end.to_string()),
        ("contract_end", opt(r.contract_end)),
        ("entries", r.entries.to_string()),
        ("exits", r.exits.to_string()),
        ("positions_opened", r.positions_opened.to_string()),
        ("vacant_end", r.vacant_end.to_string()),
        ("median_days_to_fill", opt(r.median_days_to_fill)),
        (
            "external_fte",
            r.external_fte
                .map_or(String::new(), |x| x.to_string().replace('.', ",")),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The return an accepted HR item becomes: the item's figures, for the
/// period of `reference_date`, with the key and what the form does not
/// collect (exit reasons, contract staff at the start, external spend)
/// taken from `previous`.
pub fn hr_return(
    values: &Values,
    previous: &HrReturn,
    reference_date: Date,
) -> Result<HrReturn, ValidationError> {
    let period = hr_period(reference_date).ok_or_else(|| {
        ValidationError::new("reference_date", "date de référence au 30/06 ou au 31/12")
    })?;
    let get = |k: &str| values.get(k).map_or("", |v| v.trim());
    let n = |k: &str| {
        get(k)
            .parse::<u32>()
            .map_err(|_| ValidationError::new(k, "nombre entier attendu"))
    };
    let opt = |k: &str| {
        if get(k).is_empty() {
            Ok(None)
        } else {
            n(k).map(Some)
        }
    };
    Ok(HrReturn {
        organisation_id: previous.organisation_id,
        region: previous.region.clone(),
        period: period.code(),
        headcount_start: n("headcount_start")?,
        headcount_end: n("headcount_end")?,
        contract_start: previous.contract_end,
        contract_end: opt("contract_end")?,
        entries: n("entries")?,
        exits: n("exits")?,
        exit_reasons: Default::default(),
        positions_opened: n("positions_opened")?,
        vacant_end: n("vacant_end")?,
        median_days_to_fill: opt("median_days_to_fill")?,
        external_fte: if get("external_fte").is_empty() {
            None
        } else {
            parse_decimal(get("external_fte"))
        },
        external_spend: None,
    })
}

/// The method whose indicators a démarches campaign collects.
pub fn method_for(reference_date: Date) -> &'static Method {
    method_in_force(reference_date)
}

/// The fields of `kind` for a campaign dated `reference_date`, in form order.
pub fn fields(kind: CampaignKind, reference_date: Date) -> Vec<FieldDef> {
    match kind {
        CampaignKind::ProjectReview => REVIEW_FIELDS.to_vec(),
        CampaignKind::HrReturn => HR_FIELDS.to_vec(),
        CampaignKind::DemarcheIndicators => method_for(reference_date)
            .indicators
            .iter()
            .map(|i| FieldDef {
                key: i.slug,
                label: i.label_fr,
                kind: FieldKind::Indicator,
                required: false,
            })
            .collect(),
    }
}

/// Reads "2026-12-31" or "31/12/2026".
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .or_else(|_| Date::parse(s, format_description!("[day]/[month]/[year]")))
        .ok()
}

/// Reads "12,5", "12.5" or "1 250,75" as a finite number.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
        .collect();
    let x: f64 = t.replace(',', ".").parse().ok()?;
    x.is_finite().then_some(x)
}

fn check_one(f: &FieldDef, raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.is_empty() {
        return if f.required {
            Err("valeur obligatoire".into())
        } else {
            Ok(String::new())
        };
    }
    match f.kind {
        FieldKind::Phase => Phase::parse(t)
            .or_else(|| Phase::parse_fr(t))
            .map(|p| p.as_str().to_owned())
            .ok_or_else(|| format!("« {t} » n'est pas une phase (cadrage, conception / réalisation, expérimentation, déploiement, terminé, abandonné)")),
        FieldKind::MillionEuros => match parse_decimal(t) {
            Some(x) if (0.0..1.0e6).contains(&x) => Ok(t.replace(' ', "")),
            Some(_) => Err("un coût est positif et inférieur à un million de M€".into()),
            None => Err(format!("« {t} » n'est pas un montant en M€ (ex. « 12,5 »)")),
        },
        FieldKind::Date => parse_date(t)
            .map(|d| d.to_string())
            .ok_or_else(|| format!("« {t} » n'est pas une date (jj/mm/aaaa)")),
        FieldKind::Rating => Rating::parse(t)
            .map(|r| r.0.to_string())
            .ok_or_else(|| "la météo va de 1 (bonne) à 4 (en difficulté)".into()),
        FieldKind::Count => t
            .replace([' ', '\u{202f}'], "")
            .parse::<u32>()
            .map(|n| n.to_string())
            .map_err(|_| format!("« {t} » n'est pas un nombre entier positif")),
        FieldKind::Fte => match parse_decimal(t) {
            Some(x) if (0.0..1.0e6).contains(&x) => Ok(t.replace(' ', "")),
            _ => Err(format!("« {t} » n'est pas un nombre d'ETP (ex. « 12,5 »)")),
        },
        FieldKind::Text if t.chars().count() > 4000 => Err("4 000 caractères au plus".into()),
        FieldKind::Indicator if t.chars().count() > 200 => Err("200 caractères au plus".into()),
        FieldKind::Text | FieldKind::Indicator => Ok(t.to_owned()),
    }
}

/// Checks `values` against the fields of `kind`: each known field is read
/// and normalised (dates in ISO form, phase codes), a missing required one is
/// an error, an unknown key is refused. Every problem is returned at once,
/// each naming its field key.
pub fn check(
    kind: CampaignKind,
    reference_date: Date,
    values: &Values,
) -> Result<Values, Vec<ValidationError>> {
    let defs = fields(kind, reference_date);
    let mut errors: Vec<ValidationError> = values
        .keys()
        .filter(|k| !defs.iter().any(|f| f.key == k.as_str()))
        .map(|k| ValidationError::new(k.clone(), "champ inconnu pour ce type de campagne"))
        .collect();
    let mut out = Values::new();
    for f in &defs {
        let raw = values.get(f.key).map_or("", String::as_str);
        match check_one(f, raw) {
            Ok(v) => {
                out.insert(f.key.to_owned(), v);
            }
            Err(m) => errors.push(ValidationError::new(f.key, format!("{} : {m}", f.label))),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A project review's figures, read from checked values.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewValues {
    pub phase: Phase,
    pub cost: Euros,
    pub forecast_end: Date,
    pub rating: Rating,
    pub narrative: String,
}

/// Reads a project review from values that passed [`check`].
pub fn review_values(values: &Values) -> Result<ReviewValues, ValidationError> {
    let get = |k: &str| values.get(k).map_or("", String::as_str);
    let bad = |k: &str| ValidationError::new(k, "valeur manquante ou illisible");
    Ok(ReviewValues {
        phase: Phase::parse(get("phase")).ok_or_else(|| bad("phase"))?,
        cost: parse_decimal(get("cost_meur"))
            .and_then(Euros::from_meur)
            .ok_or_else(|| bad("cost_meur"))?,
        forecast_end: parse_date(get("forecast_end")).ok_or_else(|| bad("forecast_end"))?,
        rating: Rating::parse(get("ministry_rating")).ok_or_else(|| bad("ministry_rating"))?,
        narrative: get("narrative").to_owned(),
    })
}

/// Values of a project review as its template and form show them (the
/// pre-filled "last period" values).
pub fn review_to_values(
    phase: Phase,
    cost: Option<Euros>,
    forecast_end: Option<Date>,
    rating: Option<Rating>,
    narrative: &str,
) -> Values {
    let mut v = Values::new();
    v.insert("phase".into(), phase.as_str().into());
    v.insert("cost_meur".into(), cost.map_or(String::new(), format_meur));
    v.insert(
        "forecast_end".into(),
        forecast_end.map_or(String::new(), |d| d.to_string()),
    );
    v.insert(
        "ministry_rating".into(),
        rating.map_or(String::new(), |r| r.0.to_string()),
    );
    v.insert("narrative".into(), narrative.to_owned());
    v
}

/// M€ with a decimal comma and at most three decimals ("12,5").
pub fn format_meur(c: Euros) -> String {
    let s = format!("{:.3}", c.meur());
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn review(cost: &str, end: &str) -> Values {
        [
            ("phase", "Déploiement"),
            ("cost_meur", cost),
            ("forecast_end", end),
            ("ministry_rating", "2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn a_review_is_normalised_and_read() {
        let v = check(
            CampaignKind::ProjectReview,
            date!(2026 - 06 - 30),
            &review("12,5", "31/12/2027"),
        )
        .unwrap();
        assert_eq!(v["phase"], "deploiement");
        assert_eq!(v["forecast_end"], "2027-12-31");
        assert_eq!(v["narrative"], "");
        let r = review_values(&v).unwrap();
        assert_eq!(r.cost, Euros(12_500_000));
        assert_eq!(r.rating, Rating(2));
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let mut v = review("douze", "demain");
        v.insert("colour".into(), "vert".into());
        v.remove("ministry_rating");
        let errs = check(CampaignKind::ProjectReview, date!(2026 - 06 - 30), &v).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["colour", "cost_meur", "forecast_end", "ministry_rating"]
        );
        assert!(errs[1].message.contains("Coût estimé (M€)"));
    }

    #[test]
    fn demarche_fields_follow_the_method_in_force() {
        let old = fields(CampaignKind::DemarcheIndicators, date!(2022 - 01 - 01));
        let new = fields(CampaignKind::DemarcheIndicators, date!(2026 - 07 - 01));
        assert_ne!(old, new);
        assert!(
            new.iter()
                .all(|f| f.kind == FieldKind::Indicator && !f.required)
        );
        let key = new[0].key.to_owned();
        let v: Values = [(key.clone(), " 85 % ".to_owned())].into_iter().collect();
        let out = check(CampaignKind::DemarcheIndicators, date!(2026 - 07 - 01), &v).unwrap();
        assert_eq!(out[&key], "85 %");
        assert_eq!(out.len(), new.len());
    }

    #[test]
    fn an_hr_return_reads_back_for_its_period() {
        assert!(hr_period(date!(2026 - 09 - 30)).is_none());
        assert_eq!(
            hr_period(date!(2026 - 12 - 31)).map(Period::code),
            Some("2026".into())
        );
        assert_eq!(
            hr_period(date!(2026 - 06 - 30)).map(Period::code),
            Some("2026S1".into())
        );
        let previous = HrReturn {
            organisation_id: crate::OrgId(3),
            region: "Île-de-France".into(),
            period: "2025".into(),
            headcount_start: 100,
            headcount_end: 104,
            contract_start: Some(20),
            contract_end: Some(22),
            entries: 14,
            exits: 10,
            exit_reasons: Default::default(),
            positions_opened: 18,
            vacant_end: 4,
            median_days_to_fill: Some(95),
            external_fte: Some(12.5),
            external_spend: None,
        };
        let shown = hr_to_values(&previous);
        let checked = check(CampaignKind::HrReturn, date!(2026 - 12 - 31), &shown).unwrap();
        let back = hr_return(&checked, &previous, date!(2026 - 12 - 31)).unwrap();
        assert_eq!(back.period, "2026");
        assert_eq!(
            back.contract_start,
            Some(22),
            "last period's end is this one's start"
        );
        assert_eq!((back.headcount_end, back.external_fte), (104, Some(12.5)));
        let mut bad = shown.clone();
        bad.insert("exits".into(), "-3".into());
        assert_eq!(
            check(CampaignKind::HrReturn, date!(2026 - 12 - 31), &bad).unwrap_err()[0].field,
            "exits"
        );
    }

    proptest! {
        /// What the template shows of a review reads back as the same review.
        #[test]
        fn review_values_round_trip(cents in 0i64..5_000_000_000, days in 0i64..20_000, rating in 1u8..=4) {
            let cost = Euros(cents / 1000 * 1000);
            let end = date!(2000 - 01 - 01) + time::Duration::days(days);
            let shown = review_to_values(Phase::Deploiement, Some(cost), Some(end), Some(Rating(rating)), "x");
            let back = review_values(&check(CampaignKind::ProjectReview, end, &shown).unwrap()).unwrap();
            prop_assert_eq!(back.cost, cost);
            prop_assert_eq!(back.forecast_end, end);
            prop_assert_eq!(back.rating, Rating(rating));
        }
    }
}
