//! The index itself: in memory, or in a directory so that a server starts
//! without re-reading every description; updated in place (only the
//! documents that changed are re-indexed) with a caller's stamp (the audit
//! position it reflects) committed atomically with the documents.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use serde::{Deserialize, Serialize};
use tantivy::collector::DocSetCollector;
use tantivy::directory::MmapDirectory;
use tantivy::query::AllQuery;
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term, doc,
};

use crate::kept::KeptDocs;
use crate::{Doc, Kind, SearchError, SearchResult, analyzer, key};

/// Bumped whenever the schema or the analysis changes: an index written by
/// another format is rebuilt from scratch rather than read wrongly.
// 2: documents' kinds and ids in a fast field (`ident`).
const FORMAT: u32 = 2;

/// Memory the writer may use before it flushes a segment (tantivy's floor
/// is 15 MB per thread).
const WRITER_BYTES: usize = 30_000_000;

/// Documents read back from a reopened index per merge into the kept ones.
const STORED_PACKET: usize = 10_000;

/// The name of the fast field of kinds and ids.
pub(crate) const IDENT: &str = "ident";

pub(crate) struct Fields {
    pub key: Field,
    pub title: Field,
    pub body: Field,
    /// The whole [`Doc`] as JSON, so a directory reopens without the database.
    pub doc: Field,
    /// Kind and id ([`crate::ident`]), a fast field: a search tells which
    /// documents matched from it without reading their stored JSON.
    pub ident: Field,
}

/// What the commit carries besides the documents.
#[derive(Serialize, Deserialize)]
struct Payload {
    format: u32,
    stamp: String,
}

/// How many documents an update added, re-indexed and removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Update {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

impl Update {
    pub fn is_empty(&self) -> bool {
        self.added + self.updated + self.removed == 0
    }
}

/// The index, its only writer, and the documents it holds.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    docs: RwLock<KeptDocs>,
    writer: Mutex<IndexWriter>,
    stamp: RwLock<Option<String>>,
}

fn schema() -> (Schema, Fields) {
    let mut schema = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer::NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        key: schema.add_text_field("key", STRING | STORED),
        title: schema.add_text_field("title", text.clone()),
        body: schema.add_text_field("body", text),
        doc: schema.add_text_field("doc", STORED),
        ident: schema.add_u64_field(IDENT, FAST),
    };
    (schema.build(), fields)
}

