//! Demo investment plans: every demo ministry's plan for this year
//! (submitted, most of them reviewed, with the DINUM's comments) and a second
//! revision or next year's draft for some. Several lines are deliberate
//! near-duplicates across ministries — the same problem described in other
//! words (online appointments, a chatbot for users, electronic signature,
//! mail management, an HR self-service portal…) — for the reuse finder.

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::money::Euros;
use cosinum_domain::reuse::plans::{PlanLine, PlanStatus, YearAmount};
use time::Date;

use crate::audit::AuditCtx;
use crate::db::Tx;
use crate::plans;

/// (ministry, title, description, functional zone, total M€)
#[rustfmt::skip]
const LINES: &[(&str, &str, &str, &str, f64)] = &[
    ("MININT", "Prise de rendez-vous en ligne en préfecture", "Permettre aux usagers de réserver un créneau en préfecture pour le dépôt d'un titre de séjour, avec rappels par SMS et gestion des files d'attente.", "Titres et libertés publiques", 2.4),
    ("MININT", "Agent conversationnel de la plateforme titres", "Un assistant virtuel répond aux questions des usagers sur l'état de leur demande de carte d'identité ou de passeport.", "Titres et libertés publiques", 1.2),
    ("MININT", "Modernisation de la main courante", "Refonte de l'outil de main courante des commissariats : saisie mobile, recherche et statistiques.", "Sécurité intérieure", 6.5),
    ("MEF", "Rendez-vous en ligne dans les services des impôts", "Les usagers prennent rendez-vous sur internet avec leur centre des finances publiques, choisissent l'horaire et reçoivent une confirmation et un rappel par SMS.", "Fiscalité", 3.1),
    ("MEF", "Signature électronique des actes comptables", "Dématérialiser la signature des pièces comptables par les ordonnateurs avec une signature électronique qualifiée.", "Finances publiques", 1.8),
    ("MEF", "Entrepôt de données fiscales", "Plateforme d'analyse des données de recouvrement pour le pilotage et la lutte contre la fraude.", "Fiscalité", 9.5),
    ("MJ", "Prise de rendez-vous dans les juridictions", "Réservation en ligne d'un créneau d'accueil au greffe des tribunaux, avec rappel automatique par SMS aux justiciables.", "Justice pénale", 1.6),
    ("MJ", "Signature électronique des décisions de justice", "Signature électronique qualifiée des jugements et actes par les magistrats et greffiers, avec horodatage.", "Justice pénale", 2.2),
    ("MJ", "Visioconférence pénitentiaire", "Équiper les établissements pénitentiaires de salles de visioconférence pour les audiences.", "Justice pénale", 4.0),
    ("MTE", "Chatbot d'information des usagers sur les aides à la rénovation", "Assistant conversationnel répondant automatiquement aux questions des usagers sur les aides et l'avancement de leur dossier.", "Environnement", 0.9),
    ("MTE", "Observatoire des données environnementales", "Publication en open data des mesures de qualité de l'air et de l'eau.", "Environnement", 3.3),
    ("MTSS", "Agent conversationnel pour les demandeurs de prestations", "Un robot conversationnel répond aux questions fréquentes des demandeurs et les oriente selon l'état de leur dossier.", "Travail", 1.1),
    ("MTSS", "Gestion électronique du courrier entrant", "Numérisation, indexation et circuit de traitement du courrier reçu par les services déconcentrés.", "Travail", 1.5),
    ("MC", "Gestion électronique des courriers et parapheur", "Dématérialiser le courrier arrivé : numérisation, indexation, affectation aux services et parapheur électronique.", "Culture", 0.8),
    ("MC", "Billetterie en ligne des musées nationaux", "Plateforme commune de vente de billets horodatés pour les musées nationaux.", "Culture", 2.7),
    ("MASA", "Télédéclaration des aides agricoles", "Nouveau service de déclaration en ligne des aides de la politique agricole commune.", "Agriculture", 7.8),
    ("MASA", "Dématérialisation du courrier des directions départementales", "Scanner et router le courrier papier reçu vers les agents avec suivi des délais de réponse.", "Agriculture", 0.7),
    ("MENJ", "Portail libre-service RH des personnels", "Les agents consultent leur dossier, déposent leurs demandes de congés et de mobilité et suivent leur carrière en ligne.", "Ressources humaines", 5.2),
    ("MENJ", "Inscription en ligne au collège", "Inscription et réinscription des élèves par les familles, avec pièces justificatives.", "Scolarité", 2.0),
    ("MINARM", "Espace numérique RH du militaire", "Un portail où chaque militaire consulte son dossier individuel, demande ses congés et suit sa mobilité.", "Ressources humaines", 6.0),
    ("MINARM", "Maintien en condition opérationnelle des réseaux tactiques", "Renouvellement des équipements de communication tactique.", "Infrastructures", 14.0),
    ("MEAE", "Signature électronique des actes consulaires", "Les agents consulaires signent électroniquement les actes d'état civil délivrés aux Français de l'étranger.", "Action extérieure", 1.3),
    ("MEAE", "Prise de rendez-vous consulaire en ligne", "Les usagers réservent en ligne un rendez-vous au consulat pour un passeport ou un acte, avec rappels automatiques.", "Action extérieure", 1.9),
    ("MTFP", "Référentiel interministériel des compétences numériques", "Outil de cartographie des compétences des agents de la filière numérique.", "Ressources humaines", 0.6),
    ("MESR", "Plateforme de candidature aux masters", "Candidature en ligne aux formations de master et suivi des réponses.", "Enseignement supérieur", 3.4),
];

