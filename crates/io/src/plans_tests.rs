//! Tests of the investment-plan reader and of the export's layout.
use super::*;
use crate::csv_out::write_csv;
use crate::xlsx_out::write_xlsx;
use cosinum_domain::OrgId;
use cosinum_domain::reuse::plans::PlanStatus;
use time::macros::date;

const HEAD: &str = "Ministère;Année du plan;Clé;Intitulé;Description;Zone fonctionnelle;\
    Projet lié;Application liée;Début prévu;AE 2027;CP 2027;AE 2028;CP 2028";

fn read(lines: &[&str]) -> Result<(Vec<PlanLineRow>, Vec<String>), ImportErrors> {
    let csv = format!("\u{feff}{HEAD}\n{}\n", lines.join("\n"));
    read_plan_lines("plan.csv", csv.as_bytes())
}

/// "row column" of every error.
fn located<T: std::fmt::Debug>(r: Result<T, ImportErrors>) -> Vec<String> {
    let err = r.unwrap_err().0.into_iter();
    err.map(|e| format!("{} {}", e.row, e.column)).collect()
}

#[test]
fn reads_the_export_layout() {
    let (rows, ignored) = read(&[
        "MININT;2027;L12; Rendez-vous en ligne ;Réserver un créneau;Titres;4;;01/03/2027;\
         1 200 000;600 000,00 €;;800000",
        ";;;;;;;;;;;;",
        "MININT;2027;;Chatbot;;;;17;2027-09-01;;;0;",
    ])
    .unwrap();
    assert!(ignored.is_empty(), "{ignored:?}");
    let a = &rows[0];
    assert_eq!((a.line, a.ministry.as_str(), a.year), (2, "MININT", 2027));
    assert_eq!(
        (
            a.l.key.as_str(),
            a.l.title.as_str(),
            a.l.functional_zone.as_str()
        ),
        ("L12", "Rendez-vous en ligne", "Titres")
    );
    assert_eq!(
        (a.l.project_id, a.l.application_id, a.l.expected_start),
        (Some(4), None, Some(date!(2027 - 03 - 01)))
    );
    let amount = |year, ae, cp| YearAmount {
        year,
        ae: Euros(ae),
        cp: Euros(cp),
    };
    assert_eq!(
        a.l.amounts,
        [amount(2027, 1_200_000, 600_000), amount(2028, 0, 800_000)]
    );
    let b = &rows[1];
    assert_eq!(
        (b.line, b.l.key.as_str(), b.l.application_id),
        (4, "", Some(17))
    );
    assert_eq!(b.l.expected_start, Some(date!(2027 - 09 - 01)));
    assert_eq!(b.l.amounts, [amount(2028, 0, 0)], "a 0 written is kept");
}

#[test]
fn comma_files_aliases_and_unknown_columns() {
    let csv = "ministere,annee_du_plan,intitule,ae_2030,CP 2030 (€),Commentaire\n\
        MEF,2030,Signature,10,5,à revoir\n";
    let (rows, ignored) = read_plan_lines("plan.csv", csv.as_bytes()).unwrap();
    assert_eq!(ignored, ["Commentaire"]);
    assert_eq!(
        rows[0].l.amounts,
        [YearAmount {
            year: 2030,
            ae: Euros(10),
            cp: Euros(5)
        }]
    );
}

#[test]
fn bad_headers_are_named() {
    let err = read_plan_lines(
        "p.csv",
        "Ministère;Clé;AE 2027;AE 2027;CP 1990\n".as_bytes(),
    );
    assert_eq!(
        located(err),
        ["1 Année du plan", "1 Intitulé", "1 AE 2027", "1 CP 1990"]
    );
    let err = read_plan_lines("p.csv", b"Ministere;Annee du plan\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "p.csv, ligne 1, colonne « Intitulé » : colonne absente de l'en-tête"
    );
}

