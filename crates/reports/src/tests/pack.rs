use super::sample::{self, FROZEN_TITLE, HOSTILE, LIVE_TITLE};
use super::{normalise, page_texts, rects_filled_with};
use crate::pdf::pack_document;

fn laid_out() -> (usize, Vec<String>) {
    let document = pack_document(&sample::pack()).unwrap();
    let texts = page_texts(&document);
    (texts.len(), texts)
}

/// The last page whose text contains `needle` (headings also appear in
/// the table of contents, earlier).
fn last_page_with(texts: &[String], needle: &str) -> usize {
    texts
        .iter()
        .rposition(|t| t.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is printed nowhere"))
}

#[test]
fn every_page_is_numbered_out_of_the_total() {
    let (pages, texts) = laid_out();
    assert!(pages > 3, "only {pages} pages");
    for (i, text) in texts.iter().enumerate() {
        let numbering = format!("page {} / {pages}", i + 1);
        assert!(text.contains(&numbering), "page {}: {text}", i + 1);
        assert!(
            text.contains("Données arrêtées au 15 juin 2025 · généré le 20 juin 2025"),
            "page {}: {text}",
            i + 1
        );
    }
    // The running header leaves the cover alone.
    let header = "COSINUM · Séance plénière du deuxième trimestre";
    assert!(!texts[0].contains(header));
    assert!(texts[1..].iter().all(|t| t.contains(header)));
}

#[test]
fn the_cover_names_the_meeting_in_french() {
    let (_, texts) = laid_out();
    let cover = &texts[0];
    for expected in [
        "COSINUM",
        "Dossier de séance",
        "Séance plénière du deuxième trimestre",
        "30 juin 2025",
        "Hybride — Hôtel de Matignon, salle des conférences",
        "Secrétaire générale du Gouvernement",
    ] {
        assert!(
            cover.contains(expected),
            "{expected:?} missing from {cover}"
        );
    }
}

#[test]
fn the_contents_list_the_agenda_attendance_and_each_sheet() {
    let (_, texts) = laid_out();
    let contents = &texts[1];
    assert!(contents.contains("Sommaire"), "{contents}");
    for entry in [
        "Ordre du jour",
        "Participants",
        &format!("1. {FROZEN_TITLE}"),
        &format!("2. {LIVE_TITLE}"),
    ] {
        assert!(
            contents.contains(entry),
            "{entry:?} missing from {contents}"
        );
    }
    // Each sheet opens its own page, after the contents.
    let frozen = last_page_with(&texts, &format!("1. {FROZEN_TITLE}"));
    let live = last_page_with(&texts, &format!("2. {LIVE_TITLE}"));
    assert!(1 < frozen && frozen < live, "{frozen} {live}");
}

#[test]
fn only_the_live_sheet_is_marked_as_a_draft() {
    let (_, texts) = laid_out();
    let live = last_page_with(&texts, &format!("2. {LIVE_TITLE}"));
    let marked: Vec<usize> = (0..texts.len())
        .filter(|&i| texts[i].contains("PROJET"))
        .collect();
    assert_eq!(marked, [live]);
    assert!(texts[live].contains("PROJET — données non figées"));
    // The frozen sheet shows its digest instead.
    let digest = last_page_with(&texts, "sha256:9f86d081");
    assert!(digest < live);
}

#[test]
fn the_agenda_lists_points_with_their_reasons() {
    let (_, texts) = laid_out();
    let agenda = &texts[1];
    for expected in [
        "+30 min",
        "30 min",
        "Grands projets",
        "3 projets dérivent de plus de 20 %",
        "Démarches en ligne",
    ] {
        assert!(
            agenda.contains(expected),
            "{expected:?} missing from {agenda}"
        );
    }
    let everything = texts.join(" ");
    for expected in [
        "Présent",
        "Absent",
        "Non relevé",
        "4 membres attendus : 2 présents, 1 absent, 1 non relevé.",
    ] {
        assert!(everything.contains(expected), "{expected:?} missing");
    }
}

#[test]
fn figures_changes_and_objects_are_printed_as_worded_in_french() {
    let (_, texts) = laid_out();
    let everything = texts.join(" ");
    for expected in [
        "Coût total estimé",
        "3 412,5 M€",
        "12,5 %",
        "4,2 ans",
        "Évolution depuis la séance du 15 janvier 2025",
        "Dérive budgétaire moyenne : 10,0 % → 12,5 % (+2,5 pt)",
        "Nouveaux objets : Scribe (projet n° 31)",
        "Objets sortis : Louvois (projet n° 4)",
        "Objets concernés",
        "SI Paie (projet n° 12)",
        "Méthodes : projects:dinum-2017",
        "Méthodes : non précisées",
        "Demande de carte grise (démarche n° 88)",
    ] {
        assert!(everything.contains(expected), "{expected:?} missing");
    }
}

#[test]
fn charts_are_drawn_as_one_vector_bar_per_value() {
    let document = pack_document(&sample::pack()).unwrap();
    let texts = page_texts(&document);
    let page = last_page_with(&texts, "Coût par ministère");
    assert_eq!(
        rects_filled_with(&document.pages()[page].frame, "#000091"),
        4
    );
    for expected in ["Armées", "1 250,0 M€", "Justice & <libertés>", "120,5 M€"] {
        assert!(texts[page].contains(expected), "{expected:?} missing");
    }
}

#[test]
fn a_long_table_runs_over_pages_and_repeats_its_header() {
    let (_, texts) = laid_out();
    let first = last_page_with(&texts, "Projet n° 01");
    let last = last_page_with(&texts, "Projet n° 40");
    assert!(last > first, "the 40 rows fit on page {first}");
    assert!(
        texts[last].contains("Projet Ministère Coût Dérive"),
        "{}",
        texts[last]
    );
}

#[test]
fn user_text_is_printed_literally_not_run_as_markup() {
    let (_, texts) = laid_out();
    let everything = texts.join(" ");
    let hostile = normalise(HOSTILE);
    // In the agenda and in the live sheet's summary.
    assert_eq!(everything.matches(&hostile).count(), 2, "{everything}");
}

#[test]
fn the_pdf_is_the_same_bytes_every_time() {
    let pack = sample::pack();
    let first = crate::pack_pdf(&pack).unwrap();
    assert!(first.starts_with(b"%PDF-"));
    assert_eq!(first, crate::pack_pdf(&pack).unwrap());
}

#[test]
fn a_changed_pack_gives_different_bytes() {
    let mut pack = sample::pack();
    let before = crate::pack_pdf(&pack).unwrap();
    pack.sheets[0].fiche.figures[0].value = Some(53.0);
    assert_ne!(before, crate::pack_pdf(&pack).unwrap());
}
