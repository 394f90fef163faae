use super::*;

fn d(kind: Kind, id: i64, ministry: &str, title: &str, body: &str, zone: &str) -> Doc {
    Doc {
        kind,
        id,
        ministry: ministry.into(),
        title: title.into(),
        body: body.into(),
        zone: zone.into(),
        url: format!("/x/{id}"),
        amount: None,
    }
}

fn index() -> SearchIndex {
    SearchIndex::build(vec![
        d(
            Kind::PlanLine,
            1,
            "MININT",
            "Prise de rendez-vous en ligne en préfecture",
            "Les usagers réservent un créneau avec rappel par SMS.",
            "Titres",
        ),
        d(
            Kind::PlanLine,
            2,
            "MJ",
            "Rendez-vous dans les juridictions",
            "Réservation en ligne d'un créneau au greffe, rappel automatique par SMS.",
            "Justice",
        ),
        d(
            Kind::PlanLine,
            3,
            "MEF",
            "Entrepôt de données fiscales",
            "Analyse des données de recouvrement.",
            "Fiscalité",
        ),
        d(
            Kind::Project,
            4,
            "MININT",
            "Réservation de créneaux pour les guichets",
            "Créneaux et rappels SMS en préfecture.",
            "Titres",
        ),
        d(
            Kind::Application,
            5,
            "MTE",
            "Chatbot des aides",
            "Assistant conversationnel pour les usagers.",
            "Environnement",
        ),
    ])
    .expect("index")
}

#[test]
fn french_analysis_folds_accents_stems_and_drops_stop_words() {
    assert_eq!(
        SearchIndex::terms("Les démarches dématérialisées de l'État"),
        SearchIndex::terms("demarche dematerialisee etat")
    );
    assert!(
        !SearchIndex::terms("les de la")
            .iter()
            .any(|t| !t.is_empty()),
        "stop words only"
    );
}

#[test]
fn search_ranks_and_counts_facets() {
    let i = index();
    let r = i
        .search("rendez-vous préfecture", &Filter::default(), 10)
        .unwrap();
    assert_eq!(r.hits[0].doc.id, 1, "{:?}", r.hits);
    assert!(r.total >= 2 && r.by_ministry.get("MININT") >= Some(&1));
    let only_mj = i
        .search(
            "rendez-vous",
            &Filter {
                ministry: Some("MJ".into()),
                ..Filter::default()
            },
            10,
        )
        .unwrap();
    assert_eq!(
        only_mj.hits.iter().map(|h| h.doc.id).collect::<Vec<_>>(),
        [2]
    );
    let hidden = i
        .search(
            "rendez-vous",
            &Filter {
                visible: Some(vec!["MEF".into()]),
                ..Filter::default()
            },
            10,
        )
        .unwrap();
    assert_eq!(hidden.total, 0, "a ministry searches what it reads");
    assert_eq!(i.search("", &Filter::default(), 2).unwrap().total, 5);
    assert_eq!(
        i.search("\"unbalanced: +(", &Filter::default(), 2)
            .unwrap()
            .total,
        0,
        "query syntax is not an error"
    );
}

#[test]
fn similar_finds_other_ministries_and_explains() {
    let i = index();
    let c = i
        .similar(Kind::PlanLine, 1, None, 5, SimilarityWeights::default())
        .unwrap()
        .unwrap();
    assert_eq!(c[0].doc.id, 2, "{c:?}");
    assert!(
        c.iter().all(|x| x.doc.ministry != "MININT"),
        "never the same ministry"
    );
    assert!(
        c[0].shared_terms.iter().any(|t| t.contains("sms")),
        "{:?}",
        c[0].shared_terms
    );
    assert!(c[0].score <= 1.0 + f32::EPSILON);
    assert!(
        i.similar(Kind::PlanLine, 99, None, 5, SimilarityWeights::default())
            .unwrap()
            .is_none()
    );
    // A draft being written, by MJ: MININT's efforts come up.
    let draft = d(
        Kind::PlanLine,
        0,
        "MJ",
        "Rendez-vous en ligne",
        "créneau et rappel SMS",
        "Titres",
    );
    let c = i
        .similar_to(&draft, None, 5, SimilarityWeights::default())
        .unwrap();
    assert!(c[0].doc.ministry == "MININT" && c[0].same_zone, "{c:?}");
}
