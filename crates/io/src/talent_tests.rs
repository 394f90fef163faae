//! Tests of the HR-returns and salary-grid readers.
use super::*;
use crate::xlsx_out::{Cell, write_xlsx};
use time::macros::date;

/// An HR file: our export's header, a derived and an unknown column.
fn hr(lines: &[&str]) -> Result<(Vec<HrReturnRow>, Vec<String>), ImportErrors> {
    let mut head: Vec<&str> = HR_HEADER.iter().map(|(h, _)| *h).collect();
    head.extend(["Taux de rotation", "Commentaire"]);
    let csv = format!("{}\n{}\n", head.join(";"), lines.join("\n"));
    read_hr_returns("rh.csv", csv.as_bytes())
}

/// "row column" of every error.
fn located<T: std::fmt::Debug>(r: Result<T, ImportErrors>) -> Vec<String> {
    let err = r.unwrap_err().0.into_iter();
    err.map(|e| format!("{} {}", e.row, e.column)).collect()
}

#[test]
fn reads_the_hr_export_layout() {
    let (rows, ignored) = hr(&[
        "MININT; Île-de-France ;2024-s1;1 200;400;1 210;410;100,0;90;\
         10;20;;5;120;15;95;12,5;2,5;0,08;ok",
        ";;;;;;;;;;;;;;;;;;;",
        "MEF;Bretagne;2023;50;;52;;4;2;;;;;3;1;;;;;",
    ])
    .unwrap();
    assert_eq!(ignored, ["Commentaire"]);
    let reasons = ExitReasons {
        retirement: Some(10),
        resignation: Some(20),
        end_of_contract: None,
        mobility: Some(5),
    };
    let first = HrReturn {
        organisation_id: OrgId(0),
        region: "Île-de-France".into(),
        period: "2024S1".into(),
        headcount_start: 1200,
        headcount_end: 1210,
        contract_start: Some(400),
        contract_end: Some(410),
        entries: 100,
        exits: 90,
        exit_reasons: reasons,
        positions_opened: 120,
        vacant_end: 15,
        median_days_to_fill: Some(95),
        external_fte: Some(12.5),
        external_spend: Some(Euros(2_500_000)),
    };
    assert_eq!(
        (rows[0].line, rows[0].ministry.as_str(), &rows[0].r),
        (2, "MININT", &first)
    );
    let b = &rows[1];
    assert_eq!(
        (b.line, b.r.period.as_str(), b.r.contract_end),
        (4, "2023", None)
    );
    assert_eq!(
        (b.r.exit_reasons, b.r.external_spend),
        (ExitReasons::default(), None)
    );
}

#[test]
fn reports_bad_hr_cells_by_row_and_column() {
    let err = hr(&[
        ";Bretagne;T1;-3;x;12.5;;;9;;;;;3;1;;-1;beaucoup;;",
        "MEF;Bretagne;2024;10;12;10;;2;3;2;2;;;3;1;;;;;",
        "MEF;Bretagne;2025;10;;10;;0;11;;;;;3;1;;;;;",
        "MEF;Bretagne;2026;10;;10;;2;2;2;2;;;3;1;;;;;",
    ]);
    let expected = [
        "2 Ministère",
        "2 Période",
        "2 Effectif début",
        "2 dont contractuels (début)",
        "2 Effectif fin",
        "2 Entrées",
        "2 ETP externes",
        "2 Dépenses externes (M€)",
        "3 dont contractuels (début)",
        "4 Sorties",
        "5 Sorties",
    ];
    assert_eq!(located(err), expected);
}

