//! The JSON API under `/api/v1`. Every handler is annotated for OpenAPI, so the
//! document at `/api/v1/openapi.json` is generated from the code itself.

mod access_requests;
pub mod avis;
pub mod campaigns;
pub mod cloud;
pub mod cloud_files;
mod cloud_writes;
pub mod committee;
pub mod committee_decisions;
pub mod demarches;
pub mod demarches_crud;
pub mod demarches_files;
pub mod demarches_targets;
mod exports;
mod extract;
pub mod funding;
pub mod funding_applications;
pub mod funding_capacity;
pub mod funding_files;
mod history;
mod imports;
mod organisations;
pub mod plan_files;
pub mod plans;
mod platform;
pub mod projects;
pub mod projects_portfolio;
pub mod public;
pub mod publication;
pub mod reuse_feedback;
pub mod reuse_report;
mod reviews;
pub mod search;
pub mod streamed;
pub mod talent;
pub mod talent_files;
pub mod talent_grid;
pub mod talent_returns;
mod users;

use std::sync::OnceLock;

use axum::Json;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use extract::{ApiJson, ApiPath, ApiQuery};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cosinum",
        description = "API du pilotage du numérique de l'État (COSINUM). Authentification : \
                       `Authorization: Bearer JETON` (jeton créé dans « Mon compte » ou par \
                       `cosinum token create`). Erreurs : `{\"code\": \"…\", \"message\": \"…\"}`.",
        license(name = "EUPL-1.2")
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::ErrorBody)),
    tags(
        (name = "platform", description = "Santé, identité, OpenAPI"),
        (name = "organisations", description = "Ministères, directions, opérateurs"),
        (name = "users", description = "Comptes (administrateurs)"),
        (name = "history", description = "Historique des modifications"),
        (name = "projects", description = "Grands projets numériques : références, revues, panorama"),
        (name = "demarches", description = "Qualité des démarches en ligne : éditions, indicateurs, bilan"),
        (name = "cloud", description = "Hébergement : inventaire des applications, doctrine « Cloud au centre »"),
        (name = "reuse", description = "Réutilisation : plans d'investissement des ministères, déjà fait ailleurs"),
        (name = "talents", description = "Talents du numérique : rotation, vacance, externalisation"),
        (name = "funding", description = "Financements : fonds, guichets, dossiers, décisions, crédits AE/CP, capacité des ministères"),
        (name = "committee", description = "Comité (COSINUM) : séances, ordre du jour, fiches figées, dossier, décisions et leur suivi, relevés"),
        (name = "publication", description = "Publication en données ouvertes : règles par champ, versions sous embargo, publication (DINUM)"),
        (name = "campaigns", description = "Campagnes de collecte : éléments attendus par ministère, saisie, modèle pré-rempli, attestation, acceptation ou renvoi, relances et notifications"),
        (name = "public", description = "Données ouvertes, sans authentification : versions publiées, fichiers, enregistrements, chiffres clés (ETag, cache)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes, with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(platform::health))
        .routes(routes!(platform::me))
        .routes(routes!(organisations::list, organisations::create))
        .routes(routes!(organisations::get, organisations::update))
        .routes(routes!(organisations::archive))
        .routes(routes!(organisations::restore))
        .routes(routes!(users::list, users::create))
        .routes(routes!(access_requests::list))
        .routes(routes!(access_requests::approve))
        .routes(routes!(access_requests::reject))
        .routes(routes!(users::get, users::update))
        .routes(routes!(history::show))
        .routes(routes!(projects_portfolio::portfolio))
        .routes(routes!(projects_portfolio::editions))
        .routes(routes!(exports::export))
        .routes(routes!(imports::import))
        .routes(routes!(projects::list, projects::create))
        .routes(routes!(projects::get, projects::update))
        .routes(routes!(reviews::add_baseline))
        .routes(routes!(projects::merge))
        .routes(routes!(avis::list))
        .routes(routes!(avis::list_missing))
        .routes(routes!(avis::create))
        .routes(routes!(avis::get, avis::update))
        .routes(routes!(avis::add_recommendation))
        .routes(routes!(avis::follow_up))
        .routes(routes!(demarches::summary))
        .routes(routes!(demarches::editions, demarches_crud::open_edition))
        .routes(routes!(demarches_crud::list, demarches_crud::create))
        .routes(routes!(demarches_crud::get, demarches_crud::update))
        .routes(routes!(demarches_crud::put_values))
        .routes(routes!(demarches_crud::list_movers))
        .routes(routes!(demarches_targets::list, demarches_targets::create))
        .routes(routes!(
            demarches_targets::update,
            demarches_targets::withdraw
        ))
        .routes(routes!(demarches_files::import))
        .routes(routes!(demarches_files::export))
        .routes(routes!(demarches_files::year_end))
        .routes(routes!(funding::list_funds, funding::create_fund))
        .routes(routes!(funding::update_fund))
        .routes(routes!(funding::create_window))
        .routes(routes!(funding::update_window))
        .routes(routes!(funding::summary))
        .routes(routes!(funding_files::export))
        .routes(routes!(funding_files::import))
        .routes(routes!(
            funding_applications::list,
            funding_applications::create
        ))
        .routes(routes!(
            funding_applications::get,
            funding_applications::update
        ))
        .routes(routes!(funding_applications::decide))
        .routes(routes!(funding_applications::add_movement))
        .routes(routes!(
            funding_capacity::capacity,
            funding_capacity::set_capacity
        ))
        .routes(routes!(funding_capacity::what_if))
        .routes(routes!(cloud::compliance))
        .routes(routes!(cloud::list, cloud_writes::create))
        .routes(routes!(cloud::get, cloud_writes::update))
        .routes(routes!(cloud_writes::add_assessment))
        .routes(routes!(cloud_writes::add_hosting))
        .routes(routes!(cloud_writes::add_derogation))
        .routes(routes!(cloud::offers, cloud_writes::create_offer))
        .routes(routes!(cloud_files::export))
        .routes(routes!(cloud_files::import))
        .routes(routes!(plans::list, plans::open))
        .routes(routes!(plans::consolidated))
        .routes(routes!(plans::get))
        .routes(routes!(plans::add_line))
        .routes(routes!(plans::update_line))
        .routes(routes!(plans::set_status))
        .routes(routes!(plans::add_comment))
        .routes(routes!(plan_files::export))
        .routes(routes!(plan_files::import))
        .routes(routes!(campaigns::list, campaigns::open))
        .routes(routes!(campaigns::get))
        .routes(routes!(campaigns::items))
        .routes(routes!(campaigns::put_values))
        .routes(routes!(campaigns::attest))
        .routes(routes!(campaigns::decide))
        .routes(routes!(campaigns::accept_unflagged))
        .routes(routes!(campaigns::close))
        .routes(routes!(campaigns::template))
        .routes(routes!(campaigns::import))
        .routes(routes!(campaigns::dispatch))
        .routes(routes!(campaigns::notifications))
        .routes(routes!(campaigns::mark_read))
        .routes(routes!(search::search))
        .routes(routes!(search::similar))
        .routes(routes!(search::similar_to_draft))
        .routes(routes!(
            reuse_feedback::put_feedback,
            reuse_feedback::list_feedback
        ))
        .routes(routes!(reuse_report::duplicates))
        .routes(routes!(talent::summary_of))
        .routes(routes!(talent_returns::list, talent_returns::create))
        .routes(routes!(talent_returns::update))
        .routes(routes!(talent_files::export))
        .routes(routes!(talent_files::import))
        .routes(routes!(talent_grid::list))
        .routes(routes!(talent_grid::salary_check_api))
        .routes(routes!(talent_grid::export))
        .routes(routes!(talent_grid::import))
        .routes(routes!(committee::get_committee, committee::set_committee))
        .routes(routes!(committee::list_sessions, committee::create_session))
        .routes(routes!(committee::get_session, committee::update_session))
        .routes(routes!(committee::set_attendance))
        .routes(routes!(committee::proposals))
        .routes(routes!(committee::add_point))
        .routes(routes!(committee::change_point))
        .routes(routes!(committee::sheet))
        .routes(routes!(committee::freeze))
        .routes(routes!(committee::pack_pdf))
        .routes(routes!(committee_decisions::add_decision))
        .routes(routes!(committee_decisions::register))
        .routes(routes!(
            committee_decisions::get_decision,
            committee_decisions::update_decision
        ))
        .routes(routes!(committee_decisions::add_note))
        .routes(routes!(
            committee_decisions::records,
            committee_decisions::open_record
        ))
        .routes(routes!(committee_decisions::change_record))
        .routes(routes!(committee_decisions::record_document))
        .routes(routes!(reviews::add_review))
        .routes(routes!(reviews::update_review))
        .routes(routes!(reviews::set_dinum_rating))
        .routes(routes!(publication::get_rules, publication::set_rules))
        .routes(routes!(publication::list_releases, publication::prepare))
        .routes(routes!(publication::get_release, publication::decide))
        .routes(routes!(publication::release_file))
        .routes(routes!(publication::verify))
        .routes(routes!(public::releases))
        .routes(routes!(public::release))
        .routes(routes!(public::latest))
        .routes(routes!(public::file))
        .routes(routes!(public::records))
        .routes(routes!(public::panorama_figures))
        .routes(routes!(public::observatoire_figures_route))
        .route("/api/v1/openapi.json", axum::routing::get(openapi_json))
}

async fn openapi_json() -> impl IntoResponse {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    Json(DOC.get_or_init(crate::openapi).clone())
}
