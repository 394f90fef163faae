//! Full-text search over everything the ministries describe — major
//! projects, applications of the inventory, funding applications, lines of
//! investment plans — and the reuse finder: for any of them, or for a text
//! being drafted, the efforts of *other* ministries that solve a similar
//! problem, ranked and explained (issue #8; `shared/reference/peers.md` §9).
//!
//! One tantivy index in memory with a French analyzer (stop words before
//! accent folding so accented stop words match, then the French stemmer:
//! `shared/reference/rust-style-and-crates.md`, "French full-text search").
//! The database stays the source of truth: the index is built from it and
//! rebuilt when it changes.

mod analyzer;
pub mod eval;
mod finder;
mod index;
mod kept;
mod pairs;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::Term;
use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::IndexRecordOption;

pub use finder::{Candidate, SimilarityWeights};
pub use index::{SearchIndex, Update};
pub use pairs::{Pair, PairOptions};

/// What a document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Project,
    Application,
    FundingApplication,
    PlanLine,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Project,
        Kind::Application,
        Kind::FundingApplication,
        Kind::PlanLine,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Project => "project",
            Kind::Application => "application",
            Kind::FundingApplication => "funding_application",
            Kind::PlanLine => "plan_line",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Kind::Project => "Grand projet",
            Kind::Application => "Application",
            Kind::FundingApplication => "Dossier de financement",
            Kind::PlanLine => "Ligne de plan d'investissement",
        }
    }
}

/// A searchable description of an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub kind: Kind,
    pub id: i64,
    /// The owning ministry's code.
    pub ministry: String,
    pub title: String,
    pub body: String,
    /// Functional zone, when the object has one.
    pub zone: String,
    /// Where the object is shown.
    pub url: String,
    /// The amount at stake, euros (cost, amount requested, planned AE).
    pub amount: Option<i64>,
}

impl Doc {
    fn key(&self) -> String {
        key(self.kind, self.id)
    }
}

fn key(kind: Kind, id: i64) -> String {
    format!("{}:{id}", kind.as_str())
}

/// A document's kind and id as one number: the kind's place in
/// [`Kind::ALL`] in the top byte, the id below (ids are positive and far
/// below 2⁵⁶).
fn ident(kind: Kind, id: i64) -> u64 {
    let place = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u64;
    (place << 56) | (id as u64 & ((1 << 56) - 1))
}

/// The kind and id an [`ident`] names.
fn parse_ident(ident: u64) -> Option<(Kind, i64)> {
    let kind = *Kind::ALL.get((ident >> 56) as usize)?;
    Some((kind, (ident & ((1 << 56) - 1)) as i64))
}

/// Reads matched documents' kinds and ids from the `ident` fast field, one
/// column per segment opened once.
struct Idents<'s> {
    searcher: &'s tantivy::Searcher,
    columns: Vec<Option<tantivy::columnar::Column<u64>>>,
}

impl<'s> Idents<'s> {
    fn new(searcher: &'s tantivy::Searcher) -> Self {
        Idents {
            searcher,
            columns: vec![None; searcher.segment_readers().len()],
        }
    }

    fn of(&mut self, addr: tantivy::DocAddress) -> SearchResult<Option<(Kind, i64)>> {
        let slot = addr.segment_ord as usize;
        if self.columns[slot].is_none() {
            let column = self
                .searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64(index::IDENT)?;
            self.columns[slot] = Some(column);
        }
        Ok(self.columns[slot]
            .as_ref()
            .and_then(|c| c.first(addr.doc_id))
            .and_then(parse_ident))
    }
}

/// Search errors: an index that cannot be written is a bug or a full
/// disk, not user input — except an index directory held by another
/// process, which says so.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory {0}: {1}")]
    Directory(std::path::PathBuf, String),
    #[error(
        "search index directory {0} is in use by another cosinum process (a running server keeps it up to date by itself)"
    )]
    Busy(std::path::PathBuf),
}

pub type SearchResult<T> = Result<T, SearchError>;

/// Restricts a search.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub ministry: Option<String>,
    pub kind: Option<Kind>,
    pub zone: Option<String>,
    /// Only documents of these ministries (the caller's reading rights);
    /// `None` for all.
    pub visible: Option<Vec<String>>,
}

