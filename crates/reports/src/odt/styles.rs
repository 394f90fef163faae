//! The package's other parts: `styles.xml` (named paragraph styles, so the
//! headings are real "Heading 1/2" in the navigator and table of contents,
//! and an A4 page with its footer), `meta.xml` and the manifest.

use std::fmt::Write;

use time::Date;

use super::content::NAMESPACES;
use super::{escape, text_content};
use crate::view::RecordView;

/// DSFR "bleu France", as in the PDF.
const BLUE: &str = "#000091";
const RED: &str = "#c9191e";
const GREY: &str = "#595959";

pub(super) fn manifest() -> String {
    let mut xml = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">"#,
        r#"<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>"#,
    ));
    for part in ["content.xml", "styles.xml", "meta.xml"] {
        let _ = write!(
            xml,
            r#"<manifest:file-entry manifest:full-path="{part}" manifest:media-type="text/xml"/>"#
        );
    }
    xml.push_str("</manifest:manifest>");
    xml
}

pub(super) fn meta(view: &RecordView, dated: Date) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-meta {namespaces}><office:meta>"#,
            "<meta:generator>cosinum</meta:generator>",
            "<dc:title>{title}</dc:title>",
            "<dc:subject>{subject}</dc:subject>",
            "<dc:language>fr-FR</dc:language>",
            "<meta:initial-creator>{committee}</meta:initial-creator>",
            "<meta:creation-date>{date}T00:00:00</meta:creation-date>",
            "</office:meta></office:document-meta>",
        ),
        namespaces = NAMESPACES,
        title = escape(&view.document_title),
        subject = escape(&format!("{} · {}", view.version, view.status)),
        committee = escape(&view.session.committee),
        date = dated,
    )
}

/// A named paragraph style. `text` and `paragraph` are the inner property
/// attributes; `extra` holds outline-level and "next style" attributes.
struct ParagraphStyle {
    name: &'static str,
    display: &'static str,
    parent: &'static str,
    extra: &'static str,
    paragraph: String,
    text: String,
}

