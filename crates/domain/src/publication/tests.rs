use std::collections::BTreeMap;

use proptest::prelude::*;
use time::macros::date;

use super::catalog::{self, WITHHELD_SENTENCE};
use super::changelog::{changelog, to_markdown};
use super::*;

fn project(id: i64, name: &str, cost: f64, withheld: bool) -> Record {
    let mut values = BTreeMap::new();
    values.insert("ministere_porteur".into(), Value::text("MI"));
    values.insert("nom".into(), Value::text(name));
    values.insert("interministeriel".into(), Value::Bool(id % 2 == 0));
    values.insert("phase".into(), Value::text("Déploiement"));
    values.insert("cout_estime".into(), Value::Number(cost));
    values.insert("duree".into(), Value::Number(4.0));
    values.insert("cout_reference_initial".into(), Value::Number(cost / 2.0));
    values.insert("identifiant".into(), Value::Integer(id));
    Record {
        id: id.to_string(),
        label: name.to_owned(),
        values,
        withheld,
    }
}

fn inputs(records: Vec<Record>, previous: Option<PreviousRelease>) -> ReleaseInputs {
    ReleaseInputs {
        id: ReleaseId {
            dataset: Dataset::Panorama,
            number: previous.as_ref().map_or(1, |p| p.number + 1),
            as_of: date!(2026 - 06 - 30),
            prepared_on: date!(2026 - 07 - 02),
        },
        methodology: Methodology {
            code: "dinum-2017".into(),
            label: "DINUM".into(),
        },
        fields: catalog::panorama(),
        rules: Rules::default(),
        records,
        previous,
    }
}

#[test]
fn cost_bands_follow_the_dinum_2016_labels() {
    use super::catalog::cost_band;
    assert_eq!(cost_band(4.99), "< 5 M€");
    assert_eq!(cost_band(5.0), "entre 5 et 9 M€");
    assert_eq!(cost_band(9.0), "entre 9 et 20 M€");
    assert_eq!(cost_band(100.0), "entre 20 et 100 M€");
    assert_eq!(cost_band(100.1), "> 100 M€");
}

#[test]
fn default_panorama_release_has_the_dinum_fifteen_columns_in_order() {
    let table = publish(&catalog::panorama(), &Rules::default(), &[]);
    let names: Vec<&str> = table.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names.len(), 15);
    assert_eq!(names[0], "Ministère porteur");
    assert_eq!(names[9], "Coût estimé");
    assert_eq!(names[14], "Date de publication");
}

#[test]
fn internal_fields_are_left_out_and_withheld_values_masked() {
    let records = vec![
        project(1, "SIRHEN", 496.4, true),
        project(2, "SOURCE SOLDE", 12.0, false),
    ];
    let table = publish(&catalog::panorama(), &Rules::default(), &records);
    assert!(!table.has_field("cout_reference_initial"));
    assert!(!table.has_field("identifiant"));
    let (masked, open) = (&table.rows[0], &table.rows[1]);
    assert_eq!(table.value(masked, "cout_estime"), Some(&Value::Empty));
    assert_eq!(
        table.value(masked, "phase"),
        Some(&Value::Text(WITHHELD_SENTENCE.into()))
    );
    assert_eq!(table.value(masked, "nom"), Some(&Value::text("SIRHEN")));
    assert_eq!(table.value(open, "cout_estime"), Some(&Value::Number(12.0)));
}

#[test]
fn opening_an_internal_field_publishes_it_still_masked_when_withheld() {
    let mut rules = Rules::default();
    rules
        .0
        .insert("cout_reference_initial".into(), Visibility::Withheld);
    rules.0.insert("identifiant".into(), Visibility::Public);
    rules.check(&catalog::panorama()).expect("valid rules");
    let records = vec![project(1, "A", 40.0, true), project(2, "B", 30.0, false)];
    let table = publish(&catalog::panorama(), &rules, &records);
    assert_eq!(table.fields.len(), 17);
    assert_eq!(
        table.value(&table.rows[0], "cout_reference_initial"),
        Some(&Value::Empty)
    );
    assert_eq!(
        table.value(&table.rows[1], "cout_reference_initial"),
        Some(&Value::Number(15.0))
    );
    assert_eq!(
        table.value(&table.rows[0], "identifiant"),
        Some(&Value::Integer(1))
    );
}

#[test]
fn rules_refuse_unknown_keys_and_unconditional_figures() {
    let fields = catalog::panorama();
    let mut rules = Rules::default();
    rules.0.insert("salaire".into(), Visibility::Public);
    assert_eq!(rules.check(&fields).unwrap_err().key, "salaire");
    let mut rules = Rules::default();
    rules.0.insert("cout_estime".into(), Visibility::Public);
    assert!(rules.check(&fields).is_err());
    let mut rules = Rules::default();
    rules.0.insert("nom".into(), Visibility::Withheld);
    assert!(rules.check(&fields).is_err());
    let mut rules = Rules::default();
    rules.0.insert("description".into(), Visibility::Internal);
    assert!(rules.check(&fields).is_ok());
    assert_eq!(
        rules
            .resolved(&fields)
            .iter()
            .find(|(k, _)| k == "description"),
        Some(&("description".to_owned(), Visibility::Internal))
    );
}

