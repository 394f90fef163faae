//! The briefing sheets ("fiches") of the committee: each module's key
//! figures, breakdowns and objects concerned as of a session's cut-off
//! date, built with the module's own report builders (the same figures as
//! its pages and API) and read by the committee's reader (every ministry).
//!
//! The sheet leaves "what changed" empty: the caller compares it with the
//! previous frozen sheet on the same topic. Key figures keep stable keys so
//! that two sessions compare.
//!
//! Projects and free points are built here; démarches, funding and cloud in
//! `fiches_modules.rs`; talent, reuse and the follow-up of decisions in
//! `fiches_more.rs`.

#[path = "fiches_modules.rs"]
mod modules;
#[path = "fiches_more.rs"]
mod more;

use cosinum_domain::committee::fiche::Unit::{Count, Meur, Ratio};
use cosinum_domain::committee::fiche::{Bar, Chart, Fiche, KeyFigure, Table, Unit};
use cosinum_domain::committee::{ObjectRef, Topic};
use cosinum_domain::projects::edition;
use time::Date;

use super::signals;
use crate::AppState;
use crate::error::AppError;
use crate::format;

pub(super) use more::{decisions_before, reference};

/// Rows printed in a detail table at most; a last row says how many more.
const MAX_ROWS: usize = 60;

/// Builds the briefing sheet on `topic` as of `as_of` (the session's cut-off), for the point's `objects`.
pub async fn build(
    state: &AppState,
    topic: Topic,
    as_of: Date,
    objects: &[ObjectRef],
) -> Result<Fiche, AppError> {
    match topic {
        Topic::Projects => projects(state, as_of, objects).await,
        Topic::Demarches => modules::demarches(state, as_of, objects).await,
        Topic::Funding => modules::funding(state, as_of, objects).await,
        Topic::Cloud => modules::cloud(state, as_of, objects).await,
        Topic::Talent => more::talent(state, as_of, objects).await,
        Topic::Reuse => more::reuse(state, as_of, objects).await,
        Topic::FollowUp => more::follow_up(state, as_of, objects).await,
        Topic::Other => Ok(other(as_of, objects)),
    }
}

// ------------------------------------------------------------------ helpers

/// "15 juin 2025" (1er for the first of the month).
pub(super) fn long_date(d: Date) -> String {
    cosinum_domain::committee::long_date_fr(d)
}

/// "15/06/2025".
pub(super) fn short_date(d: Date) -> String {
    crate::pages::fr_date(d)
}

/// A sheet with its title; figures, charts and tables filled by the caller.
pub(super) fn sheet(topic: Topic, as_of: Date, summary: String) -> Fiche {
    Fiche {
        topic,
        title: format!("{} — situation au {}", topic.label_fr(), long_date(as_of)),
        as_of,
        summary,
        figures: vec![],
        charts: vec![],
        tables: vec![],
        objects: vec![],
        methods: vec![],
        compared_with: None,
        changes: vec![],
        objects_added: vec![],
        objects_removed: vec![],
    }
}

/// The sheet of a module with no data as of the date: it says so, lists
/// the point's objects and has no figure.
pub(super) fn no_data(topic: Topic, as_of: Date, objects: &[ObjectRef], why: &str) -> Fiche {
    let mut f = sheet(
        topic,
        as_of,
        format!("{why} Aucun chiffre n'est donc présenté."),
    );
    f.objects = objects.to_vec();
    f
}

pub(super) fn figure(key: &str, label: &str, value: Option<f64>, unit: Unit) -> KeyFigure {
    KeyFigure {
        key: key.to_owned(),
        label: label.to_owned(),
        value: value.filter(|v| v.is_finite()),
        unit,
    }
}

/// Key figures from `(key, label, value, unit)`.
pub(super) fn figures<const N: usize>(
    list: [(&str, &str, Option<f64>, Unit); N],
) -> Vec<KeyFigure> {
    list.into_iter()
        .map(|(key, label, value, unit)| figure(key, label, value, unit))
        .collect()
}