impl SearchIndex {
    /// An empty index in memory.
    pub fn in_memory() -> SearchResult<SearchIndex> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields)
    }

    /// Indexes `docs` in memory (a later document with the same kind and id
    /// replaces an earlier one).
    pub fn build(docs: Vec<Doc>) -> SearchResult<SearchIndex> {
        let index = Self::in_memory()?;
        index.replace(&Kind::ALL, docs, "")?;
        Ok(index)
    }

    /// Opens the index kept in `dir`, creating it if the directory is
    /// missing or empty. An index of an older format is emptied (its
    /// stamp is then `None`, so the caller rebuilds it). Fails with
    /// [`SearchError::Busy`] when another process writes to it.
    pub fn open(dir: &Path) -> SearchResult<SearchIndex> {
        let problem = |e: &dyn std::fmt::Display| SearchError::Directory(dir.into(), e.to_string());
        std::fs::create_dir_all(dir).map_err(|e| problem(&e))?;
        let has_meta = dir.join("meta.json").exists();
        let empty = std::fs::read_dir(dir)
            .map_err(|e| problem(&e))?
            .next()
            .is_none();
        if !has_meta && !empty {
            return Err(problem(&"not a search index (no meta.json), and not empty"));
        }
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(|e| problem(&e))?;
        let index = match Index::open_or_create(directory, schema.clone()) {
            Ok(index) => index,
            // Another schema: an older format, rebuilt from scratch.
            Err(TantivyError::SchemaError(_)) => {
                wipe(dir).map_err(|e| problem(&e))?;
                let directory = MmapDirectory::open(dir).map_err(|e| problem(&e))?;
                Index::create(directory, schema, Default::default())?
            }
            Err(e) => return Err(e.into()),
        };
        let opened = Self::from_index(index, fields).map_err(|e| match e {
            SearchError::Tantivy(TantivyError::LockFailure(..)) => SearchError::Busy(dir.into()),
            e => e,
        })?;
        if opened.stamp().is_none() && !opened.is_empty() {
            // Documents without a readable stamp: an older format.
            opened.replace(&Kind::ALL, Vec::new(), "")?;
            *opened.stamp.write().unwrap_or_else(|e| e.into_inner()) = None;
        }
        Ok(opened)
    }

    fn from_index(index: Index, fields: Fields) -> SearchResult<SearchIndex> {
        index
            .tokenizers()
            .register(analyzer::NAME, analyzer::french());
        let writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let stamp = index
            .load_metas()?
            .payload
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok())
            .filter(|p| p.format == FORMAT)
            .map(|p| p.stamp);
        let loaded = SearchIndex {
            index,
            reader,
            fields,
            docs: RwLock::default(),
            writer: Mutex::new(writer),
            stamp: RwLock::new(stamp),
        };
        let docs = loaded.stored_docs()?;
        *loaded.docs.write().unwrap_or_else(|e| e.into_inner()) = docs;
        Ok(loaded)
    }

    /// Every document stored in the index (when it is reopened).
    fn stored_docs(&self) -> SearchResult<KeptDocs> {
        let searcher = self.reader.searcher();
        let mut out = KeptDocs::default();
        // In packets: the kept entries are sorted, so each packet is merged
        // in one pass, and only a packet's texts are held at a time.
        let mut packet = Vec::with_capacity(STORED_PACKET);
        for addr in searcher.search(&AllQuery, &DocSetCollector)? {
            if let Some(d) = self.stored(&searcher, addr)? {
                packet.push(d);
            }
            if packet.len() == STORED_PACKET {
                out.insert_all(packet.drain(..));
            }
        }
        out.insert_all(packet);
        Ok(out)
    }

    /// The stamp committed with the last update (`None` for a new index).
    pub fn stamp(&self) -> Option<String> {
        self.stamp.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many documents are indexed.
    pub fn len(&self) -> usize {
        self.read_docs().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A document by kind and id (its texts read from the index).
    pub fn get(&self, kind: Kind, id: i64) -> Option<Doc> {
        self.read_docs().get(kind, id)?;
        let searcher = self.reader.searcher();
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.key, &key(kind, id)),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(
                &query,
                &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
            )
            .ok()?;
        let (_, addr) = top.into_iter().next()?;
        self.stored(&searcher, addr).ok().flatten()
    }

    /// The document stored at `addr`.
    pub(crate) fn stored(
        &self,
        searcher: &tantivy::Searcher,
        addr: tantivy::DocAddress,
    ) -> SearchResult<Option<Doc>> {
        let stored: TantivyDocument = searcher.doc(addr)?;
        Ok(stored
            .get_first(self.fields.doc)
            .and_then(|v| v.as_str())
            .and_then(|json| serde_json::from_str::<Doc>(json).ok()))
    }

    /// Every document stored in the index, in no particular order.
    pub(crate) fn all_stored(&self) -> SearchResult<Vec<Doc>> {
        let searcher = self.reader.searcher();
        let mut out = Vec::new();
        for addr in searcher.search(&AllQuery, &DocSetCollector)? {
            if let Some(d) = self.stored(&searcher, addr)? {
                out.push(d);
            }
        }
        Ok(out)
    }

    pub(crate) fn read_docs(&self) -> RwLockReadGuard<'_, KeptDocs> {
        self.docs.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Re-indexes everything from `docs`, from scratch (after an analysis
    /// change, or when the index is suspected): `progress` is told how many
    /// documents are done. One commit: readers see the old index until the
    /// new one is complete.
    pub fn rebuild(
        &self,
        docs: Vec<Doc>,
        stamp: &str,
        mut progress: impl FnMut(usize),
    ) -> SearchResult<usize> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut current = self.docs.write().unwrap_or_else(|e| e.into_inner());
        writer.delete_all_documents()?;
        current.clear();
        // A document given twice replaces the first: only the last is added
        // (and kept: `insert_all` keeps the last of equal keys).
        let mut last: HashMap<(Kind, i64), usize> = HashMap::with_capacity(docs.len());
        for (n, d) in docs.iter().enumerate() {
            last.insert((d.kind, d.id), n);
        }
        for (n, d) in docs.iter().enumerate() {
            if last.get(&(d.kind, d.id)) == Some(&n) {
                self.add(&writer, d, false)?;
            }
            progress(n + 1);
        }
        drop(last);
        current.insert_all(&docs);
        self.commit(&mut writer, stamp)?;
        Ok(current.len())
    }

    /// Adds `d`, removing the indexed document of the same key first when
    /// `replacing`: a deletion is a query kept until the commit (about a
    /// kilobyte each), so documents known to be new are added without one.
    fn add(&self, writer: &IndexWriter, d: &Doc, replacing: bool) -> SearchResult<()> {
        let k = d.key();
        if replacing {
            writer.delete_term(Term::from_field_text(self.fields.key, &k));
        }
        let json =
            serde_json::to_string(d).map_err(|e| TantivyError::InternalError(e.to_string()))?;
        writer.add_document(doc!(
            self.fields.key => k.as_str(),
            self.fields.title => d.title.as_str(),
            self.fields.body => d.body.as_str(),
            self.fields.doc => json,
            self.fields.ident => crate::ident(d.kind, d.id),
        ))?;
        Ok(())
    }

    fn commit(&self, writer: &mut IndexWriter, stamp: &str) -> SearchResult<()> {
        let payload = serde_json::to_string(&Payload {
            format: FORMAT,
            stamp: stamp.to_owned(),
        })
        .map_err(|e| TantivyError::InternalError(e.to_string()))?;
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&payload);
        commit.commit()?;
        self.reader.reload()?;
        *self.stamp.write().unwrap_or_else(|e| e.into_inner()) = Some(stamp.to_owned());
        Ok(())
    }

    /// Makes the documents of `kinds` exactly `docs`: new ones are added,
    /// changed ones re-indexed, missing ones removed; the others are not
    /// touched. One commit, carrying `stamp`, makes it all visible at once.
    pub fn replace(&self, kinds: &[Kind], docs: Vec<Doc>, stamp: &str) -> SearchResult<Update> {
        self.replace_where(|kind, _| kinds.contains(&kind), docs, stamp)
    }

    /// Makes the documents of `kind` whose ids lie in `lo..=hi` exactly
    /// `docs`, as [`SearchIndex::replace`] does for whole kinds: a caller
    /// walks a large kind range by range, holding one range's documents at
    /// a time (issue #11).
    pub fn replace_range(
        &self,
        kind: Kind,
        (lo, hi): (i64, i64),
        docs: Vec<Doc>,
        stamp: &str,
    ) -> SearchResult<Update> {
        self.replace_where(|k, id| k == kind && (lo..=hi).contains(&id), docs, stamp)
    }

    /// Makes the documents `covers` takes exactly `docs` (which should all
    /// be covered: one that is not is added all the same).
    fn replace_where(
        &self,
        covers: impl Fn(Kind, i64) -> bool,
        docs: Vec<Doc>,
        stamp: &str,
    ) -> SearchResult<Update> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut current = self.docs.write().unwrap_or_else(|e| e.into_inner());
        let mut fresh: HashMap<(Kind, i64), Doc> = HashMap::with_capacity(docs.len());
        for d in docs {
            fresh.insert((d.kind, d.id), d);
        }
        let mut update = Update::default();
        let gone: Vec<(Kind, i64)> = current
            .values()
            .filter(|d| covers(d.kind, d.id) && !fresh.contains_key(&(d.kind, d.id)))
            .map(|d| (d.kind, d.id))
            .collect();
        for (kind, id) in &gone {
            writer.delete_term(Term::from_field_text(self.fields.key, &key(*kind, *id)));
            update.removed += 1;
        }
        current.remove_all(&gone);
        // Kept together once decided: one pass over the sorted entries.
        let mut changed = Vec::new();
        for ((kind, id), d) in fresh {
            let replacing = match current.get(kind, id) {
                Some(old) if old.is(&d) => continue,
                Some(_) => true,
                None => false,
            };
            if replacing {
                update.updated += 1;
            } else {
                update.added += 1;
            }
            self.add(&writer, &d, replacing)?;
            changed.push(d);
        }
        current.insert_all(changed);
        // Nothing to write and the same stamp: no commit (a kind walked
        // range by range mostly finds its ranges unchanged).
        if !update.is_empty() || self.stamp().as_deref() != Some(stamp) {
            self.commit(&mut writer, stamp)?;
        }
        Ok(update)
    }
}

/// Empties an index directory of an older format (only called on a
/// directory holding a `meta.json`, i.e. a tantivy index).
fn wipe(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
