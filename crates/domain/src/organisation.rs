//! Organisations: ministries, their directions and the bodies under their tutelle.
//!
//! Ministries are re-cut at each government, so an organisation is never deleted:
//! it carries dates of validity and is archived when it no longer exists.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::OrgId;
use crate::validation::{ValidationError, optional_text, required_text};

/// What kind of body an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A ministry (or the Prime Minister's services), top of a hierarchy.
    Ministry,
    /// A direction or service inside a ministry (e.g. a DNUM).
    Direction,
    /// A public body under the tutelle of a ministry (opérateur).
    Operator,
}

impl OrgKind {
    pub const ALL: [OrgKind; 3] = [OrgKind::Ministry, OrgKind::Direction, OrgKind::Operator];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Ministry => "ministry",
            OrgKind::Direction => "direction",
            OrgKind::Operator => "operator",
        }
    }

    /// The French label shown in pages.
    pub fn label_fr(self) -> &'static str {
        match self {
            OrgKind::Ministry => "Ministère",
            OrgKind::Direction => "Direction",
            OrgKind::Operator => "Opérateur",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Organisation {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<OrgId>,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub archived: bool,
    pub version: i64,
}

impl Organisation {
    /// Whether the organisation exists on `day` (validity bounds inclusive).
    pub fn is_valid_on(&self, day: Date) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|end| day <= end)
    }
}

/// The editable fields of an organisation, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationFields {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<OrgId>,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
}

/// Raw input for an organisation, as typed in a form or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrganisationInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
}

impl OrganisationInput {
    /// Validates the input; `today` is the default start of validity.
    pub fn validate(&self, today: Date) -> Result<OrganisationFields, ValidationError> {
        let code = normalise_code(&self.code)?;
        let name = required_text("name", &self.name, 200)?;
        let kind = OrgKind::parse(self.kind.trim()).ok_or_else(|| {
            ValidationError::new("kind", "type inconnu (ministry, direction ou operator)")
        })?;
        let parent_id = self.parent_id.map(OrgId);
        match (kind, parent_id) {
            (OrgKind::Ministry, Some(_)) => {
                return Err(ValidationError::new(
                    "parent_id",
                    "un ministère n'a pas d'organisation de rattachement",
                ));
            }
            (OrgKind::Direction | OrgKind::Operator, None) => {
                return Err(ValidationError::new(
                    "parent_id",
                    "une direction ou un opérateur doit être rattaché à une organisation",
                ));
            }
            _ => {}
        }
        let valid_from = self.valid_from.unwrap_or(today);
        if let Some(end) = self.valid_to
            && end < valid_from
        {
            return Err(ValidationError::new(
                "valid_to",
                "la fin de validité précède le début",
            ));
        }
        Ok(OrganisationFields {
            code,
            name,
            kind,
            parent_id,
            valid_from,
            valid_to: self.valid_to,
        })
    }
}

/// Codes are upper-case ASCII identifiers such as `MININT` or `MEF-DGFIP`.
pub fn normalise_code(raw: &str) -> Result<String, ValidationError> {
    let code = optional_text("code", Some(raw), 32)?
        .ok_or_else(|| ValidationError::new("code", "ce champ est obligatoire"))?
        .to_ascii_uppercase();
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ValidationError::new(
            "code",
            "lettres sans accent, chiffres, « - » et « _ » uniquement",
        ));
    }
    Ok(code)
}

/// Parent links of every organisation, to answer hierarchy questions without I/O.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    parent: BTreeMap<OrgId, Option<OrgId>>,
}

impl Hierarchy {
    pub fn new(links: impl IntoIterator<Item = (OrgId, Option<OrgId>)>) -> Self {
        Self {
            parent: links.into_iter().collect(),
        }
    }

