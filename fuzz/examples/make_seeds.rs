//! Writes the seed corpus of every fuzz target into `corpus/<target>/`:
//! small valid files (and a few near misses) in each layout the importers
//! read, built from the readers' own unit-test examples and written with
//! `cosinum-io`'s writers, so the fuzzer starts from inputs that reach deep
//! into each reader. The importer targets' seeds start with the byte that
//! picks their reader (`cosinum_fuzz::selector`). Run from `fuzz/`: `cargo run --example make_seeds`
//! (plain build, no instrumentation). It rewrites the seeds it owns and
//! leaves any other file in the corpus folders alone.

use std::fs;
use std::path::Path;

use cosinum_domain::demarches::V2023;
use cosinum_fuzz::{READERS, selector, workbook};
use cosinum_io::csv_out::write_csv;
use cosinum_io::observatoire;
use cosinum_io::template::HEADER as TEMPLATE_HEADER;
use cosinum_io::xlsx_out::{Cell, write_xlsx};

type Table = Vec<Vec<String>>;

fn table(lines: &[&str]) -> Table {
    lines
        .iter()
        .map(|l| l.split(';').map(str::to_owned).collect())
        .collect()
}

/// One valid table per layout, with its reader, and a few bad cells in
/// some so that the error paths are seeded too.
fn layouts() -> Vec<(&'static str, &'static str, Table)> {
    let template_head = TEMPLATE_HEADER.join(";");
    let template = [
        template_head.as_str(),
        "12;MININT;ANEF;Déploiement;30/06/2026;54,3;01/03/2016;2024-05-01;Non;2;RAS;Immigration;Non;",
        ";MEF;Nouveau  projet;cadrage;2026-06-30;;;;non;;;Fiscalité;oui;Desc",
        "x;;ANEF;Déploiement;demain;-3;;;peut-être;7;;;Non;",
    ];
    let v2023 = observatoire::header(&V2023).join(";");
    vec![
        ("template", "template", table(&template)),
        (
            "funding_applications",
            "funding",
            table(&[
                "Situation au;Identifiant;Guichet;Ministère;Intitulé;Statut;Déposé le;Instruit le;Décision le;Coût total (€);Demandé (€);Accordé (€);Début prévu;Fin prévue;Motif;Charge interne",
                "31/12/2022;12;ITN5;MEF;Entrepôt  de données;Retenu;01/03/2021;15/03/2021;2021-05-01;1 000 000;750000;700 000;01/06/2021;30/11/2022;Retenu;2021S2: 4\n2022S1: 6",
                ";;ITN9;MININT;Migration;;44287;;;400000;300000;;2021-09-01;2022-09-01;;",
            ]),
        ),
        (
            "funding_movements",
            "funding",
            table(&[
                "Dossier;Type;Date;Montant (€);Référence",
                "12;AE;01/06/2021;700000;EJ-1",
                "12;CP;2021-09-01;-1 000,00;DP-9",
                "x;XX;demain;abc;EJ-2",
            ]),
        ),
        (
            "inventory",
            "inventory",
            table(&[
                "Identifiant;Ministère;Application;Description;Statut;Utilisateurs;Coût complet (€);Nouveau projet ou évolution majeure;Disponibilité;Intégrité;Confidentialité;Traçabilité;Diffusion Restreinte;Hébergement de production;En production depuis le;Verdict",
                ";MININT;Fichier  des titres;Desc;En production;12 000;4 000 000;Oui;3;4;4;4;Non;Pi;01/02/2024;Conforme",
                "7;MEF;Paie;;retired;;;;1;1;1;1;;;;",
            ]),
        ),
        (
            "plans",
            "plans",
            table(&[
                "Ministère;Année du plan;Clé;Intitulé;Description;Zone fonctionnelle;Projet lié;Application liée;Début prévu;AE 2027;CP 2027;AE 2028;CP 2028",
                "MININT;2027;L12; Rendez-vous en ligne ;Réserver un créneau;Titres;4;;01/03/2027;1 200 000;600 000,00 €;;800000",
                "MININT;2027;;Chatbot;;;;17;2027-09-01;;;0;",
                "MININT;2027;L12;Doublon;;;;;;;;;",
            ]),
        ),
        (
            "hr_returns",
            "hr_returns",
            table(&[
                "Ministère;Région;Période;Effectif début;dont contractuels (début);Effectif fin;dont contractuels (fin);Entrées;Sorties;Sorties : retraite;Sorties : démission;Sorties : fin de contrat;Sorties : mobilité;Postes ouverts;Postes vacants fin;Délai médian de recrutement (jours);ETP externes;Dépenses externes (M€);Taux de rotation",
                "MININT; Île-de-France ;2024-s1;1 200;400;1 210;410;100,0;90;10;20;;5;120;15;95;12,5;2,5;0,08",
                "MEF;Bretagne;2023;50;;52;;4;2;;;;;3;1;;;;",
            ]),
        ),
        (
            "grids",
            "grids",
            table(&[
                "Version;En vigueur le;Métier;Expérience;Bas (€);Haut (€);Part variable max (%);Source;Note",
                "2021-12;01/12/2021;Développeur;0–3 ans;;45 000;;Circulaire 2021;a",
                "2024-01;01/01/2024;Développeur;0–3 ans;40 000;50000.0;20 %;Circulaire 2024;",
                "2024-01;01/01/2024;Développeur;3–6 ans;48 000;60 000;20;Circulaire 2024;",
            ]),
        ),
        (
            "observatoire_vde",
            "observatoire_v2023",
            table(&[
                "Nom_Demarche;Ministere_politique;Ref_Administration;Statut_En_ligne;Note_Satisfaction;Taux_RGAA_Publie;Score_DLNUF;Recours_au_Numerique;FranceConnect;Taux_Dispo;Volumetrie_Totale;dateMiseEnLigne",
                "Déclarer  ses revenus;MEF;DGFiP;Oui;8,4;0,85;n/a;0,72;FranceConnect;99,95;39 000 000;01/01/2019",
                "Demande de titre;MININT;ANTS;Partiel;À venir;;-;;Non;0,9987;;",
            ]),
        ),
        (
            "observatoire_2019",
            "observatoire_v2019",
            table(&[
                "MINISTÈRE;Démarche;Réalisable en ligne;Usagers satisfaits;Support accessible;DLNUF;Disponibilité et rapidité",
                "MEF;Payer une amende;oui;7.5;Partiel;-1;8",
            ]),
        ),
        (
            "observatoire_export",
            "observatoire_v2023",
            vec![
                v2023.split(';').map(str::to_owned).collect(),
                vec![
                    "30/06/2025".into(),
                    "v2023".into(),
                    "3".into(),
                    "MEF".into(),
                ],
            ],
        ),
    ]
}

