//! Field-level validation errors, shared by forms, the API and importers.

use serde::Serialize;

/// A rejected value: which field, and why, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Trims a required text field and rejects it when empty or too long.
pub fn required_text(
    field: &str,
    value: &str,
    max_chars: usize,
) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "ce champ est obligatoire"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(ValidationError::new(
            field,
            format!("{max_chars} caractères au maximum"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Trims an optional text field: blank becomes `None`.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, ValidationError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => required_text(field, v, max_chars).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_rejects_blank() {
        assert_eq!(
            required_text("name", "  Intérieur ", 10).as_deref(),
            Ok("Intérieur")
        );
        assert_eq!(required_text("name", "   ", 10).unwrap_err().field, "name");
        assert!(required_text("name", "ééééé", 4).is_err());
        assert!(required_text("name", "éééé", 4).is_ok());
    }

    #[test]
    fn optional_text_blank_is_none() {
        assert_eq!(optional_text("x", Some("  "), 5), Ok(None));
        assert_eq!(optional_text("x", None, 5), Ok(None));
        assert_eq!(optional_text("x", Some(" a "), 5), Ok(Some("a".into())));
    }
}