/// Spreads `meur` over three years, AE in the first two, CP over three.
fn amounts(meur: f64, first: i32) -> Vec<YearAmount> {
    let e = |x: f64| Euros::from_meur(x).unwrap_or_default();
    vec![
        YearAmount {
            year: first,
            ae: e(meur * 0.6),
            cp: e(meur * 0.3),
        },
        YearAmount {
            year: first + 1,
            ae: e(meur * 0.4),
            cp: e(meur * 0.4),
        },
        YearAmount {
            year: first + 2,
            ae: Euros(0),
            cp: e(meur * 0.3),
        },
    ]
}

pub(crate) async fn seed(
    tx: &mut Tx,
    ctx: &AuditCtx,
    orgs: &HashMap<&str, OrgId>,
    today: Date,
) -> anyhow::Result<usize> {
    let year = today.year();
    let dinum = AuditCtx::system("DINUM (démonstration)");
    let mut ministries: Vec<&str> = LINES.iter().map(|l| l.0).collect();
    ministries.dedup();
    let mut n = 0;
    for (k, code) in ministries.iter().enumerate() {
        let Some(&org) = orgs.get(code) else { continue };
        let plan = plans::open_revision(tx, ctx, org, year).await?;
        for &(_, title, description, zone, meur) in LINES.iter().filter(|l| l.0 == *code) {
            let line = PlanLine {
                id: 0,
                key: String::new(),
                title: title.into(),
                description: description.into(),
                functional_zone: zone.into(),
                project_id: None,
                application_id: None,
                expected_start: Date::from_calendar_date(year, time::Month::March, 1).ok(),
                amounts: amounts(meur, year),
                version: 1,
            };
            plans::add_line(tx, ctx, plan.id, &line).await?;
            n += 1;
        }
        let submitted_on =
            Date::from_calendar_date(year, time::Month::January, 15).unwrap_or(today);
        let plan =
            plans::set_status(tx, ctx, plan.id, 1, PlanStatus::Submitted, submitted_on).await?;
        if k % 3 == 2 {
            continue; // waiting for the DINUM's review
        }
        if let Some(first) = plan.lines.first() {
            plans::add_comment(
                tx,
                &dinum,
                first.id,
                "Un besoin proche est couvert ailleurs : voir le panneau « déjà fait ailleurs » avant d'engager les crédits.",
            )
            .await?;
        }
        let reviewed_on =
            Date::from_calendar_date(year, time::Month::February, 20).unwrap_or(today);
        plans::set_status(
            tx,
            &dinum,
            plan.id,
            plan.version,
            PlanStatus::Reviewed,
            reviewed_on,
        )
        .await?;
        // Some ministries revise this year's plan and submit the revision
        // (the consolidated view then lists what changed); others keep a
        // revision in draft.
        if k % 4 == 0 || k % 4 == 1 {
            let draft = plans::open_revision(tx, ctx, org, year).await?;
            if let Some(l) = draft.lines.first() {
                let meur = LINES.iter().find(|x| x.1 == l.title).map_or(1.0, |x| x.4);
                let more = PlanLine {
                    amounts: amounts(meur * 1.25, year),
                    ..l.clone()
                };
                plans::update_line(tx, ctx, l.id, l.version, &more).await?;
            }
            if k % 4 == 0 {
                let d = plans::plan_in_tx(tx, draft.id).await?;
                plans::set_status(tx, ctx, d.id, d.version, PlanStatus::Submitted, reviewed_on)
                    .await?;
            }
        }
    }
    Ok(n)
}
