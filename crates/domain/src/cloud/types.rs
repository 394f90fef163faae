//! The records of the cloud-hosting module: applications of the inventory,
//! data-sensitivity assessments under the 2021 and 2023 doctrines, hosting
//! offers, hosting per environment, derogations. Facts:
//! `shared/reference/cloud-talents-relance.md` part A (cited "CTR §A.n").

use serde::{Deserialize, Serialize};
use time::Date;

use crate::money::Euros;

/// The doctrine "Cloud au centre" in force (CTR §A.1): circulaire 6282/SG
/// (in force 10 July 2021), then 6404/SG (published 1 June 2023).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Doctrine {
    V2021,
    V2023,
}

impl Doctrine {
    pub fn as_str(self) -> &'static str {
        match self {
            Doctrine::V2021 => "v2021",
            Doctrine::V2023 => "v2023",
        }
    }

    pub fn parse(s: &str) -> Option<Doctrine> {
        match s {
            "v2021" => Some(Doctrine::V2021),
            "v2023" => Some(Doctrine::V2023),
            _ => None,
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Doctrine::V2021 => "Circulaire n° 6282/SG du 5 juillet 2021",
            Doctrine::V2023 => "Circulaire n° 6404/SG du 31 mai 2023",
        }
    }

    /// The doctrine in force on `day`; `None` before 10 July 2021.
    pub fn in_force(day: Date) -> Option<Doctrine> {
        use time::macros::date;
        if day >= date!(2023 - 06 - 01) {
            Some(Doctrine::V2023)
        } else if day >= date!(2021 - 07 - 10) {
            Some(Doctrine::V2021)
        } else {
            None
        }
    }
}

/// The answers of a sensitivity assessment, under the doctrine it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "doctrine", rename_all = "snake_case")]
pub enum Answers {
    /// 2021: an illustrative list (CTR §A.3): any of these makes the data
    /// "d'une sensibilité particulière".
    V2021 {
        citizens_personal_data: bool,
        companies_economic_data: bool,
        agents_business_application: bool,
        /// Sensitive for another reason the assessor states.
        other: bool,
    },
    /// 2023: two cumulative tests (CTR §A.3, DINUM FAQ 2024): sensitive by
    /// nature (a secret protected by law, CRPA L.311-5/6) or by use (an
    /// essential State mission), AND a breach would harm public order,
    /// public security, health and life, or intellectual property.
    V2023 {
        legal_secret: bool,
        essential_mission: bool,
        breach_public_order: bool,
        breach_public_security: bool,
        breach_health_life: bool,
        breach_intellectual_property: bool,
    },
}

impl Answers {
    pub fn doctrine(&self) -> Doctrine {
        match self {
            Answers::V2021 { .. } => Doctrine::V2021,
            Answers::V2023 { .. } => Doctrine::V2023,
        }
    }

    /// Whether the data are "d'une sensibilité particulière" under the
    /// doctrine the answers follow.
    pub fn sensitive(&self) -> bool {
        match *self {
            Answers::V2021 {
                citizens_personal_data,
                companies_economic_data,
                agents_business_application,
                other,
            } => {
                citizens_personal_data
                    || companies_economic_data
                    || agents_business_application
                    || other
            }
            Answers::V2023 {
                legal_secret,
                essential_mission,
                breach_public_order,
                breach_public_security,
                breach_health_life,
                breach_intellectual_property,
            } => {
                (legal_secret || essential_mission)
                    && (breach_public_order
                        || breach_public_security
                        || breach_health_life
                        || breach_intellectual_property)
            }
        }
    }
}

/// A dated sensitivity assessment, by the project-owning entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub date: Date,
    pub assessed_by: String,
    pub answers: Answers,
}

/// Where an application is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStatus {
    Planned,
    InProduction,
    BeingMigrated,
    Retired,
}

impl AppStatus {
    pub const ALL: [AppStatus; 4] = [
        AppStatus::Planned,
        AppStatus::InProduction,
        AppStatus::BeingMigrated,
        AppStatus::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppStatus::Planned => "planned",
            AppStatus::InProduction => "in_production",
            AppStatus::BeingMigrated => "being_migrated",
            AppStatus::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<AppStatus> {
        AppStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            AppStatus::Planned => "En projet",
            AppStatus::InProduction => "En production",
            AppStatus::BeingMigrated => "En migration",
            AppStatus::Retired => "Retirée",
        }
    }
}

/// Protection marking of the data an application holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// Not classified.
    None,
    /// "Diffusion Restreinte".
    DiffusionRestreinte,
}

/// What kind of offer hosts an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    /// Interministerial internal cloud (Pi, Nubo, CTR §A.5).
    InternalCloud,
    /// A commercial cloud offer (CTR §A.6).
    Commercial,
    /// A ministry's own data centre, not a cloud.
    OnPremise,
}

impl OfferKind {
    pub fn is_cloud(self) -> bool {
        !matches!(self, OfferKind::OnPremise)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OfferKind::InternalCloud => "internal_cloud",
            OfferKind::Commercial => "commercial",
            OfferKind::OnPremise => "on_premise",
        }
    }

    pub fn parse(s: &str) -> Option<OfferKind> {
        [
            OfferKind::InternalCloud,
            OfferKind::Commercial,
            OfferKind::OnPremise,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            OfferKind::InternalCloud => "Cloud interne",
            OfferKind::Commercial => "Cloud commercial",
            OfferKind::OnPremise => "Centre de données ministériel",
        }
    }
}

