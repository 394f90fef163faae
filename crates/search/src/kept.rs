//! The documents as the index keeps them in memory beside tantivy's own
//! index: searches count facets (ministry, kind, zone) over every match
//! from them, and hits are built from them. At a thousand States' worth of
//! data that is 700,000 documents, so each is held compactly (issue #11):
//! its title, body and URL in one allocation, its ministry code and zone
//! shared with every document of the same, no key string (kind and id).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::{Doc, Kind};

/// One document, compactly.
#[derive(Debug)]
pub(crate) struct Kept {
    pub kind: Kind,
    pub id: i64,
    pub amount: Option<i64>,
    pub ministry: Arc<str>,
    pub zone: Arc<str>,
    /// Title, body and URL one after the other.
    text: Box<str>,
    title_end: usize,
    body_end: usize,
}

impl Kept {
    pub fn title(&self) -> &str {
        &self.text[..self.title_end]
    }

    pub fn body(&self) -> &str {
        &self.text[self.title_end..self.body_end]
    }

    pub fn url(&self) -> &str {
        &self.text[self.body_end..]
    }

    /// The document itself.
    pub fn to_doc(&self) -> Doc {
        Doc {
            kind: self.kind,
            id: self.id,
            ministry: self.ministry.to_string(),
            title: self.title().to_owned(),
            body: self.body().to_owned(),
            zone: self.zone.to_string(),
            url: self.url().to_owned(),
            amount: self.amount,
        }
    }

    /// Whether this is `d`, field for field.
    pub fn is(&self, d: &Doc) -> bool {
        self.kind == d.kind
            && self.id == d.id
            && self.amount == d.amount
            && *self.ministry == *d.ministry
            && *self.zone == *d.zone
            && self.title() == d.title
            && self.body() == d.body
            && self.url() == d.url
    }
}

/// Every document kept, by kind and id.
#[derive(Debug, Default)]
pub(crate) struct KeptDocs {
    by_key: HashMap<(Kind, i64), Kept>,
    /// One copy of each ministry code and zone.
    names: HashSet<Arc<str>>,
}

impl KeptDocs {
    fn name(&mut self, s: &str) -> Arc<str> {
        if let Some(n) = self.names.get(s) {
            return n.clone();
        }
        let n: Arc<str> = Arc::from(s);
        self.names.insert(n.clone());
        n
    }

    /// Keeps `d`, in place of the document of the same kind and id if any.
    pub fn insert(&mut self, d: Doc) {
        let ministry = self.name(&d.ministry);
        let zone = self.name(&d.zone);
        let (title_end, body_end) = (d.title.len(), d.title.len() + d.body.len());
        let mut text = String::with_capacity(body_end + d.url.len());
        text.push_str(&d.title);
        text.push_str(&d.body);
        text.push_str(&d.url);
        self.by_key.insert(
            (d.kind, d.id),
            Kept {
                kind: d.kind,
                id: d.id,
                amount: d.amount,
                ministry,
                zone,
                text: text.into_boxed_str(),
                title_end,
                body_end,
            },
        );
    }

    pub fn get(&self, kind: Kind, id: i64) -> Option<&Kept> {
        self.by_key.get(&(kind, id))
    }

    pub fn remove(&mut self, kind: Kind, id: i64) {
        self.by_key.remove(&(kind, id));
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn clear(&mut self) {
        self.by_key.clear();
        self.names.clear();
    }

    pub fn values(&self) -> impl Iterator<Item = &Kept> {
        self.by_key.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, title: &str, body: &str, ministry: &str) -> Doc {
        Doc {
            kind: Kind::Project,
            id,
            ministry: ministry.into(),
            title: title.into(),
            body: body.into(),
            zone: "Titres".into(),
            url: format!("/projets/{id}"),
            amount: Some(9_000_000),
        }
    }

    #[test]
    fn a_kept_document_gives_back_every_field_and_shares_its_names() {
        let mut kept = KeptDocs::default();
        let (a, b) = (
            doc(
                1,
                "Réservation de créneaux",
                "Rappels par SMS — é",
                "MININT",
            ),
            doc(2, "", "", "MININT"),
        );
        kept.insert(a.clone());
        kept.insert(b.clone());
        let (ka, kb) = (
            kept.get(Kind::Project, 1).unwrap(),
            kept.get(Kind::Project, 2).unwrap(),
        );
        assert_eq!(ka.to_doc(), a);
        assert_eq!(kb.to_doc(), b);
        assert!(ka.is(&a) && !ka.is(&b));
        assert!(
            Arc::ptr_eq(&ka.ministry, &kb.ministry),
            "one copy of MININT"
        );
        let mut changed = a.clone();
        changed.body.push('!');
        assert!(!ka.is(&changed));
        kept.insert(changed.clone());
        assert_eq!(kept.len(), 2);
        assert_eq!(kept.get(Kind::Project, 1).unwrap().to_doc(), changed);
        kept.remove(Kind::Project, 1);
        assert!(kept.get(Kind::Project, 1).is_none());
    }
}
