//! The sheets of the talent and reuse modules, and the follow-up of the
//! decisions of earlier sessions.

use std::collections::{BTreeMap, HashMap};

use cosinum_domain::committee::decisions::{Alert, FollowUp, Status, alerts};
use cosinum_domain::committee::fiche::Unit::{Count, Meur, Ratio};
use cosinum_domain::committee::fiche::{Fiche, Unit};
use cosinum_domain::committee::{ObjectRef, Topic};
use cosinum_domain::reuse::feedback::Verdict as ReuseVerdict;
use cosinum_domain::talent::dispersion::Alert as TalentAlert;
use cosinum_store::committee::decisions::Decision;
use cosinum_store::committee::{self as store, Session};
use time::Date;

use super::{
    chart, count, figures, kind_label, long_date, meur_of_euros, no_data, object, ratio, sheet,
    short_date, table, with_objects,
};
use crate::AppState;
use crate::committee::{committee_reader, signals};
use crate::error::AppError;
use crate::format;

// ------------------------------------------------------------------- talent

fn alert_label(a: TalentAlert) -> &'static str {
    match a {
        TalentAlert::TurnoverTooHigh => "Rotation trop forte",
        TalentAlert::TurnoverTooLowWithOutsourcing => "Rotation faible et forte externalisation",
    }
}

