//! The realistic demo dataset behind `cosinum serve --demo`.
//!
//! Each module adds its own demo data here, on top of the organisations and
//! accounts created by [`seed`], so that the demo always shows every module.

use cosinum_domain::OrgId;
use cosinum_domain::authz::Role;
use cosinum_domain::organisation::{OrgKind, OrganisationFields};
use cosinum_domain::user::UserFields;
use time::Date;
use time::macros::date;

use crate::audit::AuditCtx;
use crate::db::Db;
use crate::{organisations, secrets, users};

/// The password of every demo account (documented in the README; demo only).
pub const DEMO_PASSWORD: &str = "demo-cosinum-2026";

/// A demo account, printed at start-up so that people can sign in.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: String,
    pub role: Role,
    pub organisation: Option<String>,
}

/// (code, name, kind, parent code, valid from, valid to)
type OrgSeed = (
    &'static str,
    &'static str,
    OrgKind,
    Option<&'static str>,
    Date,
    Option<Date>,
);

const GOVERNMENT_START: Date = date!(2024 - 12 - 23);

const ORGANISATIONS: &[OrgSeed] = &[
    (
        "SPM",
        "Services du Premier ministre",
        OrgKind::Ministry,
        None,
        date!(1958 - 10 - 04),
        None,
    ),
    (
        "SGG",
        "Secrétariat général du Gouvernement",
        OrgKind::Direction,
        Some("SPM"),
        date!(1958 - 10 - 04),
        None,
    ),
    (
        "DINUM",
        "Direction interministérielle du numérique",
        OrgKind::Direction,
        Some("SPM"),
        date!(2019 - 10 - 25),
        None,
    ),
    (
        "SGDSN",
        "Secrétariat général de la défense et de la sécurité nationale",
        OrgKind::Direction,
        Some("SPM"),
        date!(2009 - 12 - 24),
        None,
    ),
    (
        "ANSSI",
        "Agence nationale de la sécurité des systèmes d'information",
        OrgKind::Operator,
        Some("SGDSN"),
        date!(2009 - 07 - 07),
        None,
    ),
    (
        "MININT",
        "Ministère de l'Intérieur",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "MININT-DNUM",
        "Direction du numérique du ministère de l'Intérieur",
        OrgKind::Direction,
        Some("MININT"),
        date!(2020 - 01 - 01),
        None,
    ),
    (
        "ANTS",
        "France Titres (Agence nationale des titres sécurisés)",
        OrgKind::Operator,
        Some("MININT"),
        date!(2007 - 02 - 22),
        None,
    ),
    (
        "MEF",
        "Ministère de l'Économie, des Finances et de la Souveraineté industrielle et numérique",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "MEF-DGFIP",
        "Direction générale des finances publiques",
        OrgKind::Direction,
        Some("MEF"),
        date!(2008 - 04 - 03),
        None,
    ),
    (
        "MEF-DGDDI",
        "Direction générale des douanes et droits indirects",
        OrgKind::Direction,
        Some("MEF"),
        date!(1995 - 01 - 01),
        None,
    ),
    (
        "AIFE",
        "Agence pour l'informatique financière de l'État",
        OrgKind::Direction,
        Some("MEF"),
        date!(2005 - 02 - 11),
        None,
    ),
    (
        "INSEE",
        "Institut national de la statistique et des études économiques",
        OrgKind::Direction,
        Some("MEF"),
        date!(1946 - 04 - 27),
        None,
    ),
    (
        "MJ",
        "Ministère de la Justice",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "MJ-SNUM",
        "Service du numérique du ministère de la Justice",
        OrgKind::Direction,
        Some("MJ"),
        date!(2017 - 01 - 01),
        None,
    ),
    (
        "MINARM",
        "Ministère des Armées",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "MINARM-DGNUM",
        "Direction générale du numérique et des systèmes d'information et de communication",
        OrgKind::Direction,
        Some("MINARM"),
        date!(2018 - 01 - 01),
        None,
    ),
    (
        "MENJ",
        "Ministère de l'Éducation nationale",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "MENJ-DNE",
        "Direction du numérique pour l'éducation",
        OrgKind::Direction,
        Some("MENJ"),
        date!(2014 - 04 - 01),
        None,
    ),
    (
        "MESR",
        "Ministère de l'Enseignement supérieur et de la Recherche",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "MTE",
        "Ministère de la Transition écologique, de la Biodiversité et de la Mer",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "MTE-DNUM",
        "Direction du numérique des ministères de l'aménagement du territoire et de la transition écologique",
        OrgKind::Direction,
        Some("MTE"),
        date!(2021 - 01 - 01),
        None,
    ),
    (
        "METEO",
        "Météo-France",
        OrgKind::Operator,
        Some("MTE"),
        date!(1993 - 06 - 18),
        None,
    ),
    (
        "MTSS",
        "Ministère du Travail, de la Santé et des Solidarités",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "MTSS-DNUM",
        "Direction du numérique des ministères sociaux",
        OrgKind::Direction,
        Some("MTSS"),
        date!(2021 - 01 - 01),
        None,
    ),
    (
        "FT",
        "France Travail",
        OrgKind::Operator,
        Some("MTSS"),
        date!(2024 - 01 - 01),
        None,
    ),
    (
        "ANS",
        "Agence du numérique en santé",
        OrgKind::Operator,
        Some("MTSS"),
        date!(2020 - 01 - 01),
        None,
    ),
    (
        "MC",
        "Ministère de la Culture",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "BNF",
        "Bibliothèque nationale de France",
        OrgKind::Operator,
        Some("MC"),
        date!(1994 - 01 - 03),
        None,
    ),
    (
        "MASA",
        "Ministère de l'Agriculture et de la Souveraineté alimentaire",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "ASP",
        "Agence de services et de paiement",
        OrgKind::Operator,
        Some("MASA"),
        date!(2009 - 04 - 01),
        None,
    ),
    (
        "MEAE",
        "Ministère de l'Europe et des Affaires étrangères",
        OrgKind::Ministry,
        None,
        GOVERNMENT_START,
        None,
    ),
    (
        "MTFP",
        "Ministère de la Transformation et de la Fonction publiques",
        OrgKind::Ministry,
        None,
        date!(2020 - 07 - 06),
        None,
    ),
    // A ministry of a former government: kept, with its dates, and archived.
    (
        "MCTRCT",
        "Ministère de la Cohésion des territoires et des Relations avec les collectivités territoriales",
        OrgKind::Ministry,
        None,
        date!(2020 - 07 - 06),
        Some(date!(2022 - 05 - 20)),
    ),
];

