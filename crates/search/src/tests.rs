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

#[test]
fn replace_adds_updates_and_removes_only_the_kinds_given() {
    let i = index();
    let before = i.len();
    let mut line = i.get(Kind::PlanLine, 1).expect("line 1");
    line.title = "Prise de rendez-vous et file d'attente virtuelle".into();
    let new_line = d(
        Kind::PlanLine,
        9,
        "MC",
        "Billetterie",
        "Vente en ligne.",
        "",
    );
    // Lines 2 and 3 are gone; the project and the application stay.
    let u = i
        .replace(&[Kind::PlanLine], vec![line.clone(), new_line], "42")
        .expect("replace");
    assert_eq!(
        u,
        Update {
            added: 1,
            updated: 1,
            removed: 2
        }
    );
    assert_eq!(i.len(), before - 1);
    assert_eq!(i.get(Kind::PlanLine, 1), Some(line));
    assert!(i.get(Kind::PlanLine, 2).is_none());
    assert!(i.get(Kind::Project, 4).is_some());
    assert_eq!(i.stamp().as_deref(), Some("42"));
    let r = i
        .search("file d'attente", &Filter::default(), 5)
        .expect("search");
    assert_eq!(r.hits.first().map(|h| h.doc.id), Some(1));
    assert_eq!(
        i.search("juridictions", &Filter::default(), 5)
            .expect("search")
            .total,
        0
    );
    // The same documents again change nothing.
    let again = i.get(Kind::PlanLine, 9).expect("line 9");
    let line = i.get(Kind::PlanLine, 1).expect("line 1");
    assert!(
        i.replace(&[Kind::PlanLine], vec![line, again], "43")
            .expect("replace")
            .is_empty()
    );
}

#[test]
fn a_range_replaced_touches_only_its_kind_and_ids() {
    let i = index();
    let before = i.len();
    // Plan lines 1 to 2: line 1 changes, line 2 is gone; line 3 (outside
    // the range) and the other kinds stay whatever their ids.
    let mut line = i.get(Kind::PlanLine, 1).expect("line 1");
    line.body = "Rappel par courriel.".into();
    let u = i
        .replace_range(Kind::PlanLine, (1, 2), vec![line.clone()], "50")
        .expect("replace");
    assert_eq!(
        u,
        Update {
            added: 0,
            updated: 1,
            removed: 1
        }
    );
    assert_eq!(i.len(), before - 1);
    assert_eq!(i.get(Kind::PlanLine, 1), Some(line));
    assert!(i.get(Kind::PlanLine, 2).is_none());
    assert!(i.get(Kind::PlanLine, 3).is_some());
    assert!(i.get(Kind::Project, 4).is_some());
    assert_eq!(i.stamp().as_deref(), Some("50"));
    // Applications 1 to 4: none, and plan line 1 is of another kind.
    let u = i
        .replace_range(Kind::Application, (1, 4), Vec::new(), "51")
        .expect("replace");
    assert!(u.is_empty());
    assert_eq!(i.len(), before - 1);
    assert!(i.get(Kind::PlanLine, 1).is_some());
    assert!(i.get(Kind::Application, 5).is_some());
}

#[test]
fn a_directory_index_reopens_with_its_documents_and_stamp_and_is_locked_while_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("index");
    {
        let i = SearchIndex::open(&path).expect("create");
        assert_eq!(i.stamp(), None);
        assert!(i.is_empty());
        let docs = vec![
            d(
                Kind::Project,
                1,
                "MJ",
                "Procédure pénale numérique",
                "Dossier dématérialisé.",
                "Justice",
            ),
            d(
                Kind::Application,
                2,
                "MI",
                "Main courante",
                "Registre des plaintes.",
                "Sécurité",
            ),
        ];
        i.replace(&Kind::ALL, docs, "7").expect("index");
        assert!(
            matches!(SearchIndex::open(&path), Err(SearchError::Busy(_))),
            "a second writer is refused"
        );
    }
    let reopened = SearchIndex::open(&path).expect("reopen");
    assert_eq!(reopened.stamp().as_deref(), Some("7"));
    assert_eq!(reopened.len(), 2);
    assert_eq!(
        reopened.get(Kind::Project, 1).map(|d| d.zone),
        Some("Justice".to_owned())
    );
    let r = reopened
        .search("procedures penales", &Filter::default(), 5)
        .expect("search");
    assert_eq!(r.hits.first().map(|h| h.doc.id), Some(1));
}

#[test]
fn a_directory_holding_something_else_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.txt"), "x").expect("write");
    let err = SearchIndex::open(dir.path()).err().expect("refused");
    assert!(err.to_string().contains("not a search index"), "{err}");
}

#[test]
fn a_document_given_twice_is_indexed_once_as_last_given() {
    let first = d(Kind::Project, 7, "MININT", "Messagerie sécurisée", "", "");
    let last = d(Kind::Project, 7, "MININT", "Coffre-fort numérique", "", "");
    let i = SearchIndex::build(vec![first, last.clone()]).expect("index");
    assert_eq!(i.len(), 1);
    assert_eq!(i.get(Kind::Project, 7), Some(last));
    let found = |q: &str| i.search(q, &Filter::default(), 5).expect("search").total;
    assert_eq!(found("messagerie"), 0, "the first version is not indexed");
    assert_eq!(found("coffre"), 1);
}

#[test]
fn an_ident_names_its_kind_and_id_back() {
    for kind in Kind::ALL {
        for id in [1, 42, 700_000, (1 << 56) - 1] {
            assert_eq!(
                parse_ident(ident(kind, id)),
                Some((kind, id)),
                "{kind:?} {id}"
            );
        }
    }
    let (a, b) = (ident(Kind::ALL[0], 7), ident(Kind::ALL[1], 7));
    assert_ne!(a, b, "the same id of two kinds is two documents");
    assert_eq!(parse_ident(u64::MAX), None, "no fifth kind");
}

#[test]
fn a_search_finds_documents_from_several_segments_by_their_idents() {
    // Each `replace` commits a segment of its own: the idents are read from
    // the segment of each match.
    let index = SearchIndex::build(vec![d(
        Kind::Project,
        5,
        "MININT",
        "Portail des titres",
        "",
        "Titres",
    )])
    .unwrap();
    index
        .replace(
            &[Kind::PlanLine],
            vec![d(
                Kind::PlanLine,
                5,
                "MJ",
                "Portail des juridictions",
                "",
                "Justice",
            )],
            "s1",
        )
        .unwrap();
    let r = index.search("portail", &Filter::default(), 10).unwrap();
    let mut found: Vec<(Kind, i64, String)> = r
        .hits
        .iter()
        .map(|h| (h.doc.kind, h.doc.id, h.doc.ministry.clone()))
        .collect();
    found.sort();
    let mut expected = vec![
        (Kind::Project, 5, "MININT".to_owned()),
        (Kind::PlanLine, 5, "MJ".to_owned()),
    ];
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(r.total, 2);
    assert_eq!(
        index.get(Kind::PlanLine, 5).unwrap().title,
        "Portail des juridictions"
    );
}
