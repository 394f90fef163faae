//! A realistic pack and record: three agenda points, two sheets (one
//! frozen with a digest, one still computed live), a chart, and a table
//! long enough to run over several pages.

use cosinum_domain::committee::documents::{
    AgendaLine, Attendee, Pack, PackSheet, Record, RecordPoint, RecordedDecision, SessionHeader,
};
use cosinum_domain::committee::fiche::{Bar, Chart, Fiche, FigureChange, KeyFigure, Table, Unit};
use cosinum_domain::committee::{Format, ObjectRef, Topic};
use time::macros::date;

pub(super) const FROZEN_TITLE: &str = "Grands projets numériques de l’État";
pub(super) const LIVE_TITLE: &str = "Démarches en ligne essentielles";
/// Every typst markup character, and a quote, in user text.
pub(super) const HOSTILE: &str = r#"Coût #total *gras* $x$ [a] \n <lbl> @ref "cité""#;

pub(super) fn session() -> SessionHeader {
    SessionHeader {
        id: 7,
        committee: "COSINUM".into(),
        title: "Séance plénière du deuxième trimestre".into(),
        held_on: date!(2025 - 06 - 30),
        cut_off: date!(2025 - 06 - 15),
        format: Format::Hybrid,
        place: Some("Hôtel de Matignon, salle des conférences".into()),
        chair: "Secrétaire générale du Gouvernement".into(),
    }
}

pub(super) fn attendees() -> Vec<Attendee> {
    let person = |name: &str, role: &str, org: &str, present| Attendee {
        name: name.into(),
        role: role.into(),
        organisation: org.into(),
        present,
    };
    vec![
        person("Claire Dubois", "Présidente", "SGG", Some(true)),
        person(
            "Marc Lefèvre",
            "Directeur interministériel du numérique",
            "DINUM",
            Some(true),
        ),
        person(
            "Aïcha Benali",
            "Secrétaire générale",
            "Ministère des armées",
            Some(false),
        ),
        person(
            "Jean Martin",
            "Directeur du numérique",
            "Ministère de l’intérieur",
            None,
        ),
    ]
}

fn object(kind: &str, id: i64, label: &str) -> ObjectRef {
    ObjectRef {
        kind: kind.into(),
        id,
        label: label.into(),
    }
}

fn figure(key: &str, label: &str, value: Option<f64>, unit: Unit) -> KeyFigure {
    KeyFigure {
        key: key.into(),
        label: label.into(),
        value,
        unit,
    }
}

fn projects_fiche() -> Fiche {
    let rows = (1..=40)
        .map(|i| {
            vec![
                format!("Projet n° {i:02}"),
                ["Armées", "Intérieur", "Finances", "Justice"][i % 4].to_owned(),
                Unit::Meur.format_fr(Some(9.0 + f64::from(i as u32) * 3.7)),
                Unit::Ratio.format_fr(Some(f64::from(i as u32) / 100.0)),
            ]
        })
        .collect();
    Fiche {
        topic: Topic::Projects,
        title: FROZEN_TITLE.into(),
        as_of: date!(2025 - 06 - 15),
        summary: "Les grands projets de plus de 9 M€ suivis par la DINUM, d’après \
                  le panorama semestriel des ministères."
            .into(),
        figures: vec![
            figure("projects", "Projets suivis", Some(52.0), Unit::Count),
            figure(
                "total_cost_meur",
                "Coût total estimé",
                Some(3_412.5),
                Unit::Meur,
            ),
            figure(
                "drift",
                "Dérive budgétaire moyenne",
                Some(0.125),
                Unit::Ratio,
            ),
            figure("duration", "Durée moyenne", Some(4.25), Unit::Years),
            figure("late", "Projets en retard", None, Unit::Count),
        ],
        charts: vec![Chart {
            title: "Coût par ministère".into(),
            unit: Unit::Meur,
            bars: vec![
                Bar {
                    label: "Armées".into(),
                    value: 1_250.0,
                },
                Bar {
                    label: "Intérieur".into(),
                    value: 830.4,
                },
                Bar {
                    label: "Finances".into(),
                    value: 612.0,
                },
                Bar {
                    label: "Justice & <libertés>".into(),
                    value: 120.5,
                },
            ],
        }],
        tables: vec![Table {
            title: "Projets par ministère".into(),
            columns: vec![
                "Projet".into(),
                "Ministère".into(),
                "Coût".into(),
                "Dérive".into(),
            ],
            rows,
        }],
        objects: vec![
            object("project", 12, "SI Paie"),
            object("project", 31, "Scribe"),
        ],
        methods: vec!["projects:dinum-2017".into()],
        compared_with: Some(date!(2025 - 01 - 15)),
        changes: vec![FigureChange {
            key: "drift".into(),
            label: "Dérive budgétaire moyenne".into(),
            unit: Unit::Ratio,
            before: Some(0.10),
            after: Some(0.125),
        }],
        objects_added: vec![object("project", 31, "Scribe")],
        objects_removed: vec![object("project", 4, "Louvois")],
    }
}