/// (e-mail, display name, role, organisation code)
const ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin@demo.cosinum.fr", "Camille Admin", Role::Admin, None),
    (
        "pilotage@demo.cosinum.fr",
        "Dominique Pilotage (DINUM)",
        Role::Steering,
        Some("DINUM"),
    ),
    (
        "editeur.interieur@demo.cosinum.fr",
        "Élise Éditrice (Intérieur)",
        Role::MinistryEditor,
        Some("MININT"),
    ),
    (
        "lecteur.interieur@demo.cosinum.fr",
        "Louis Lecteur (Intérieur)",
        Role::MinistryReader,
        Some("MININT"),
    ),
    (
        "editeur.finances@demo.cosinum.fr",
        "Fatima Éditrice (Finances)",
        Role::MinistryEditor,
        Some("MEF"),
    ),
    // Chairs the COSINUM: validates its records of decisions.
    (
        "presidence@demo.cosinum.fr",
        "Claire Présidente (SGG)",
        Role::Steering,
        Some("SGG"),
    ),
];

/// A small deterministic generator for the demo datasets (a PCG-style LCG):
/// the same demo on every machine, no dependency.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    /// The next number in [0, 1).
    pub(crate) fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The demo's collection campaigns, on top of [`seed`]'s data. Kept apart
