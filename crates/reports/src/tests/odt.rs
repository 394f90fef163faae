use std::io::{Cursor, Read};

use zip::{CompressionMethod, ZipArchive};

use super::sample;
use super::svg::assert_well_formed;

fn unzip(bytes: Vec<u8>) -> ZipArchive<Cursor<Vec<u8>>> {
    ZipArchive::new(Cursor::new(bytes)).unwrap()
}

fn part(archive: &mut ZipArchive<Cursor<Vec<u8>>>, name: &str) -> String {
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn the_package_starts_with_its_uncompressed_mimetype() {
    let mut archive = unzip(crate::record_odt(&sample::record("draft")).unwrap());
    let first = archive.by_index(0).unwrap();
    assert_eq!(first.name().unwrap(), "mimetype");
    assert_eq!(first.compression(), CompressionMethod::Stored);
    drop(first);
    assert_eq!(
        part(&mut archive, "mimetype"),
        "application/vnd.oasis.opendocument.text"
    );
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    for expected in [
        "META-INF/manifest.xml",
        "content.xml",
        "styles.xml",
        "meta.xml",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[test]
fn every_part_is_well_formed_xml() {
    let mut archive = unzip(crate::record_odt(&sample::record("draft")).unwrap());
    for name in [
        "META-INF/manifest.xml",
        "content.xml",
        "styles.xml",
        "meta.xml",
    ] {
        assert_well_formed(&part(&mut archive, name));
    }
}

#[test]
fn content_has_headings_attendance_and_escaped_decisions() {
    let mut archive = unzip(crate::record_odt(&sample::record("draft")).unwrap());
    let content = part(&mut archive, "content.xml");
    for expected in [
        r#"<text:h text:style-name="Heading_20_1" text:outline-level="1">Participants</text:h>"#,
        r#"<text:h text:style-name="Heading_20_2" text:outline-level="2">1. Grands projets</text:h>"#,
        "Le comité demande un plan de redressement du projet SI Paie.",
        // Markup in user text stays text: tags and quotes escaped.
        "&lt;lbl&gt; @ref &quot;cité&quot;",
        "<table:table table:name=\"Participants\"",
        "<table:table-header-rows>",
        ">Claire Dubois</text:p>",
        ">Non relevé</text:p>",
        "PROJET",
        "1er septembre 2025",
    ] {
        assert!(
            content.contains(expected),
            "{expected:?} missing from content.xml"
        );
    }
    assert!(!content.contains("<lbl>"));
    let styles = part(&mut archive, "styles.xml");
    assert!(styles.contains(r#"style:name="Heading_20_1" style:display-name="Heading 1""#));
    assert!(styles.contains("<text:page-number"));
}

#[test]
fn the_same_record_gives_the_same_bytes() {
    let record = sample::record("published");
    assert_eq!(
        crate::record_odt(&record).unwrap(),
        crate::record_odt(&record).unwrap()
    );
}
