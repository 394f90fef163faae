//! The files of an open-data release, built from its inputs alone (no clock,
//! no database): the same [`ReleaseInputs`] always give the same bytes.
//!
//! - `{dataset}.csv`: French CSV (`;`, UTF-8 BOM, CRLF, decimal comma, ISO
//!   dates), the columns the rules publish, in catalog order;
//! - `{dataset}.json`: the same rows as JSON objects keyed by column name,
//!   with each record's stable `id`;
//! - `schema.json`: the CSV's Frictionless Table Schema;
//! - `datapackage.json`: the Frictionless Data Package describing the files
//!   (sizes, SHA-256), licence, methodology and the rules applied;
//! - `CHANGELOG.md`: what changed since the previous release.

use cosinum_domain::publication::changelog::{Changelog, changelog, to_markdown};
use cosinum_domain::publication::{
    FieldKind, FieldSpec, LICENCE_NAME, LICENCE_TITLE, LICENCE_URL, ReleaseInputs, Table, Value,
};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

/// One file of a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseFile {
    pub name: String,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

impl ReleaseFile {
    /// SHA-256 of the content, lower-case hex.
    pub fn sha256(&self) -> String {
        sha256_hex(&self.bytes)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A release built: its files (data first) and its changelog.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltRelease {
    pub files: Vec<ReleaseFile>,
    pub changelog: Changelog,
    pub rows: usize,
}

/// Values the schema declares missing: empty cells, and the panorama's
/// « En cadrage » in place of a cost (MP §1.3).
const MISSING_VALUES: [&str; 2] = ["", "En cadrage"];

/// Builds every file of a release.
pub fn build(inputs: &ReleaseInputs) -> Result<BuiltRelease, String> {
    let table = inputs.table();
    let log = changelog(inputs);
    let stem = inputs.id.dataset.as_str();
    let csv = ReleaseFile {
        name: format!("{stem}.csv"),
        media_type: "text/csv; charset=utf-8",
        bytes: csv_bytes(&table)?,
    };
    let data = ReleaseFile {
        name: format!("{stem}.json"),
        media_type: "application/json",
        bytes: pretty(&json_data(inputs, &table))?,
    };
    let schema = ReleaseFile {
        name: "schema.json".into(),
        media_type: "application/json",
        bytes: pretty(&table_schema(&table.fields))?,
    };
    let changes = ReleaseFile {
        name: "CHANGELOG.md".into(),
        media_type: "text/markdown; charset=utf-8",
        bytes: to_markdown(inputs, &log).into_bytes(),
    };
    let package = ReleaseFile {
        name: "datapackage.json".into(),
        media_type: "application/json",
        bytes: pretty(&data_package(inputs, &csv, &data, &schema, &changes))?,
    };
    Ok(BuiltRelease {
        files: vec![csv, data, schema, package, changes],
        changelog: log,
        rows: table.rows.len(),
    })
}

fn pretty(v: &Json) -> Result<Vec<u8>, String> {
    let mut out = serde_json::to_vec_pretty(v).map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(out)
}

fn csv_bytes(table: &Table) -> Result<Vec<u8>, String> {
    let header: Vec<&str> = table.fields.iter().map(|f| f.name.as_str()).collect();
    let mut out = Vec::new();
    crate::csv_out::write_csv(
        &mut out,
        &header,
        table
            .rows
            .iter()
            .map(|r| r.values.iter().map(Value::csv_cell).collect()),
    )
    .map_err(|e| e.to_string())?;
    Ok(out)
}

/// A value as JSON: dates as ISO text, empty as `null`.
pub fn json_value(v: &Value) -> Json {
    match v {
        Value::Empty => Json::Null,
        Value::Text(s) => Json::String(s.clone()),
        Value::Number(x) => json!(x),
        Value::Integer(i) => json!(i),
        Value::Date(d) => Json::String(d.to_string()),
        Value::Bool(b) => Json::Bool(*b),
    }
}

fn json_data(inputs: &ReleaseInputs, table: &Table) -> Json {
    let records: Vec<Json> = table
        .rows
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("id".into(), Json::String(r.id.clone()));
            for (f, v) in table.fields.iter().zip(&r.values) {
                m.insert(f.name.clone(), json_value(v));
            }
            Json::Object(m)
        })
        .collect();
    json!({
        "dataset": inputs.id.dataset.as_str(),
        "title": inputs.id.dataset.title_fr(),
        "version": inputs.id.number,
        "as_of": inputs.id.as_of.to_string(),
        "methodology": {"code": inputs.methodology.code, "label": inputs.methodology.label},
        "licence": {"name": LICENCE_NAME, "title": LICENCE_TITLE, "path": LICENCE_URL},
        "fields": table.fields.iter().map(|f| json!({"key": f.key, "name": f.name, "type": f.kind, "unit": f.unit})).collect::<Vec<_>>(),
        "records": records,
    })
}

