use super::sample::{self, HOSTILE};
use super::{normalise, page_texts};
use crate::pdf::record_document;

fn texts(status: &str) -> Vec<String> {
    page_texts(&record_document(&sample::record(status)).unwrap())
}

#[test]
fn a_draft_says_so_on_every_page() {
    let texts = texts("draft");
    assert!(texts.iter().all(|t| t.contains("PROJET")));
    assert!(texts[0].contains("Statut PROJET"), "{}", texts[0]);
    let published = self::texts("published");
    assert!(published.iter().all(|t| !t.contains("PROJET")));
    assert!(published[0].contains("Publié le 3 juillet 2025"));
}

#[test]
fn decisions_carry_owner_due_date_and_follow_up() {
    let texts = texts("validated");
    let everything = texts.join(" ");
    for expected in [
        "Relevé de décisions",
        "Version 2",
        "Validé par la présidence",
        "La séance est ouverte à 9 h 30.",
        "Prochaine séance : octobre.",
        "4 membres attendus : 2 présents, 1 absent, 1 non relevé.",
        "1. Grands projets",
        "Décision 2025-1-1",
        "Le comité demande un plan de redressement du projet SI Paie.",
        "Pilote : DINUM",
        "Échéance : 1er septembre 2025",
        "Fréquence de suivi : mensuelle",
        "Objets liés : SI Paie (projet n° 12)",
        "Aucune décision n’a été prise sur ce point.",
        "Validé par la présidence le 2 juillet 2025",
    ] {
        assert!(
            everything.contains(expected),
            "{expected:?} missing from {everything}"
        );
    }
    assert!(everything.contains(&normalise(HOSTILE)));
    for (i, text) in texts.iter().enumerate() {
        assert!(text.contains(&format!("page {} / {}", i + 1, texts.len())));
    }
}

#[test]
fn the_pdf_is_the_same_bytes_every_time() {
    let record = sample::record("published");
    let first = crate::record_pdf(&record).unwrap();
    assert!(first.starts_with(b"%PDF-"));
    assert_eq!(first, crate::record_pdf(&record).unwrap());
}