pub(super) async fn talent(
    state: &AppState,
    as_of: Date,
    objects: &[ObjectRef],
) -> Result<Fiche, AppError> {
    let Some(s) = signals::talent_summary(state, as_of).await? else {
        return Ok(no_data(
            Topic::Talent,
            as_of,
            objects,
            &format!(
                "Aucune remontée des effectifs numériques ne porte sur une période close au {}.",
                long_date(as_of)
            ),
        ));
    };
    let orgs = state.organisations(true).await?;
    let b = s.bands;
    let pts = |x: f64| format::number(x * 100.0, 0);
    let alerted: Vec<ObjectRef> = s
        .by_ministry
        .iter()
        .filter(|m| !m.alerts.is_empty())
        .filter_map(|m| orgs.iter().find(|o| o.code == m.ministry))
        .map(|o| object("organisation", o.id.0, o.name.clone()))
        .collect();
    let mut fiche = sheet(
        Topic::Talent,
        as_of,
        format!(
            "Effectifs numériques des ministères sur la période {} (la dernière close au {}), \
             d'après les remontées RH : {} ministères, taux de rotation {}. Rotation au sens de \
             la DGAFP ((taux d'entrée + taux de sortie) ÷ 2) ; alerte au-delà de {} %, ou sous \
             {} % avec plus de {} % de prestataires externes.",
            s.period,
            long_date(as_of),
            s.by_ministry.len(),
            ratio(s.overall.turnover),
            pts(b.turnover_high),
            pts(b.turnover_low),
            pts(b.external_high),
        ),
    );
    fiche.figures = figures([
        (
            "ministries",
            "Ministères ayant remonté leurs effectifs",
            count(s.by_ministry.len()),
            Count,
        ),
        (
            "average_headcount",
            "Effectif moyen des équipes numériques",
            Some(s.overall.average_headcount),
            Count,
        ),
        ("turnover", "Taux de rotation", s.overall.turnover, Ratio),
        (
            "vacancy_rate",
            "Taux de vacance",
            s.overall.vacancy_rate,
            Ratio,
        ),
        (
            "external_share",
            "Part des prestataires externes",
            s.overall.external_share,
            Ratio,
        ),
        (
            "turnover_median",
            "Rotation médiane des ministères",
            s.turnover_dispersion.map(|d| d.median),
            Ratio,
        ),
        (
            "alerts",
            "Ministères en alerte",
            count(alerted.len()),
            Count,
        ),
    ]);
    fiche.charts = vec![
        chart(
            "Taux de rotation par ministère",
            Unit::Ratio,
            s.by_ministry
                .iter()
                .map(|m| (m.ministry.clone(), m.rates.turnover)),
        ),
        chart(
            "Taux de vacance par ministère",
            Unit::Ratio,
            s.by_ministry
                .iter()
                .map(|m| (m.ministry.clone(), m.rates.vacancy_rate)),
        ),
    ];
    fiche.tables = vec![table(
        &format!("Effectifs numériques par ministère ({})", s.period),
        &[
            "Ministère",
            "Effectif moyen",
            "Rotation",
            "Évolution",
            "Vacance",
            "Part externe",
            "Alertes",
        ],
        s.by_ministry
            .iter()
            .map(|m| {
                vec![
                    format!("{} — {}", m.ministry, m.ministry_name),
                    format::number(m.rates.average_headcount, 0),
                    ratio(m.rates.turnover),
                    m.turnover_change
                        .map_or_else(|| "—".to_owned(), |c| Unit::Ratio.format_change_fr(c)),
                    ratio(m.rates.vacancy_rate),
                    ratio(m.rates.external_share),
                    m.alerts
                        .iter()
                        .map(|a| alert_label(*a))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect(),
    )];
    fiche.objects = with_objects(objects, alerted);
    fiche.methods = vec![format!(
        "talent:bands {}/{}/{}",
        pts(b.turnover_high),
        pts(b.turnover_low),
        pts(b.external_high)
    )];
    Ok(fiche)
}

// ---------------------------------------------------------------- follow-up

/// A decision of a session held before the date, with where it was taken
/// and its alerts as of the date.
pub(in crate::committee) struct Followed {
    pub decision: Decision,
    pub session: Session,
    /// The position of its point on that session's agenda.
    pub point: Option<i64>,
    pub alerts: Vec<Alert>,
}

/// The decisions of the sessions held before `as_of`, newest session first,
/// each with its alerts as of `as_of` (none once closed).
pub(in crate::committee) async fn decisions_before(
    state: &AppState,
    as_of: Date,
) -> Result<Vec<Followed>, AppError> {
    let sessions: HashMap<i64, Session> = store::sessions(&state.db)
        .await?
        .into_iter()
        .filter(|s| s.held_on < as_of)
        .map(|s| (s.id, s))
        .collect();
    let mut positions: HashMap<i64, Option<i64>> = HashMap::new();
    for id in sessions.keys() {
        for p in store::points::for_session(&state.db, *id).await? {
            positions.insert(p.id, p.position);
        }
    }
    Ok(store::decisions::all(&state.db)
        .await?
        .into_iter()
        .filter_map(|d| {
            let session = sessions.get(&d.session_id)?.clone();
            let follow = FollowUp {
                status: d.status,
                decided_on: session.held_on,
                due_on: d.due_on,
                frequency: d.frequency,
                last_update: d.last_update,
            };
            Some(Followed {
                alerts: alerts(&follow, as_of),
                point: positions.get(&d.point_id).copied().flatten(),
                decision: d,
                session,
            })
        })
        .collect())
}

/// "Séance du 15/01/2025, point 3".
pub(in crate::committee) fn reference(f: &Followed) -> String {
    match f.point {
        Some(p) => format!("Séance du {}, point {p}", short_date(f.session.held_on)),
        None => format!("Séance du {}", short_date(f.session.held_on)),
    }
}

pub(super) async fn follow_up(
    state: &AppState,
    as_of: Date,
    objects: &[ObjectRef],
) -> Result<Fiche, AppError> {
    let all = decisions_before(state, as_of).await?;
    if all.is_empty() {
        return Ok(no_data(
            Topic::FollowUp,
            as_of,
            objects,
            &format!(
                "Aucune décision n'a été prise lors d'une séance tenue avant le {}.",
                long_date(as_of)
            ),
        ));
    }
    let orgs = state.organisations(true).await?;
    let code = |id: cosinum_domain::OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.code.clone())
    };
    let open: Vec<&Followed> = all.iter().filter(|f| f.decision.status.is_open()).collect();
    let with = |a: Alert| open.iter().filter(|f| f.alerts.contains(&a)).count();
    let mut fiche = sheet(
        Topic::FollowUp,
        as_of,
        format!(
            "Suivi des {} décisions prises lors des séances tenues avant le {} : {} restent \
             ouvertes, dont {} en retard. Statuts d'après les points d'avancement enregistrés \
             par les pilotes ; alertes calculées au {} (échéance dépassée, point d'avancement \
             attendu selon la fréquence fixée).",
            all.len(),
            long_date(as_of),
            open.len(),
            with(Alert::Overdue),
            long_date(as_of),
        ),
    );
    let done = all
        .iter()
        .filter(|f| f.decision.status == Status::Done)
        .count();
    fiche.figures = figures([
        (
            "decisions",
            "Décisions des séances précédentes",
            count(all.len()),
            Count,
        ),
        ("open", "Décisions ouvertes", count(open.len()), Count),
        (
            "overdue",
            "Décisions en retard",
            count(with(Alert::Overdue)),
            Count,
        ),
        (
            "update_missing",
            "Points d'avancement manquants",
            count(with(Alert::UpdateMissing)),
            Count,
        ),
        ("done", "Décisions réalisées", count(done), Count),
        (
            "done_rate",
            "Taux de réalisation",
            (!all.is_empty()).then(|| done as f64 / all.len() as f64),
            Ratio,
        ),
    ]);
    let mut by_owner: BTreeMap<String, usize> = BTreeMap::new();
    for f in &open {
        *by_owner.entry(code(f.decision.owner_id)).or_default() += 1;
    }
    fiche.charts = vec![chart(
        "Décisions ouvertes par ministère pilote",
        Unit::Count,
        by_owner.into_iter().map(|(k, n)| (k, Some(n as f64))),
    )];
    let mut rows: Vec<&Followed> = open.clone();
    rows.sort_by_key(|f| (f.decision.due_on, f.decision.id));
    fiche.tables = vec![table(
        "Décisions ouvertes",
        &[
            "Référence",
            "Décision",
            "Pilote",
            "Échéance",
            "Statut",
            "Alertes",
        ],
        rows.iter()
            .map(|f| {
                vec![
                    reference(f),
                    f.decision.text.clone(),
                    code(f.decision.owner_id),
                    short_date(f.decision.due_on),
                    f.decision.status.label_fr().to_owned(),
                    f.alerts
                        .iter()
                        .map(|a| a.label_fr())
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect(),
    )];
    fiche.objects = with_objects(
        objects,
        open.iter()
            .flat_map(|f| f.decision.objects.iter().cloned())
            .collect(),
    );
    fiche.methods = vec!["committee:follow-up-v1".to_owned()];
    Ok(fiche)
}

// -------------------------------------------------------------------- reuse

pub(super) async fn reuse(
    state: &AppState,
    as_of: Date,
    objects: &[ObjectRef],
) -> Result<Fiche, AppError> {
    let params = crate::api::reuse_report::DuplicatesParams::default();
    let report =
        crate::api::reuse_report::duplicates_of(state, &committee_reader(), &params).await?;
    let feedback: Vec<_> = cosinum_store::reuse_feedback::all(&state.db)
        .await?
        .into_iter()
        .filter(|f| f.at.date() <= as_of)
        .collect();
    let verdicts = |v: ReuseVerdict| feedback.iter().filter(|f| f.verdict == v).count();
    let committee: Vec<_> = feedback
        .iter()
        .filter(|f| f.verdict == ReuseVerdict::Committee)
        .collect();
    let docs = signals::documents(state, signals::named_by(&committee)).await?;
    let doc = |kind: &str, id: i64| docs.get(&(kind.to_owned(), id));
    let threshold = format::number(f64::from(report.threshold) * 100.0, 0);
    let mut fiche = sheet(
        Topic::Reuse,
        as_of,
        format!(
            "Doublons potentiels entre ministères : {} paires d'efforts similaires (similarité \
             TF-IDF des descriptions d'au moins {threshold} %), pour {} en jeu ; {} verdicts \
             donnés au {}, dont {} demandant un arbitrage du comité. Les paires sont calculées \
             sur l'inventaire actuel, les verdicts sont ceux donnés à cette date.",
            report.pairs.len(),
            meur_of_euros(report.total_at_stake),
            feedback.len(),
            long_date(as_of),
            committee.len(),
        ),
    );
    fiche.figures = figures([
        (
            "pairs",
            "Paires de doublons potentiels",
            count(report.pairs.len()),
            Count,
        ),
        (
            "total_at_stake_meur",
            "Montant en jeu",
            Some(report.total_at_stake as f64 / 1e6),
            Meur,
        ),
        (
            "dismissed",
            "Paires jugées non pertinentes",
            count(report.dismissed),
            Count,
        ),
        (
            "verdicts_reused",
            "Réutilisations décidées",
            count(verdicts(ReuseVerdict::Reused)),
            Count,
        ),
        (
            "verdicts_not_relevant",
            "Rapprochements écartés",
            count(verdicts(ReuseVerdict::NotRelevant)),
            Count,
        ),
        (
            "verdicts_committee",
            "Paires à arbitrer en comité",
            count(committee.len()),
            Count,
        ),
    ]);
    let mut by_ministry: BTreeMap<String, usize> = BTreeMap::new();
    for p in &report.pairs {
        for m in [&p.pair.a.ministry, &p.pair.b.ministry] {
            *by_ministry.entry(m.clone()).or_default() += 1;
        }
    }
    fiche.charts = vec![chart(
        "Paires de doublons potentiels par ministère",
        Unit::Count,
        by_ministry.into_iter().map(|(k, n)| (k, Some(n as f64))),
    )];
    let similarity = |a: (&str, i64), b: (&str, i64)| {
        report.pairs.iter().find_map(|p| {
            let x = (p.pair.a.kind.as_str(), p.pair.a.id);
            let y = (p.pair.b.kind.as_str(), p.pair.b.id);
            ((x, y) == (a, b) || (x, y) == (b, a)).then_some(p.pair.similarity)
        })
    };
    let side = |kind: &str, id: i64| {
        doc(kind, id).map_or_else(
            || (format!("{} {id}", kind_label(kind)), "—".to_owned()),
            |d| (d.title.clone(), d.ministry.clone()),
        )
    };
    fiche.tables = vec![table(
        "Paires à arbitrer en comité",
        &[
            "Objet",
            "Ministère",
            "Objet similaire",
            "Ministère",
            "Similarité",
            "Montant en jeu",
            "Note",
        ],
        committee
            .iter()
            .map(|f| {
                let (a, ma) = side(&f.source_kind, f.source_id);
                let (b, mb) = side(&f.candidate_kind, f.candidate_id);
                let stake = [
                    doc(&f.source_kind, f.source_id),
                    doc(&f.candidate_kind, f.candidate_id),
                ]
                .iter()
                .filter_map(|d| d.and_then(|d| d.amount))
                .min();
                vec![
                    a,
                    ma,
                    b,
                    mb,
                    similarity(
                        (&f.source_kind, f.source_id),
                        (&f.candidate_kind, f.candidate_id),
                    )
                    .map_or_else(|| "—".to_owned(), |s| ratio(Some(f64::from(s)))),
                    stake.map_or_else(|| "—".to_owned(), meur_of_euros),
                    f.note.clone(),
                ]
            })
            .collect(),
    )];
    fiche.objects = with_objects(
        objects,
        committee
            .iter()
            .map(|f| {
                let label = side(&f.source_kind, f.source_id).0;
                object(&f.source_kind, f.source_id, label)
            })
            .collect(),
    );
    fiche.methods = vec![format!("reuse:tfidf-cosine {threshold} %")];
    Ok(fiche)
}
