//! What changed between two releases of a dataset: columns opened or closed,
//! records that entered or left, and each published value that changed.
//! Records are matched by their identifier, so a renamed project reads as a
//! change of name, not as one project leaving and another entering.

use serde::{Deserialize, Serialize};

use super::{PreviousRelease, ReleaseInputs, Table, Value};

/// One value that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueChange {
    /// The column (field name).
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// A record present in both releases whose published values changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordChange {
    pub id: String,
    pub label: String,
    pub changes: Vec<ValueChange>,
}

/// A record that entered or left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordRef {
    pub id: String,
    pub label: String,
}

/// The changes of a release against the previous one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changelog {
    /// `None` for a dataset's first release.
    pub previous: Option<i64>,
    pub methodology_changed: Option<(String, String)>,
    pub columns_added: Vec<String>,
    pub columns_removed: Vec<String>,
    pub added: Vec<RecordRef>,
    pub removed: Vec<RecordRef>,
    pub changed: Vec<RecordChange>,
}

impl Changelog {
    /// Whether nothing changed at all.
    pub fn is_empty(&self) -> bool {
        self.methodology_changed.is_none()
            && self.columns_added.is_empty()
            && self.columns_removed.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }

    /// Number of values changed across records.
    pub fn values_changed(&self) -> usize {
        self.changed.iter().map(|c| c.changes.len()).sum()
    }
}

/// The changelog of a release. Only columns published in both releases are
/// compared value by value; opened or closed columns are listed once.
pub fn changelog(inputs: &ReleaseInputs) -> Changelog {
    let table = inputs.table();
    match &inputs.previous {
        None => Changelog {
            previous: None,
            methodology_changed: None,
            columns_added: Vec::new(),
            columns_removed: Vec::new(),
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        },
        Some(prev) => compare(prev, &inputs.methodology.code, &table),
    }
}

fn compare(prev: &PreviousRelease, methodology: &str, table: &Table) -> Changelog {
    let old = &prev.table;
    let names = |t: &Table| t.fields.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
    let (old_names, new_names) = (names(old), names(table));
    let columns_added = new_names
        .iter()
        .filter(|n| !old_names.contains(n))
        .cloned()
        .collect();
    let columns_removed = old_names
        .iter()
        .filter(|n| !new_names.contains(n))
        .cloned()
        .collect();
    let reference = |r: &super::Row| RecordRef {
        id: r.id.clone(),
        label: r.label.clone(),
    };
    let added = table
        .rows
        .iter()
        .filter(|r| !old.rows.iter().any(|o| o.id == r.id))
        .map(reference)
        .collect();
    let removed = old
        .rows
        .iter()
        .filter(|o| !table.rows.iter().any(|r| r.id == o.id))
        .map(reference)
        .collect();
    let mut changed = Vec::new();
    for row in &table.rows {
        let Some(before) = old.rows.iter().find(|o| o.id == row.id) else {
            continue;
        };
        let changes: Vec<ValueChange> = table
            .fields
            .iter()
            .zip(&row.values)
            .filter(|(f, _)| !f.stamp)
            .filter_map(|(f, after)| {
                let i = old.fields.iter().position(|o| o.name == f.name)?;
                let before = before.values.get(i).cloned().unwrap_or(Value::Empty);
                (before != *after).then(|| ValueChange {
                    field: f.name.clone(),
                    before,
                    after: after.clone(),
                })
            })
            .collect();
        if !changes.is_empty() {
            changed.push(RecordChange {
                id: row.id.clone(),
                label: row.label.clone(),
                changes,
            });
        }
    }
    Changelog {
        previous: Some(prev.number),
        methodology_changed: (prev.methodology.code != methodology)
            .then(|| (prev.methodology.code.clone(), methodology.to_owned())),
        columns_added,
        columns_removed,
        added,
        removed,
        changed,
    }
}

/// The changelog as Markdown (the release's `CHANGELOG.md`), in French.
pub fn to_markdown(inputs: &ReleaseInputs, log: &Changelog) -> String {
    let id = &inputs.id;
    let mut out = format!(
        "# {} — version {}\n\nDonnées au {} · méthode {} ({}) · préparée le {} · {}\n\n",
        id.dataset.title_fr(),
        id.number,
        id.as_of,
        inputs.methodology.code,
        inputs.methodology.label,
        id.prepared_on,
        super::LICENCE_TITLE,
    );
    let Some(prev) = log.previous else {
        out.push_str("Première publication de ce jeu de données.\n");
        return out;
    };
    out.push_str(&format!("## Changements depuis la version {prev}\n\n"));
    if log.is_empty() {
        out.push_str("Aucun changement.\n");
        return out;
    }
    if let Some((a, b)) = &log.methodology_changed {
        out.push_str(&format!("- Méthode : {a} → {b}\n"));
    }
    let list = |out: &mut String, title: &str, items: &[String]| {
        if !items.is_empty() {
            out.push_str(&format!("- {title} : {}\n", items.join(", ")));
        }
    };
    list(&mut out, "Colonnes ajoutées", &log.columns_added);
    list(&mut out, "Colonnes retirées", &log.columns_removed);
    let labels = |v: &[RecordRef]| v.iter().map(|r| r.label.clone()).collect::<Vec<_>>();
    list(&mut out, "Entrées", &labels(&log.added));
    list(&mut out, "Sorties", &labels(&log.removed));
    for c in &log.changed {
        out.push_str(&format!("- {} :\n", c.label));
        for v in &c.changes {
            out.push_str(&format!(
                "  - {} : {} → {}\n",
                v.field,
                v.before.display_fr(),
                v.after.display_fr()
            ));
        }
    }
    out
}