fn paragraph_styles() -> Vec<ParagraphStyle> {
    let style = |name, display, parent, extra, paragraph: &str, text: &str| ParagraphStyle {
        name,
        display,
        parent,
        extra,
        paragraph: paragraph.to_owned(),
        text: text.to_owned(),
    };
    vec![
        style(
            "Text_20_body",
            "Text body",
            "Standard",
            "",
            r#"fo:margin-top="0cm" fo:margin-bottom="0.21cm" fo:line-height="115%" fo:text-align="justify""#,
            "",
        ),
        style(
            "Heading",
            "Heading",
            "Standard",
            r#"style:next-style-name="Text_20_body" style:class="text""#,
            r#"fo:margin-top="0.42cm" fo:margin-bottom="0.21cm" fo:keep-with-next="always""#,
            &format!(r#"fo:font-weight="bold" fo:color="{BLUE}""#),
        ),
        style(
            "Heading_20_1",
            "Heading 1",
            "Heading",
            r#"style:next-style-name="Text_20_body" style:default-outline-level="1" style:class="text""#,
            r#"fo:margin-top="0.6cm" fo:margin-bottom="0.25cm""#,
            r#"fo:font-size="16pt""#,
        ),
        style(
            "Heading_20_2",
            "Heading 2",
            "Heading",
            r#"style:next-style-name="Text_20_body" style:default-outline-level="2" style:class="text""#,
            r#"fo:margin-top="0.45cm" fo:margin-bottom="0.2cm""#,
            r#"fo:font-size="13pt""#,
        ),
        style(
            "Committee",
            "Committee",
            "Standard",
            "",
            r#"fo:margin-top="1cm""#,
            &format!(
                r#"fo:font-size="12pt" fo:font-weight="bold" fo:color="{BLUE}" fo:letter-spacing="0.02cm""#
            ),
        ),
        style(
            "Title",
            "Title",
            "Standard",
            r#"style:class="chapter""#,
            r#"fo:margin-top="0.1cm" fo:margin-bottom="0.1cm""#,
            r#"fo:font-size="24pt" fo:font-weight="bold""#,
        ),
        style(
            "Subtitle",
            "Subtitle",
            "Standard",
            r#"style:class="chapter""#,
            r#"fo:margin-bottom="0.5cm""#,
            r#"fo:font-size="15pt""#,
        ),
        style(
            "Draft",
            "Draft mark",
            "Standard",
            "",
            &format!(r#"fo:margin-bottom="0.3cm" fo:padding="0.15cm" fo:border="1pt solid {RED}""#),
            &format!(r#"fo:font-weight="bold" fo:color="{RED}""#),
        ),
        style(
            "Fact",
            "Fact",
            "Standard",
            "",
            r#"fo:margin-bottom="0.1cm""#,
            "",
        ),
        style(
            "Last_20_fact",
            "Last fact",
            "Fact",
            "",
            r#"fo:margin-bottom="0.5cm""#,
            "",
        ),
        style(
            "Decision_20_reference",
            "Decision reference",
            "Standard",
            r#"style:next-style-name="Text_20_body""#,
            r#"fo:margin-top="0.35cm" fo:margin-bottom="0.1cm" fo:keep-with-next="always""#,
            &format!(r#"fo:font-weight="bold" fo:color="{BLUE}""#),
        ),
        style(
            "Decision_20_detail",
            "Decision detail",
            "Standard",
            "",
            r#"fo:margin-left="0.4cm" fo:margin-bottom="0.05cm""#,
            r#"fo:font-size="10pt""#,
        ),
        style(
            "Validation",
            "Validation",
            "Standard",
            "",
            r#"fo:margin-top="0.6cm" fo:text-align="end""#,
            r#"fo:font-style="italic""#,
        ),
        style(
            "Table_20_Contents",
            "Table Contents",
            "Standard",
            r#"style:class="extra""#,
            "",
            r#"fo:font-size="10pt""#,
        ),
        style(
            "Table_20_Heading",
            "Table Heading",
            "Table_20_Contents",
            r#"style:class="extra""#,
            "",
            r#"fo:font-weight="bold""#,
        ),
        style(
            "Footer",
            "Footer",
            "Standard",
            r#"style:class="extra""#,
            r#"fo:text-align="end""#,
            &format!(r#"fo:font-size="8.5pt" fo:color="{GREY}""#),
        ),
    ]
}

pub(super) fn styles(view: &RecordView) -> String {
    let mut xml = String::new();
    let _ = write!(
        xml,
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-styles {namespaces}>"#,
            "<office:font-face-decls>",
            // Free fonts LibreOffice ships; Word substitutes its own serif.
            r#"<style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'" style:font-family-generic="roman" style:font-pitch="variable"/>"#,
            "</office:font-face-decls>",
            "<office:styles>",
            r#"<style:default-style style:family="paragraph">"#,
            r#"<style:paragraph-properties fo:hyphenation-ladder-count="no-limit" style:writing-mode="lr-tb"/>"#,
            r#"<style:text-properties style:font-name="Liberation Serif" fo:font-size="11pt" fo:language="fr" fo:country="FR" fo:hyphenate="true"/>"#,
            "</style:default-style>",
            r#"<style:style style:name="Standard" style:family="paragraph" style:class="text"/>"#,
            r#"<style:style style:name="Strong_20_Emphasis" style:display-name="Strong Emphasis" style:family="text">"#,
            r#"<style:text-properties fo:font-weight="bold"/></style:style>"#,
        ),
        namespaces = NAMESPACES,
    );
    for s in paragraph_styles() {
        let _ = write!(
            xml,
            r#"<style:style style:name="{}" style:display-name="{}" style:family="paragraph" style:parent-style-name="{}" {}>"#,
            s.name, s.display, s.parent, s.extra
        );
        if !s.paragraph.is_empty() {
            let _ = write!(xml, "<style:paragraph-properties {}/>", s.paragraph);
        }
        if !s.text.is_empty() {
            let _ = write!(xml, "<style:text-properties {}/>", s.text);
        }
        xml.push_str("</style:style>");
    }
    xml.push_str("</office:styles>");
    xml.push_str(concat!(
        "<office:automatic-styles>",
        r#"<style:page-layout style:name="A4">"#,
        r#"<style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait" fo:margin-top="2cm" fo:margin-bottom="1.5cm" fo:margin-left="2cm" fo:margin-right="2cm"/>"#,
        r#"<style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.4cm"/></style:footer-style>"#,
        "</style:page-layout>",
        "</office:automatic-styles>",
    ));
    let footer = format!(
        "{} · Relevé de décisions · {} · {} — page ",
        view.session.committee, view.version, view.status
    );
    let _ = write!(
        xml,
        concat!(
            "<office:master-styles>",
            r#"<style:master-page style:name="Standard" style:page-layout-name="A4">"#,
            r#"<style:footer><text:p text:style-name="Footer">{footer}<text:page-number text:select-page="current"/> / <text:page-count/></text:p></style:footer>"#,
            "</style:master-page>",
            "</office:master-styles>",
            "</office:document-styles>",
        ),
        footer = text_content(&footer),
    );
    xml
}
