//! `content.xml`: the body of the record, in the order of the PDF.
//! Paragraph styles are named here and defined in `styles.xml`; only the
//! table's geometry is an automatic style, as LibreOffice writes it.

use std::fmt::Write;

use super::{escape, text_content};
use crate::view::{AttendanceView, DecisionView, RecordView};

pub(super) const NAMESPACES: &str = concat!(
    r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" "#,
    r#"xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" "#,
    r#"xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" "#,
    r#"xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" "#,
    r#"xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" "#,
    r#"xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" "#,
    r#"xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" "#,
    r#"xmlns:dc="http://purl.org/dc/elements/1.1/" "#,
    r#"office:version="1.3""#,
);

/// Column widths of the attendance table (name, role, organisation,
/// presence), summing to the 17 cm between the margins.
const ATTENDANCE_COLUMNS: [(&str, &str); 4] = [
    ("Participants.A", "4.6cm"),
    ("Participants.B", "4.8cm"),
    ("Participants.C", "4.6cm"),
    ("Participants.D", "3cm"),
];

pub(super) fn content(view: &RecordView) -> String {
    let mut body = Body(String::new());
    cover(&mut body, view);
    body.heading(1, "Participants");
    attendance(&mut body, &view.attendance);
    body.heading(1, "Décisions");
    for point in &view.points {
        body.heading(2, &point.heading);
        if point.decisions.is_empty() {
            body.paragraph(
                "Text_20_body",
                "Aucune décision n’a été prise sur ce point.",
            );
        }
        for decision in &point.decisions {
            self::decision(&mut body, decision);
        }
    }
    if let Some(validated) = &view.validated {
        body.paragraph("Validation", validated);
    }

    let mut xml = String::new();
    let _ = write!(
        xml,
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}>"#
    );
    xml.push_str(&automatic_styles());
    xml.push_str("<office:body><office:text>");
    xml.push_str(&body.0);
    xml.push_str("</office:text></office:body></office:document-content>");
    xml
}

fn automatic_styles() -> String {
    let mut xml = String::from("<office:automatic-styles>");
    xml.push_str(concat!(
        r#"<style:style style:name="Participants" style:family="table">"#,
        r#"<style:table-properties style:width="17cm" table:align="margins" fo:margin-top="0.2cm" fo:margin-bottom="0.3cm"/>"#,
        r#"</style:style>"#,
    ));
    for (name, width) in ATTENDANCE_COLUMNS {
        let _ = write!(
            xml,
            r#"<style:style style:name="{name}" style:family="table-column"><style:table-column-properties style:column-width="{width}"/></style:style>"#
        );
    }
    xml.push_str(concat!(
        r#"<style:style style:name="Participants.Head" style:family="table-cell">"#,
        r##"<style:table-cell-properties fo:padding="0.1cm" fo:background-color="#e3e3fd" fo:border-bottom="0.05pt solid #000091" fo:border-top="none" fo:border-left="none" fo:border-right="none"/>"##,
        r#"</style:style>"#,
        r#"<style:style style:name="Participants.Cell" style:family="table-cell">"#,
        r##"<style:table-cell-properties fo:padding="0.1cm" fo:border-bottom="0.05pt solid #cecece" fo:border-top="none" fo:border-left="none" fo:border-right="none"/>"##,
        r#"</style:style>"#,
        "</office:automatic-styles>",
    ));
    xml
}

/// The body being written, with helpers that escape every text.
struct Body(String);

impl Body {
    fn paragraph(&mut self, style: &str, text: &str) {
        let _ = write!(
            self.0,
            r#"<text:p text:style-name="{style}">{}</text:p>"#,
            text_content(text)
        );
    }

    /// "Label : value" with the label in bold.
    fn labelled(&mut self, style: &str, label: &str, value: &str) {
        let _ = write!(
            self.0,
            r#"<text:p text:style-name="{style}"><text:span text:style-name="Strong_20_Emphasis">{}</text:span>{}</text:p>"#,
            text_content(&format!("{label}\u{a0}: ")),
            text_content(value)
        );
    }

    fn heading(&mut self, level: u8, text: &str) {
        let _ = write!(
            self.0,
            r#"<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">{}</text:h>"#,
            text_content(text)
        );
    }
}

fn cover(body: &mut Body, view: &RecordView) {
    let session = &view.session;
    body.paragraph("Committee", &session.committee);
    body.paragraph("Title", "Relevé de décisions");
    body.paragraph("Subtitle", &session.title);
    if view.draft {
        body.paragraph("Draft", "PROJET — document de travail non validé");
    }
    body.labelled("Fact", "Séance du", &session.held_on);
    body.labelled("Fact", "Modalités", &session.venue);
    body.labelled("Fact", "Présidence", &session.chair);
    body.labelled("Fact", "Version", &view.version);
    // The last fact ends the cover block: more room after it.
    body.labelled("Last_20_fact", "Statut", &view.status);
    for paragraph in &view.preamble {
        body.paragraph("Text_20_body", paragraph);
    }
}

fn attendance(body: &mut Body, attendance: &AttendanceView) {
    body.paragraph("Text_20_body", &attendance.summary);
    if attendance.people.is_empty() {
        return;
    }
    let cell = |style: &str, paragraph: &str, text: &str| {
        format!(
            r#"<table:table-cell table:style-name="{style}" office:value-type="string"><text:p text:style-name="{paragraph}">{}</text:p></table:table-cell>"#,
            text_content(text)
        )
    };
    body.0
        .push_str(r#"<table:table table:name="Participants" table:style-name="Participants">"#);
    for (name, _) in ATTENDANCE_COLUMNS {
        let _ = write!(
            body.0,
            r#"<table:table-column table:style-name="{}"/>"#,
            escape(name)
        );
    }
    body.0
        .push_str("<table:table-header-rows><table:table-row>");
    for title in ["Nom", "Fonction", "Organisation", "Présence"] {
        body.0
            .push_str(&cell("Participants.Head", "Table_20_Heading", title));
    }
    body.0
        .push_str("</table:table-row></table:table-header-rows>");
    for person in &attendance.people {
        body.0.push_str("<table:table-row>");
        for text in [
            person.name.as_str(),
            &person.role,
            &person.organisation,
            person.presence,
        ] {
            body.0
                .push_str(&cell("Participants.Cell", "Table_20_Contents", text));
        }
        body.0.push_str("</table:table-row>");
    }
    body.0.push_str("</table:table>");
}

fn decision(body: &mut Body, d: &DecisionView) {
    body.paragraph(
        "Decision_20_reference",
        &format!("Décision {}", d.reference),
    );
    for paragraph in &d.text {
        body.paragraph("Text_20_body", paragraph);
    }
    body.labelled("Decision_20_detail", "Pilote", &d.owner);
    body.labelled("Decision_20_detail", "Échéance", &d.due_on);
    body.labelled("Decision_20_detail", "Fréquence de suivi", &d.frequency);
    if !d.objects.is_empty() {
        body.labelled("Decision_20_detail", "Objets liés", &d.objects.join(", "));
    }
}