/// because they take seconds every integration test would pay for nothing;
/// `serve --demo` adds them, and the campaigns' tests call it.
pub async fn seed_campaigns(db: &Db) -> anyhow::Result<()> {
    let ctx = AuditCtx::system("données de démonstration");
    let mut tx = db.begin().await?;
    crate::demo_campaigns::seed(&mut tx, &ctx, time::OffsetDateTime::now_utc().date()).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the database already holds data (then the demo leaves it alone).
pub async fn is_empty(db: &Db) -> anyhow::Result<bool> {
    Ok(organisations::list(db, true).await?.is_empty() && users::list(db).await?.is_empty())
}

/// Creates the demo organisations and accounts in one transaction.
pub async fn seed(db: &Db) -> anyhow::Result<Vec<DemoAccount>> {
    let ctx = AuditCtx::system("données de démonstration");
    let hash = tokio::task::spawn_blocking(|| secrets::hash_password(DEMO_PASSWORD)).await??;
    let mut tx = db.begin().await?;
    let mut ids: Vec<(&str, OrgId)> = Vec::new();
    for &(code, name, kind, parent, valid_from, valid_to) in ORGANISATIONS {
        let parent_id = parent.and_then(|p| ids.iter().find(|(c, _)| *c == p).map(|(_, id)| *id));
        let fields = OrganisationFields {
            code: code.into(),
            name: name.into(),
            kind,
            parent_id,
            valid_from,
            valid_to,
        };
        let org = organisations::create(&mut tx, &ctx, &fields).await?;
        if valid_to.is_some() {
            organisations::set_archived(&mut tx, &ctx, org.id, org.version, true).await?;
        }
        ids.push((code, org.id));
    }
    let codes: std::collections::HashMap<&str, OrgId> = ids.iter().copied().collect();
    let today = time::OffsetDateTime::now_utc().date();
    crate::demo_projects::seed(&mut tx, &ctx, &codes, today).await?;
    crate::demo_demarches::seed(&mut tx, &ctx, &codes, today).await?;
    crate::demo_funding::seed(&mut tx, &ctx, &codes, today).await?;
    crate::demo_cloud::seed(&mut tx, &ctx, &codes, today).await?;
    crate::demo_talent::seed(&mut tx, &ctx, &codes, today).await?;
    crate::demo_talent::seed_grids(&mut tx, &ctx).await?;
    crate::demo_plans::seed(&mut tx, &ctx, &codes, today).await?;
    let mut accounts = Vec::new();
    for &(email, name, role, org) in ACCOUNTS {
        let organisation_id =
            org.and_then(|o| ids.iter().find(|(c, _)| *c == o).map(|(_, id)| *id));
        let fields = UserFields {
            email: email.into(),
            display_name: name.into(),
            role,
            organisation_id,
        };
        users::create(&mut tx, &ctx, &fields, Some(&hash)).await?;
        accounts.push(DemoAccount {
            email: email.into(),
            role,
            organisation: org.map(str::to_owned),
        });
    }
    tx.commit().await?;
    // Agents ProConnect vouched for whom nobody has let in yet (/admin/acces).
    for (subject, email, given, usual, siret, org) in ACCESS_REQUESTS {
        let claims = cosinum_domain::agent::AgentClaims::new(
            subject,
            email,
            Some(given),
            Some(usual),
            Some(siret),
        )?;
        crate::oidc::request_access(db, DEMO_ISSUER, &claims, codes.get(org).copied()).await?;
    }
    Ok(accounts)
}

/// The identity provider the demo's access requests came through.
const DEMO_ISSUER: &str = "https://auth.agentconnect.gouv.fr/api/v2";

/// (subject, e-mail, given name, usual name, SIRET, suggested organisation).
const ACCESS_REQUESTS: [(&str, &str, &str, &str, &str, &str); 2] = [
    (
        "demo-agent-1",
        "lucie.bernard@interieur.gouv.fr",
        "Lucie",
        "Bernard",
        "11004401300014",
        "MININT",
    ),
    (
        "demo-agent-2",
        "marc.petit@finances.gouv.fr",
        "Marc",
        "Petit",
        "11000201100044",
        "MEF",
    ),
];

/// The demo accounts, for printing when the demo data already exists.
pub fn accounts() -> Vec<DemoAccount> {
    ACCOUNTS
        .iter()
        .map(|&(email, _, role, org)| DemoAccount {
            email: email.into(),
            role,
            organisation: org.map(str::to_owned),
        })
        .collect()
}