pub(super) fn count(n: usize) -> Option<f64> {
    Some(n as f64)
}

/// A chart, bars in the order given, leaving out missing values.
pub(super) fn chart(
    title: &str,
    unit: Unit,
    bars: impl IntoIterator<Item = (String, Option<f64>)>,
) -> Chart {
    Chart {
        title: title.to_owned(),
        unit,
        bars: bars
            .into_iter()
            .filter_map(|(label, v)| {
                v.filter(|v| v.is_finite())
                    .map(|value| Bar { label, value })
            })
            .collect(),
    }
}

/// A table whose rows are cut at [`MAX_ROWS`], a last row saying how many
/// were left out.
pub(super) fn table(title: &str, columns: &[&str], mut rows: Vec<Vec<String>>) -> Table {
    if rows.len() > MAX_ROWS {
        let more = rows.len() - MAX_ROWS;
        rows.truncate(MAX_ROWS);
        let mut last = vec![String::new(); columns.len()];
        if let Some(first) = last.first_mut() {
            *first = format!(
                "… et {more} ligne{} de plus, non reproduite{}",
                plural(more),
                plural(more)
            );
        }
        rows.push(last);
    }
    Table {
        title: title.to_owned(),
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        rows,
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// A ratio as "12,5 %" (shares, rates), or "—".
pub(super) fn ratio(v: Option<f64>) -> String {
    Unit::Ratio.format_fr(v)
}

/// A drift as "+21 %", or "—".
pub(super) fn drift(v: Option<f64>) -> String {
    format::pct(v)
}

/// An amount in euros as "12,5 M€".
pub(super) fn meur_of_euros(euros: i64) -> String {
    format::meur(euros as f64 / 1e6)
}

/// The point's objects, then `more` (each object once).
pub(super) fn with_objects(point: &[ObjectRef], more: Vec<ObjectRef>) -> Vec<ObjectRef> {
    let mut out: Vec<ObjectRef> = Vec::with_capacity(point.len() + more.len());
    for o in point.iter().cloned().chain(more) {
        if !out.iter().any(|x| x.kind == o.kind && x.id == o.id) {
            out.push(o);
        }
    }
    out
}

pub(super) fn object(kind: &str, id: i64, label: impl Into<String>) -> ObjectRef {
    ObjectRef {
        kind: kind.to_owned(),
        id,
        label: label.into(),
    }
}

// ----------------------------------------------------------------- projects

async fn projects(state: &AppState, as_of: Date, objects: &[ObjectRef]) -> Result<Fiche, AppError> {
    let method = &edition::DINUM_2017;
    let spec = crate::portfolio::FoldSpec {
        lines: crate::portfolio::Lines::Figures,
        ..crate::portfolio::FoldSpec::report(as_of, method)
    };
    let crate::portfolio::Folded { report, lines, .. } =
        crate::portfolio::folded(state, None, &spec, |_| true).await?;
    if report.figures.projects == 0 {
        return Ok(no_data(
            Topic::Projects,
            as_of,
            objects,
            &format!(
                "Aucun grand projet n'est au portefeuille au {}.",
                long_date(as_of)
            ),
        ));
    }
    let t = state.config.committee_rules;
    let reviews = cosinum_store::projects::reviews::list_all_figures(&state.db).await?;
    let ratings = signals::dinum_ratings(&reviews, as_of);
    let facts = signals::project_facts(&lines, &ratings);
    let drifting = |f: &cosinum_domain::committee::rules::ProjectFacts| {
        f.budget_drift.is_some_and(|b| b >= t.drift)
            || f.calendar_drift.is_some_and(|c| c >= t.drift)
    };
    let red = |f: &cosinum_domain::committee::rules::ProjectFacts| {
        f.dinum_rating.is_some_and(|r| r >= t.red_rating)
    };
    let flagged: Vec<ObjectRef> = facts
        .iter()
        .filter(|f| drifting(f) || red(f))
        .map(|f| f.project.clone())
        .collect();
    let missing = crate::api::avis::missing_on(state, as_of, |_| true).await?;
    let f = &report.figures;
    let threshold = drift(Some(t.drift));
    let mut fiche = sheet(
        Topic::Projects,
        as_of,
        format!(
            "Portefeuille des grands projets numériques de l'État au {} : {} projets pour un coût \
             total estimé de {}, d'après les revues et trajectoires enregistrées dans cosinum. \
             Moyennes selon la « {} » ; dérives par projet mesurées sur la trajectoire en vigueur, \
             signalées à partir de {threshold} ou d'une météo DINUM de niveau {} ou plus.",
            long_date(as_of),
            f.projects,
            format::meur(f.total_cost_meur),
            method.label_fr,
            t.red_rating,
        ),
    );
    fiche.figures = figures([
        (
            "projects",
            "Grands projets au portefeuille",
            count(f.projects),
            Count,
        ),
        (
            "total_cost_meur",
            "Coût total estimé",
            Some(f.total_cost_meur),
            Meur,
        ),
        (
            "mean_budget_drift",
            "Dérive budgétaire moyenne (prévisions initiales)",
            f.mean_budget_drift,
            Ratio,
        ),
        (
            "mean_calendar_drift",
            "Dérive calendaire moyenne (prévisions initiales)",
            f.mean_calendar_drift,
            Ratio,
        ),
        (
            "weighted_budget_drift",
            "Dérive budgétaire pondérée par les coûts",
            f.weighted_budget_drift,
            Ratio,
        ),
        (
            "projects_drifting",
            &format!("Projets en dérive de {threshold} ou plus (trajectoire en vigueur)"),
            count(facts.iter().filter(|f| drifting(f)).count()),
            Count,
        ),
        (
            "projects_rated_red",
            "Projets en alerte (météo DINUM)",
            count(facts.iter().filter(|f| red(f)).count()),
            Count,
        ),
        (
            "projects_missing_avis",
            "Projets de 9 M€ ou plus sans avis de la DINUM",
            count(missing.len()),
            Count,
        ),
    ]);
    let mut by_cost: Vec<_> = report.by_ministry.iter().collect();
    by_cost.sort_by(|a, b| {
        b.figures
            .total_cost_meur
            .total_cmp(&a.figures.total_cost_meur)
    });
    fiche.charts = vec![
        chart(
            "Dérive budgétaire moyenne par ministère (prévisions initiales)",
            Unit::Ratio,
            report
                .by_ministry
                .iter()
                .map(|g| (g.key.clone(), g.figures.mean_budget_drift)),
        ),
        chart(
            "Coût total estimé par ministère",
            Unit::Meur,
            by_cost
                .iter()
                .map(|g| (g.key.clone(), Some(g.figures.total_cost_meur))),
        ),
    ];
    let by_ministry = report
        .by_ministry
        .iter()
        .map(|g| {
            vec![
                format!("{} — {}", g.key, g.label),
                g.figures.projects.to_string(),
                format::meur(g.figures.total_cost_meur),
                drift(g.figures.mean_budget_drift),
                drift(g.figures.mean_calendar_drift),
            ]
        })
        .collect();
    let wanted: Vec<i64> = with_objects(objects, flagged.clone())
        .iter()
        .filter(|o| o.kind == "project")
        .map(|o| o.id)
        .collect();
    let detail = lines
        .iter()
        .filter(|l| wanted.contains(&l.project_id))
        .map(|l| {
            let rating = ratings.get(&l.project_id).and_then(|r| r.0);
            vec![
                l.name.clone(),
                l.ministry_code.clone(),
                l.phase_label.to_owned(),
                l.cost_meur.map_or_else(|| "—".to_owned(), format::meur),
                drift(l.budget_drift_current),
                drift(l.calendar_drift_current),
                rating.map_or_else(
                    || "—".to_owned(),
                    |r| format!("{} ({r})", state.config.rating_label(r)),
                ),
            ]
        })
        .collect();
    fiche.tables = vec![
        table(
            "Grands projets par ministère",
            &[
                "Ministère",
                "Projets",
                "Coût total",
                "Dérive budgétaire moyenne",
                "Dérive calendaire moyenne",
            ],
            by_ministry,
        ),
        table(
            "Projets concernés (dérives sur la trajectoire en vigueur)",
            &[
                "Projet",
                "Ministère",
                "Phase",
                "Coût",
                "Dérive budgétaire",
                "Dérive calendaire",
                "Météo DINUM",
            ],
            detail,
        ),
    ];
    fiche.objects = with_objects(objects, flagged);
    fiche.methods = vec![
        format!("projects:{}", method.code),
        format!("projects:{}", edition::CURRENT_BASELINE.code),
    ];
    Ok(fiche)
}

// -------------------------------------------------------------------- other

fn other(as_of: Date, objects: &[ObjectRef]) -> Fiche {
    let mut f = sheet(
        Topic::Other,
        as_of,
        if objects.is_empty() {
            "Point libre : aucun chiffre n'est calculé pour ce point.".to_owned()
        } else {
            format!(
                "Point libre : aucun chiffre n'est calculé pour ce point ; {} objet{} \
                 concerné{} listé{} ci-dessous.",
                objects.len(),
                plural(objects.len()),
                plural(objects.len()),
                plural(objects.len())
            )
        },
    );
    if !objects.is_empty() {
        f.tables = vec![table(
            "Objets concernés",
            &["Type", "Objet"],
            objects
                .iter()
                .map(|o| vec![kind_label(&o.kind).to_owned(), o.label.clone()])
                .collect(),
        )];
    }
    f.objects = objects.to_vec();
    f
}

/// The kind of an object, in French.
pub(super) fn kind_label(kind: &str) -> &str {
    match kind {
        "project" => "Grand projet",
        "demarche" => "Démarche en ligne",
        "funding_application" => "Dossier de financement",
        "application" => "Application (hébergement)",
        "plan_line" => "Ligne de plan",
        "organisation" => "Organisation",
        "avis" => "Avis de la DINUM",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_in_words() {
        assert_eq!(long_date(date!(2025 - 06 - 15)), "15 juin 2025");
        assert_eq!(long_date(date!(2026 - 02 - 01)), "1er février 2026");
    }

    #[test]
    fn big_tables_are_cut_and_say_so() {
        let rows: Vec<Vec<String>> = (0..65).map(|i| vec![i.to_string(), "x".into()]).collect();
        let t = table("T", &["a", "b"], rows);
        assert_eq!(t.rows.len(), MAX_ROWS + 1);
        assert_eq!(
            t.rows[MAX_ROWS][0],
            "… et 5 lignes de plus, non reproduites"
        );
        assert_eq!(t.rows[MAX_ROWS].len(), 2);
        assert_eq!(table("T", &["a"], vec![vec!["1".into()]]).rows.len(), 1);
    }

    #[test]
    fn objects_are_listed_once_the_point_s_first() {
        let a = object("project", 1, "A");
        let b = object("project", 2, "B");
        let out = with_objects(
            std::slice::from_ref(&b),
            vec![a.clone(), object("project", 2, "B bis")],
        );
        assert_eq!(out, [b, a]);
    }

    #[test]
    fn a_free_point_has_no_figures() {
        let f = other(date!(2025 - 06 - 15), &[object("project", 3, "SI Paie")]);
        assert!(f.figures.is_empty());
        assert_eq!(f.objects.len(), 1);
        assert!(f.summary.starts_with("Point libre"));
        assert_eq!(f.title, "Divers — situation au 15 juin 2025");
    }
}
