//! The sheets of the démarches, funding and cloud modules, each from the
//! module's own report builder as of the session's cut-off.

use cosinum_domain::committee::fiche::Unit::{Count, Meur, Ratio};
use cosinum_domain::committee::fiche::{Fiche, Unit};
use cosinum_domain::committee::{ObjectRef, Topic};
use time::Date;

use super::{
    chart, count, figures, long_date, meur_of_euros, no_data, object, ratio, sheet, table,
    with_objects,
};
use crate::AppState;
use crate::committee::{committee_reader, signals};
use crate::error::AppError;

pub(super) fn orgs_code(
    orgs: &[cosinum_domain::organisation::Organisation],
    id: cosinum_domain::OrgId,
) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map_or_else(|| id.to_string(), |o| o.code.clone())
}

// ---------------------------------------------------------------- démarches

/// The latest edition published on or before `as_of`.
pub(super) fn edition_as_of(dates: impl IntoIterator<Item = Date>, as_of: Date) -> Option<Date> {
    dates.into_iter().filter(|d| *d <= as_of).max()
}

pub(super) async fn demarches(
    state: &AppState,
    as_of: Date,
    objects: &[ObjectRef],
) -> Result<Fiche, AppError> {
    let editions = state.demarche_editions().await?;
    let Some(edition) = edition_as_of(editions.iter().map(|e| e.edition_date), as_of) else {
        return Ok(no_data(
            Topic::Demarches,
            as_of,
            objects,
            &format!(
                "Aucune édition de l'observatoire de la qualité des démarches en ligne n'était \
                 publiée au {}.",
                long_date(as_of)
            ),
        ));
    };
    let s = crate::api::demarches::summary_for(state, &committee_reader(), Some(edition)).await?;
    let mut fiche = sheet(
        Topic::Demarches,
        as_of,
        format!(
            "Observatoire de la qualité des démarches en ligne, édition du {} (la dernière publiée \
             au {}) : {} démarches suivies, {} entièrement réalisables en ligne. Méthode « {} » ; \
             part stricte (démarches entièrement en ligne) et pondérée (100 % en ligne, 50 % \
             partiel, 10 % bêta), sur les démarches dont la valeur est mesurée.",
            long_date(s.edition),
            long_date(as_of),
            s.demarches,
            ratio(s.online.strict_share),
            s.method_label,
        ),
    );
    let goal = |slug: &str| {
        s.goals
            .iter()
            .find(|g| g.slug == slug)
            .and_then(|g| g.share)
    };
    fiche.figures = figures([
        ("demarches", "Démarches suivies", count(s.demarches), Count),
        (
            "online_strict_share",
            "Démarches entièrement en ligne",
            s.online.strict_share,
            Ratio,
        ),
        (
            "online_weighted_share",
            "Taux de dématérialisation pondéré",
            s.online.weighted_share,
            Ratio,
        ),
        (
            "online_change",
            "Évolution de la part en ligne depuis l'édition précédente",
            s.online_change,
            Ratio,
        ),
        (
            "goal_satisfaction",
            "Démarches à l'objectif de satisfaction",
            goal("satisfaction"),
            Ratio,
        ),
        (
            "movers_up",
            "Démarches en progrès",
            count(s.movers_up),
            Count,
        ),
        (
            "movers_down",
            "Démarches en recul",
            count(s.movers_down),
            Count,
        ),
    ]);
    fiche.charts = vec![chart(
        "Part des démarches entièrement en ligne par ministère",
        Unit::Ratio,
        s.by_ministry
            .iter()
            .map(|m| (m.code.clone(), m.online.strict_share)),
    )];
    let mut tables = vec![table(
        "Démarches en ligne par ministère",
        &[
            "Ministère",
            "Démarches mesurées",
            "Entièrement en ligne",
            "Taux pondéré",
            "Évolution",
        ],
        s.by_ministry
            .iter()
            .map(|m| {
                vec![
                    format!("{} — {}", m.code, m.name),
                    m.online.denominator.to_string(),
                    ratio(m.online.strict_share),
                    ratio(m.online.weighted_share),
                    m.online_change
                        .map_or_else(|| "—".to_owned(), |c| Unit::Ratio.format_change_fr(c)),
                ]
            })
            .collect(),
    )];
    let wanted: Vec<i64> = objects
        .iter()
        .filter(|o| o.kind == "demarche")
        .map(|o| o.id)
        .collect();
    if !wanted.is_empty() {
        let orgs = state.organisations(true).await?;
        let list = cosinum_store::demarches::list(&state.db).await?;
        tables.push(table(
            "Démarches concernées",
            &["Démarche", "Ministère", "Administration"],
            list.iter()
                .filter(|d| wanted.contains(&d.id))
                .map(|d| {
                    vec![
                        d.name.clone(),
                        orgs_code(&orgs, d.organisation_id),
                        d.administration.clone(),
                    ]
                })
                .collect(),
        ));
    }
    fiche.tables = tables;
    fiche.objects = objects.to_vec();
    fiche.methods = vec![format!("demarches:{}", s.method)];
    Ok(fiche)
}

