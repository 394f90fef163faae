//! Reading an edition's values for the maths: whole, in chunks as they are
//! read, for one ministry, or two editions side by side over the same
//! démarches (issue #11: an edition holds a dozen values for each of
//! hundreds of thousands of démarches at scale, so figures over it are
//! computed chunk by chunk and never need it whole).

use std::collections::BTreeMap;

use cosinum_domain::OrgId;
use cosinum_domain::demarches::method::parse_raw;
use cosinum_domain::demarches::shares::DemarcheValues;
use time::Date;

use super::Edition;
use crate::db::Db;
use crate::error::StoreResult;

pub use crate::among::Among;

/// Every démarche's values in the edition dated `date`, ready for the maths,
/// in démarche order.
pub async fn edition_values(
    db: &Db,
    date: Date,
) -> StoreResult<Option<(Edition, Vec<DemarcheValues>)>> {
    let mut all = Vec::new();
    // Chunks are handed over, not copied.
    let found = edition_values_in_chunks(db, date, 4096, |chunk| all.extend(chunk)).await?;
    all.sort_unstable_by_key(|r| r.demarche_id);
    Ok(found.map(|edition| (edition, all)))
}

/// Every (unarchived) démarche's values in the edition dated `date`, handed
/// to `each` in chunks of at most `chunk` rows as they are read, in démarche
/// order: figures computed over a whole edition need not hold it (25,000
/// démarches at N=100 weigh ~60 MB once parsed). The edition, or `None`
/// when there is none at `date`.
pub async fn edition_values_in_chunks(
    db: &Db,
    date: Date,
    chunk: usize,
    each: impl FnMut(Vec<DemarcheValues>),
) -> StoreResult<Option<Edition>> {
    edition_values_among(db, date, Among::All, chunk, each).await
}

/// The edition dated `date`, or `None`.
async fn edition_at(db: &Db, date: Date) -> StoreResult<Option<(i64, Date, String, String)>> {
    Ok(on_pool!(db, p => sqlx::query_as(
        "SELECT id, edition_date, method, source FROM demarche_editions WHERE edition_date = $1")
        .bind(date).fetch_optional(p).await)?)
}

/// As [`edition_values_in_chunks`], over the démarches `among` names; the
/// edition's count is then of those démarches (archived ones included).
pub async fn edition_values_among(
    db: &Db,
    date: Date,
    among: Among,
    chunk: usize,
    mut each: impl FnMut(Vec<DemarcheValues>),
) -> StoreResult<Option<Edition>> {
    let Some((id, edition_date, method, source)) = edition_at(db, date).await? else {
        return Ok(None);
    };
    let chunk = chunk.max(1);
    let mut pending: Vec<DemarcheValues> = Vec::with_capacity(chunk);
    let count = read_packets(db, id, edition_date, among, |row| {
        pending.push(row);
        if pending.len() == chunk {
            each(std::mem::replace(&mut pending, Vec::with_capacity(chunk)));
        }
    })
    .await?;
    if !pending.is_empty() {
        each(pending);
    }
    Ok(Some(Edition {
        id,
        edition_date,
        method,
        source,
        // As `editions` counts them: archived démarches too.
        demarches: count as i64,
    }))
}

/// The (unarchived) démarches' values of the editions dated `before` and
/// `after`, handed to `each` side by side, a range of `span` démarche ids at
/// a time (in id order): a démarche's two rows always come in the same call,
/// so comparing the editions (the movers) never holds either whole. Nothing
/// is handed over, and `false` returned, unless both editions exist.
pub async fn edition_pair_in_chunks(
    db: &Db,
    before: Date,
    after: Date,
    span: i64,
    mut each: impl FnMut(Vec<DemarcheValues>, Vec<DemarcheValues>),
) -> StoreResult<bool> {
    let (Some(b), Some(a)) = (edition_at(db, before).await?, edition_at(db, after).await?) else {
        return Ok(false);
    };
    let bounds: (Option<i64>, Option<i64>) = on_pool!(db, p => sqlx::query_as(
        "SELECT MIN(demarche_id), MAX(demarche_id) FROM demarche_values \
         WHERE edition_id = $1 OR edition_id = $2")
        .bind(b.0).bind(a.0).fetch_one(p).await)?;
    let (Some(first), Some(last)) = bounds else {
        return Ok(true);
    };
    let span = span.max(1);
    let mut lo = first;
    while lo <= last {
        let hi = lo.saturating_add(span - 1).min(last);
        let (mut earlier, mut later) = (Vec::new(), Vec::new());
        read_packets(db, b.0, b.1, Among::Ids(lo, hi), |r| earlier.push(r)).await?;
        read_packets(db, a.0, a.1, Among::Ids(lo, hi), |r| later.push(r)).await?;
        each(earlier, later);
        lo = hi.saturating_add(1);
        if hi == last {
            break;
        }
    }
    Ok(true)
}

