use std::collections::BTreeMap;

use cosinum_domain::publication::catalog;
use cosinum_domain::publication::{
    Dataset, Methodology, PreviousRelease, Record, ReleaseId, ReleaseInputs, Rules, Value,
};
use time::macros::date;

use super::*;

fn inputs() -> ReleaseInputs {
    let record = |id: i64, name: &str, cost: f64, withheld: bool| {
        let mut values = BTreeMap::new();
        values.insert("ministere_porteur".to_owned(), Value::text("MI"));
        values.insert("nom".to_owned(), Value::text(name));
        values.insert("interministeriel".to_owned(), Value::Bool(true));
        values.insert("debut".to_owned(), Value::Date(date!(2019 - 03 - 01)));
        values.insert("duree".to_owned(), Value::Number(3.75));
        values.insert("phase".to_owned(), Value::text("Déploiement"));
        values.insert("cout_estime".to_owned(), Value::Number(cost));
        values.insert("cout_reference_initial".to_owned(), Value::Number(777.125));
        Record {
            id: id.to_string(),
            label: name.to_owned(),
            values,
            withheld,
        }
    };
    ReleaseInputs {
        id: ReleaseId {
            dataset: Dataset::Panorama,
            number: 2,
            as_of: date!(2026 - 06 - 30),
            prepared_on: date!(2026 - 07 - 01),
        },
        methodology: Methodology {
            code: "dinum-2017".into(),
            label: "Méthode DINUM".into(),
        },
        fields: catalog::panorama(),
        rules: Rules::default(),
        records: vec![
            record(1, "SIRHEN", 496.4, true),
            record(2, "=HYPERLINK()", 12.5, false),
        ],
        previous: Some(PreviousRelease {
            number: 1,
            as_of: date!(2025 - 12 - 31),
            methodology: Methodology {
                code: "dinum-2017".into(),
                label: "Méthode DINUM".into(),
            },
            table: cosinum_domain::publication::publish(
                &catalog::panorama(),
                &Rules::default(),
                &[],
            ),
        }),
    }
}

fn file<'a>(b: &'a BuiltRelease, name: &str) -> &'a ReleaseFile {
    b.files.iter().find(|f| f.name == name).expect(name)
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let a = build(&inputs()).expect("built");
    let b = build(&inputs()).expect("built");
    assert_eq!(a, b);
    // Stored as JSON and read back, the inputs still give the same bytes.
    let stored = serde_json::to_string(&inputs()).expect("json");
    let back: ReleaseInputs = serde_json::from_str(&stored).expect("parsed");
    assert_eq!(build(&back).expect("built").files, a.files);
}

#[test]
fn csv_is_french_with_the_dinum_header_and_masks_withheld_figures() {
    let b = build(&inputs()).expect("built");
    let csv = &file(&b, "panorama.csv").bytes;
    assert!(csv.starts_with(b"\xEF\xBB\xBF\"Minist\xC3\xA8re porteur\";"));
    let text = String::from_utf8(csv.clone()).expect("utf8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0].matches(';').count(), 14);
    assert!(lines[1].contains("SIRHEN") && lines[1].contains("Les éléments chiffrés"));
    assert!(!lines[1].contains("496"));
    assert!(lines[2].contains(";12,5;") && lines[2].contains(";2019-03-01;"));
    assert!(
        lines[2].contains("'=HYPERLINK()"),
        "formula neutralised: {}",
        lines[2]
    );
    assert!(!text.contains("777"), "internal baseline left out");
}

#[test]
fn schema_and_package_describe_the_files_exactly() {
    let b = build(&inputs()).expect("built");
    let schema: serde_json::Value =
        serde_json::from_slice(&file(&b, "schema.json").bytes).expect("schema");
    let fields = schema["fields"].as_array().expect("fields");
    assert_eq!(fields.len(), 15);
    assert_eq!(fields[9]["name"], "Coût estimé");
    assert_eq!(fields[9]["type"], "number");
    assert_eq!(fields[9]["decimalChar"], ",");
    assert_eq!(fields[3]["trueValues"][0], "Oui");
    let package: serde_json::Value =
        serde_json::from_slice(&file(&b, "datapackage.json").bytes).expect("package");
    assert_eq!(package["licenses"][0]["name"], "etalab-2.0");
    assert_eq!(package["name"], "panorama-v2");
    assert_eq!(package["cosinum"]["previous_version"], 1);
    for r in package["resources"].as_array().expect("resources") {
        let f = file(&b, r["path"].as_str().expect("path"));
        assert_eq!(r["bytes"], f.bytes.len());
        assert_eq!(r["hash"], format!("sha256:{}", f.sha256()));
    }
    let data: serde_json::Value =
        serde_json::from_slice(&file(&b, "panorama.json").bytes).expect("data");
    assert_eq!(data["records"][1]["Coût estimé"], 12.5);
    assert_eq!(data["records"][0]["Coût estimé"], serde_json::Value::Null);
    assert_eq!(data["records"][0]["id"], "1");
    let log = String::from_utf8(file(&b, "CHANGELOG.md").bytes.clone()).expect("md");
    assert!(log.contains("Entrées : SIRHEN, =HYPERLINK()"), "{log}");
    assert_eq!(b.changelog.added.len(), 2);
}
