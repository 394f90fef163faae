//! Agents signing in through an identity provider (ProConnect, or any OpenID
//! Connect provider): what the provider vouches for and how it maps to a
//! cosinum account and ministry.
//!
//! ProConnect's claims (`email`, `given_name`, `usual_name`, `siret`, `uid`)
//! are described in `../shared/reference/rust-style-and-crates.md`
//! (« OIDC with ProConnect »). The SIRET identifies the agent's
//! establishment; its first nine digits (the SIREN) identify the legal entity,
//! which for a central administration is its ministry.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::UserId;
use crate::user::normalise_email;
use crate::validation::ValidationError;

/// What the provider vouched for, after its signatures were checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentClaims {
    /// The provider's stable identifier of the agent (`sub`).
    pub subject: String,
    pub email: String,
    pub given_name: Option<String>,
    pub usual_name: Option<String>,
    pub siret: Option<String>,
}

impl AgentClaims {
    /// Checks the claims cosinum needs: a subject and a well-formed e-mail.
    /// The SIRET is kept only when it is one (14 digits), as the provider may
    /// send an empty string for agents outside any establishment.
    pub fn new(
        subject: &str,
        email: &str,
        given_name: Option<&str>,
        usual_name: Option<&str>,
        siret: Option<&str>,
    ) -> Result<Self, ValidationError> {
        let subject = subject.trim();
        if subject.is_empty() || subject.len() > 255 {
            return Err(ValidationError::new("sub", "identifiant d'agent absent"));
        }
        let clean = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(100).collect::<String>())
        };
        Ok(Self {
            subject: subject.to_owned(),
            email: normalise_email(email)?,
            given_name: clean(given_name),
            usual_name: clean(usual_name),
            siret: siret.map(|s| s.replace(' ', "")).filter(|s| is_siret(s)),
        })
    }

    /// « Prénom Nom » as the provider gives them, or the e-mail when it gives neither.
    pub fn display_name(&self) -> String {
        match (&self.given_name, &self.usual_name) {
            (Some(g), Some(u)) => format!("{g} {u}"),
            (Some(n), None) | (None, Some(n)) => n.clone(),
            (None, None) => self.email.clone(),
        }
    }

    /// The SIREN: the first nine digits of the SIRET.
    pub fn siren(&self) -> Option<&str> {
        self.siret.as_deref().map(|s| &s[..9])
    }

    /// The organisation code the SIRET maps to: an exact SIRET entry of
    /// `table` first, else its SIREN (a whole ministry).
    pub fn organisation_code<'a>(&self, table: &'a BTreeMap<String, String>) -> Option<&'a str> {
        let siret = self.siret.as_deref()?;
        table
            .get(siret)
            .or_else(|| table.get(&siret[..9]))
            .map(String::as_str)
    }
}

/// Fourteen digits: the shape of a SIRET (the Luhn key is not checked, since
/// La Poste's establishments famously break it).
pub fn is_siret(s: &str) -> bool {
    s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Who a verified agent is to cosinum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentMatch {
    /// Already linked to this account by an earlier sign-in.
    Linked(UserId),
    /// An account with the same e-mail exists: link it and sign in. The
    /// provider's e-mail is verified by the agent's administration.
    SameEmail(UserId),
    /// Nobody: the agent must wait for an administrator's approval.
    Unknown,
}

/// Decides how a verified agent signs in. A disabled account is never
/// reached by either path, so `linked` and `by_email` must be enabled accounts.
pub fn match_agent(linked: Option<UserId>, by_email: Option<UserId>) -> AgentMatch {
    match (linked, by_email) {
        (Some(id), _) => AgentMatch::Linked(id),
        (None, Some(id)) => AgentMatch::SameEmail(id),
        (None, None) => AgentMatch::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn claims(siret: Option<&str>) -> AgentClaims {
        AgentClaims::new(
            "sub-1",
            " Jeanne.Martin@Interieur.Gouv.Fr ",
            Some("Jeanne"),
            Some("Martin"),
            siret,
        )
        .expect("valid claims")
    }

    #[test]
    fn claims_are_normalised() {
        let c = claims(Some("110 044 013 00014"));
        assert_eq!(c.email, "jeanne.martin@interieur.gouv.fr");
        assert_eq!(c.display_name(), "Jeanne Martin");
        assert_eq!(c.siret.as_deref(), Some("11004401300014"));
        assert_eq!(c.siren(), Some("110044013"));
        assert_eq!(claims(Some("")).siret, None);
        assert_eq!(claims(Some("12AB")).siret, None);
    }

    #[test]
    fn bad_claims_are_refused() {
        assert_eq!(
            AgentClaims::new("", "a@b.fr", None, None, None)
                .unwrap_err()
                .field,
            "sub"
        );
        assert_eq!(
            AgentClaims::new("s", "not-an-email", None, None, None)
                .unwrap_err()
                .field,
            "email"
        );
        let bare = AgentClaims::new("s", "a@b.fr", None, Some("  "), None).expect("valid");
        assert_eq!(bare.display_name(), "a@b.fr");
    }

    #[test]
    fn organisation_by_siret_then_siren() {
        let table: BTreeMap<String, String> = [
            ("110044013".to_owned(), "MININT".to_owned()),
            ("11004401300099".to_owned(), "DNUM-MININT".to_owned()),
        ]
        .into();
        assert_eq!(
            claims(Some("11004401300014")).organisation_code(&table),
            Some("MININT")
        );
        assert_eq!(
            claims(Some("11004401300099")).organisation_code(&table),
            Some("DNUM-MININT")
        );
        assert_eq!(
            claims(Some("12000101100010")).organisation_code(&table),
            None
        );
        assert_eq!(claims(None).organisation_code(&table), None);
    }

    #[test]
    fn a_linked_account_wins_over_the_email() {
        assert_eq!(
            match_agent(Some(UserId(1)), Some(UserId(2))),
            AgentMatch::Linked(UserId(1))
        );
        assert_eq!(
            match_agent(None, Some(UserId(2))),
            AgentMatch::SameEmail(UserId(2))
        );
        assert_eq!(match_agent(None, None), AgentMatch::Unknown);
    }

    proptest! {
        #[test]
        fn only_fourteen_digits_are_a_siret(s in "[0-9 A-Z]{0,20}") {
            let c = AgentClaims::new("s", "a@b.fr", None, None, Some(&s)).expect("valid");
            let compact: String = s.chars().filter(|c| *c != ' ').collect();
            let expected = compact.len() == 14 && compact.bytes().all(|b| b.is_ascii_digit());
            prop_assert_eq!(c.siret.is_some(), expected);
            if let Some(siren) = c.siren() {
                prop_assert!(compact.starts_with(siren));
            }
        }
    }
}