#[test]
fn the_same_return_twice_is_refused() {
    let err = hr(&[
        "MEF;Bretagne;2024S1;10;;10;;0;0;;;;;3;1;;;;;",
        "MEF;Bretagne;2024S2;10;;10;;0;0;;;;;3;1;;;;;",
        "mef; bretagne;2024-S1;10;;10;;0;0;;;;;3;1;;;;;",
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "rh.csv, ligne 4, colonne « Période » : \
         même ministère, région et période qu'à la ligne 2"
    );
}

#[test]
fn headers_missing_aliased_or_twice() {
    let csv = "Ministère;Région;Période;Effectif début;Effectif fin;Entrées;Sorties;\
        Postes ouverts;Postes vacants fin;Dépenses externes (€)\n\
        MEF;Bretagne;2023;50;52;4;2;3;1;2 500 000 €\n";
    let (rows, ignored) = read_hr_returns("rh.csv", csv.as_bytes()).unwrap();
    assert_eq!(
        (rows[0].r.external_spend, ignored.len()),
        (Some(Euros(2_500_000)), 0)
    );
    let both = csv.replacen('\n', ";Dépenses externes (M€)\n", 1);
    let both = read_hr_returns("rh.csv", both.as_bytes());
    assert_eq!(located(both), ["1 Dépenses externes (€)"]);
    let few = read_hr_returns(
        "rh.csv",
        "Ministère;Région;Période;Entrées;Sorties\n".as_bytes(),
    );
    let expected = [
        "Effectif début",
        "Effectif fin",
        "Postes ouverts",
        "Postes vacants fin",
    ];
    assert_eq!(located(few), expected.map(|c| format!("1 {c}")));
    let seuil = "Version;En vigueur le;Métier;Expérience;Seuil (€)\n\
        2021-12;01/12/2021;Chef de projet;6–10 ans;62 000\n";
    let (g, ignored) = read_grids("2021.csv", seuil.as_bytes()).unwrap();
    assert_eq!(
        (g[0].cells[0].low, g[0].cells[0].high, ignored.len()),
        (None, 62_000, 0)
    );
    let err = read_grids("g.csv", b"Version;En vigueur le;Metier;Experience\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "g.csv, ligne 1, colonne « Haut (€) » : \
         colonne absente de l'en-tête (ou « Seuil (€) »)"
    );
}

const GRID: &str = "Version;En vigueur le;Métier;Expérience;Bas (€);Haut (€);\
    Part variable max (%);Source;Note\n\
    2021-12;01/12/2021;Développeur;0–3 ans;;45 000;;Circulaire 2021;a\n\
    2021-12;2021-12-01;Développeur;3–6 ans;;54400 €;;Circulaire 2021;\n\
    2024-01;01/01/2024;Développeur;0–3 ans;40 000;50000.0;20 %;Circulaire 2024;\n\
    2024-01;01/01/2024;Développeur;3–6 ans;48 000;60 000;20;Circulaire 2024;\n";

#[test]
fn reads_several_grid_versions() {
    let (g, ignored) = read_grids("grille.csv", GRID.as_bytes()).unwrap();
    assert_eq!(ignored, ["Note"]);
    assert_eq!(
        (g.len(), g[0].version.as_str(), g[1].version.as_str()),
        (2, "2021-12", "2024-01")
    );
    assert_eq!(
        (g[0].valid_from, g[1].valid_from),
        (date!(2021 - 12 - 01), date!(2024 - 01 - 01))
    );
    assert_eq!((g[0].variable_max, g[1].variable_max), (None, Some(0.2)));
    let amounts = |g: &Grid| g.cells.iter().map(|c| (c.low, c.high)).collect::<Vec<_>>();
    assert_eq!(amounts(&g[0]), [(None, 45_000), (None, 54_400)]);
    assert_eq!(
        amounts(&g[1]),
        [(Some(40_000), 50_000), (Some(48_000), 60_000)]
    );
    assert_eq!(
        (g[1].bands(), g[1].source.as_str()),
        (vec!["0–3 ans", "3–6 ans"], "Circulaire 2024")
    );
}

#[test]
fn a_version_has_one_date_and_variable_part() {
    let csv = GRID
        .replace("2021-12;2021-12-01", "2021-12;2021-12-02")
        .replace("60 000;20;", "60 000;25;");
    let err = read_grids("grille.csv", csv.as_bytes());
    assert_eq!(located(err), ["3 En vigueur le", "5 Part variable max (%)"]);
}

#[test]
fn reports_bad_grid_cells_and_inverted_ranges() {
    let csv = "Version;En vigueur le;Métier;Expérience;Bas (€);Haut (€);Part variable max (%)\n\
        ;31/02/2024;;3–6 ans;-1;;0,2\n\
        2024-01;01/01/2024;Architecte;0–3 ans;40 000;50 000;20\n\
        2024-01;01/01/2024;Architecte;3–6 ans;61 000;60 000;20\n";
    let expected = [
        "Version",
        "En vigueur le",
        "Métier",
        "Bas (€)",
        "Haut (€)",
        "Part variable max (%)",
    ];
    let err = read_grids("g.csv", csv.as_bytes());
    assert_eq!(located(err), expected.map(|c| format!("2 {c}")));
    let fixed = csv.replace(
        ";31/02/2024;;3–6 ans;-1;;0,2",
        "2021;01/12/2021;Architecte;0–3 ans;;1;",
    );
    let err = read_grids("g.csv", fixed.as_bytes()).unwrap_err();
    assert_eq!(located::<()>(Err(err.clone())), ["4 Haut (€)"]);
    assert!(err.0[0].message.contains("bas ≤ haut"), "{err}");
}

#[test]
fn excel_round_trips() {
    let head: Vec<&str> = GRID_HEADER.iter().map(|(h, _)| *h).collect();
    let (t, n) = (|s: &str| Cell::Text(s.into()), Cell::Number);
    let row = vec![
        t("2024-01"),
        Cell::Date(date!(2024 - 01 - 01)),
        t("Dev"),
        t("0–3 ans"),
    ];
    let row = [row, vec![n(48_000.0), n(60_000.0), n(20.0)]].concat();
    let xlsx = write_xlsx("Grille", &head, &[row], &[]).unwrap();
    let (g, _) = read_grids("grille.xlsx", &xlsx).unwrap();
    assert_eq!(
        (g[0].valid_from, g[0].variable_max),
        (date!(2024 - 01 - 01), Some(0.2))
    );
    assert_eq!(
        (g[0].cells[0].low, g[0].cells[0].high),
        (Some(48_000), 60_000)
    );
    let mut head: Vec<&str> = HR_HEADER.iter().map(|(h, _)| *h).collect();
    head.extend(HR_DERIVED);
    let counts = [
        50.0, 20.0, 52.0, 21.0, 4.0, 2.0, 1.0, 1.0, 0.0, 0.0, 3.0, 1.0,
    ];
    let row = [
        vec![t("MEF"), t("Bretagne"), n(2024.0)],
        counts.map(n).to_vec(),
    ]
    .concat();
    let row = [row, vec![Cell::Empty, n(1.5), n(0.25), n(0.08)]].concat();
    let xlsx = write_xlsx("Retours RH", &head, &[row], &[]).unwrap();
    let (rows, ignored) = read_hr_returns("rh.xlsx", &xlsx).unwrap();
    let r = &rows[0].r;
    assert_eq!(
        (r.period.as_str(), r.headcount_end, r.exit_reasons.known()),
        ("2024", 52, 2)
    );
    assert_eq!(
        (r.external_fte, r.external_spend),
        (Some(1.5), Some(Euros(250_000)))
    );
    assert!(ignored.is_empty(), "{ignored:?}");
}
