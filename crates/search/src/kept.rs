//! The documents as the index keeps them in memory beside tantivy's own
//! index: searches count facets (ministry, kind, zone) over every match
//! from them. At a thousand States' worth of data that is 700,000
//! documents, so each is held compactly (issue #11): 32 bytes with its key,
//! in one vector sorted by key — kind and id as one 64-bit key
//! ([`crate::ident`]), its ministry code and zone as indices into one list
//! of names, and its texts (title, body, URL) only as a digest, to tell
//! whether a document given again changed; the texts are stored in the
//! index (on disk) and read from it for the documents shown. A hash table
//! of the same entries took 48 bytes each plus its empty buckets (51 MiB at
//! N=1000, against 22 MiB sorted).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::{Doc, Kind, ident, parse_ident};

/// One document, compactly, under its key (kind and id: database ids,
/// positive and far below the 2^56 an ident holds).
#[derive(Debug, Clone, Copy)]
struct Kept {
    key: u64,
    /// The amount, meaningful when [`Kept::tag`] says there is one.
    amount: i64,
    /// Indices into [`KeptDocs::names`].
    ministry: u32,
    zone: u32,
    /// 63 bits of the texts' digest, and whether the document has an
    /// amount in the lowest bit.
    tag: u64,
}

/// A document kept, as read: what searches filter and count on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptRef<'a> {
    pub kind: Kind,
    pub id: i64,
    pub amount: Option<i64>,
    pub ministry: &'a str,
    pub zone: &'a str,
    tag: u64,
}

/// The tag of `d`: 63 bits of SHA-256 over its texts (telling a changed
/// document from an unchanged one without keeping them) and, in the lowest
/// bit, whether it has an amount.
fn tag(d: &Doc) -> u64 {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [&d.title, &d.body, &d.url] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let full = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&full[..8]);
    (u64::from_le_bytes(first) << 1) | u64::from(d.amount.is_some())
}

impl KeptRef<'_> {
    /// Whether `d` is this document unchanged.
    pub fn is(&self, d: &Doc) -> bool {
        self.kind == d.kind
            && self.id == d.id
            && self.amount == d.amount
            && self.ministry == d.ministry
            && self.zone == d.zone
            && self.tag == tag(d)
    }
}

/// Every document kept, sorted by kind and id.
#[derive(Debug, Default)]
pub(crate) struct KeptDocs {
    entries: Vec<Kept>,
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

