//! Query strings as the web layer reads them: `serde_urlencoded` (what
//! axum's `Query` extractor uses) into structs shaped like the handlers'
//! parameters (the originals are private to `cosinum-web`, which is too
//! heavy to build instrumented), then the `cosinum-domain` parsers the
//! handlers apply to each value: enum codes, `kind:id` object keys, HR
//! periods, semesters, ratings, dates.
//!
//! Checked: nothing panics; a parsed value reads back the same once written
//! (codes, keys, periods, and the whole query through `serde_urlencoded`);
//! strict parsers accept exactly their own codes.
#![no_main]

use std::fmt::Debug;

use cosinum_domain::audit::AuditAction;
use cosinum_domain::authz::Role;
use cosinum_domain::cloud::types::{AppStatus, Doctrine, Environment, OfferKind};
use cosinum_domain::committee::decisions::{Frequency, Status as DecisionStatus};
use cosinum_domain::committee::releve::Status as RecordStatus;
use cosinum_domain::committee::rules::Rule;
use cosinum_domain::committee::{Format, OBJECT_KINDS, ObjectRef, Topic};
use cosinum_domain::funding::{MovementKind, Semester, Status as FundingStatus};
use cosinum_domain::organisation::OrgKind;
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::avis::{Axis, Verdict as AvisVerdict};
use cosinum_domain::projects::project::Rating;
use cosinum_domain::publication::{Dataset, ReleaseStatus, Visibility};
use cosinum_domain::reuse::feedback::Verdict as ReuseVerdict;
use cosinum_domain::reuse::plans::PlanStatus;
use cosinum_domain::talent::hr_return::Period;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::Date;

/// `GET /api/v1/projects` (`ListParams`) and the portfolio's date.
#[derive(Debug, Deserialize, Serialize)]
struct ProjectList {
    ministry: Option<String>,
    phase: Option<String>,
    as_of: Option<Date>,
}

/// The committee's register (`RegisterFilter`).
#[derive(Debug, Deserialize, Serialize)]
struct Register {
    q: Option<String>,
    status: Option<String>,
    owner: Option<String>,
    alert: Option<bool>,
    session: Option<i64>,
    object: Option<String>,
}

/// Talent summary (`SummaryParams`).
#[derive(Debug, Deserialize, Serialize)]
struct TalentSummary {
    period: Option<String>,
    turnover_high: Option<f64>,
    turnover_low: Option<f64>,
    external_high: Option<f64>,
}

/// Reuse report (`DuplicatesParams`).
#[derive(Debug, Deserialize, Serialize)]
struct Duplicates {
    threshold: Option<f32>,
    kind: Option<String>,
    ministry: Option<String>,
    include_dismissed: Option<bool>,
    format: Option<String>,
}

/// Search (`SearchParams`).
#[derive(Debug, Deserialize, Serialize)]
struct Search {
    #[serde(default)]
    q: String,
    ministry: Option<String>,
    kind: Option<String>,
    zone: Option<String>,
    limit: Option<usize>,
}

/// Lists filtered by a code: feedback verdicts, releases' dataset,
/// funding applications' status, capacity's semester, avis' verdict.
#[derive(Debug, Deserialize, Serialize)]
struct Codes {
    verdict: Option<String>,
    dataset: Option<String>,
    status: Option<String>,
    semester: Option<String>,
    version: Option<i64>,
    year: Option<i32>,
}

/// Imports (`ImportParams`, `GridImportParams`): a file name and a flag.
#[derive(Debug, Deserialize, Serialize)]
struct Import {
    file_name: String,
    #[serde(default)]
    dry_run: bool,
}

/// The pages' French parameters, dates kept as text (`DashboardQuery`,
/// `DayQuery`, `PanoramaQuery`, `YearQuery`, `DuplicatesQuery`).
#[derive(Debug, Deserialize, Serialize)]
struct Page {
    fonds: Option<String>,
    date: Option<String>,
    ok: Option<String>,
    annee: Option<i32>,
    version: Option<i64>,
    ministere: Option<String>,
    phase: Option<String>,
    statut: Option<String>,
    seuil: Option<u32>,
}

fuzz_target!(|data: &[u8]| {
    if let Some(p) = query::<ProjectList>(data)
        && let Some(v) = &p.phase
    {
        strict(v, Phase::parse(v).map(Phase::as_str));
    }
    if let Some(r) = query::<Register>(data) {
        if let Some(v) = &r.status {
            strict(v, DecisionStatus::parse(v).map(DecisionStatus::as_str));
        }
        if let Some(v) = &r.object {
            object_key(v);
        }
    }
    if let Some(t) = query::<TalentSummary>(data)
        && let Some(v) = &t.period
    {
        period(v);
    }
    let _ = query::<Duplicates>(data);
    let _ = query::<Search>(data);
    if let Some(c) = query::<Codes>(data) {
        for v in [&c.verdict, &c.dataset, &c.status].into_iter().flatten() {
            codes(v);
        }
        if let Some(v) = &c.semester {
            semester(v);
        }
    }
    let _ = query::<Import>(data);
    if let Some(p) = query::<Page>(data) {
        if let Some(v) = &p.date {
            page_date(v);
        }
        for v in [&p.phase, &p.statut].into_iter().flatten() {
            codes(v);
        }
    }
    // Every parser on the raw text as well, decoded or not.
    let text = String::from_utf8_lossy(data);
    codes(&text);
    object_key(&text);
    period(&text);
    semester(&text);
});

