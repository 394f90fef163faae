//! Scopes of API tokens: a token may be limited to some modules of the API,
//! so that a ministry's script that uploads service indicators cannot touch
//! its major projects even though its user could. Scopes only ever narrow
//! what the token's user may do; the role and ministry checks still apply.

use std::collections::BTreeSet;
use std::fmt;

use crate::validation::ValidationError;

/// A module of the API a token can be scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Major projects: projects, reviews, the DINUM's opinions (avis) and their recommendations.
    Projects,
    /// Online services (démarches) and their indicators.
    Demarches,
    Funding,
    Cloud,
    Talent,
    /// Investment plans and reuse detection.
    Reuse,
    Committee,
    Publication,
    /// Collection campaigns and their notifications.
    Campaigns,
    /// Organisations, accounts, access requests, history and search.
    Platform,
}

impl Scope {
    pub const ALL: [Scope; 10] = [
        Scope::Projects,
        Scope::Demarches,
        Scope::Funding,
        Scope::Cloud,
        Scope::Talent,
        Scope::Reuse,
        Scope::Committee,
        Scope::Publication,
        Scope::Campaigns,
        Scope::Platform,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Projects => "projects",
            Scope::Demarches => "demarches",
            Scope::Funding => "funding",
            Scope::Cloud => "cloud",
            Scope::Talent => "talent",
            Scope::Reuse => "reuse",
            Scope::Committee => "committee",
            Scope::Publication => "publication",
            Scope::Campaigns => "campaigns",
            Scope::Platform => "platform",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Scope::Projects => "Grands projets",
            Scope::Demarches => "Démarches en ligne",
            Scope::Funding => "Financements",
            Scope::Cloud => "Hébergement cloud",
            Scope::Talent => "Talents numériques",
            Scope::Reuse => "Plans et réutilisation",
            Scope::Committee => "Comité",
            Scope::Publication => "Publication",
            Scope::Campaigns => "Campagnes de collecte",
            Scope::Platform => "Plateforme (organisations, comptes, historique, recherche)",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The module an API path belongs to; `None` for what any token may
    /// reach (health, the caller's own identity, the OpenAPI document, open data).
    pub fn of_api_path(path: &str) -> Option<Scope> {
        let rest = path.strip_prefix("/api/v1/")?;
        let first = rest.split('/').next().unwrap_or_default();
        Some(match first {
            "projects" | "reviews" | "avis" | "recommendations" => Scope::Projects,
            "demarches" => Scope::Demarches,
            "funding" => Scope::Funding,
            "cloud" => Scope::Cloud,
            "talents" => Scope::Talent,
            "reuse" => Scope::Reuse,
            "committee" => Scope::Committee,
            "publication" => Scope::Publication,
            "campaigns" | "notifications" => Scope::Campaigns,
            "health" | "me" | "openapi.json" | "public" => return None,
            // Anything else (organisations, users, history, search, and
            // routes added later) needs the platform scope: unknown is closed.
            _ => Scope::Platform,
        })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token's scopes: every module (`None`), or only those listed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(pub Option<BTreeSet<Scope>>);

impl Scopes {
    /// Parses a comma-separated list (`"demarches,cloud"`); empty means every module.
    pub fn parse(list: &str) -> Result<Scopes, ValidationError> {
        let mut set = BTreeSet::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let scope = Scope::parse(item).ok_or_else(|| {
                ValidationError::new(
                    "scopes",
                    format!(
                        "portée inconnue « {item} » (attendu : {})",
                        Scope::ALL.map(Scope::as_str).join(", ")
                    ),
                )
            })?;
            set.insert(scope);
        }
        Ok(Scopes((!set.is_empty()).then_some(set)))
    }

    /// The comma-separated form stored and shown; `None` for every module.
    pub fn stored(&self) -> Option<String> {
        self.0
            .as_ref()
            .map(|s| s.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(","))
    }

    /// Whether a request to `path` is within these scopes. A scoped token
    /// is for the API only: the HTML pages are out of its reach.
    pub fn allows_path(&self, path: &str) -> bool {
        if self.0.is_some() && !path.starts_with("/api/v1/") {
            return false;
        }
        match (&self.0, Scope::of_api_path(path)) {
            (None, _) | (_, None) => true,
            (Some(set), Some(scope)) => set.contains(&scope),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths_map_to_their_module() {
        assert_eq!(
            Scope::of_api_path("/api/v1/projects/3/reviews"),
            Some(Scope::Projects)
        );
        assert_eq!(Scope::of_api_path("/api/v1/avis/2"), Some(Scope::Projects));
        assert_eq!(
            Scope::of_api_path("/api/v1/talents/returns"),
            Some(Scope::Talent)
        );
        assert_eq!(Scope::of_api_path("/api/v1/users"), Some(Scope::Platform));
        assert_eq!(
            Scope::of_api_path("/api/v1/something-new"),
            Some(Scope::Platform)
        );
        assert_eq!(Scope::of_api_path("/api/v1/me"), None);
        assert_eq!(Scope::of_api_path("/api/v1/public/releases"), None);
        assert_eq!(Scope::of_api_path("/projets"), None);
    }

    #[test]
    fn lists_parse_and_refuse_unknown_modules() {
        let s = Scopes::parse(" demarches , cloud,demarches").expect("valid");
        assert_eq!(s.stored().as_deref(), Some("demarches,cloud"));
        assert!(s.allows_path("/api/v1/demarches/1"));
        assert!(s.allows_path("/api/v1/me"));
        assert!(!s.allows_path("/api/v1/projects"));
        assert!(!s.allows_path("/api/v1/users"));
        assert!(!s.allows_path("/demarches"));
        assert_eq!(Scopes::parse("").expect("empty"), Scopes(None));
        assert!(
            Scopes::parse("")
                .expect("empty")
                .allows_path("/api/v1/users")
        );
        assert_eq!(Scopes::parse("projects,root").unwrap_err().field, "scopes");
    }

    proptest! {
        #[test]
        fn a_scoped_token_reaches_exactly_its_modules(
            picked in proptest::collection::btree_set(0usize..9, 1..9),
            path in "/api/v1/[a-z]{2,12}(/[0-9]{1,3})?",
        ) {
            let set: BTreeSet<Scope> = picked.iter().map(|&i| Scope::ALL[i]).collect();
            let scopes = Scopes(Some(set.clone()));
            let reparsed = Scopes::parse(&scopes.stored().unwrap_or_default()).expect("round trip");
            prop_assert_eq!(&reparsed, &scopes);
            let expected = Scope::of_api_path(&path).is_none_or(|s| set.contains(&s));
            prop_assert_eq!(scopes.allows_path(&path), expected);
            // Every module is reachable by a token scoped to it.
            if let Some(s) = Scope::of_api_path(&path) {
                prop_assert!(Scopes(Some([s].into())).allows_path(&path));
            }
        }
    }
}
