//! French wording shared by the PDF and ODT renderings, so both print the
//! same dates, labels and statuses.

use cosinum_domain::committee::ObjectRef;
use cosinum_domain::committee::releve::Status;
use time::Date;

/// "30 juin 2025", "1er juillet 2025".
pub(crate) fn date(d: Date) -> String {
    cosinum_domain::committee::long_date_fr(d)
}

/// Whether someone attended, as printed in the attendance list.
pub(crate) fn attendance(present: Option<bool>) -> &'static str {
    match present {
        Some(true) => "Présent",
        Some(false) => "Absent",
        None => "Non relevé",
    }
}

/// An object of another module as readers know it: "Label (projet n° 12)".
pub(crate) fn object(o: &ObjectRef) -> String {
    let kind = match o.kind.as_str() {
        "project" => "projet",
        "demarche" => "démarche",
        "funding_application" => "dossier de financement",
        "application" => "application",
        "plan_line" => "ligne de plan",
        "organisation" => "organisation",
        "avis" => "avis",
        // Kinds added later still print, untranslated, rather than fail.
        other => other,
    };
    format!("{} ({kind} n° {})", o.label, o.id)
}

/// The status of a record version: "PROJET", "Validé par la présidence" or
/// "Publié le 3 juillet 2025". An unknown status is printed as stored.
pub(crate) fn record_status(status: &str, published_on: Option<Date>) -> String {
    match Status::parse(status) {
        Some(Status::Draft) => "PROJET".to_owned(),
        Some(Status::Validated) => Status::Validated.label_fr().to_owned(),
        Some(Status::Published) => match published_on {
            Some(d) => format!("Publié le {}", date(d)),
            None => Status::Published.label_fr().to_owned(),
        },
        None => status.to_owned(),
    }
}

/// Whether a record version is still a draft, and must say so on every page.
pub(crate) fn is_draft(status: &str) -> bool {
    Status::parse(status) == Some(Status::Draft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_read_the_french_way() {
        assert_eq!(date(date!(2025 - 06 - 30)), "30 juin 2025");
        assert_eq!(date(date!(2025 - 07 - 01)), "1er juillet 2025");
        assert_eq!(date(date!(2026 - 02 - 09)), "9 février 2026");
    }

    #[test]
    fn statuses() {
        assert_eq!(record_status("draft", None), "PROJET");
        assert_eq!(
            record_status("published", Some(date!(2025 - 07 - 03))),
            "Publié le 3 juillet 2025"
        );
        assert_eq!(record_status("validated", None), "Validé par la présidence");
        assert_eq!(record_status("archived", None), "archived");
        assert!(is_draft("draft") && !is_draft("published"));
    }
}