fn schema_field(f: &FieldSpec) -> Json {
    let mut m = Map::new();
    m.insert("name".into(), json!(f.name));
    let description = match &f.unit {
        Some(u) => format!("{} Unité : {u}.", f.description),
        None => f.description.clone(),
    };
    m.insert("description".into(), json!(description));
    let kind = match f.kind {
        FieldKind::String | FieldKind::Url => "string",
        FieldKind::Number => "number",
        FieldKind::Integer => "integer",
        FieldKind::Date => "date",
        FieldKind::Boolean => "boolean",
    };
    m.insert("type".into(), json!(kind));
    match f.kind {
        FieldKind::Url => {
            m.insert("format".into(), json!("uri"));
        }
        FieldKind::Number => {
            m.insert("decimalChar".into(), json!(","));
        }
        FieldKind::Boolean => {
            m.insert("trueValues".into(), json!(["Oui"]));
            m.insert("falseValues".into(), json!(["Non"]));
        }
        _ => {}
    }
    if let Some(u) = &f.unit {
        // Not a Table Schema property, kept for readers that look for it.
        m.insert("unit".into(), json!(u));
    }
    Json::Object(m)
}

/// The Frictionless Table Schema of a table's CSV file.
pub fn table_schema(fields: &[FieldSpec]) -> Json {
    let mut schema = json!({
        "fields": fields.iter().map(schema_field).collect::<Vec<_>>(),
        "missingValues": MISSING_VALUES,
    });
    let key: Vec<&str> = fields
        .iter()
        .filter(|f| f.key == "identifiant")
        .map(|f| f.name.as_str())
        .collect();
    if !key.is_empty() {
        schema["primaryKey"] = json!(key);
    }
    schema
}

fn resource(file: &ReleaseFile, name: &str, format: &str) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("path".into(), json!(file.name));
    m.insert("format".into(), json!(format));
    m.insert(
        "mediatype".into(),
        json!(file.media_type.split(';').next().unwrap_or_default()),
    );
    m.insert("encoding".into(), json!("utf-8"));
    m.insert("bytes".into(), json!(file.bytes.len()));
    m.insert("hash".into(), json!(format!("sha256:{}", file.sha256())));
    m
}

fn data_package(
    inputs: &ReleaseInputs,
    csv: &ReleaseFile,
    data: &ReleaseFile,
    schema: &ReleaseFile,
    changes: &ReleaseFile,
) -> Json {
    let id = &inputs.id;
    let stem = id.dataset.as_str();
    let mut table = resource(csv, stem, "csv");
    table.insert("profile".into(), json!("tabular-data-resource"));
    table.insert(
        "dialect".into(),
        json!({"delimiter": ";", "header": true, "lineTerminator": "\r\n"}),
    );
    table.insert("schema".into(), json!(schema.name));
    table.insert(
        "description".into(),
        json!("CSV à la française : séparateur point-virgule, encodage UTF-8 avec BOM, virgule décimale, dates AAAA-MM-JJ."),
    );
    let mut records = resource(data, &format!("{stem}-json"), "json");
    records.insert(
        "description".into(),
        json!("Les mêmes lignes en JSON : un objet par ligne, clé = nom de colonne, plus l'identifiant stable `id`."),
    );
    let rules: Map<String, Json> = inputs
        .rules
        .resolved(&inputs.fields)
        .into_iter()
        .map(|(k, v)| (k, json!(v.as_str())))
        .collect();
    json!({
        "profile": "tabular-data-package",
        "name": id.name(),
        "title": format!("{} — version {}", id.dataset.title_fr(), id.number),
        "description": id.dataset.description_fr(),
        "version": id.number.to_string(),
        "created": format!("{}T00:00:00Z", id.prepared_on),
        "licenses": [{"name": LICENCE_NAME, "path": LICENCE_URL, "title": LICENCE_TITLE}],
        "keywords": ["État", "numérique", "DINUM", stem],
        "resources": [
            Json::Object(table),
            Json::Object(records),
            Json::Object(resource(schema, "schema", "json")),
            Json::Object(resource(changes, "changelog", "md")),
        ],
        "cosinum": {
            "as_of": id.as_of.to_string(),
            "methodology": {"code": inputs.methodology.code, "label": inputs.methodology.label},
            "previous_version": inputs.previous.as_ref().map(|p| p.number),
            "rules": rules,
            "withholding_condition": id.dataset.condition_fr(),
        },
    })
}

#[cfg(test)]
#[path = "publication_tests.rs"]
mod tests;