/// A hosting offer of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub kind: OfferKind,
    /// "IaaS", "PaaS", "SaaS".
    pub service_model: String,
    /// SecNumCloud qualification: référentiel version and validity.
    pub secnumcloud: Option<Qualification>,
    /// Immune to extra-EU law (2021) / to access by third-country
    /// authorities (2023).
    pub immune: bool,
    /// Accepted for data of particular sensitivity (internal clouds: Pi and
    /// Nubo, CTR §A.5; commercial: only through SecNumCloud + immunity).
    pub accepts_sensitive: bool,
    /// Highest marking accepted (Pi: Diffusion Restreinte; Nubo: none).
    pub max_classification: Classification,
}

/// A SecNumCloud qualification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    /// Référentiel version, e.g. "3.2".
    pub version: String,
    pub from: Date,
    pub to: Option<Date>,
}

impl Offer {
    /// Qualified SecNumCloud on `day`.
    pub fn qualified_on(&self, day: Date) -> bool {
        self.secnumcloud
            .as_ref()
            .is_some_and(|q| q.from <= day && q.to.is_none_or(|t| day <= t))
    }
}

/// Environments an application runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Production,
    /// "Recette" / pre-production: R9 covers it with production.
    PreProduction,
    Development,
    Backup,
}

impl Environment {
    pub const ALL: [Environment; 4] = [
        Environment::Production,
        Environment::PreProduction,
        Environment::Development,
        Environment::Backup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::PreProduction => "pre_production",
            Environment::Development => "development",
            Environment::Backup => "backup",
        }
    }

    pub fn parse(s: &str) -> Option<Environment> {
        Environment::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Environment::Production => "Production",
            Environment::PreProduction => "Pré-production",
            Environment::Development => "Développement",
            Environment::Backup => "Secours",
        }
    }
}

/// Where an environment of an application is hosted, from a date (a later
/// record for the same environment replaces it: a migration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hosting {
    pub environment: Environment,
    pub offer_id: i64,
    pub since: Date,
}

/// The rule a derogation departs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rule {
    R6,
    R9,
}

/// A derogation (CTR §A.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derogation {
    pub rule: Rule,
    pub justification: String,
    /// A comparative study (economic, legal, business, security) was
    /// documented to the DINUM (R7, projects of 1 M€ or more).
    pub comparative_study: bool,
    pub granted_by: String,
    /// Validated by the Prime Minister (required for R9 from 2023).
    pub pm_validated: bool,
    pub start: Date,
    pub end: Option<Date>,
    /// R9 under the 2021 doctrine: the date an acceptable offer became
    /// available in France (the derogation may not run beyond 12 months
    /// after it).
    pub acceptable_offer_since: Option<Date>,
}

/// What the engine knows of an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppFacts {
    pub status: AppStatus,
    /// A new project, or a major evolution (≥ 50 % of the initial build
    /// cost, or a change of provider: R6).
    pub new_or_major: bool,
    pub full_cost: Option<Euros>,
    pub classification: Classification,
    /// Every assessment, any order.
    pub assessments: Vec<Assessment>,
    /// Every hosting record, any order.
    pub hostings: Vec<Hosting>,
    pub derogations: Vec<Derogation>,
}

/// Security needs on the DICT scale (disponibilité, intégrité,
/// confidentialité, traçabilité), each from 1 (low) to 4 (very high).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityNeeds {
    pub availability: u8,
    pub integrity: u8,
    pub confidentiality: u8,
    pub traceability: u8,
}

/// An application of the inventory: its editable fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudApplication {
    pub id: i64,
    pub organisation_id: crate::OrgId,
    pub name: String,
    pub description: String,
    pub status: AppStatus,
    /// Number of users (agents or citizens), if known.
    pub users: Option<i64>,
    /// The major project it belongs to, if any.
    pub project_id: Option<i64>,
    pub full_cost: Option<Euros>,
    pub new_or_major: bool,
    pub needs: SecurityNeeds,
    pub classification: Classification,
    pub version: i64,
}

impl CloudApplication {
    /// Checks the fields.
    pub fn validated(mut self) -> Result<CloudApplication, crate::ValidationError> {
        self.name = crate::validation::required_text("name", &self.name, 300)?;
        self.description = self.description.trim().to_owned();
        let n = self.needs;
        if [
            n.availability,
            n.integrity,
            n.confidentiality,
            n.traceability,
        ]
        .iter()
        .any(|x| !(1..=4).contains(x))
        {
            return Err(crate::ValidationError::new(
                "needs",
                "chaque besoin de sécurité (DICT) va de 1 à 4",
            ));
        }
        if self.full_cost.is_some_and(|c| c.0 < 0) || self.users.is_some_and(|u| u < 0) {
            return Err(crate::ValidationError::new(
                "full_cost",
                "un coût ou un nombre d'utilisateurs ne peut pas être négatif",
            ));
        }
        Ok(self)
    }
}