fn demarches_fiche() -> Fiche {
    Fiche {
        topic: Topic::Demarches,
        title: LIVE_TITLE.into(),
        as_of: date!(2025 - 06 - 15),
        summary: format!("Indicateurs de l’observatoire. Note : {HOSTILE}"),
        figures: vec![
            figure("demarches", "Démarches suivies", Some(250.0), Unit::Count),
            figure("online", "Part dématérialisée", Some(0.874), Unit::Ratio),
        ],
        charts: vec![],
        tables: vec![],
        objects: vec![object("demarche", 88, "Demande de carte grise")],
        methods: vec![],
        compared_with: None,
        changes: vec![],
        objects_added: vec![],
        objects_removed: vec![],
    }
}

pub(super) fn pack() -> Pack {
    let line = |position, title: &str, topic, start, reasons: Vec<String>| AgendaLine {
        position,
        title: title.into(),
        topic,
        presenter: "DINUM".into(),
        duration_minutes: 30,
        starts_at_minute: start,
        reasons,
    };
    Pack {
        session: session(),
        attendees: attendees(),
        agenda: vec![
            line(
                1,
                "Grands projets",
                Topic::Projects,
                0,
                vec![
                    "3 projets dérivent de plus de 20 %".into(),
                    "Un projet dépasse 100 M€".into(),
                ],
            ),
            line(2, "Démarches en ligne", Topic::Demarches, 30, vec![]),
            line(3, HOSTILE, Topic::Other, 60, vec![]),
        ],
        sheets: vec![
            PackSheet {
                position: 1,
                fiche: projects_fiche(),
                frozen: true,
                digest: Some(
                    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                        .into(),
                ),
            },
            PackSheet {
                position: 2,
                fiche: demarches_fiche(),
                frozen: false,
                digest: None,
            },
        ],
        generated_on: date!(2025 - 06 - 20),
    }
}

pub(super) fn record(status: &str) -> Record {
    let decision = |reference: &str, text: &str| RecordedDecision {
        reference: reference.into(),
        text: text.into(),
        owner: "DINUM".into(),
        due_on: date!(2025 - 09 - 01),
        frequency: "mensuelle".into(),
        objects: vec!["SI Paie (projet n° 12)".into()],
    };
    Record {
        session: session(),
        version: 2,
        status: status.into(),
        preamble: "La séance est ouverte à 9 h 30.\n\nProchaine séance : octobre.".into(),
        attendees: attendees(),
        points: vec![
            RecordPoint {
                position: 1,
                title: "Grands projets".into(),
                decisions: vec![
                    decision(
                        "2025-1-1",
                        "Le comité demande un plan de redressement du projet SI Paie.",
                    ),
                    decision("2025-1-2", HOSTILE),
                ],
            },
            RecordPoint {
                position: 2,
                title: "Démarches en ligne".into(),
                decisions: vec![],
            },
        ],
        validated: (status != "draft").then(|| "Validé par la présidence le 2 juillet 2025".into()),
        published_on: (status == "published").then_some(date!(2025 - 07 - 03)),
    }
}
