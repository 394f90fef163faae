use cosinum_domain::demarches::{V2019, V2023};
use time::macros::date;

use super::*;
use crate::xlsx_out::write_xlsx;

fn csv(lines: &[&str]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

fn value<'a>(row: &'a EditionRow, slug: &str) -> Option<&'a str> {
    row.values
        .iter()
        .find(|v| v.slug == slug)
        .map(|v| v.raw.as_str())
}

#[test]
fn reads_the_vde_export_with_grist_names_fractions_and_french_values() {
    let bytes = csv(&[
        "Nom_Demarche;Ministere_politique;Ref_Administration;Statut_En_ligne;Note_Satisfaction;Taux_RGAA_Publie;Score_DLNUF;Recours_au_Numerique;FranceConnect;Taux_Dispo;Perimetre_ministeriel_(AC/SG);Volumetrie_Totale",
        "Déclarer  ses revenus;MEF;DGFiP;Oui;8,4;0,85;n/a;0,72;FranceConnect;99,95;AC;39 000 000",
        "Demande de titre;MININT;ANTS;Partiel;À venir;;-;;Non;0,9987;SG;",
    ]);
    let file = read_observatoire("vde.csv", &bytes, &V2023).unwrap();
    assert_eq!(file.rows.len(), 2);
    assert_eq!(file.ignored_columns, vec!["Perimetre_ministeriel_(AC/SG)"]);
    let r = &file.rows[0];
    assert_eq!(
        (r.line, r.name.as_str(), r.ministry.as_str()),
        (2, "Déclarer ses revenus", "MEF")
    );
    assert_eq!(r.administration.as_deref(), Some("DGFiP"));
    assert_eq!(r.annual_volume, Some(39_000_000));
    assert_eq!(value(r, "satisfaction"), Some("8,4"));
    // Grist stores percentages as fractions: read in points.
    assert_eq!(value(r, "handicap"), Some("85"));
    assert_eq!(value(r, "usage"), Some("72"));
    assert_eq!(value(r, "dlnuf"), Some("n/a"));
    // Availability above 1 is already in points; at most 1 is a fraction.
    assert_eq!(value(r, "uptime"), Some("99,95"));
    assert_eq!(value(&file.rows[1], "uptime"), Some("99,87"));
    assert_eq!(value(&file.rows[1], "satisfaction"), Some("À venir"));
    assert_eq!(value(&file.rows[1], "handicap"), Some(""));
    assert_eq!(file.rows[1].annual_volume, None);
}

#[test]
fn reads_the_2019_labels_and_sentinels() {
    let bytes = csv(&[
        "MINISTÈRE;Démarche;Réalisable en ligne;Usagers satisfaits;Support accessible;DLNUF;Disponibilité et rapidité",
        "MEF;Payer une amende;oui;7.5;Partiel;-1;8",
    ]);
    let file = read_observatoire("v1.csv", &bytes, &V2019).unwrap();
    let r = &file.rows[0];
    assert_eq!(value(r, "online"), Some("oui"));
    assert_eq!(value(r, "satisfaction"), Some("7,5"));
    assert_eq!(value(r, "help_reachable_v1"), Some("Partiel"));
    assert_eq!(value(r, "dlnuf_v1"), Some("-1"));
    assert_eq!(
        file.indicator_columns
            .iter()
            .map(|c| c.1)
            .collect::<Vec<_>>(),
        vec![
            "online",
            "satisfaction",
            "help_reachable_v1",
            "dlnuf_v1",
            "availability_speed"
        ]
    );
}

#[test]
fn reports_every_problem_with_row_and_column_and_returns_nothing() {
    let bytes = csv(&[
        "Ministère;Démarche;Réalisable en ligne;Satisfaction usagers;Volumétrie totale;Date de mise en ligne",
        "MEF;A;peut-être;8;12;01/02/2020",
        ";B;Oui;12;-5;demain",
        "MEF;;Oui;Oui;;",
    ]);
    let err = read_observatoire("f.csv", &bytes, &V2023).unwrap_err();
    let found: Vec<(usize, &str)> = err.0.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        found,
        vec![
            (2, "Réalisable en ligne"),
            (3, "Ministère"),
            (3, "Volumétrie totale"),
            (3, "Date de mise en ligne"),
            (3, "Satisfaction usagers"),
            (4, "Démarche"),
            (4, "Satisfaction usagers"),
        ]
    );
    assert!(
        err.0[0].message.contains("peut-être"),
        "{}",
        err.0[0].message
    );
    assert!(err.0.iter().all(|e| e.file == "f.csv"));
}

