//! Open-data publication, shared by the JSON API, the pages and the CLI.
//!
//! The DINUM (steering) and administrators set each dataset's rules and
//! prepare releases; a prepared release stays under embargo until an
//! administrator or the committee's chair publishes it. Everything the
//! public sees — pages, public API, files — is read from the *published
//! files* of public releases ([`public`]), never from live data.

pub mod demo;
pub mod public;
pub mod records;

use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_domain::publication::{
    Dataset, FieldSpec, PreviousRelease, ReleaseId, ReleaseInputs, ReleaseStatus, Rules,
};
use cosinum_io::publication::{BuiltRelease, build};
use cosinum_store::AuditCtx;
use cosinum_store::publication::{self as store, NewFile, Release};
use time::{Date, OffsetDateTime};

use crate::AppState;
use crate::error::AppError;

/// Whether `actor` sets rules and prepares releases (the DINUM, administrators).
pub fn may_manage(actor: &Actor) -> bool {
    allows(
        Some(actor),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    )
}

/// Whether `actor` reads rules and releases under embargo.
pub fn may_read(actor: &Actor) -> bool {
    actor.sees_everything()
}

fn manage(actor: &Actor) -> Result<(), AppError> {
    if may_manage(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether `actor` lifts an embargo: an administrator, or the committee's
/// chair (the committee validates what the State publishes).
pub async fn may_publish(state: &AppState, actor: &Actor) -> Result<bool, AppError> {
    if actor.read_only {
        return Ok(false);
    }
    Ok(actor.is_admin() || crate::committee::service::is_chair(state, actor).await?)
}

/// The catalog of a dataset as a release on `as_of` would use it.
pub async fn fields(state: &AppState, dataset: Dataset) -> Result<Vec<FieldSpec>, AppError> {
    Ok(match dataset {
        Dataset::Panorama => cosinum_domain::publication::catalog::panorama(),
        Dataset::Observatoire => {
            let today = OffsetDateTime::now_utc().date();
            let method = cosinum_store::demarches::editions(&state.db)
                .await?
                .last()
                .and_then(|e| cosinum_domain::demarches::method::method(&e.method))
                .unwrap_or_else(|| cosinum_domain::demarches::method::method_in_force(today));
            cosinum_domain::publication::catalog::observatoire(method)
        }
    })
}

/// Replaces a dataset's rules after checking them against its catalog.
pub async fn set_rules(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    dataset: Dataset,
    rules: &Rules,
    version: i64,
) -> Result<i64, AppError> {
    manage(actor)?;
    let fields = fields(state, dataset).await?;
    // Defaults are not stored: a rule equal to its default is dropped.
    let mut kept = Rules::default();
    for (k, v) in &rules.0 {
        let default = fields.iter().find(|f| &f.rule_key == k).map(|f| f.default);
        if default != Some(*v) {
            kept.0.insert(k.clone(), *v);
        }
    }
    rules
        .check(&fields)
        .map_err(|e| AppError::BadRequest(format!("Règle refusée : {e}")))?;
    let mut tx = state.db.begin().await?;
    let v = store::set_rules(&mut tx, ctx, dataset, &kept, version).await?;
    tx.commit().await?;
    Ok(v)
}

/// Builds the inputs of the next release of `dataset` as of `as_of`.
async fn next_inputs(
    state: &AppState,
    dataset: Dataset,
    as_of: Date,
    number: i64,
    previous: Option<i64>,
) -> Result<ReleaseInputs, AppError> {
    let capture = records::capture(&state.db, dataset, as_of).await?;
    let (rules, _) = store::rules(&state.db, dataset).await?;
    let previous = match previous {
        None => None,
        Some(id) => {
            let p = store::inputs(&state.db, id).await?;
            Some(PreviousRelease {
                number: p.id.number,
                as_of: p.id.as_of,
                methodology: p.methodology.clone(),
                table: p.table(),
            })
        }
    };
    // Rules name rule keys of the catalog; an observatory method change may
    // drop some: those no longer apply.
    let mut applicable = Rules::default();
    for (k, v) in rules.0 {
        if capture.fields.iter().any(|f| f.rule_key == k) {
            applicable.0.insert(k, v);
        }
    }
    Ok(ReleaseInputs {
        id: ReleaseId {
            dataset,
            number,
            as_of: capture.as_of,
            prepared_on: OffsetDateTime::now_utc().date(),
        },
        methodology: capture.methodology,
        fields: capture.fields,
        rules: applicable,
        records: capture.records,
        previous,
    })
}

fn files_of(built: &BuiltRelease) -> Vec<NewFile<'_>> {
    built
        .files
        .iter()
        .map(|f| NewFile {
            name: &f.name,
            media_type: f.media_type,
            bytes: &f.bytes,
            sha256: f.sha256(),
        })
        .collect()
}

/// Prepares the next release of `dataset` as of `as_of`: captures the
/// records, builds the files and stores them under embargo.
pub async fn prepare(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    dataset: Dataset,
    as_of: Date,
) -> Result<Release, AppError> {
    manage(actor)?;
    let (number, previous) = store::next_number(&state.db, dataset).await?;
    let inputs = next_inputs(state, dataset, as_of, number, previous).await?;
    let built = build(&inputs).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let digest = built
        .files
        .iter()
        .find(|f| f.name == "datapackage.json")
        .map(|f| f.sha256())
        .unwrap_or_default();
    let mut tx = state.db.begin().await?;
    let id = store::create(
        &mut tx,
        ctx,
        &inputs,
        &built.changelog,
        built.rows,
        &files_of(&built),
        &digest,
    )
    .await?;
    tx.commit().await?;
    Ok(store::get(&state.db, id).await?)
}

/// Publishes a release under embargo (public from `public_from`, today by
/// default), or discards it.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    to: ReleaseStatus,
    public_from: Option<Date>,
    version: i64,
) -> Result<Release, AppError> {
    match to {
        ReleaseStatus::Published if !may_publish(state, actor).await? => {
            return Err(AppError::Forbidden);
        }
        ReleaseStatus::Discarded => manage(actor)?,
        _ => {}
    }
    let today = OffsetDateTime::now_utc().date();
    if public_from.is_some_and(|d| d < today) {
        return Err(AppError::BadRequest(
            "La date de levée de l'embargo ne peut pas être passée.".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    store::decide(&mut tx, ctx, id, to, public_from, version).await?;
    tx.commit().await?;
    Ok(store::get(&state.db, id).await?)
}

/// Rebuilds a release's files from its stored inputs: the same bytes, or
/// the release was altered.
pub async fn verify(state: &AppState, id: i64) -> Result<bool, AppError> {
    let inputs = store::inputs(&state.db, id).await?;
    let built = build(&inputs).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let release = store::get(&state.db, id).await?;
    for f in &built.files {
        let (_, bytes) = store::file(&state.db, id, &f.name).await?;
        if bytes != f.bytes {
            return Ok(false);
        }
    }
    Ok(built.files.len() == release.files.len())
}

/// What the history page says of a publication object.
pub async fn history_ref(
    db: &cosinum_store::Db,
    object_type: &str,
    id: i64,
) -> Result<crate::objects::ObjectRef, AppError> {
    let resource = Resource::owned_by(Owner::Interministerial);
    if object_type == store::RELEASE_TYPE {
        let r = store::get(db, id).await?;
        return Ok(crate::objects::ObjectRef {
            resource,
            label: format!("{} — version {}", r.dataset.title_fr(), r.number),
            href: Some("/publication".into()),
            kind_label: "Version publiée en données ouvertes",
        });
    }
    let dataset = store::rules_dataset(db, id).await?.title_fr();
    Ok(crate::objects::ObjectRef {
        resource,
        label: format!("Règles de publication — {dataset}"),
        href: Some("/publication".into()),
        kind_label: "Règles de publication",
    })
}