#[test]
fn observatoire_fields_pair_each_indicator_with_its_level_under_one_rule() {
    let fields = catalog::observatoire(&crate::demarches::method::V2023);
    let sat: Vec<&FieldSpec> = fields
        .iter()
        .filter(|f| f.rule_key == "satisfaction")
        .collect();
    assert_eq!(sat.len(), 2);
    assert_eq!(sat[1].name, "Satisfaction usagers — niveau");
    let mut rules = Rules::default();
    rules.0.insert("satisfaction".into(), Visibility::Internal);
    let table = publish(&fields, &rules, &[]);
    assert!(!table.fields.iter().any(|f| f.rule_key == "satisfaction"));
}

#[test]
fn changelog_matches_records_by_id_and_lists_value_changes() {
    let stamped = |mut r: Record, d: Date| {
        r.values.insert("date_publication".into(), Value::Date(d));
        r
    };
    let first = inputs(
        vec![
            stamped(project(1, "SIRHEN", 100.0, false), date!(2025 - 12 - 31)),
            project(2, "ONP", 50.0, false),
        ],
        None,
    );
    assert_eq!(changelog(&first).previous, None);
    let prev = PreviousRelease {
        number: 1,
        as_of: date!(2025 - 12 - 31),
        methodology: first.methodology.clone(),
        table: first.table(),
    };
    let second = inputs(
        vec![
            stamped(project(1, "SIRHEN 2", 120.0, false), date!(2026 - 06 - 30)),
            project(3, "NEW", 10.0, false),
        ],
        Some(prev),
    );
    let log = changelog(&second);
    assert_eq!(log.previous, Some(1));
    assert_eq!(log.added.len(), 1);
    assert_eq!(log.added[0].label, "NEW");
    assert_eq!(log.removed[0].label, "ONP");
    assert_eq!(log.changed.len(), 1);
    let fields: Vec<&str> = log.changed[0]
        .changes
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(fields, ["Nom du projet", "Coût estimé"]);
    let md = to_markdown(&second, &log);
    assert!(md.contains("Changements depuis la version 1"));
    assert!(md.contains("Coût estimé : 100 → 120"));
    assert!(md.contains("Entrées : NEW"));
}

#[test]
fn panorama_figures_leave_withheld_costs_out_of_the_total() {
    let records = vec![
        project(1, "A", 496.4, true),
        project(2, "B", 12.0, false),
        project(4, "C", 8.0, false),
    ];
    let table = publish(&catalog::panorama(), &Rules::default(), &records);
    let f = figures::panorama(&table);
    assert_eq!(f.projects, 3);
    assert_eq!(f.interministerial, 2);
    assert_eq!(f.costed_projects, 2);
    assert!((f.total_cost_meur - 20.0).abs() < 1e-9);
    assert_eq!(f.mean_duration_years, Some(4.0));
}

#[test]
fn goal_shares_read_published_levels_back() {
    let method = &crate::demarches::method::V2023;
    let fields = catalog::observatoire(method);
    let level = |l: &str| {
        let mut values = BTreeMap::new();
        values.insert("satisfaction.niveau".to_owned(), Value::text(l));
        Record {
            id: l.into(),
            label: l.into(),
            values,
            withheld: false,
        }
    };
    let sat = method.indicator("satisfaction").expect("satisfaction");
    let goal = sat.levels.iter().find(|l| l.goal).expect("goal level");
    let other = sat.levels.iter().find(|l| !l.goal).expect("other level");
    let table = publish(
        &fields,
        &Rules::default(),
        &[level(goal.label_fr), level(other.label_fr), level("")],
    );
    let shares = figures::goal_shares(method, &table, |_| true);
    let s = shares
        .iter()
        .find(|s| s.slug == "satisfaction")
        .expect("share");
    assert_eq!((s.at_goal, s.assessed), (1, 2));
    assert_eq!(s.percent(), Some(50.0));
}

proptest! {
    /// Whatever the records and the rules, no value of an internal field and
    /// no withheld figure reaches the public table.
    #[test]
    fn nothing_internal_or_withheld_is_ever_published(
        costs in proptest::collection::vec((1.0f64..1000.0, any::<bool>()), 0..12),
        open_identifiant in any::<bool>(),
        close_description in any::<bool>(),
    ) {
        const SECRET: &str = "SECRET-INTERNE-7f3a";
        let fields = catalog::panorama();
        let mut rules = Rules::default();
        if open_identifiant {
            rules.0.insert("identifiant".into(), Visibility::Public);
        }
        if close_description {
            rules.0.insert("description".into(), Visibility::Internal);
        }
        let records: Vec<Record> = costs
            .iter()
            .enumerate()
            .map(|(i, (c, w))| {
                let mut r = project(i as i64, "P", *c, *w);
                r.values.insert("derive_budgetaire".into(), Value::text(SECRET));
                if close_description {
                    r.values.insert("description".into(), Value::text(SECRET));
                }
                r
            })
            .collect();
        let table = publish(&fields, &rules, &records);
        prop_assert_eq!(table.rows.len(), records.len());
        prop_assert_eq!(table.has_field("identifiant"), open_identifiant);
        for (row, rec) in table.rows.iter().zip(&records) {
            for (f, v) in table.fields.iter().zip(&row.values) {
                prop_assert!(rules.visibility(f) != Visibility::Internal);
                prop_assert_ne!(v, &Value::text(SECRET));
                if rec.withheld && f.withholdable {
                    prop_assert_eq!(v, &Value::text(&f.mask));
                }
            }
        }
    }
}