#[test]
fn refuses_a_header_without_the_required_columns_or_any_indicator() {
    let err = read_observatoire("f.csv", &csv(&["Nom;Satisfaction", "x;1"]), &V2023).unwrap_err();
    let columns: Vec<&str> = err.0.iter().map(|e| e.column.as_str()).collect();
    assert_eq!(columns, vec!["Ministère", "Démarche", ""]);
    assert!(err.0.iter().all(|e| e.row == 1));
    let dup = read_observatoire(
        "f.csv",
        &csv(&[
            "Ministère;Démarche;Note_Satisfaction;Satisfaction usagers",
            "MEF;x;1;2",
        ]),
        &V2023,
    )
    .unwrap_err();
    assert!(dup.0[0].message.contains("deux colonnes"), "{:?}", dup.0);
}

fn sample() -> Vec<EditionRow> {
    vec![EditionRow {
        line: 2,
        id: Some(7),
        ministry: "MEF".into(),
        administration: Some("DGFiP".into()),
        name: "Déclarer ses revenus".into(),
        audiences: Some(vec!["particuliers".into()]),
        url: Some("https://www.impots.gouv.fr".into()),
        annual_volume: Some(39_000_000),
        online_volume: Some(30_000_000),
        online_since: Some(date!(2019 - 03 - 01)),
        values: vec![
            EditionCell {
                slug: "online",
                raw: "Oui".into(),
                column: "Réalisable en ligne".into(),
            },
            EditionCell {
                slug: "satisfaction",
                raw: "8,4".into(),
                column: "Satisfaction usagers".into(),
            },
            EditionCell {
                slug: "dlnuf",
                raw: "n/a".into(),
                column: "Dites-le-nous une fois".into(),
            },
        ],
    }]
}

/// Keeps what a file carries: the values present, in the method's order.
type Comparable = (Option<i64>, String, Vec<(&'static str, String)>);

fn comparable(rows: &[EditionRow]) -> Vec<Comparable> {
    rows.iter()
        .map(|r| {
            (
                r.id,
                r.name.clone(),
                r.values
                    .iter()
                    .filter(|v| !v.raw.is_empty())
                    .map(|v| (v.slug, v.raw.clone()))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn an_export_reads_back_the_same_in_csv_and_excel() {
    let rows = sample();
    let head = header(&V2023);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| to_cells(date!(2026 - 09 - 30), &V2023, r))
        .collect();
    // Levels follow each value.
    let at = |name: &str| head.iter().position(|h| *h == name).unwrap();
    assert_eq!(
        cells[0][at("Satisfaction usagers — niveau")],
        Cell::Text("Très bien".into())
    );
    let mut out = Vec::new();
    crate::csv_out::write_csv(
        &mut out,
        &head,
        cells.iter().map(|r| r.iter().map(Cell::csv_text).collect()),
    )
    .unwrap();
    let back = read_observatoire("export.csv", &out, &V2023).unwrap();
    assert!(
        back.ignored_columns.is_empty(),
        "{:?}",
        back.ignored_columns
    );
    assert_eq!(comparable(&back.rows), comparable(&rows));
    assert_eq!(back.rows[0].online_since, rows[0].online_since);
    assert_eq!(back.rows[0].audiences, rows[0].audiences);
    let xlsx = write_xlsx("Démarches", &head, &cells, &[]).unwrap();
    let back = read_observatoire("export.xlsx", &xlsx, &V2023).unwrap();
    assert_eq!(comparable(&back.rows), comparable(&rows));
    assert_eq!(back.rows[0].annual_volume, Some(39_000_000));
    assert_eq!(back.rows[0].online_since, rows[0].online_since);
}