    fn view(&self, k: &Kept) -> Option<KeptRef<'_>> {
        let (kind, id) = parse_ident(k.key)?;
        Some(KeptRef {
            kind,
            id,
            amount: (k.tag & 1 == 1).then_some(k.amount),
            ministry: &self.names[k.ministry as usize],
            zone: &self.names[k.zone as usize],
            tag: k.tag,
        })
    }

    fn kept(&mut self, d: &Doc) -> Kept {
        Kept {
            key: ident(d.kind, d.id),
            amount: d.amount.unwrap_or(0),
            ministry: self.name(&d.ministry),
            zone: self.name(&d.zone),
            tag: tag(d),
        }
    }

    fn position(&self, key: u64) -> Result<usize, usize> {
        self.entries.binary_search_by_key(&key, |k| k.key)
    }

    /// Keeps `docs`, each in place of the document of the same kind and id
    /// if any (of two given with the same key, the last). One pass over
    /// the entries whatever the number of documents: an index walked range
    /// by range gives thousands at a time.
    pub fn insert_all<D: Borrow<Doc>>(&mut self, docs: impl IntoIterator<Item = D>) {
        let mut added: Vec<Kept> = Vec::new();
        for d in docs {
            let k = self.kept(d.borrow());
            match self.position(k.key) {
                Ok(at) => self.entries[at] = k,
                Err(_) => added.push(k),
            }
        }
        // Stable: of equal keys the last given stays last, and is kept.
        added.sort_by_key(|k| k.key);
        let mut fresh: Vec<Kept> = Vec::with_capacity(added.len());
        for k in added {
            match fresh.last_mut() {
                Some(last) if last.key == k.key => *last = k,
                _ => fresh.push(k),
            }
        }
        self.merge(fresh);
    }

    /// Merges `fresh` (sorted, keys not yet kept) into the entries, from
    /// the back, in place: no second copy of the entries is made.
    fn merge(&mut self, fresh: Vec<Kept>) {
        if fresh.is_empty() {
            return;
        }
        let old = self.entries.len();
        self.entries.reserve_exact(fresh.len());
        self.entries.extend_from_slice(&fresh);
        let (mut i, mut j, mut out) = (old, fresh.len(), self.entries.len());
        while j > 0 {
            out -= 1;
            if i > 0 && self.entries[i - 1].key > fresh[j - 1].key {
                i -= 1;
                self.entries[out] = self.entries[i];
            } else {
                j -= 1;
                self.entries[out] = fresh[j];
            }
        }
    }

    pub fn get(&self, kind: Kind, id: i64) -> Option<KeptRef<'_>> {
        let at = self.position(ident(kind, id)).ok()?;
        self.view(&self.entries[at])
    }

    /// Forgets the documents of `keys` (kinds and ids).
    pub fn remove_all(&mut self, keys: &[(Kind, i64)]) {
        let mut gone: Vec<u64> = keys.iter().map(|(k, id)| ident(*k, *id)).collect();
        gone.sort_unstable();
        self.entries.retain(|k| gone.binary_search(&k.key).is_err());
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn clear(&mut self) {
        self.entries = Vec::new();
        self.names.clear();
        self.places.clear();
    }

    /// Every document, by kind then id.
    pub fn values(&self) -> impl Iterator<Item = KeptRef<'_>> {
        self.entries.iter().filter_map(|k| self.view(k))
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
        kept.insert_all([&a, &b]);
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
        kept.insert_all([&changed]);
        assert_eq!(kept.len(), 2);
        let kc = kept.get(Kind::Project, 1).unwrap();
        assert!(kc.is(&changed) && !kc.is(&a));
        kept.remove_all(&[(Kind::Project, 1)]);
        assert!(kept.get(Kind::Project, 1).is_none());
    }

    /// One step of a kept set's life: a packet of documents kept (ids and
    /// amounts drawn small so that keys repeat, within a packet too), or
    /// some forgotten.
    #[derive(Debug, Clone)]
    enum Step {
        Keep(Vec<(usize, i64, Option<i64>, u8)>),
        Forget(Vec<(usize, i64)>),
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        let kind = 0..Kind::ALL.len();
        prop_oneof![
            prop::collection::vec(
                (kind.clone(), 0..40i64, prop::option::of(-3..3i64), 0..3u8),
                0..30
            )
            .prop_map(Step::Keep),
            prop::collection::vec((kind, 0..40i64), 0..10).prop_map(Step::Forget),
        ]
    }

    proptest::proptest! {
        /// Whatever the packets and removals, the kept documents are those
        /// of a plain map fed the same steps (the last of equal keys wins),
        /// listed by key.
        #[test]
        fn kept_documents_behave_as_a_map_by_key(steps in proptest::collection::vec(step(), 0..20)) {
            let mut kept = KeptDocs::default();
            let mut model: std::collections::BTreeMap<u64, Doc> = Default::default();
            for s in steps {
                match s {
                    Step::Keep(packet) => {
                        let docs: Vec<Doc> = packet
                            .into_iter()
                            .map(|(k, id, amount, text)| Doc {
                                kind: Kind::ALL[k],
                                amount,
                                ..doc(id, &text.to_string(), "", ["A", "B"][id as usize % 2])
                            })
                            .collect();
                        for d in &docs {
                            model.insert(ident(d.kind, d.id), d.clone());
                        }
                        kept.insert_all(docs);
                    }
                    Step::Forget(keys) => {
                        let keys: Vec<(Kind, i64)> =
                            keys.into_iter().map(|(k, id)| (Kind::ALL[k], id)).collect();
                        for (k, id) in &keys {
                            model.remove(&ident(*k, *id));
                        }
                        kept.remove_all(&keys);
                    }
                }
            }
            let listed: Vec<(Kind, i64)> = kept.values().map(|k| (k.kind, k.id)).collect();
            let expected: Vec<(Kind, i64)> = model.values().map(|d| (d.kind, d.id)).collect();
            proptest::prop_assert_eq!(listed, expected);
            for d in model.values() {
                let k = kept.get(d.kind, d.id);
                proptest::prop_assert!(k.is_some_and(|k| k.is(d)), "{:?}", d);
            }
        }
    }
}