impl Filter {
    fn accepts(&self, d: &kept::KeptRef<'_>) -> bool {
        self.ministry.as_ref().is_none_or(|m| m == d.ministry)
            && self.kind.is_none_or(|k| k == d.kind)
            && self.zone.as_ref().is_none_or(|z| z == d.zone)
            && visible(self.visible.as_deref(), d.ministry)
    }
}

/// Whether a document of `ministry` is among the `visible` ministries (all
/// when `None`).
fn visible(visible: Option<&[String]>, ministry: &str) -> bool {
    visible.is_none_or(|v| v.iter().any(|m| m == ministry))
}

/// One result of a search.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    #[serde(flatten)]
    pub doc: Doc,
    pub score: f32,
}

/// A page of results with the counts per facet over every match.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub by_ministry: BTreeMap<String, usize>,
    pub by_kind: BTreeMap<Kind, usize>,
    pub by_zone: BTreeMap<String, usize>,
}

impl SearchIndex {
    /// The document behind a search result (`None` for one removed since
    /// the searcher was taken).
    fn doc_of<'a>(
        docs: &'a kept::KeptDocs,
        idents: &mut Idents,
        addr: tantivy::DocAddress,
    ) -> SearchResult<Option<kept::KeptRef<'a>>> {
        Ok(idents.of(addr)?.and_then(|(kind, id)| docs.get(kind, id)))
    }

    /// Free-text search (words in any order, accents and endings ignored;
    /// titles weigh twice), filtered, with facet counts over every match.
    /// An empty query lists everything the filter accepts.
    pub fn search(&self, q: &str, filter: &Filter, limit: usize) -> SearchResult<Results> {
        let searcher = self.reader.searcher();
        let docs = self.read_docs();
        let query: Box<dyn Query> = if q.trim().is_empty() {
            Box::new(AllQuery)
        } else {
            let mut parser =
                QueryParser::for_index(&self.index, vec![self.fields.title, self.fields.body]);
            parser.set_field_boost(self.fields.title, 2.0);
            parser.parse_query_lenient(&sanitize(q)).0
        };
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(docs.len().max(1)).order_by_score(),
        )?;
        let mut out = Results {
            total: 0,
            hits: Vec::new(),
            by_ministry: BTreeMap::new(),
            by_kind: BTreeMap::new(),
            by_zone: BTreeMap::new(),
        };
        let mut idents = Idents::new(&searcher);
        for (score, addr) in top {
            let Some(d) = Self::doc_of(&docs, &mut idents, addr)? else {
                continue;
            };
            if !filter.accepts(&d) {
                continue;
            }
            out.total += 1;
            *out.by_ministry.entry(d.ministry.to_string()).or_default() += 1;
            *out.by_kind.entry(d.kind).or_default() += 1;
            if !d.zone.is_empty() {
                *out.by_zone.entry(d.zone.to_string()).or_default() += 1;
            }
            if out.hits.len() < limit
                && let Some(doc) = self.stored(&searcher, addr)?
            {
                out.hits.push(Hit { doc, score });
            }
        }
        Ok(out)
    }

    /// The analyzed terms of a text (for explanations and tests).
    pub fn terms(text: &str) -> Vec<String> {
        analyzer::terms(text).into_iter().map(|(t, _)| t).collect()
    }

    /// A query matching any of `terms` in titles or bodies, each weighted.
    fn any_of(&self, terms: &[(String, f32)]) -> BooleanQuery {
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .flat_map(|(t, w)| {
                [self.fields.title, self.fields.body].map(|f| {
                    let q: Box<dyn Query> = Box::new(tantivy::query::BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(f, t),
                            IndexRecordOption::WithFreqs,
                        )),
                        *w,
                    ));
                    (Occur::Should, q)
                })
            })
            .collect();
        BooleanQuery::new(clauses)
    }
}

/// Keeps words only: the query syntax (quotes, colons, +/-) is not for users.
fn sanitize(q: &str) -> String {
    q.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c == '’' {
                c
            } else {
                ' '
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
