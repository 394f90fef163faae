//! Demo data of the major-projects module: a realistic portfolio of about 50
//! projects, with several years of half-yearly reviews, re-baselines,
//! withheld figures, projects that left the panorama, and ratings.
//! Deterministic: the same database every time.

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::money::Euros;
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::project::{
    BaselineFields, Milestone, ProjectFields, Rating, ReviewFields, Risk,
};
use time::{Date, Duration, Month};

use crate::audit::AuditCtx;
use crate::db::Tx;
use crate::projects::{self, avis, baselines, reviews};
use cosinum_domain::projects::avis::{AvisKind, Axis, InfoRequest, Verdict};

/// (ministry code, name, functional zone, interministerial, programmes, initial cost M€, planned years, start year)
type Seed = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
    f64,
    f64,
    i32,
);

#[rustfmt::skip]
const PROJECTS: &[Seed] = &[
    ("MININT", "ANEF — Administration numérique des étrangers en France", "Immigration et asile", false, "P303", 39.1, 6.0, 2016),
    ("MININT", "NexSIS 18-112", "Sécurité civile", true, "P161", 52.7, 8.0, 2017),
    ("MININT", "Réseau radio du futur", "Sécurité intérieure", true, "P216", 896.0, 9.0, 2019),
    ("MININT", "SIV — refonte du système d'immatriculation", "Titres et libertés publiques", false, "P216", 18.5, 4.0, 2021),
    ("MININT", "France Titres — plateforme des titres sécurisés", "Titres et libertés publiques", false, "P354", 24.0, 4.5, 2020),
    ("MININT", "Élections — répertoire électoral unique v2", "Élections", false, "P232", 11.2, 3.0, 2022),
    ("MEF", "PILAT — pilotage de l'activité des finances publiques", "Fiscalité", false, "P156", 36.0, 4.0, 2019),
    ("MEF", "GMBI — Gérer mon bien immobilier", "Fiscalité", false, "P156", 35.7, 3.0, 2019),
    ("MEF", "Facturation électronique — portail public", "Finances publiques", true, "P156", 84.0, 5.0, 2020),
    ("MEF", "ROCSP — recouvrement forcé", "Fiscalité", false, "P156", 27.4, 5.0, 2018),
    ("MEF", "Douane — dédouanement centralisé (DELTA-X)", "Douane", false, "P302", 21.0, 4.0, 2020),
    ("MEF", "Chorus — socle de gestion financière, évolution S/4", "Finances publiques", true, "P218", 142.0, 7.0, 2021),
    ("MEF", "INSEE — recensement en ligne nouvelle génération", "Statistique publique", false, "P220", 14.8, 3.5, 2022),
    ("MEF", "Cadastre — représentation parcellaire unique", "Fiscalité", true, "P156", 19.6, 5.0, 2019),
    ("MJ", "Procédure pénale numérique", "Justice pénale", true, "P310", 121.7, 8.0, 2018),
    ("MJ", "PORTALIS", "Justice civile", false, "P166", 52.4, 9.0, 2014),
    ("MJ", "ASTREA — casier judiciaire", "Justice pénale", false, "P166", 20.0, 8.0, 2013),
    ("MJ", "Cassiopée — évolutions", "Justice pénale", false, "P166", 12.5, 3.0, 2021),
    ("MJ", "Prisme — gestion des détenus", "Administration pénitentiaire", false, "P107", 31.0, 6.0, 2019),
    ("MINARM", "SOURCE SOLDE", "Ressources humaines", false, "P212", 122.2, 9.0, 2011),
    ("MINARM", "Achats — SI achats des armées", "Achats", false, "P178", 16.4, 4.0, 2020),
    ("MENJ", "SIRHEN", "Ressources humaines", false, "P214", 496.4, 14.0, 2007),
    ("MENJ", "CYCLADES", "Examens et concours", false, "P214", 40.1, 6.0, 2014),
    ("MENJ", "Affelnet — rénovation", "Scolarité", false, "P230", 10.9, 3.0, 2022),
    ("MENJ", "ENT — socle national", "Scolarité", false, "P214", 22.5, 4.0, 2021),
    ("MESR", "Parcoursup — refonte technique", "Enseignement supérieur", false, "P150", 15.2, 3.0, 2022),
    ("MESR", "PAYSAGE", "Enseignement supérieur", false, "P150", 41.7, 6.0, 2016),
    ("MTE", "SIPA — permis et autorisations environnementales", "Environnement", false, "P181", 17.3, 4.0, 2020),
    ("MTE", "GUNenv — guichet unique numérique de l'environnement", "Environnement", true, "P181", 13.9, 4.0, 2021),
    ("MTE", "Météo-France — calculateur 2026", "Météorologie", false, "P159", 144.0, 5.0, 2023),
    ("MTE", "Permis de conduire — RDV permis", "Transports", false, "P207", 9.4, 3.0, 2022),
    ("MTSS", "SI SAMU", "Santé", true, "P204", 75.1, 4.6, 2017),
    ("MTSS", "France Travail — plateforme de l'accompagnement", "Emploi", true, "P102", 98.0, 5.0, 2023),
    ("MTSS", "DSN — évolutions de la déclaration sociale nominative", "Travail", true, "P155", 23.0, 4.0, 2021),
    ("MTSS", "Ségur numérique — couloir hospitalier", "Santé", true, "P204", 47.0, 4.0, 2021),
    ("MEAE", "FRANCE VISAS", "Action extérieure", true, "P151", 32.8, 5.0, 2016),
    ("MEAE", "Registre des Français de l'étranger — refonte", "Action extérieure", false, "P151", 12.4, 3.0, 2022),
    ("MC", "Collections numériques des musées", "Culture", false, "P175", 9.8, 4.0, 2021),
    ("MC", "Archives — programme VITAM", "Culture", true, "P129", 28.3, 6.0, 2016),
    ("MASA", "EXPADON 2", "Agriculture", false, "P206", 16.1, 5.0, 2016),
    ("MASA", "Télépac — nouvelle PAC 2023-2027", "Agriculture", false, "P149", 64.0, 4.0, 2020),
    ("SPM", "FranceConnect — socle 2025", "Identité numérique", true, "P129", 18.0, 3.0, 2023),
    ("SPM", "ProConnect — fédération d'identité des agents", "Identité numérique", true, "P129", 9.5, 3.0, 2023),
    ("SPM", "Réseau interministériel de l'État — RIE 2", "Infrastructures", true, "P129", 62.0, 5.0, 2021),
    ("SPM", "Nubo — cloud interministériel sensible", "Infrastructures", true, "P129", 33.0, 4.0, 2022),
    ("MTFP", "RenoiRH — SIRH interministériel", "Ressources humaines", true, "P148", 58.0, 6.0, 2019),
    ("MTFP", "Choisir le service public — nouvelle plateforme", "Ressources humaines", true, "P148", 9.1, 2.5, 2023),
    ("MTFP", "ENSAP — espace numérique sécurisé de l'agent public", "Ressources humaines", true, "P148", 14.2, 3.0, 2020),
    ("MININT", "Cyber — plateforme PHAROS 2", "Sécurité intérieure", false, "P176", 10.6, 3.0, 2023),
    ("MEF", "Impots.gouv — espace particulier nouvelle génération", "Fiscalité", false, "P156", 26.5, 4.0, 2023),
];