fn csv_bytes(t: &Table) -> Vec<u8> {
    let head: Vec<&str> = t[0].iter().map(String::as_str).collect();
    let mut out = Vec::new();
    if write_csv(&mut out, &head, t[1..].to_vec()).is_err() {
        panic!("seed table longer than its header");
    }
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn column(mut i: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

const SHEET_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
    <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
const SHEET_CLOSE: &str = "</sheetData></worksheet>";

/// A worksheet holding `t` as inline strings (numbers as numbers).
fn sheet_xml(t: &Table) -> String {
    let mut xml = SHEET_OPEN.to_owned();
    for (r, row) in t.iter().enumerate() {
        xml += &format!("<row r=\"{}\">", r + 1);
        for (c, v) in row.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
            let at = format!("{}{}", column(c), r + 1);
            if v.parse::<f64>().is_ok() {
                xml += &format!("<c r=\"{at}\"><v>{v}</v></c>");
            } else {
                let v = xml_escape(v);
                xml += &format!("<c r=\"{at}\" t=\"inlineStr\"><is><t>{v}</t></is></c>");
            }
        }
        xml += "</row>";
    }
    xml + SHEET_CLOSE
}

/// Cell kinds and layouts the table seeds do not have: shared strings,
/// booleans, errors, a date style, a formula with its cached value, a used
/// range starting at B3 below a title block.
fn special_parts() -> (String, String, String) {
    let sheet = format!(
        "{SHEET_OPEN}<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>\
         <row r=\"3\"><c r=\"B3\" t=\"s\"><v>1</v></c><c r=\"C3\" t=\"s\"><v>2</v></c>\
         <c r=\"D3\" t=\"str\"><v>Date</v></c></row>\
         <row r=\"4\"><c r=\"B4\" t=\"b\"><v>1</v></c><c r=\"C4\" t=\"e\"><v>#REF!</v></c>\
         <c r=\"D4\" s=\"1\"><v>42677.75</v></c><c r=\"E4\"><f>1+1</f><v>2</v></c></row>\
         <row r=\"5\"><c r=\"B5\" t=\"b\"><v>0</v></c><c r=\"C5\" t=\"d\"><v>2016-11-03T00:00:00</v></c>\
         <c r=\"D5\" s=\"1\"><v>60</v></c><c r=\"E5\"><v>-3.5E-2</v></c></row>{SHEET_CLOSE}"
    );
    let shared = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
        <sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"3\" uniqueCount=\"3\">\
        <si><t>Panorama des grands projets</t></si><si><t xml:space=\"preserve\"> Ministère </t></si>\
        <si><r><t>Co</t></r><r><t>ût</t></r></si></sst>"
        .to_owned();
    let styles = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
        <styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
        <numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\"/></numFmts>\
        <cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\" applyNumberFormat=\"1\"/></cellXfs>\
        </styleSheet>"
        .to_owned();
    (sheet, shared, styles)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    if let Err(e) = fs::write(&path, bytes) {
        panic!("{}: {e}", path.display());
    }
}

/// A seed for an importer target: the reader's selector byte, then the file
/// (`reader` past the readers picks the XLSX round trip).
fn seed(dir: &Path, name: &str, reader: Option<&str>, bytes: &[u8]) {
    let pick = reader.map_or(READERS.len() as u8, selector);
    write(dir, name, &[&[pick], bytes].concat());
}

fn main() {
    let root = Path::new("corpus");
    let csv_dir = root.join("csv_importers");
    let xlsx_dir = root.join("xlsx_importers");
    let text_dir = root.join("text_parsers");
    let query_dir = root.join("query_strings");
    for d in [&csv_dir, &xlsx_dir, &text_dir, &query_dir] {
        if let Err(e) = fs::create_dir_all(d) {
            panic!("{}: {e}", d.display());
        }
    }

    for (name, reader, t) in layouts() {
        let reader = Some(reader);
        seed(&csv_dir, &format!("{name}.csv"), reader, &csv_bytes(&t));
        // The structured form: worksheet XML only (see xlsx_importers).
        seed(
            &xlsx_dir,
            &format!("{name}.xml"),
            reader,
            sheet_xml(&t).as_bytes(),
        );
    }
    // Reader quirks: commas, empty lines, a two-line cell, CRLF, a BOM, a
    // byte that is not UTF-8.
    let quirks = b"Guichet,Intitul\xC3\xA9\n\n\"multi\nline\",2\n,\n3,4\n";
    seed(&csv_dir, "comma_multiline.csv", Some("funding"), quirks);
    seed(
        &csv_dir,
        "crlf_not_utf8.csv",
        Some("grids"),
        b"\xEF\xBB\xBF\r\nDossier;Type\r\n\r\nok;1\r\nd\xE9but;2\r\n",
    );

    let (sheet, shared, styles) = special_parts();
    let structured = [sheet.as_str(), shared.as_str(), styles.as_str()].join("\0");
    seed(
        &xlsx_dir,
        "cell_kinds.xml",
        Some("panorama"),
        structured.as_bytes(),
    );
    seed(
        &xlsx_dir,
        "cell_kinds_round_trip.xml",
        None,
        structured.as_bytes(),
    );
    // The same as a whole workbook, and one as Excel-like files come
    // (written by rust_xlsxwriter, compressed, with an "Informations" sheet).
    let book = workbook(
        sheet.as_bytes(),
        Some(shared.as_bytes()),
        Some(styles.as_bytes()),
    );
    seed(&xlsx_dir, "cell_kinds.xlsx", None, &book);
    let rows: Vec<Vec<Cell>> = vec![vec![
        Cell::Number(12.0),
        Cell::Text("MININT".into()),
        Cell::Text("ANEF".into()),
        Cell::Text("Déploiement".into()),
        Cell::Date(time::macros::date!(2026 - 06 - 30)),
        Cell::Number(54.3),
        Cell::Empty,
        Cell::Empty,
        Cell::Text("Non".into()),
        Cell::Number(2.0),
        Cell::Text("=RAS".into()),
    ]];
    match write_xlsx("Revues", &TEMPLATE_HEADER, &rows, &["Source : test".into()]) {
        Ok(bytes) => seed(&xlsx_dir, "template_export.xlsx", Some("template"), &bytes),
        Err(e) => panic!("{e}"),
    }

    let texts: [(&str, &str); 20] = [
        ("date_fr", "01/03/2016"),
        ("date_short", "1/7/2011"),
        ("date_dots", "03.11.2016"),
        ("date_iso_time", "2016-11-03 00:00:00"),
        ("date_invalid", "31/02/2016"),
        ("serial", "42677"),
        ("serial_time", "42677,75"),
        ("thousands", "1 234,5"),
        ("negative", "-1 000,00"),
        ("nbsp", "12\u{a0}000\u{202f}€"),
        ("exponent", "1e5"),
        ("formula", "=HYPERLINK(\"x\")"),
        ("phone", "+33 1 23"),
        ("at", "@SUM(A1)"),
        ("tab", "\tx"),
        ("percent", "99,95 %"),
        ("not_applicable", "Non applicable"),
        ("to_come", "À venir"),
        ("meur", "496,4"),
        ("nan", "NaN"),
    ];
    for (name, text) in texts {
        write(&text_dir, name, text.as_bytes());
    }

    let queries: [(&str, &str); 10] = [
        ("projects", "ministry=MININT&phase=cadrage&as_of=2024-06-30"),
        (
            "register",
            "q=%C3%A9ch%C3%A9ance&status=pending&owner=mef&alert=true&session=3&object=project%3A12",
        ),
        (
            "talent",
            "period=2025S1&turnover_high=0.2&turnover_low=0.05&external_high=0.3",
        ),
        (
            "duplicates",
            "threshold=0.1&kind=project&include_dismissed=false&format=csv",
        ),
        ("search", "q=entrep%C3%B4t+de+donn%C3%A9es&zone=RH&limit=20"),
        (
            "codes",
            "verdict=committee&dataset=panorama&status=granted&semester=2022-S2&version=3&year=2026",
        ),
        ("import", "file_name=plan.xlsx&dry_run=true"),
        (
            "page",
            "fonds=FTAP&date=2024-12-31&annee=2027&ministere=MI&phase=Conception+%2F+R%C3%A9alisation&statut=open&seuil=10",
        ),
        ("object", "object=funding_application:7&status=in_progress"),
        ("period_year", "period=2024&verdict=reused&status=retenu"),
    ];
    for (name, query) in queries {
        write(&query_dir, name, query.as_bytes());
    }
}
