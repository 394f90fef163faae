//! The observatory's figures kept per edition (issue #11). An edition holds
//! a dozen values for each of hundreds of thousands of démarches at scale,
//! so it is read in chunks and only counts are kept: per ministry (for every
//! edition: evolution charts, targets, comparisons) and, for the editions
//! being looked at, per administration with the movers since the edition
//! before. Counts of disjoint sets add up, so any reader's scope — the
//! whole State, or the ministries a ministry's team may read — is the sum of
//! the parts it may read, and nothing holds an edition's rows.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cosinum_domain::OrgId;
use cosinum_domain::authz::{Access, Actor, allows};
use cosinum_domain::demarches::bilan::{BilanCounts, PackedCounts, counts_by};
use cosinum_domain::demarches::method::{Method, method};
use cosinum_domain::demarches::shares::{Mover, movers};
use cosinum_store::demarches::{self, Edition};
use time::Date;

use crate::AppState;
use crate::error::AppError;

/// An edition's counts per ministry, packed (unpack them under the
/// edition's method).
pub type MinistryFigures = BTreeMap<OrgId, PackedCounts>;

/// Démarches read at a time when an edition is read in chunks.
const CHUNK: usize = 2048;
/// Démarche ids compared at a time when two editions are read side by side.
const SPAN: i64 = 4096;

/// What is read of an edition being looked at, beyond its counts per
/// ministry: its counts per administration and its movers since the
/// edition before.
pub struct EditionDigest {
    /// Counts per ministry and administration of the démarche, packed
    /// under the edition's method.
    pub administrations: BTreeMap<(OrgId, String), PackedCounts>,
    /// The edition the movers are measured from.
    pub previous: Option<Date>,
    /// Démarches whose level rose (fell) on an indicator, with their
    /// ministry, in démarche order.
    pub up: Vec<(OrgId, Mover)>,
    pub down: Vec<(OrgId, Mover)>,
}

/// Whether `actor` may read the démarches of `org`.
pub fn reads(actor: &Actor, org: OrgId) -> bool {
    actor.sees_everything()
        || allows(
            Some(actor),
            Access::Read,
            &crate::api::demarches::demarche_resource(org),
        )
}

/// The counts over the ministries `actor` may read (all of them for whoever
/// sees everything).
pub fn readable_counts(actor: &Actor, m: &Method, figures: &MinistryFigures) -> BilanCounts {
    PackedCounts::sum(
        m,
        figures
            .iter()
            .filter(|(org, _)| reads(actor, **org))
            .map(|(_, c)| c),
    )
}

/// The movers of `movers` that `actor` may read.
pub fn readable_movers<'a>(
    actor: &'a Actor,
    movers: &'a [(OrgId, Mover)],
) -> impl Iterator<Item = &'a Mover> + 'a {
    movers
        .iter()
        .filter(|(org, _)| reads(actor, *org))
        .map(|(_, m)| m)
}

/// Adds `part`'s counts to `into`'s, group by group, packed.
fn merge<K: Ord>(m: &Method, into: &mut BTreeMap<K, PackedCounts>, part: BTreeMap<K, BilanCounts>) {
    for (k, counts) in part {
        into.entry(k)
            .or_default()
            .add(&PackedCounts::pack(m, &counts));
    }
}

/// The method `e` was assessed under (its figures are packed under it).
pub(crate) fn method_of(e: &Edition) -> Result<&'static Method, AppError> {
    method(&e.method)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown method {}", e.method)))
}

impl AppState {
    /// The counts of each ministry's (unarchived) démarches in `edition`
    /// under its method, empty when its method is unknown. Kept for every
    /// edition (packed: a few kilobytes for one State, ~1 MiB at N=1000) while
    /// nothing is written; the edition is read in chunks, never held whole.
    pub async fn demarche_figures(
        &self,
        edition: &Edition,
    ) -> Result<Arc<MinistryFigures>, AppError> {
        let date = edition.edition_date;
        let Some(m) = method(&edition.method) else {
            return Ok(Arc::default());
        };
        self.demarche_figures
            .get(&self.db, date, || async {
                let mut figures = MinistryFigures::new();
                demarches::edition_values_in_chunks(&self.db, date, CHUNK, |rows| {
                    merge(m, &mut figures, counts_by(m, &rows, |r| Some(r.ministry)));
                })
                .await?;
                Ok(figures)
            })
            .await
    }