#[test]
fn bad_cells_are_named_by_row_and_column() {
    let err = read(&[
        ";27;;;;;x;-2;31/02/2027;1,5;-3;beaucoup;",
        "MEF;2027;;Signature;;;;;2027-13-01;;;;",
        "MEF;2027;;Courrier;;;;;;;;;12 M€",
    ]);
    let expected = [
        "2 Ministère",
        "2 Année du plan",
        "2 Intitulé",
        "2 Projet lié",
        "2 Application liée",
        "2 Début prévu",
        "2 AE 2027",
        "2 CP 2027",
        "2 AE 2028",
        "3 Début prévu",
        "4 CP 2028",
    ];
    assert_eq!(located(err), expected);
    let err = read(&["MEF;2027;;Signature;;;;;;1 000,50;;;"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plan.csv, ligne 2, colonne « AE 2027 » : montant en euros attendu, positif ou nul \
         et sans centimes (ex. 1 200 000)"
    );
    let err = read(&["MEF;2027;;Signature;;;;;demain;;;;"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plan.csv, ligne 2, colonne « Début prévu » : date attendue (JJ/MM/AAAA ou AAAA-MM-JJ)"
    );
}

#[test]
fn a_key_once_per_plan() {
    let err = read(&[
        "MEF;2027;L1;A;;;;;;;;;",
        "MEF;2028;L1;A;;;;;;;;;",
        "mef;2027;l1;B;;;;;;;;;",
        "MEF;2027;;C;;;;;;;;;",
        "MEF;2027;;D;;;;;;;;;",
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "plan.csv, ligne 4, colonne « Clé » : clé déjà donnée à la ligne 2 pour ce plan"
    );
}

fn plan() -> Plan {
    let line = |key: &str, title: &str, amounts: Vec<YearAmount>| PlanLine {
        id: 1,
        key: key.into(),
        title: title.into(),
        description: "Première ligne\nseconde ligne ; avec « guillemets »".into(),
        functional_zone: "Justice pénale".into(),
        project_id: Some(3),
        application_id: None,
        expected_start: Some(date!(2027 - 03 - 01)),
        amounts,
        version: 2,
    };
    let a = |year, ae, cp| YearAmount {
        year,
        ae: Euros(ae),
        cp: Euros(cp),
    };
    Plan {
        id: 9,
        organisation_id: OrgId(4),
        year: 2027,
        revision: 2,
        status: PlanStatus::Submitted,
        submitted_on: None,
        reviewed_on: None,
        lines: vec![
            line(
                "L1",
                "Rendez-vous",
                vec![a(2027, 1_000_000, 0), a(2029, 0, 0)],
            ),
            line("L2", "=SOMME(A1)", vec![a(2028, 5, 7)]),
            line("L3", "Sans crédits", vec![]),
        ],
        version: 3,
    }
}

/// What a file read back says of `p`'s lines.
fn same_lines(rows: &[PlanLineRow], p: &Plan) {
    assert_eq!(rows.len(), p.lines.len());
    for (r, l) in rows.iter().zip(&p.lines) {
        assert_eq!((r.ministry.as_str(), r.year), ("MJ", 2027));
        let back = PlanLine {
            id: l.id,
            version: l.version,
            ..r.l.clone()
        };
        assert_eq!(&back, l);
    }
}

#[test]
fn the_export_reads_back_the_same_csv_and_excel() {
    let p = plan();
    let (header, rows) = plan_export("MJ", &p);
    assert_eq!(
        header[9..],
        [
            "AE 2027", "CP 2027", "AE 2028", "CP 2028", "AE 2029", "CP 2029"
        ]
    );
    let head: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut csv = Vec::new();
    let text = rows.iter().map(|r| r.iter().map(Cell::csv_text).collect());
    write_csv(&mut csv, &head, text).unwrap();
    let (back, ignored) = read_plan_lines("plan.csv", &csv).unwrap();
    assert!(ignored.is_empty());
    same_lines(&back, &p);
    let xlsx = write_xlsx("Plan", &head, &rows, &["Plan MJ 2027".into()]).unwrap();
    let (back, _) = read_plan_lines("plan.xlsx", &xlsx).unwrap();
    same_lines(&back, &p);
}
