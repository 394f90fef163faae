//! The documents as the index keeps them in memory beside tantivy's own
//! index: searches count facets (ministry, kind, zone) over every match
//! from them. At a thousand States' worth of data that is 700,000
//! documents, so each is held compactly (issue #11): 48 bytes with its key,
//! where it took 96 — kind and id as one 64-bit key ([`crate::ident`]), its
//! ministry code and zone as indices into one list of names, and its texts
//! (title, body, URL) only as a digest, to tell whether a document given
//! again changed; the texts are stored in the index (on disk) and read
//! from it for the documents shown.

use std::collections::HashMap;
use std::sync::Arc;

use crate::{Doc, Kind, ident, parse_ident};

/// One document, compactly (its kind and id are its key: database ids,
/// positive and far below the 2^56 an ident holds).
#[derive(Debug)]
struct Kept {
    amount: Option<i64>,
    /// Indices into [`KeptDocs::names`].
    ministry: u32,
    zone: u32,
    /// Of the title, body and url.
    digest: [u8; 16],
}

/// A document kept, as read: what searches filter and count on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptRef<'a> {
    pub kind: Kind,
    pub id: i64,
    pub amount: Option<i64>,
    pub ministry: &'a str,
    pub zone: &'a str,
    digest: [u8; 16],
}

/// A digest of the texts of `d` (128 bits of SHA-256: telling a changed
/// document from an unchanged one without keeping its texts).
fn digest(d: &Doc) -> [u8; 16] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [&d.title, &d.body, &d.url] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let full = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

impl KeptRef<'_> {
    /// Whether `d` is this document unchanged.
    pub fn is(&self, d: &Doc) -> bool {
        self.kind == d.kind
            && self.id == d.id
            && self.amount == d.amount
            && self.ministry == d.ministry
            && self.zone == d.zone
            && self.digest == digest(d)
    }
}

/// Every document kept, by kind and id.
#[derive(Debug, Default)]
pub(crate) struct KeptDocs {
    by_key: HashMap<u64, Kept>,
    /// Each ministry code and zone once, and its place in `names`.
    names: Vec<Arc<str>>,
    places: HashMap<Arc<str>, u32>,
}

impl KeptDocs {
    fn name(&mut self, s: &str) -> u32 {
        if let Some(n) = self.places.get(s) {
            return *n;
        }
        let n = u32::try_from(self.names.len()).expect("fewer than 4 billion names");
        let name: Arc<str> = Arc::from(s);
        self.names.push(name.clone());
        self.places.insert(name, n);
        n
    }

    fn view(&self, key: u64, k: &Kept) -> Option<KeptRef<'_>> {
        let (kind, id) = parse_ident(key)?;
        Some(KeptRef {
            kind,
            id,
            amount: k.amount,
            ministry: &self.names[k.ministry as usize],
            zone: &self.names[k.zone as usize],
            digest: k.digest,
        })
    }

    /// Keeps `d`, in place of the document of the same kind and id if any.
    pub fn insert(&mut self, d: Doc) {
        let ministry = self.name(&d.ministry);
        let zone = self.name(&d.zone);
        let digest = digest(&d);
        self.by_key.insert(
            ident(d.kind, d.id),
            Kept {
                amount: d.amount,
                ministry,
                zone,
                digest,
            },
        );
    }

    pub fn get(&self, kind: Kind, id: i64) -> Option<KeptRef<'_>> {
        let key = ident(kind, id);
        self.view(key, self.by_key.get(&key)?)
    }

    pub fn remove(&mut self, kind: Kind, id: i64) {
        self.by_key.remove(&ident(kind, id));
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn clear(&mut self) {
        self.by_key.clear();
        self.names.clear();
        self.places.clear();
    }

    pub fn values(&self) -> impl Iterator<Item = KeptRef<'_>> {
        self.by_key.iter().filter_map(|(key, k)| self.view(*key, k))
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
    fn a_kept_document_tells_a_change_of_any_field_and_shares_its_names() {
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
        assert_eq!(
            (ka.kind, ka.id, ka.ministry, ka.zone, ka.amount),
            (Kind::Project, 1, "MININT", "Titres", Some(9_000_000))
        );
        assert!(ka.is(&a) && !ka.is(&b) && kb.is(&b));
        assert_eq!(kept.names.len(), 2, "one copy of MININT and of Titres");
        for change in [
            |d: &mut Doc| d.title.push('!'),
            |d: &mut Doc| d.body.push('!'),
            |d: &mut Doc| d.url.push('!'),
            // The same texts cut elsewhere are another document.
            |d: &mut Doc| {
                let last = d.title.pop().unwrap();
                d.body.insert(0, last);
            },
            |d: &mut Doc| d.zone.push('!'),
            |d: &mut Doc| d.ministry.push('!'),
            |d: &mut Doc| d.id += 1,
            |d: &mut Doc| d.kind = Kind::PlanLine,
            |d: &mut Doc| d.amount = None,
        ] {
            let mut changed = a.clone();
            change(&mut changed);
            assert!(!ka.is(&changed), "{changed:?}");
        }
        let mut changed = a.clone();
        changed.body.push('!');
        kept.insert(changed.clone());
        assert_eq!(kept.len(), 2);
        let kc = kept.get(Kind::Project, 1).unwrap();
        assert!(kc.is(&changed) && !kc.is(&a));
        kept.remove(Kind::Project, 1);
        assert!(kept.get(Kind::Project, 1).is_none());
    }
}