    /// The digest of `edition`, its movers measured from `previous` (the
    /// edition before it, if any). Kept for the last few editions looked at
    /// while nothing is written.
    pub async fn demarche_digest(
        &self,
        edition: &Edition,
        previous: Option<&Edition>,
    ) -> Result<Arc<EditionDigest>, AppError> {
        let m = method_of(edition)?;
        let pm = previous.map(method_of).transpose()?;
        let date = edition.edition_date;
        self.demarche_digests
            .get(&self.db, date, || async {
                // Administrations are a few names shared by many démarches.
                let mut names: Vec<String> = Vec::new();
                let mut index: HashMap<String, usize> = HashMap::new();
                let administration: HashMap<i64, usize> = demarches::administrations(&self.db)
                    .await?
                    .into_iter()
                    .map(|(id, name)| {
                        let next = names.len();
                        let at = *index.entry(name.clone()).or_insert(next);
                        if at == next {
                            names.push(name);
                        }
                        (id, at)
                    })
                    .collect();
                drop(index);
                let group = |rows: &[cosinum_domain::demarches::shares::DemarcheValues]| {
                    counts_by(m, rows, |r| {
                        administration
                            .get(&r.demarche_id)
                            .map(|&a| (r.ministry, names[a].clone()))
                    })
                };
                let mut digest = EditionDigest {
                    administrations: BTreeMap::new(),
                    previous: previous.map(|p| p.edition_date),
                    up: Vec::new(),
                    down: Vec::new(),
                };
                match (previous, pm) {
                    (Some(p), Some(pm)) => {
                        demarches::edition_pair_in_chunks(
                            &self.db,
                            p.edition_date,
                            date,
                            SPAN,
                            |before, after| {
                                merge(m, &mut digest.administrations, group(&after));
                                let ministry: HashMap<i64, OrgId> =
                                    after.iter().map(|r| (r.demarche_id, r.ministry)).collect();
                                let (up, down) = movers(pm, &before, m, &after);
                                // A mover is a démarche of `after`: its ministry is known.
                                let with_ministry = |v: Vec<Mover>| {
                                    v.into_iter()
                                        .filter_map(|x| Some((*ministry.get(&x.demarche_id)?, x)))
                                };
                                digest.up.extend(with_ministry(up));
                                digest.down.extend(with_ministry(down));
                            },
                        )
                        .await?;
                    }
                    _ => {
                        demarches::edition_values_in_chunks(&self.db, date, CHUNK, |rows| {
                            merge(m, &mut digest.administrations, group(&rows));
                        })
                        .await?;
                    }
                }
                // Kept: without the room the vectors grew into.
                digest.up.shrink_to_fit();
                digest.down.shrink_to_fit();
                Ok(digest)
            })
            .await
    }
}

/// Computes every edition's counts per ministry and the latest edition's
/// digest ahead of the first page that shows them, at start-up and then
/// once a minute: a page then finds them ready instead of reading every
/// edition itself (minutes at a thousand States' worth of démarches, past
/// the request timeout). While nothing is written a pass reads nothing but
/// the history's position.
pub async fn keep_ready(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = prepare(&state).await {
            tracing::warn!(error = %e, "observatory figures not prepared; pages compute them");
        }
    }
}

async fn prepare(state: &AppState) -> Result<(), AppError> {
    let all = state.demarche_editions().await?;
    // The latest first: the dashboard opens on it.
    if let Some(last) = all.last() {
        let before = all.len().checked_sub(2).map(|i| &all[i]);
        state.demarche_digest(last, before).await?;
    }
    for e in all.iter().rev() {
        state.demarche_figures(e).await?;
    }
    Ok(())
}