/// A small deterministic generator (the demo must be the same everywhere).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn add_years(d: Date, years: f64) -> Date {
    d + Duration::days((years * 365.25).round() as i64)
}

fn half_year_ends(from: Date, until: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut year = from.year();
    while year <= until.year() {
        for (m, d) in [(Month::June, 30), (Month::December, 31)] {
            if let Ok(day) = Date::from_calendar_date(year, m, d)
                && day >= from
                && day <= until
            {
                out.push(day);
            }
        }
        year += 1;
    }
    out
}

/// Creates the demo projects; `orgs` maps organisation codes to ids.
pub async fn seed(
    tx: &mut Tx,
    ctx: &AuditCtx,
    orgs: &HashMap<&str, OrgId>,
    today: Date,
) -> anyhow::Result<usize> {
    let mut rng = Lcg(0x00C0_51AE_2026);
    let mut created = 0;
    for (i, &(ministry, name, zone, inter, programmes, cost, years, start_year)) in
        PROJECTS.iter().enumerate()
    {
        let Some(&org) = orgs.get(ministry) else {
            continue;
        };
        let start = Date::from_calendar_date(start_year, Month::January, 1)?
            + Duration::days((rng.next() * 300.0) as i64);
        let planned_end = add_years(start, years);
        // A few projects left the panorama (finished, or stopped); one is under tender.
        let exited = match i % 17 {
            3 => Some(add_years(planned_end, 0.8).min(today)),
            _ => None,
        };
        let withheld = i == 21;
        let fields = ProjectFields {
            organisation_id: org,
            name: name.into(),
            description: format!(
                "{name} : modernisation du système d'information, dématérialisation et amélioration du service rendu aux usagers et aux agents."
            ),
            functional_zone: zone.into(),
            interministerial: inter,
            funding_programmes: programmes.into(),
            links: String::new(),
            phase: Phase::Cadrage,
            figures_withheld: false,
            entered_on: start.max(Date::from_calendar_date(2016, Month::November, 3)?),
            exited_on: exited.filter(|e| *e > start),
        };
        let project = projects::create(tx, ctx, &fields).await?;
        seed_avis(tx, ctx, project.id, i, start, today).await?;
        let initial = BaselineFields {
            approved_on: start,
            cost: Euros::from_meur(cost).unwrap_or_default(),
            start,
            planned_end,
            reason: "Avis conforme de la DINUM".into(),
            approved_by: "DINUM".into(),
        };
        let mut version = project.version;
        baselines::add(tx, ctx, project.id, version, &initial).await?;
        version += 1;
        // Drift profile: most projects drift little, a few a lot (MP §1.8).
        let severity = rng.next();
        let (cost_drift, time_drift) = if severity > 0.85 {
            (0.6 + rng.next() * 1.6, 0.4 + rng.next() * 0.8)
        } else if severity > 0.55 {
            (0.1 + rng.next() * 0.4, 0.1 + rng.next() * 0.4)
        } else {
            (rng.next() * 0.12 - 0.04, rng.next() * 0.15 - 0.03)
        };
        let rebaseline_at = (severity > 0.7).then(|| add_years(start, years * 0.55));
        let until = exited.unwrap_or(today).min(today);
        let dates = half_year_ends(start, until);
        let n = dates.len().max(1) as f64;
        let mut rebased = false;
        for (k, date) in dates.iter().enumerate() {
            let progress = (k as f64 + 1.0) / n;
            let elapsed = (*date - start).whole_days() as f64
                / (planned_end - start).whole_days().max(1) as f64;
            let phase = if elapsed < 0.15 {
                Phase::Cadrage
            } else if elapsed < 0.7 {
                Phase::ConceptionRealisation
            } else if elapsed < 0.85 {
                Phase::Experimentation
            } else if exited.is_some() && k + 1 == dates.len() {
                Phase::Termine
            } else {
                Phase::Deploiement
            };
            let cost_now = cost * (1.0 + cost_drift * progress);
            let end_now = add_years(start, years * (1.0 + time_drift * progress));
            if let Some(at) = rebaseline_at
                && !rebased
                && *date >= at
            {
                let rebaseline = BaselineFields {
                    approved_on: *date,
                    cost: Euros::from_meur(cost_now * 1.05).unwrap_or_default(),
                    start,
                    planned_end: add_years(end_now, 0.3),
                    reason: "Rebasage après revue de trajectoire : périmètre fonctionnel élargi et nouveau marché de réalisation".into(),
                    approved_by: "Comité ministériel des investissements, avis DINUM".into(),
                };
                baselines::add(tx, ctx, project.id, version, &rebaseline).await?;
                rebased = true;
            }
            let drifted = cost_drift * progress > 0.1 || time_drift * progress > 0.1;
            let rating = |offset: u8| {
                Rating((1 + offset + if drifted { 1 } else { 0 } + (severity > 0.85) as u8).min(4))
            };
            let review = ReviewFields {
                review_date: *date,
                cost: if phase == Phase::Cadrage {
                    None
                } else {
                    Euros::from_meur((cost_now * 10.0).round() / 10.0)
                },
                start: Some(start),
                forecast_end: Some(end_now),
                phase,
                figures_withheld: withheld && k + 1 == dates.len(),
                ministry_rating: Some(rating(0)),
                dinum_rating: Some(rating((rng.next() > 0.6) as u8)),
                narrative: if drifted {
                    "Dérive liée à l'élargissement du périmètre et à des difficultés de recrutement ; plan d'action présenté au comité.".into()
                } else {
                    String::new()
                },
                milestones: vec![
                    Milestone {
                        label: "Notification du marché de réalisation".into(),
                        planned_on: add_years(start, years * 0.2),
                        actual_on: (elapsed > 0.25)
                            .then(|| add_years(start, years * (0.2 + time_drift * 0.1))),
                    },
                    Milestone {
                        label: "Mise en service du premier lot".into(),
                        planned_on: add_years(start, years * 0.6),
                        actual_on: (elapsed > 0.75)
                            .then(|| add_years(start, years * (0.6 + time_drift * 0.4))),
                    },
                ],
                risks: if drifted {
                    vec![
                        Risk {
                            label: "Dépendance à un prestataire unique".into(),
                            level: "élevé".into(),
                        },
                        Risk {
                            label: "Reprise des données historiques".into(),
                            level: "moyen".into(),
                        },
                    ]
                } else {
                    vec![Risk {
                        label: "Conduite du changement auprès des agents".into(),
                        level: "faible".into(),
                    }]
                },
            };
            reviews::create(tx, ctx, project.id, reviews::SOURCE_REVIEW, &review).await?;
            version = projects::get_in_tx(tx, project.id).await?.version;
        }
        created += 1;
    }
    Ok(created)
}