/// The query as a handler receives it; what is accepted is written back
/// and read again to the same value (compared through `Debug` so that a NaN
/// threshold counts as equal to itself).
fn query<T: DeserializeOwned + Serialize + Debug>(data: &[u8]) -> Option<T> {
    let parsed: T = serde_urlencoded::from_bytes(data).ok()?;
    let written = serde_urlencoded::to_string(&parsed);
    let Ok(written) = written else {
        panic!("{parsed:?} read but cannot be written: {written:?}");
    };
    let again = serde_urlencoded::from_str::<T>(&written);
    let Ok(again) = again else {
        panic!("{parsed:?} written as {written:?}, which does not read: {again:?}");
    };
    assert_eq!(format!("{again:?}"), format!("{parsed:?}"), "{written:?}");
    Some(parsed)
}

/// A strict parser accepts its own code and nothing else.
fn strict(input: &str, parsed: Option<&'static str>) {
    if let Some(code) = parsed {
        assert_eq!(code, input, "{input:?} read as another code");
    }
}

/// Round trip of a lenient parser: what it reads, written the way it is
/// shown (`code`: its code or its French label), reads the same.
fn lenient<T: PartialEq + Debug + Copy>(
    input: &str,
    parse: impl Fn(&str) -> Option<T>,
    code: impl Fn(T) -> &'static str,
) {
    if let Some(x) = parse(input) {
        assert_eq!(parse(code(x)), Some(x), "{input:?} read as {x:?}");
    }
}

/// Every code-to-enum parser of the domain.
fn codes(v: &str) {
    strict(v, Phase::parse(v).map(Phase::as_str));
    strict(v, DecisionStatus::parse(v).map(DecisionStatus::as_str));
    strict(v, Frequency::parse(v).map(Frequency::as_str));
    strict(v, RecordStatus::parse(v).map(RecordStatus::as_str));
    strict(v, Rule::parse(v).map(Rule::as_str));
    strict(v, Topic::parse(v).map(Topic::as_str));
    strict(v, Format::parse(v).map(Format::as_str));
    strict(v, FundingStatus::parse(v).map(FundingStatus::as_str));
    strict(v, ReuseVerdict::parse(v).map(ReuseVerdict::as_str));
    strict(v, PlanStatus::parse(v).map(PlanStatus::as_str));
    strict(v, AvisVerdict::parse(v).map(AvisVerdict::as_str));
    strict(v, Axis::parse(v).map(Axis::as_str));
    strict(v, Dataset::parse(v).map(Dataset::as_str));
    strict(v, Visibility::parse(v).map(Visibility::as_str));
    strict(v, ReleaseStatus::parse(v).map(ReleaseStatus::as_str));
    strict(v, AuditAction::parse(v).map(AuditAction::as_str));
    strict(v, Role::parse(v).map(Role::as_str));
    strict(v, OrgKind::parse(v).map(OrgKind::as_str));
    strict(v, Doctrine::parse(v).map(Doctrine::as_str));
    strict(v, AppStatus::parse(v).map(AppStatus::as_str));
    strict(v, OfferKind::parse(v).map(OfferKind::as_str));
    strict(v, Environment::parse(v).map(Environment::as_str));
    // These read French labels (Panorama files, the pages' forms).
    lenient(v, Phase::parse_fr, Phase::label_fr);
    lenient(v, FundingStatus::parse_fr, FundingStatus::as_str);
    lenient(v, FundingStatus::parse_fr, FundingStatus::label_fr);
    lenient(v, MovementKind::parse, MovementKind::as_str);
    if let Some(r) = Rating::parse(v) {
        assert!((1..=4).contains(&r.0), "{v:?} read as {r:?}");
        assert_eq!(r.0.to_string(), v.trim());
    }
}

/// `kind:id` keys of committee objects.
fn object_key(v: &str) {
    if let Some((kind, id)) = ObjectRef::parse_key(v) {
        assert!(id > 0 && OBJECT_KINDS.contains(&kind.as_str()), "{v:?}");
        let key = ObjectRef {
            kind: kind.clone(),
            id,
            label: String::new(),
        }
        .key();
        assert_eq!(ObjectRef::parse_key(&key), Some((kind, id)), "{v:?}");
    }
}

fn period(v: &str) {
    if let Some(p) = Period::parse(v) {
        assert_eq!(Period::parse(&p.code()), Some(p), "{v:?}");
        let _ = p.end();
    }
}

fn semester(v: &str) {
    if let Some(s) = Semester::parse(v) {
        assert!((1..=2).contains(&s.half) && (1900..=9999).contains(&s.year));
        let code = format!("{}S{}", s.year, s.half);
        assert_eq!(Semester::parse(&code), Some(s), "{v:?}");
        let (start, end) = s.bounds();
        assert!(start < end, "{s:?}");
        assert!(s.next() > s, "{s:?}");
        assert_eq!(Semester::of(start), s);
    }
}

/// The pages read `date=aaaa-mm-jj` themselves; the API lets serde read
/// the same text into a `Date`. Both must agree.
fn page_date(v: &str) {
    let page = Date::parse(
        v.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok();
    let api = serde_urlencoded::from_str::<ProjectList>(
        &serde_urlencoded::to_string([("as_of", v)]).unwrap_or_default(),
    )
    .ok()
    .and_then(|p| p.as_of);
    if let Some(day) = api {
        assert_eq!(
            page,
            Some(day),
            "{v:?}: the API reads {day}, a page does not"
        );
    }
}
