//! User accounts: e-mail normalisation and the password policy.

use serde::Serialize;

use crate::authz::Role;
use crate::validation::ValidationError;
use crate::{OrgId, UserId};

/// Minimum password length (ANSSI guidance for passwords protected by a slow hash).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A user account as shown to administrators (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<OrgId>,
    pub disabled: bool,
    pub version: i64,
}

/// Lower-cases and checks an e-mail address (the shape only; delivery proves the rest).
pub fn normalise_email(raw: &str) -> Result<String, ValidationError> {
    let email = raw.trim().to_lowercase();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if valid && email.len() <= 254 {
        Ok(email)
    } else {
        Err(ValidationError::new(
            "email",
            "adresse électronique invalide",
        ))
    }
}

/// The password policy: long enough, not only one repeated character.
pub fn check_password(password: &str) -> Result<(), ValidationError> {
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < MIN_PASSWORD_CHARS {
        return Err(ValidationError::new(
            "password",
            format!("{MIN_PASSWORD_CHARS} caractères au minimum"),
        ));
    }
    if chars.iter().all(|&c| c == chars[0]) {
        return Err(ValidationError::new(
            "password",
            "le mot de passe ne peut pas répéter un seul caractère",
        ));
    }
    Ok(())
}

/// A role and an organisation must fit together.
pub fn check_role_organisation(role: Role, org: Option<OrgId>) -> Result<(), ValidationError> {
    if role.needs_organisation() && org.is_none() {
        return Err(ValidationError::new(
            "organisation_id",
            "un rôle ministériel exige une organisation de rattachement",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalise_email(" Alice@Interieur.Gouv.FR ").unwrap(),
            "alice@interieur.gouv.fr"
        );
        for bad in [
            "", "alice", "@x.fr", "a@b", "a@.fr", "a@x.", "a b@x.fr", "a@b@c.fr",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_password("court").is_err());
        assert!(check_password("aaaaaaaaaaaaaaaa").is_err());
        assert!(check_password("correct horse battery").is_ok());
    }

    #[test]
    fn ministry_roles_need_an_organisation() {
        assert!(check_role_organisation(Role::MinistryEditor, None).is_err());
        assert!(check_role_organisation(Role::MinistryReader, Some(OrgId(1))).is_ok());
        assert!(check_role_organisation(Role::Steering, None).is_ok());
    }
}

/// The editable fields of a user account, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserFields {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<OrgId>,
}

/// Raw input for a user account, as typed in a form, the CLI or the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserInput {
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: Option<i64>,
}

impl UserInput {
    pub fn validate(&self) -> Result<UserFields, ValidationError> {
        let email = normalise_email(&self.email)?;
        let display_name =
            crate::validation::required_text("display_name", &self.display_name, 120)?;
        let role = Role::parse(self.role.trim()).ok_or_else(|| {
            ValidationError::new(
                "role",
                "rôle inconnu (admin, steering, ministry_editor ou ministry_reader)",
            )
        })?;
        let organisation_id = self.organisation_id.map(OrgId);
        check_role_organisation(role, organisation_id)?;
        Ok(UserFields {
            email,
            display_name,
            role,
            organisation_id,
        })
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;

    #[test]
    fn user_input_validates_every_field() {
        let ok = UserInput {
            email: "A@B.fr".into(),
            display_name: " Alice ".into(),
            role: "ministry_reader".into(),
            organisation_id: Some(3),
        };
        let f = ok.validate().unwrap();
        assert_eq!(
            (f.email.as_str(), f.display_name.as_str(), f.role),
            ("a@b.fr", "Alice", Role::MinistryReader)
        );
        let bad_role = UserInput {
            role: "root".into(),
            ..ok.clone()
        };
        assert_eq!(bad_role.validate().unwrap_err().field, "role");
        let no_org = UserInput {
            organisation_id: None,
            ..ok
        };
        assert_eq!(no_org.validate().unwrap_err().field, "organisation_id");
    }
}