/// Avis on most projects: favourable ones with recommendations followed up,
/// one still in instruction, one awaiting information, one deemed favourable.
async fn seed_avis(
    tx: &mut Tx,
    ctx: &AuditCtx,
    project_id: i64,
    i: usize,
    start: Date,
    today: Date,
) -> anyhow::Result<()> {
    if i % 4 == 3 {
        return Ok(()); // some projects have no avis: the threshold rule flags them
    }
    let recent = i == 48 || i == 49;
    let received = if recent {
        today - Duration::days(if i == 48 { 12 } else { 20 })
    } else {
        start - Duration::days(60)
    };
    let a = avis::create(
        tx,
        ctx,
        project_id,
        AvisKind::Conforme,
        received,
        "Dossier de présentation du projet",
    )
    .await?;
    let (verdict, issued, requests) = match i {
        48 => (None, None, vec![]),
        49 => (
            None,
            None,
            vec![InfoRequest {
                sent_on: received + Duration::days(5),
                answered_on: None,
            }],
        ),
        13 => (None, None, vec![]), // never answered: deemed favourable
        _ if i.is_multiple_of(7) => (
            Some(Verdict::FavourableWithRecommendations),
            Some(received + Duration::days(40)),
            vec![InfoRequest {
                sent_on: received + Duration::days(10),
                answered_on: Some(received + Duration::days(22)),
            }],
        ),
        _ if i % 11 == 5 => (
            Some(Verdict::Unfavourable),
            Some(received + Duration::days(28)),
            vec![],
        ),
        _ => (
            Some(Verdict::Favourable),
            Some(received + Duration::days(26)),
            vec![],
        ),
    };
    // Assessments consistent with the verdict: mostly good for a favourable avis.
    let rating = |k: usize| {
        let worst = match verdict {
            Some(Verdict::Favourable) => 1,
            Some(Verdict::FavourableWithRecommendations) => 2,
            _ => 3,
        };
        avis::AXIS_RATINGS[((i + k) % 3).min(worst - 1)].to_owned()
    };
    let fields = avis::AvisFields {
        transmitted_on: Some(received + Duration::days(2)),
        issued_on: issued,
        verdict,
        summary: if verdict.is_some() {
            "Projet utile ; points d'attention sur le pilotage financier et le calendrier de déploiement.".into()
        } else {
            String::new()
        },
        info_requests: requests,
        assessments: if verdict.is_some() {
            Axis::ALL
                .iter()
                .enumerate()
                .map(|(k, axis)| avis::Assessment {
                    axis: *axis,
                    rating: rating(k),
                    comment: String::new(),
                })
                .collect()
        } else {
            Vec::new()
        },
    };
    avis::update(tx, ctx, a.id, a.version, &fields).await?;
    if verdict == Some(Verdict::FavourableWithRecommendations) {
        let r1 = avis::add_recommendation(tx, ctx, a.id, Axis::Gouvernance, "Désigner un directeur de projet à temps plein et réunir un comité de pilotage trimestriel.").await?;
        avis::add_recommendation(
            tx,
            ctx,
            a.id,
            Axis::Planning,
            "Découper le projet en lots livrables de moins de 18 mois.",
        )
        .await?;
        avis::follow_up(
            tx,
            ctx,
            r1.id,
            r1.version,
            "closed",
            "Directeur de projet nommé ; comité trimestriel en place.",
            received + Duration::days(200),
        )
        .await?;
    }
    Ok(())
}