// ------------------------------------------------------------------ funding

pub(super) async fn funding(
    state: &AppState,
    as_of: Date,
    objects: &[ObjectRef],
) -> Result<Fiche, AppError> {
    let Some((fund, _, r)) = signals::current_fund(state, as_of).await? else {
        return Ok(no_data(
            Topic::Funding,
            as_of,
            objects,
            &format!("Aucun fonds n'était ouvert au {}.", long_date(as_of)),
        ));
    };
    let orgs = state.organisations(true).await?;
    let over = crate::api::funding_capacity::ministries_over_capacity(state, as_of).await?;
    let d = &r.overall.decisions;
    let c = &r.overall.consumption;
    let mut fiche = sheet(
        Topic::Funding,
        as_of,
        format!(
            "{} ({}) au {} : {} dossiers déposés, {} accordés sur une enveloppe de {}. \
             Consommation d'après les engagements (AE) et paiements (CP) enregistrés ; un dossier \
             est en retard quand ses CP payés ont plus de 25 points de retard sur un rythme \
             linéaire de son calendrier prévu. Capacité à faire : charge des dossiers rapportée \
             à la capacité déclarée par chaque ministère, du semestre en cours aux suivants.",
            fund.name,
            fund.code,
            long_date(as_of),
            d.applications,
            meur_of_euros(d.granted_amount.0),
            meur_of_euros(r.envelope.0),
        ),
    );
    let meur = |e: cosinum_domain::money::Euros| Some(e.meur());
    fiche.figures = figures([
        (
            "envelope_meur",
            "Enveloppe du fonds (AE)",
            meur(r.envelope),
            Meur,
        ),
        (
            "applications",
            "Dossiers déposés",
            count(d.applications),
            Count,
        ),
        (
            "granted_meur",
            "Montant accordé",
            meur(d.granted_amount),
            Meur,
        ),
        (
            "envelope_granted_rate",
            "Part de l'enveloppe accordée",
            r.envelope_granted_rate,
            Ratio,
        ),
        (
            "paid_rate",
            "CP payés rapportés au montant accordé",
            c.paid_rate,
            Ratio,
        ),
        (
            "restes_a_payer_meur",
            "Restes à payer",
            meur(c.restes_a_payer),
            Meur,
        ),
        (
            "lagging",
            "Dossiers en retard de consommation",
            count(r.lagging.len()),
            Count,
        ),
        (
            "over_capacity",
            "Ministères au-delà de leur capacité à faire",
            count(over.len()),
            Count,
        ),
    ]);
    let by_ministry: Vec<(String, &cosinum_domain::funding::report::Figures)> = r
        .by_ministry
        .iter()
        .map(|(o, f)| (orgs_code(&orgs, *o), f))
        .collect();
    fiche.charts = vec![
        chart(
            "Montant accordé par ministère",
            Unit::Meur,
            by_ministry
                .iter()
                .map(|(k, f)| (k.clone(), Some(f.decisions.granted_amount.meur()))),
        ),
        chart(
            "CP payés rapportés au montant accordé, par ministère",
            Unit::Ratio,
            by_ministry
                .iter()
                .map(|(k, f)| (k.clone(), f.consumption.paid_rate)),
        ),
    ];
    let mut lagging = r.lagging.clone();
    lagging.sort_by(|a, b| b.lag.gap.total_cmp(&a.lag.gap));
    fiche.tables = vec![
        table(
            "Dossiers et consommation par ministère",
            &[
                "Ministère",
                "Dossiers",
                "Retenus",
                "Montant accordé",
                "AE engagées",
                "CP payés",
                "Taux CP",
            ],
            by_ministry
                .iter()
                .map(|(k, f)| {
                    vec![
                        k.clone(),
                        f.decisions.applications.to_string(),
                        f.decisions.granted.to_string(),
                        meur_of_euros(f.decisions.granted_amount.0),
                        meur_of_euros(f.consumption.engaged.0),
                        meur_of_euros(f.consumption.paid.0),
                        ratio(f.consumption.paid_rate),
                    ]
                })
                .collect(),
        ),
        table(
            "Dossiers en retard de consommation",
            &[
                "Dossier",
                "Ministère",
                "Montant accordé",
                "CP payés",
                "Calendrier écoulé",
                "Écart",
            ],
            lagging
                .iter()
                .map(|l| {
                    vec![
                        l.title.clone(),
                        orgs_code(&orgs, l.organisation_id),
                        meur_of_euros(l.granted.0),
                        ratio(Some(l.lag.actual)),
                        ratio(Some(l.lag.expected)),
                        Unit::Ratio.format_change_fr(-l.lag.gap),
                    ]
                })
                .collect(),
        ),
    ];
    let mut more: Vec<ObjectRef> = lagging
        .iter()
        .map(|l| object("funding_application", l.application_id, l.title.clone()))
        .collect();
    more.extend(over.iter().map(|(o, _)| {
        let label = orgs
            .iter()
            .find(|x| x.id == *o)
            .map_or_else(|| o.to_string(), |x| x.name.clone());
        object("organisation", o.0, label)
    }));
    fiche.objects = with_objects(objects, more);
    fiche.methods = vec!["funding:consumption-v1".to_owned()];
    Ok(fiche)
}

