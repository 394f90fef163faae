//! The audit history: what changed, field by field.
//!
//! Every create, update and archive of a domain object records the before and
//! after value of each field that changed, in the same transaction as the write.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Create,
    Update,
    Archive,
    Restore,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Archive => "archive",
            AuditAction::Restore => "restore",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Create, Self::Update, Self::Archive, Self::Restore]
            .into_iter()
            .find(|a| a.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            AuditAction::Create => "Création",
            AuditAction::Update => "Modification",
            AuditAction::Archive => "Archivage",
            AuditAction::Restore => "Restauration",
        }
    }
}

/// One field's value before and after a change (`null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// The fields whose values differ between two JSON objects, in field order.
///
/// A field missing on one side counts as `null` there; identical values are
/// not reported, so an update that changes nothing yields an empty list.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut fields: Vec<&String> = b.keys().chain(a.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|f| {
            let bv = b.get(f).unwrap_or(&Value::Null);
            let av = a.get(f).unwrap_or(&Value::Null);
            (bv != av).then(|| FieldChange {
                field: f.clone(),
                before: bv.clone(),
                after: av.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn diff_reports_changed_added_and_removed_fields() {
        let before = json!({"name": "Intérieur", "code": "MI", "gone": 1});
        let after = json!({"name": "Ministère de l'Intérieur", "code": "MI", "new": true});
        let changes = diff(&before, &after);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["gone", "name", "new"]);
        assert_eq!(changes[0].after, Value::Null);
        assert_eq!(changes[2].before, Value::Null);
    }

    #[test]
    fn create_is_a_diff_from_nothing() {
        let changes = diff(&Value::Null, &json!({"a": 1}));
        assert_eq!(
            changes,
            vec![FieldChange {
                field: "a".into(),
                before: Value::Null,
                after: json!(1)
            }]
        );
    }

    fn small_object() -> impl Strategy<Value = Value> {
        proptest::collection::btree_map("[a-e]", 0i64..4, 0..5)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k, json!(v))).collect()))
    }

    proptest! {
        /// Applying the reported changes to `before` gives `after` (modulo absent = null).
        #[test]
        fn diff_is_complete_and_minimal(before in small_object(), after in small_object()) {
            let changes = diff(&before, &after);
            let mut rebuilt = before.as_object().cloned().unwrap_or_default();
            for c in &changes {
                prop_assert_ne!(&c.before, &c.after);
                rebuilt.insert(c.field.clone(), c.after.clone());
            }
            rebuilt.retain(|_, v| !v.is_null());
            prop_assert_eq!(Value::Object(rebuilt), after.clone());
            prop_assert!(diff(&after, &after).is_empty());
        }
    }
}
