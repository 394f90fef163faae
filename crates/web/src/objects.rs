//! The kinds of objects that have a history, and who may read each one.
//! A module registers its object types here when it lands.

use cosinum_domain::authz::Resource;
use cosinum_store::{Db, committee, organisations, tokens, users};

use crate::error::AppError;

/// What a history page needs to know about an object.
pub struct ObjectRef {
    /// Who may read it (and so its history).
    pub resource: Resource,
    /// A human name for the object.
    pub label: String,
    /// The page showing the object, if it has one.
    pub href: Option<String>,
    /// Its kind, in French.
    pub kind_label: &'static str,
}

/// Looks an object up by type and id; unknown types and ids are "not found".
pub async fn find(db: &Db, object_type: &str, id: i64) -> Result<ObjectRef, AppError> {
    match object_type {
        organisations::OBJECT_TYPE => {
            let org = organisations::get(db, cosinum_domain::OrgId(id)).await?;
            Ok(ObjectRef {
                resource: Resource::organisation_directory(),
                label: format!("{} — {}", org.code, org.name),
                href: Some(format!("/organisations/{id}")),
                kind_label: "Organisation",
            })
        }
        users::OBJECT_TYPE => {
            let user = users::get(db, cosinum_domain::UserId(id)).await?;
            Ok(ObjectRef {
                resource: Resource::platform(),
                label: format!("{} <{}>", user.display_name, user.email),
                href: Some(format!("/admin/utilisateurs/{id}/modifier")),
                kind_label: "Compte utilisateur",
            })
        }
        tokens::OBJECT_TYPE => {
            let token = tokens::get(db, id).await?;
            Ok(ObjectRef {
                resource: Resource::platform(),
                label: format!("{} ({}…)", token.name, token.prefix),
                href: None,
                kind_label: "Jeton d'API",
            })
        }
        cosinum_store::projects::OBJECT_TYPE => {
            let p = cosinum_store::projects::get(db, id).await?;
            Ok(ObjectRef {
                resource: crate::api::projects::project_resource(p.organisation_id),
                label: p.name,
                href: Some(format!("/projets/{id}")),
                kind_label: "Grand projet",
            })
        }
        cosinum_store::projects::reviews::OBJECT_TYPE => {
            let r = cosinum_store::projects::reviews::get(db, id).await?;
            let p = cosinum_store::projects::get(db, r.project_id).await?;
            Ok(ObjectRef {
                resource: crate::api::projects::project_resource(p.organisation_id),
                label: format!("Revue du {} — {}", r.review_date, p.name),
                href: Some(format!("/projets/{}", p.id)),
                kind_label: "Revue de projet",
            })
        }
        cosinum_store::demarches::OBJECT_TYPE => {
            let d = cosinum_store::demarches::get(db, id).await?;
            Ok(ObjectRef {
                resource: crate::api::demarches::demarche_resource(d.organisation_id),
                label: d.name,
                href: Some(format!("/demarches/{id}")),
                kind_label: "Démarche en ligne",
            })
        }
        cosinum_store::demarches::targets::OBJECT_TYPE => {
            let t = cosinum_store::demarches::targets::get(db, id).await?;
            Ok(ObjectRef {
                resource: Resource::owned_by(cosinum_domain::authz::Owner::Interministerial),
                label: t.target.label_fr,
                href: Some("/demarches/objectifs".into()),
                kind_label: "Objectif des démarches en ligne",
            })
        }
        cosinum_store::funding::applications::OBJECT_TYPE => {
            let a = cosinum_store::funding::applications::get(db, id).await?;
            Ok(ObjectRef {
                resource: crate::api::funding::application_resource(a.fields.organisation_id),
                label: a.fields.title,
                href: Some(format!("/financements/dossiers/{id}")),
                kind_label: "Dossier de financement",
            })
        }
        cosinum_store::funding::FUND_TYPE | cosinum_store::funding::WINDOW_TYPE => {
            let label = if object_type == cosinum_store::funding::FUND_TYPE {
                cosinum_store::funding::funds(db)
                    .await?
                    .into_iter()
                    .find(|f| f.id == id)
                    .map(|f| f.name)
            } else {
                cosinum_store::funding::windows(db)
                    .await?
                    .into_iter()
                    .find(|w| w.id == id)
                    .map(|w| format!("{} — {}", w.code, w.theme))
            };
            Ok(ObjectRef {
                resource: Resource::owned_by(cosinum_domain::authz::Owner::Interministerial),
                label: label.ok_or(AppError::NotFound)?,
                href: Some("/financements".into()),
                kind_label: if object_type == cosinum_store::funding::FUND_TYPE {
                    "Fonds"
                } else {
                    "Guichet"
                },
            })
        }
        cosinum_store::cloud::APPLICATION_TYPE => {
            let a = cosinum_store::cloud::application(db, id).await?;
            Ok(ObjectRef {
                resource: crate::api::cloud::cloud_resource(a.organisation_id),
                label: a.name,
                href: Some(format!("/hebergement/applications/{id}")),
                kind_label: "Application (inventaire)",
            })
        }
        cosinum_store::projects::avis::OBJECT_TYPE => {
            let a = cosinum_store::projects::avis::get(db, id).await?;
            let p = cosinum_store::projects::get(db, a.project_id).await?;
            Ok(ObjectRef {
                resource: crate::api::projects::project_resource(p.organisation_id),
                label: format!("Avis sur {} (saisine du {})", p.name, a.received_on),
                href: Some(format!("/avis/{id}")),
                kind_label: "Avis de la DINUM",
            })
        }
        cosinum_store::projects::avis::RECOMMENDATION_TYPE => {
            let r = cosinum_store::projects::avis::get_recommendation(db, id).await?;
            let a = cosinum_store::projects::avis::get(db, r.avis_id).await?;
            let p = cosinum_store::projects::get(db, a.project_id).await?;
            Ok(ObjectRef {
                resource: crate::api::projects::project_resource(p.organisation_id),
                label: format!("Recommandation sur {}", p.name),
                href: Some(format!("/avis/{}", a.id)),
                kind_label: "Recommandation",
            })
        }
        cosinum_store::talent::OBJECT_TYPE => {
            let r = cosinum_store::talent::get(db, id).await?;
            Ok(ObjectRef {
                resource: crate::api::talent::hr_resource(r.r.organisation_id),
                label: format!("Retour RH {} — {}", r.r.region, r.r.period),
                href: Some(format!("/talents/retours/{id}/modifier")),
                kind_label: "Retour RH",
            })
        }
        cosinum_store::salary_grids::OBJECT_TYPE => {
            let g = cosinum_store::salary_grids::grids(db)
                .await?
                .into_iter()
                .find(|g| g.id == id)
                .ok_or(AppError::NotFound)?;
            Ok(ObjectRef {
                resource: cosinum_domain::authz::Resource::owned_by(
                    cosinum_domain::authz::Owner::Interministerial,
                ),
                label: format!("Grille de rémunération {}", g.grid.version),
                href: Some(format!("/talents/grille?version={}", g.grid.version)),
                kind_label: "Grille de rémunération",
            })
        }
        cosinum_store::campaigns::CAMPAIGN_TYPE => {
            let c = cosinum_store::campaigns::get(db, id).await?;
            Ok(ObjectRef {
                resource: Resource::owned_by(cosinum_domain::authz::Owner::Interministerial),
                label: format!("Campagne « {} »", c.title),
                href: Some(format!("/campagnes/{id}")),
                kind_label: "Campagne de collecte",
            })
        }
        cosinum_store::campaigns::ITEM_TYPE => {
            let i = cosinum_store::campaigns::item(db, id).await?;
            Ok(ObjectRef {
                resource: Resource::owned_by(cosinum_domain::authz::Owner::Organisation(
                    i.organisation_id,
                )),
                label: format!("Élément « {} »", i.label),
                href: Some(format!("/campagnes/{}/elements/{id}", i.campaign_id)),
                kind_label: "Élément de campagne",
            })
        }
        cosinum_store::campaigns::ATTESTATION_TYPE => {
            let a = cosinum_store::campaigns::attestation(db, id).await?;
            Ok(ObjectRef {
                resource: Resource::owned_by(cosinum_domain::authz::Owner::Organisation(
                    a.organisation_id,
                )),
                label: format!("Attestation de {}", a.person_name),
                href: Some(format!("/campagnes/{}", a.campaign_id)),
                kind_label: "Attestation de campagne",
            })
        }
        cosinum_store::plans::PLAN_TYPE => {
            let p = cosinum_store::plans::plan(db, id).await?;
            Ok(ObjectRef {
                resource: crate::api::plans::plan_resource(p.organisation_id),
                label: format!("Plan d'investissement {} — révision {}", p.year, p.revision),
                href: Some(format!("/reutilisation/plans/{id}")),
                kind_label: "Plan d'investissement",
            })
        }
        cosinum_store::reuse_feedback::OBJECT_TYPE => {
            // A verdict belongs to the object it was given on.
            let f = cosinum_store::reuse_feedback::get(db, id).await?;
            let org = match f.source_kind.as_str() {
                "project" => {
                    cosinum_store::projects::get(db, f.source_id)
                        .await?
                        .organisation_id
                }
                "application" => {
                    cosinum_store::cloud::application(db, f.source_id)
                        .await?
                        .organisation_id
                }
                "funding_application" => {
                    cosinum_store::funding::applications::get(db, f.source_id)
                        .await?
                        .fields
                        .organisation_id
                }
                _ => {
                    cosinum_store::plans::plan_of_line(db, f.source_id)
                        .await?
                        .organisation_id
                }
            };
            Ok(ObjectRef {
                resource: Resource::owned_by(cosinum_domain::authz::Owner::Organisation(org)),
                label: format!(
                    "Avis « {} » sur un candidat ({} n° {})",
                    f.verdict.label_fr(),
                    f.candidate_kind,
                    f.candidate_id
                ),
                href: None,
                kind_label: "Avis sur un candidat à la réutilisation",
            })
        }
        cosinum_store::plans::LINE_TYPE => {
            // A removed draft line keeps its history but has no plan any more.
            let p = cosinum_store::plans::plan_of_line(db, id).await?;
            let l = p
                .lines
                .iter()
                .find(|l| l.id == id)
                .ok_or(AppError::NotFound)?;
            Ok(ObjectRef {
                resource: crate::api::plans::plan_resource(p.organisation_id),
                label: l.title.clone(),
                href: Some(format!("/reutilisation/plans/{}#ligne-{id}", p.id)),
                kind_label: "Ligne de plan d'investissement",
            })
        }
        committee::SESSION
        | committee::points::OBJECT_TYPE
        | committee::sheets::OBJECT_TYPE
        | committee::decisions::OBJECT_TYPE
        | committee::records::OBJECT_TYPE
        | "committee" => crate::committee::objects::history_ref(db, object_type, id).await,
        cosinum_store::publication::RULES_TYPE | cosinum_store::publication::RELEASE_TYPE => {
            crate::publication::history_ref(db, object_type, id).await
        }
        _ => Err(AppError::NotFound),
    }
}
