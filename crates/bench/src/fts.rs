//! The baseline: plain SQLite FTS5 over the same documents — title and body,
//! `unicode61` with diacritics removed (no stemming, no stop words), ranked
//! by FTS5's built-in bm25 with equal column weights.

use std::collections::{BTreeMap, HashSet};

use cosinum_search::{Doc, Kind};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};

/// One in-memory database holding the FTS5 table.
pub struct Fts {
    conn: SqliteConnection,
}

/// The first hits of a free-text query and the facet counts over every match.
pub struct FtsResults {
    pub hits: Vec<(Kind, i64)>,
    pub total: i64,
    pub by_ministry: BTreeMap<String, i64>,
}

/// The words of `text` (split on anything but letters and digits,
/// lower-cased, each once), quoted and OR-ed: FTS5's syntax stays out of the
/// way and any shared word matches.
pub fn or_query(text: &str) -> Option<String> {
    let mut seen = HashSet::new();
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| seen.insert(w.clone()))
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" OR "))
}

fn kind(s: &str) -> anyhow::Result<Kind> {
    Kind::parse(s).ok_or_else(|| anyhow::anyhow!("unknown kind {s:?} in the FTS5 table"))
}

impl Fts {
    pub async fn build(docs: &[Doc]) -> anyhow::Result<Fts> {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await?;
        sqlx::query(
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, kind UNINDEXED, id UNINDEXED, \
             ministry UNINDEXED, zone UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')",
        )
        .execute(&mut conn)
        .await?;
        let mut tx = conn.begin().await?;
        for chunk in docs.chunks(500) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO docs (title, body, kind, id, ministry, zone) ",
            );
            insert.push_values(chunk, |mut row, d| {
                row.push_bind(d.title.as_str())
                    .push_bind(d.body.as_str())
                    .push_bind(d.kind.as_str())
                    .push_bind(d.id)
                    .push_bind(d.ministry.as_str())
                    .push_bind(d.zone.as_str());
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(Fts { conn })
    }

    /// The documents of other ministries sharing most words with `source`
    /// (every word of its title and body, OR-ed), best first.
    pub async fn similar(
        &mut self,
        source: &Doc,
        limit: usize,
    ) -> anyhow::Result<Vec<(Kind, i64)>> {
        let Some(q) = or_query(&format!("{} {}", source.title, source.body)) else {
            return Ok(Vec::new());
        };
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, id FROM docs WHERE docs MATCH ?1 AND ministry <> ?2 \
             ORDER BY rank LIMIT ?3",
        )
        .bind(q)
        .bind(source.ministry.as_str())
        .bind(limit as i64)
        .fetch_all(&mut self.conn)
        .await?;
        rows.into_iter()
            .map(|(k, id)| Ok((kind(&k)?, id)))
            .collect()
    }

    /// What `SearchIndex::search` does: any of the words, the first `limit`
    /// hits, and counts per ministry, kind and zone over every match (the
    /// kind and zone counts are computed but not returned).
    pub async fn search(&mut self, q: &str, limit: usize) -> anyhow::Result<FtsResults> {
        let mut out = FtsResults {
            hits: Vec::new(),
            total: 0,
            by_ministry: BTreeMap::new(),
        };
        let Some(q) = or_query(q) else {
            return Ok(out);
        };
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT kind, id FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT ?2")
                .bind(q.as_str())
                .bind(limit as i64)
                .fetch_all(&mut self.conn)
                .await?;
        for (k, id) in rows {
            out.hits.push((kind(&k)?, id));
        }
        let facets: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT ministry, kind, zone, count(*) FROM docs WHERE docs MATCH ?1 \
             GROUP BY ministry, kind, zone",
        )
        .bind(q.as_str())
        .fetch_all(&mut self.conn)
        .await?;
        for (ministry, _kind, _zone, n) in facets {
            out.total += n;
            *out.by_ministry.entry(ministry).or_default() += n;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, ministry: &str, title: &str, body: &str) -> Doc {
        Doc {
            kind: Kind::PlanLine,
            id,
            ministry: ministry.into(),
            title: title.into(),
            body: body.into(),
            zone: "Z".into(),
            url: String::new(),
            amount: None,
        }
    }

    #[test]
    fn queries_are_quoted_words_once_each() {
        assert_eq!(
            or_query("Prise de rendez-vous : l'usager, DE \"NEAR\"").as_deref(),
            Some(
                "\"prise\" OR \"de\" OR \"rendez\" OR \"vous\" OR \"l\" OR \"usager\" OR \"near\""
            )
        );
        assert_eq!(or_query(" ,; "), None);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn ranks_other_ministries_by_shared_words_without_accents() {
        let docs = [
            doc(
                1,
                "MI",
                "Réservation de créneaux",
                "rendez-vous en préfecture",
            ),
            doc(2, "MJ", "Reservation de creneaux", "au greffe"),
            doc(3, "MEF", "Factures", "dépôt des factures"),
            doc(4, "MI", "Créneaux", "réservation"),
        ];
        let mut fts = Fts::build(&docs).await.unwrap();
        let similar = fts.similar(&docs[0], 5).await.unwrap();
        assert_eq!(similar.first(), Some(&(Kind::PlanLine, 2)), "{similar:?}");
        assert!(
            !similar.contains(&(Kind::PlanLine, 4)),
            "never its own ministry"
        );
        let found = fts.search("créneaux factures", 10).await.unwrap();
        assert_eq!(found.total, 4);
        assert_eq!(found.by_ministry.get("MI"), Some(&2));
    }
}