/// Reads the values of edition `id` among `among`, handing each unarchived
/// démarche's row to `row` in démarche order; returns how many démarches
/// were read, archived ones included.
///
/// Démarches come in packets of 256, each démarche as a JSON array
/// [id, ministry, unarchived (0/1), {slug: raw}]: rows, not bytes, are what
/// reading costs (each row a message between the database's thread and
/// ours: one row per démarche took 0.7 s per edition at N=100, packets
/// 0.2 s). The inner grouping is by the démarche alone (its ministry and
/// archiving follow from it), so the primary key's order serves it without
/// a temporary B-tree.
async fn read_packets(
    db: &Db,
    id: i64,
    edition_date: Date,
    among: Among,
    mut row: impl FnMut(DemarcheValues),
) -> StoreResult<usize> {
    use futures_util::TryStreamExt;
    let filter = match among {
        Among::All => "",
        Among::Ids(..) => " AND v.demarche_id BETWEEN $2 AND $3",
        Among::Ministry(_) => " AND d.organisation_id = $2",
    };
    let sql = match db.backend() {
        crate::Backend::Sqlite => format!(
            "SELECT json_group_array(json_array(id, org, current, json(vals))) FROM ( \
               SELECT v.demarche_id AS id, d.organisation_id AS org, d.archived_at IS NULL AS current, \
                      json_group_object(v.slug, v.raw) AS vals \
               FROM demarche_values v JOIN demarches d ON d.id = v.demarche_id \
               WHERE v.edition_id = $1{filter} GROUP BY v.demarche_id ORDER BY v.demarche_id) \
             GROUP BY id / 256 ORDER BY id / 256"
        ),
        crate::Backend::Postgres => format!(
            "SELECT json_agg(json_build_array(id, org, current, vals) ORDER BY id)::text FROM ( \
               SELECT v.demarche_id AS id, d.organisation_id AS org, \
                      (d.archived_at IS NULL)::int AS current, json_object_agg(v.slug, v.raw) AS vals \
               FROM demarche_values v JOIN demarches d ON d.id = v.demarche_id \
               WHERE v.edition_id = $1{filter} GROUP BY v.demarche_id, d.id) AS per_demarche \
             GROUP BY id / 256 ORDER BY id / 256"
        ),
    };
    let mut count = 0usize;
    on_pool!(db, p => {
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.as_str())).bind(id);
        q = match among {
            Among::All => q,
            Among::Ids(lo, hi) => q.bind(lo).bind(hi),
            Among::Ministry(org) => q.bind(org.0),
        };
        let mut packets = q.fetch(p);
        while let Some(packet) = packets.try_next().await? {
            let demarches: Vec<(i64, i64, i64, BTreeMap<String, String>)> =
                serde_json::from_str(&packet)
                    .map_err(|e| anyhow::anyhow!("values of edition {edition_date}: {e}"))?;
            for (demarche_id, org, current, values) in demarches {
                count += 1;
                if current == 0 {
                    continue;
                }
                row(DemarcheValues {
                    demarche_id,
                    ministry: OrgId(org),
                    values: values
                        .into_iter()
                        .map(|(slug, raw)| (slug, parse_raw(&raw)))
                        .collect(),
                });
            }
        }
    });
    Ok(count)
}

/// The name and ministry of every démarche not archived, by id: what a list
/// of movers shows of them. (Whole démarches, read to name the movers, held
/// 90 MiB while an edition's movers were described at N=1000: issue #11.)
pub async fn names(db: &Db) -> StoreResult<std::collections::HashMap<i64, (String, OrgId)>> {
    let rows: Vec<(i64, String, i64)> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, name, organisation_id FROM demarches WHERE archived_at IS NULL")
        .fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, org)| (id, (name, OrgId(org))))
        .collect())
}

/// Every démarche's administration, by démarche id (archived ones too): the
/// observatory groups an edition's figures by it.
pub async fn administrations(db: &Db) -> StoreResult<Vec<(i64, String)>> {
    Ok(on_pool!(db, p => sqlx::query_as(
        "SELECT id, administration FROM demarches ORDER BY id")
        .fetch_all(p).await)?)
}
