//! The objects of other modules a committee item links to (`kind:id`),
//! with their names and pages; and the committee's own records as seen
//! from the history pages.

use cosinum_domain::authz::{Owner, Resource};
use cosinum_store::Db;
use cosinum_store::committee as store;

use crate::AppState;
use crate::error::AppError;

/// The store's object type behind a committee link kind.
fn object_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "project" => cosinum_store::projects::OBJECT_TYPE,
        "demarche" => cosinum_store::demarches::OBJECT_TYPE,
        "funding_application" => cosinum_store::funding::applications::OBJECT_TYPE,
        "application" => cosinum_store::cloud::APPLICATION_TYPE,
        "plan_line" => cosinum_store::plans::LINE_TYPE,
        "organisation" => cosinum_store::organisations::OBJECT_TYPE,
        "avis" => cosinum_store::projects::avis::OBJECT_TYPE,
        _ => return None,
    })
}

/// The current name of a linked object, `None` if it does not exist.
pub async fn label(state: &AppState, kind: &str, id: i64) -> Result<Option<String>, AppError> {
    let Some(t) = object_type(kind) else {
        return Ok(None);
    };
    match crate::objects::find(&state.db, t, id).await {
        Ok(o) => Ok(Some(o.label)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The page of a linked object.
pub fn href(kind: &str, id: i64) -> Option<String> {
    Some(match kind {
        "project" => format!("/projets/{id}"),
        "demarche" => format!("/demarches/{id}"),
        "funding_application" => format!("/financements/dossiers/{id}"),
        "application" => format!("/hebergement/applications/{id}"),
        "organisation" => format!("/organisations/{id}"),
        "avis" => format!("/avis/{id}"),
        _ => return None,
    })
}

/// A committee record as the history pages show it: every signed-in user
/// reads the committee's records.
pub async fn history_ref(
    db: &Db,
    object_type: &str,
    id: i64,
) -> Result<crate::objects::ObjectRef, AppError> {
    let resource = Resource::owned_by(Owner::Interministerial);
    let (label, href, kind_label) = match object_type {
        store::SESSION => {
            let s = store::get_session(db, id).await?;
            (
                format!("{} du {}", s.title, crate::pages::fr_date(s.held_on)),
                format!("/comite/seances/{id}"),
                "Séance du comité",
            )
        }
        store::points::OBJECT_TYPE => {
            let p = store::points::get(db, id).await?;
            (
                p.title,
                format!("/comite/points/{id}"),
                "Point de l'ordre du jour",
            )
        }
        store::sheets::OBJECT_TYPE => {
            let sheet = store::sheets::get(db, id).await?;
            (
                sheet.fiche.title,
                format!("/comite/points/{}", sheet.point_id),
                "Fiche figée",
            )
        }
        store::decisions::OBJECT_TYPE => {
            let d = store::decisions::get(db, id).await?;
            (
                d.text,
                format!("/comite/decisions/{id}"),
                "Décision du comité",
            )
        }
        store::records::OBJECT_TYPE => {
            let r = store::records::get(db, id).await?;
            (
                format!("Relevé de décisions, version {}", r.number),
                format!("/comite/seances/{}/releve", r.session_id),
                "Relevé de décisions",
            )
        }
        _ => {
            let c = store::committee(db).await?;
            (c.name, "/comite".into(), "Comité")
        }
    };
    Ok(crate::objects::ObjectRef {
        resource,
        label,
        href: Some(href),
        kind_label,
    })
}
