//! Captures a dataset's records as of a date, with every catalog field:
//! the inputs of a release. Values come from each module's own report
//! functions, as the steering pages show them.

use std::collections::BTreeMap;

use cosinum_domain::demarches::method::{self as demarche_method};
use cosinum_domain::projects::edition::DINUM_2017;
use cosinum_domain::publication::catalog::{self, cost_band};
use cosinum_domain::publication::{Dataset, FieldSpec, Methodology, Record, Value};
use cosinum_store::{Db, demarches};
use time::Date;

use crate::error::AppError;

/// What a release of a dataset as of a date is built from.
pub struct Capture {
    /// The date the data describe (an observatory edition's own date).
    pub as_of: Date,
    pub methodology: Methodology,
    pub fields: Vec<FieldSpec>,
    pub records: Vec<Record>,
}

/// The records of `dataset` as of `as_of`.
pub async fn capture(db: &Db, dataset: Dataset, as_of: Date) -> Result<Capture, AppError> {
    match dataset {
        Dataset::Panorama => panorama(db, as_of).await,
        Dataset::Observatoire => observatoire(db, as_of).await,
    }
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

async fn panorama(db: &Db, as_of: Date) -> Result<Capture, AppError> {
    // Read part by part: a release is rare, and at scale the whole
    // history would weigh tens of megabytes (issue #11).
    let orgs = cosinum_store::organisations::list(db, true).await?;
    let spec = crate::portfolio::FoldSpec {
        lines: crate::portfolio::Lines::WithTexts,
        ..crate::portfolio::FoldSpec::report(as_of, &cosinum_domain::projects::edition::DINUM_2017)
    };
    let (folded, _) =
        crate::portfolio::fold_parts(db, &orgs, &spec, |_| true, crate::portfolio::PART_SIZE)
            .await?;
    // Withheld while the project is flagged now, whatever its reviews say:
    // a release is published now (MP §1.3: figures of projects under tender
    // or being re-baselined are not published).
    let flagged: Vec<i64> = cosinum_store::projects::list(db, true)
        .await?
        .into_iter()
        .filter(|p| p.figures_withheld)
        .map(|p| p.id)
        .collect();
    let records = folded
        .lines
        .into_iter()
        .map(|l| {
            let cadrage = l.phase == "cadrage";
            let mut v: BTreeMap<String, Value> = BTreeMap::new();
            let mut put = |k: &str, value: Value| {
                v.insert(k.to_owned(), value);
            };
            put("ministere_porteur", Value::text(&l.ministry_code));
            put("ministere_nom", Value::text(&l.ministry_name));
            put("nom", Value::text(&l.name));
            put("interministeriel", Value::Bool(l.interministerial));
            put("description", Value::text(&l.description));
            put(
                "lien",
                Value::text(l.links.lines().next().unwrap_or_default()),
            );
            put("debut", l.start.map_or(Value::Empty, Value::Date));
            put(
                "duree",
                l.duration_years
                    .map_or(Value::Empty, |d| Value::Number(round(d, 2))),
            );
            put("phase", Value::text(l.phase_label));
            let (cost, band) = match l.cost_meur {
                _ if cadrage => (Value::text("En cadrage"), Value::text("En cadrage")),
                Some(c) => (Value::Number(round(c, 3)), Value::text(cost_band(c))),
                None => (Value::Empty, Value::Empty),
            };
            put("cout_estime", cost);
            put("tranche", band);
            put("zone_fonctionnelle", Value::text(&l.functional_zone));
            put("financement", Value::text(&l.funding_programmes));
            put("lien_pap", Value::Empty);
            put("date_publication", Value::Date(as_of));
            put("identifiant", Value::Integer(l.project_id));
            put(
                "fin_prevue",
                l.forecast_end.map_or(Value::Empty, Value::Date),
            );
            let number =
                |x: Option<f64>, d: i32| x.map_or(Value::Empty, |x| Value::Number(round(x, d)));
            put("cout_reference_initial", number(l.original_cost_meur, 3));
            put("derive_budgetaire", number(l.budget_drift_original, 4));
            put("derive_calendaire", number(l.calendar_drift_original, 4));
            put("rebasages", Value::Integer(l.rebaselines as i64));
            Record {
                id: l.project_id.to_string(),
                label: l.name.clone(),
                values: v,
                withheld: l.figures_withheld || flagged.contains(&l.project_id),
            }
        })
        .collect();
    Ok(Capture {
        as_of,
        methodology: Methodology {
            code: DINUM_2017.code.to_owned(),
            label: DINUM_2017.label_fr.to_owned(),
        },
        fields: catalog::panorama(),
        records,
    })
}

async fn observatoire(db: &Db, as_of: Date) -> Result<Capture, AppError> {
    let edition = demarches::editions(db)
        .await?
        .into_iter()
        .filter(|e| e.edition_date <= as_of)
        .max_by_key(|e| e.edition_date)
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "Aucune édition de l'observatoire au {as_of} : rien à publier."
            ))
        })?;
    let method = demarche_method::method(&edition.method)
        .unwrap_or_else(|| demarche_method::method_in_force(edition.edition_date));
    let raw = demarches::raw_values(db, edition.edition_date).await?;
    let orgs = cosinum_store::organisations::list(db, true).await?;
    let records = demarches::list(db)
        .await?
        .into_iter()
        .filter(|d| !d.archived && raw.keys().any(|(id, _)| *id == d.id))
        .map(|d| {
            let mut v: BTreeMap<String, Value> = BTreeMap::new();
            let ministry = orgs
                .iter()
                .find(|o| o.id == d.organisation_id)
                .map_or_else(String::new, |o| o.code.clone());
            v.insert("edition".into(), Value::Date(edition.edition_date));
            v.insert("identifiant".into(), Value::Integer(d.id));
            v.insert("ministere".into(), Value::text(&ministry));
            v.insert("administration".into(), Value::text(&d.administration));
            v.insert("demarche".into(), Value::text(&d.name));
            v.insert("publics".into(), Value::text(&d.audiences.join(";")));
            v.insert("url".into(), Value::text(&d.url));
            let int = |x: Option<i64>| x.map_or(Value::Empty, Value::Integer);
            v.insert("volumetrie_totale".into(), int(d.annual_volume));
            v.insert("volumetrie_en_ligne".into(), int(d.online_volume));
            v.insert(
                "mise_en_ligne".into(),
                d.online_since.map_or(Value::Empty, Value::Date),
            );
            for i in method.indicators {
                let Some(cell) = raw.get(&(d.id, i.slug.to_owned())) else {
                    continue;
                };
                v.insert(i.slug.to_owned(), Value::text(cell));
                v.insert(
                    format!("{}.niveau", i.slug),
                    Value::text(cosinum_io::observatoire::level_label(i, cell)),
                );
            }
            Record {
                id: d.id.to_string(),
                label: d.name.clone(),
                values: v,
                withheld: false,
            }
        })
        .collect();
    Ok(Capture {
        as_of: edition.edition_date,
        methodology: Methodology {
            code: method.code.to_owned(),
            label: method.label_fr.to_owned(),
        },
        fields: catalog::observatoire(method),
        records,
    })
}
