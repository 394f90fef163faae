//! What the public sees: releases published and past their embargo, read
//! from their published JSON file. A release's files never change, so each
//! is parsed once and kept in memory.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cosinum_domain::publication::{Dataset, FieldKind, FieldSpec, Row, Table, Value, Visibility};
use cosinum_store::publication::{self as store, Release};
use serde_json::Value as Json;
use time::{Date, OffsetDateTime};

use crate::AppState;
use crate::error::AppError;

/// A public release and its table, as published.
#[derive(Debug)]
pub struct PublicData {
    pub release: Release,
    /// The method code and label the release states.
    pub methodology: (String, String),
    pub table: Table,
}

/// Parsed public releases by release id (they are immutable).
#[derive(Default)]
pub struct Cache(RwLock<HashMap<i64, Arc<PublicData>>>);

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// The public releases, newest first per dataset.
pub async fn releases(
    state: &AppState,
    dataset: Option<Dataset>,
) -> Result<Vec<Release>, AppError> {
    Ok(store::public_releases(&state.db, dataset, today()).await?)
}

/// The latest public release of a dataset, if any.
pub async fn latest(
    state: &AppState,
    dataset: Dataset,
) -> Result<Option<Arc<PublicData>>, AppError> {
    match releases(state, Some(dataset)).await?.into_iter().next() {
        None => Ok(None),
        Some(r) => Ok(Some(load(state, r).await?)),
    }
}

/// A public release by number (404 when it is not public).
pub async fn by_number(
    state: &AppState,
    dataset: Dataset,
    number: i64,
) -> Result<Arc<PublicData>, AppError> {
    let r = releases(state, Some(dataset))
        .await?
        .into_iter()
        .find(|r| r.number == number)
        .ok_or(AppError::NotFound)?;
    load(state, r).await
}

/// Every public release of a dataset with its table, oldest first.
pub async fn history(state: &AppState, dataset: Dataset) -> Result<Vec<Arc<PublicData>>, AppError> {
    let mut out = Vec::new();
    for r in releases(state, Some(dataset)).await?.into_iter().rev() {
        out.push(load(state, r).await?);
    }
    Ok(out)
}

/// A public file's metadata and content (404 unless the release is public).
pub async fn file(
    state: &AppState,
    dataset: Dataset,
    number: i64,
    name: &str,
) -> Result<(store::FileMeta, Vec<u8>), AppError> {
    let r = releases(state, Some(dataset))
        .await?
        .into_iter()
        .find(|r| r.number == number)
        .ok_or(AppError::NotFound)?;
    Ok(store::file(&state.db, r.id, name).await?)
}

async fn load(state: &AppState, release: Release) -> Result<Arc<PublicData>, AppError> {
    if let Some(d) = state
        .publications
        .0
        .read()
        .map_err(|_| anyhow::anyhow!("publication cache poisoned"))?
        .get(&release.id)
    {
        return Ok(d.clone());
    }
    let name = format!("{}.json", release.dataset.as_str());
    let (_, bytes) = store::file(&state.db, release.id, &name).await?;
    let json: Json = serde_json::from_slice(&bytes).map_err(anyhow::Error::from)?;
    let data = Arc::new(parse(release, &json)?);
    state
        .publications
        .0
        .write()
        .map_err(|_| anyhow::anyhow!("publication cache poisoned"))?
        .insert(data.release.id, data.clone());
    Ok(data)
}

fn kind(s: &str) -> FieldKind {
    match s {
        "url" => FieldKind::Url,
        "number" => FieldKind::Number,
        "integer" => FieldKind::Integer,
        "date" => FieldKind::Date,
        "boolean" => FieldKind::Boolean,
        _ => FieldKind::String,
    }
}

fn value(kind: FieldKind, j: &Json) -> Value {
    match j {
        Json::Null => Value::Empty,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (kind, n.as_i64()) {
            (FieldKind::Integer, Some(i)) => Value::Integer(i),
            _ => n.as_f64().map_or(Value::Empty, Value::Number),
        },
        Json::String(s) if kind == FieldKind::Date => {
            Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
                .map_or_else(|_| Value::Text(s.clone()), Value::Date)
        }
        Json::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

/// Reads a release's published JSON file back into a table.
fn parse(release: Release, json: &Json) -> Result<PublicData, AppError> {
    let bad = || anyhow::anyhow!("release {}: malformed published JSON", release.id);
    let fields: Vec<FieldSpec> = json["fields"]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|f| FieldSpec {
            key: f["key"].as_str().unwrap_or_default().to_owned(),
            name: f["name"].as_str().unwrap_or_default().to_owned(),
            kind: kind(f["type"].as_str().unwrap_or_default()),
            description: String::new(),
            unit: f["unit"].as_str().map(str::to_owned),
            rule_key: f["key"].as_str().unwrap_or_default().to_owned(),
            default: Visibility::Public,
            withholdable: false,
            mask: String::new(),
            stamp: false,
        })
        .collect();
    let label_key = match release.dataset {
        Dataset::Panorama => "nom",
        Dataset::Observatoire => "demarche",
    };
    let rows = json["records"]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|r| {
            let values: Vec<Value> = fields.iter().map(|f| value(f.kind, &r[&f.name])).collect();
            let label = fields
                .iter()
                .position(|f| f.key == label_key)
                .and_then(|i| values[i].as_text().map(str::to_owned))
                .unwrap_or_default();
            Row {
                id: r["id"].as_str().unwrap_or_default().to_owned(),
                label,
                values,
            }
        })
        .collect();
    let methodology = (
        json["methodology"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        json["methodology"]["label"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    Ok(PublicData {
        release,
        methodology,
        table: Table { fields, rows },
    })
}