    /// `root` and every organisation below it.
    pub fn subtree(&self, root: OrgId) -> BTreeSet<OrgId> {
        let mut children: BTreeMap<OrgId, Vec<OrgId>> = BTreeMap::new();
        for (&id, &parent) in &self.parent {
            if let Some(p) = parent {
                children.entry(p).or_default().push(id);
            }
        }
        let mut seen = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                stack.extend(children.get(&id).into_iter().flatten().copied());
            }
        }
        seen
    }

    /// Whether making `new_parent` the parent of `id` would close a cycle.
    pub fn would_cycle(&self, id: OrgId, new_parent: OrgId) -> bool {
        self.subtree(id).contains(&new_parent)
    }
}

/// Organisations in tree order — each followed by its children, siblings by
/// name — with their depth. One whose parent is not in the list is a root.
pub fn tree_order(orgs: &[Organisation]) -> Vec<(usize, &Organisation)> {
    let ids: BTreeSet<OrgId> = orgs.iter().map(|o| o.id).collect();
    let mut children: BTreeMap<Option<OrgId>, Vec<&Organisation>> = BTreeMap::new();
    for o in orgs {
        let parent = o.parent_id.filter(|p| ids.contains(p) && *p != o.id);
        children.entry(parent).or_default().push(o);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let mut out = Vec::with_capacity(orgs.len());
    let mut stack: Vec<(usize, &Organisation)> = children
        .get(&None)
        .into_iter()
        .flatten()
        .rev()
        .map(|o| (0, *o))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some((depth, o)) = stack.pop() {
        if !seen.insert(o.id) {
            continue;
        }
        out.push((depth, o));
        if let Some(kids) = children.get(&Some(o.id)) {
            stack.extend(kids.iter().rev().map(|k| (depth + 1, *k)));
        }
    }
    // Members of a cycle are reachable from no root: list them rather than drop them.
    out.extend(
        orgs.iter()
            .filter(|o| !seen.contains(&o.id))
            .map(|o| (0, o)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn input(kind: &str, parent: Option<i64>) -> OrganisationInput {
        OrganisationInput {
            code: " minint ".into(),
            name: "Ministère de l'Intérieur".into(),
            kind: kind.into(),
            parent_id: parent,
            valid_from: None,
            valid_to: None,
        }
    }

    #[test]
    fn validate_normalises_code_and_defaults_start() {
        let fields = input("ministry", None)
            .validate(date!(2026 - 11 - 28))
            .unwrap();
        assert_eq!(fields.code, "MININT");
        assert_eq!(fields.valid_from, date!(2026 - 11 - 28));
    }

    #[test]
    fn validate_enforces_hierarchy_shape() {
        let today = date!(2026 - 01 - 01);
        assert_eq!(
            input("ministry", Some(1))
                .validate(today)
                .unwrap_err()
                .field,
            "parent_id"
        );
        assert_eq!(
            input("direction", None).validate(today).unwrap_err().field,
            "parent_id"
        );
        assert!(input("operator", Some(1)).validate(today).is_ok());
        assert_eq!(
            input("agency", None).validate(today).unwrap_err().field,
            "kind"
        );
    }

    #[test]
    fn validate_rejects_inverted_validity_and_bad_codes() {
        let mut i = input("ministry", None);
        i.valid_from = Some(date!(2024 - 01 - 01));
        i.valid_to = Some(date!(2023 - 12 - 31));
        assert_eq!(
            i.validate(date!(2026 - 01 - 01)).unwrap_err().field,
            "valid_to"
        );
        assert!(normalise_code("MIN INT").is_err());
        assert!(normalise_code("MINÉ").is_err());
        assert_eq!(normalise_code("mef-dgfip").unwrap(), "MEF-DGFIP");
    }

    #[test]
    fn validity_bounds_are_inclusive() {
        let org = Organisation {
            id: OrgId(1),
            code: "X".into(),
            name: "X".into(),
            kind: OrgKind::Ministry,
            parent_id: None,
            valid_from: date!(2020 - 07 - 06),
            valid_to: Some(date!(2022 - 05 - 20)),
            archived: false,
            version: 1,
        };
        assert!(org.is_valid_on(date!(2020 - 07 - 06)));
        assert!(org.is_valid_on(date!(2022 - 05 - 20)));
        assert!(!org.is_valid_on(date!(2022 - 05 - 21)));
        assert!(!org.is_valid_on(date!(2020 - 07 - 05)));
    }

    #[test]
    fn subtree_and_cycles() {
        // 1 ─┬─ 2 ── 4
        //    └─ 3
        // 5
        let h = Hierarchy::new([
            (OrgId(1), None),
            (OrgId(2), Some(OrgId(1))),
            (OrgId(3), Some(OrgId(1))),
            (OrgId(4), Some(OrgId(2))),
            (OrgId(5), None),
        ]);
        let ids: Vec<i64> = h.subtree(OrgId(1)).into_iter().map(|o| o.0).collect();
        assert_eq!(ids, vec![1, 2, 3, 4]);
        assert_eq!(h.subtree(OrgId(5)).len(), 1);
        assert!(h.would_cycle(OrgId(1), OrgId(4)));
        assert!(!h.would_cycle(OrgId(4), OrgId(3)));
    }

    fn org(id: i64, name: &str, parent: Option<i64>) -> Organisation {
        Organisation {
            id: OrgId(id),
            code: format!("C{id}"),
            name: name.into(),
            kind: OrgKind::Direction,
            parent_id: parent.map(OrgId),
            valid_from: date!(2020 - 01 - 01),
            valid_to: None,
            archived: false,
            version: 1,
        }
    }

    #[test]
    fn tree_order_nests_children_under_parents_by_name() {
        let orgs = vec![
            org(1, "Intérieur", None),
            org(2, "DNUM", Some(1)),
            org(3, "Armées", None),
            org(4, "ANTS", Some(1)),
            org(5, "Orphan", Some(99)),
        ];
        let order: Vec<(usize, i64)> = tree_order(&orgs)
            .into_iter()
            .map(|(d, o)| (d, o.id.0))
            .collect();
        assert_eq!(order, vec![(0, 3), (0, 1), (1, 4), (1, 2), (0, 5)]);
    }

    proptest! {
        /// Tree order lists every organisation exactly once, whatever the links.
        #[test]
        fn tree_order_never_drops_a_row(parents in proptest::collection::vec(proptest::option::of(0i64..30), 0..30)) {
            let orgs: Vec<Organisation> = parents.iter().enumerate().map(|(i, p)| org(i as i64, "x", *p)).collect();
            let mut listed: Vec<i64> = tree_order(&orgs).into_iter().map(|(_, o)| o.id.0).collect();
            listed.sort_unstable();
            prop_assert_eq!(listed, (0..orgs.len() as i64).collect::<Vec<_>>());
        }

        /// In a random forest, a node's subtree contains exactly the nodes whose
        /// chain of parents reaches it.
        #[test]
        fn subtree_matches_ancestor_chains(parents in proptest::collection::vec(proptest::option::of(0usize..40), 1..40)) {
            // Parent index must be smaller than the child's: this makes a forest.
            let links: Vec<(OrgId, Option<OrgId>)> = parents
                .iter()
                .enumerate()
                .map(|(i, p)| (OrgId(i as i64), p.filter(|&p| p < i).map(|p| OrgId(p as i64))))
                .collect();
            let h = Hierarchy::new(links.clone());
            let parent_of: BTreeMap<_, _> = links.into_iter().collect();
            for root in 0..parents.len() {
                let root = OrgId(root as i64);
                let sub = h.subtree(root);
                for &node in parent_of.keys() {
                    let mut cur = Some(node);
                    let mut reaches = false;
                    while let Some(c) = cur {
                        if c == root { reaches = true; break; }
                        cur = parent_of[&c];
                    }
                    prop_assert_eq!(sub.contains(&node), reaches);
                }
            }
        }
    }
}