// -------------------------------------------------------------------- cloud

pub(super) async fn cloud(
    state: &AppState,
    as_of: Date,
    objects: &[ObjectRef],
) -> Result<Fiche, AppError> {
    let reader = committee_reader();
    let compliance = crate::api::cloud::compliance_on(state, &reader, as_of).await?;
    let t = &compliance.total;
    if t.applications == 0 {
        return Ok(no_data(
            Topic::Cloud,
            as_of,
            objects,
            "Aucune application n'est inventoriée.",
        ));
    }
    let overview = crate::cloud_overview::overview(state, &reader, as_of).await?;
    let orgs = state.organisations(true).await?;
    let flagged: Vec<ObjectRef> = overview
        .sensitive_breaches
        .iter()
        .map(|a| object("application", a.id, a.name.clone()))
        .collect();
    let doctrine = cosinum_domain::cloud::types::Doctrine::in_force(as_of);
    let mut fiche = sheet(
        Topic::Cloud,
        as_of,
        format!(
            "Conformité des {} applications inventoriées à la doctrine « Cloud au centre » au {} \
             ({}) : {} conformes, {} non conformes, {} sous dérogation. Chaque application est \
             évaluée avec son hébergement, son évaluation de sensibilité et ses dérogations à \
             cette date ; le taux de conformité exclut les applications hors champ.",
            t.applications,
            long_date(as_of),
            doctrine.map_or(
                "avant la doctrine, qui s'applique depuis le 10 juillet 2021",
                |d| { d.label_fr() }
            ),
            t.compliant,
            t.non_compliant,
            t.under_derogation,
        ),
    );
    fiche.figures = figures([
        (
            "applications",
            "Applications inventoriées",
            count(t.applications),
            Count,
        ),
        (
            "compliance_rate",
            "Taux de conformité (hors champ exclu)",
            t.compliance_rate,
            Ratio,
        ),
        (
            "compliant",
            "Applications conformes",
            count(t.compliant),
            Count,
        ),
        (
            "non_compliant",
            "Applications non conformes",
            count(t.non_compliant),
            Count,
        ),
        (
            "under_derogation",
            "Applications sous dérogation",
            count(t.under_derogation),
            Count,
        ),
        (
            "sensitive_non_compliant",
            "Applications à données sensibles non conformes",
            count(flagged.len()),
            Count,
        ),
    ]);
    fiche.charts = vec![chart(
        "Taux de conformité par ministère",
        Unit::Ratio,
        compliance
            .by_ministry
            .iter()
            .map(|m| (m.ministry.clone(), m.compliance_rate)),
    )];
    let wanted: Vec<i64> = with_objects(objects, flagged.clone())
        .iter()
        .filter(|o| o.kind == "application")
        .map(|o| o.id)
        .collect();
    let apps = crate::cloud_overview::evaluated_ids(state, &reader, &wanted, as_of).await?;
    fiche.tables = vec![
        table(
            "Conformité par ministère",
            &[
                "Ministère",
                "Applications",
                "Conformes",
                "Non conformes",
                "Sous dérogation",
                "Hors champ",
                "Taux de conformité",
            ],
            compliance
                .by_ministry
                .iter()
                .map(|m| {
                    vec![
                        m.ministry.clone(),
                        m.applications.to_string(),
                        m.compliant.to_string(),
                        m.non_compliant.to_string(),
                        m.under_derogation.to_string(),
                        m.not_applicable.to_string(),
                        ratio(m.compliance_rate),
                    ]
                })
                .collect(),
        ),
        table(
            "Applications concernées",
            &[
                "Application",
                "Ministère",
                "Statut",
                "Données sensibles",
                "Verdict",
                "Règles non respectées",
            ],
            apps.iter()
                .map(|(a, _, e)| {
                    let rules = e.breached_rules();
                    vec![
                        a.name.clone(),
                        orgs_code(&orgs, a.organisation_id),
                        a.status.label_fr().to_owned(),
                        match e.sensitive {
                            Some(true) => "Oui",
                            Some(false) => "Non",
                            None => "Non évaluée",
                        }
                        .to_owned(),
                        e.verdict.label_fr().to_owned(),
                        if rules.is_empty() {
                            "—".to_owned()
                        } else {
                            rules.join(", ")
                        },
                    ]
                })
                .collect(),
        ),
    ];
    fiche.objects = with_objects(objects, flagged);
    fiche.methods = vec![format!(
        "cloud:{}",
        doctrine.map_or("aucune", |d| d.as_str())
    )];
    Ok(fiche)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_edition_is_the_latest_published_by_the_date() {
        let dates = [
            date!(2024 - 10 - 01),
            date!(2025 - 04 - 01),
            date!(2025 - 10 - 01),
        ];
        assert_eq!(
            edition_as_of(dates, date!(2025 - 06 - 15)),
            Some(date!(2025 - 04 - 01))
        );
        assert_eq!(
            edition_as_of(dates, date!(2025 - 10 - 01)),
            Some(date!(2025 - 10 - 01))
        );
        assert_eq!(edition_as_of(dates, date!(2024 - 09 - 30)), None);
    }
}
