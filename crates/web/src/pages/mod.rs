//! HTML pages (DSFR, in French). Each page template extends `base.html` and
//! carries a [`Layout`] with the navigation, the signed-in user and the CSRF token.

mod access_requests;
mod account;
pub(crate) mod auth;
mod avis_pages;
mod campaign_item;
mod campaign_list;
mod campaigns;
mod cloud;
mod cloud_app;
mod cloud_forms;
mod committee;
mod committee_decisions;
mod committee_sheet;
mod demarche_bulk;
pub(crate) mod demarche_charts;
mod demarche_files;
mod demarche_forms;
mod demarche_page;
mod demarche_targets;
mod demarches;
pub(crate) mod demarches_view;

/// The portfolio's key figures at each half-year end (the dashboard's trend).
pub type PortfolioTrend = Vec<(
    time::Date,
    cosinum_domain::projects::edition::EditionFigures,
)>;
mod duplicates;
mod file_import;
mod funding;
mod funding_edit;
mod funding_forms;
mod history;
mod layout;
mod notifications;
mod organisations;
pub(crate) mod pager;
mod plan_lines;
mod plans;
mod project_forms;
mod project_import;
mod project_page;
mod projects;
mod projects_filter;
mod projects_view;
pub use projects_view::PortfolioView;
mod public_data;
mod public_observatoire;
mod public_panorama;
mod publication;
mod reuse_panel;
mod review_forms;
mod search;
mod talent;
mod talent_forms;
mod talent_grid;
mod upload;
mod users;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::error::{PageError, error_page};
use crate::identity::PageCtx;

pub use layout::{Crumb, Layout, NoticeQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/accessibilite", get(accessibility))
        .route("/connexion", get(auth::login_form).post(auth::login))
        .route("/deconnexion", post(auth::logout))
        .route("/connexion/oidc", get(crate::oidc::routes::start))
        .route(
            crate::oidc::CALLBACK_PATH,
            get(crate::oidc::routes::callback),
        )
        .route("/admin/acces", get(access_requests::list))
        .route(
            "/admin/acces/{id}/approuver",
            post(access_requests::approve),
        )
        .route("/admin/acces/{id}/refuser", post(access_requests::reject))
        .route("/compte", get(account::show))
        .route("/compte/jetons", post(account::create_token))
        .route("/compte/jetons/{id}/revoquer", post(account::revoke_token))
        .route(
            "/organisations",
            get(organisations::list).post(organisations::create),
        )
        .route("/organisations/nouvelle", get(organisations::new_form))
        .route("/organisations/{id}", get(organisations::show))
        .route(
            "/organisations/{id}/modifier",
            get(organisations::edit_form).post(organisations::update),
        )
        .route("/organisations/{id}/archiver", post(organisations::archive))
        .route(
            "/organisations/{id}/restaurer",
            post(organisations::restore),
        )
        .route("/historique/{object_type}/{id}", get(history::show))
        .route("/donnees", get(public_data::hub))
        .route("/donnees/versions", get(public_data::versions))
        .route(
            "/donnees/{dataset}/versions/{number}",
            get(public_data::version),
        )
        .route("/donnees/panorama", get(public_panorama::page))
        .route(
            "/donnees/panorama/projets/{id}",
            get(public_panorama::project),
        )
        .route(
            "/donnees/panorama/graphiques/couts-par-ministere.svg",
            get(public_panorama::chart),
        )
        .route("/donnees/observatoire", get(public_observatoire::page))
        .route(
            "/donnees/observatoire/ministeres/{code}",
            get(public_observatoire::ministry),
        )
        .route(
            "/donnees/observatoire/graphiques/objectifs.svg",
            get(public_observatoire::chart),
        )
        .route("/publication", get(publication::show))
        .route(
            "/publication/{dataset}/regles",
            post(publication::set_rules),
        )
        .route("/publication/versions", post(publication::prepare))
        .route("/publication/versions/{id}", post(publication::decide))
        .route(
            "/publication/versions/{id}/fichiers/{name}",
            get(publication::file),
        )
        .route("/comite", get(committee::list))
        .route("/comite/seances", post(committee::create))
        .route("/comite/seances/{id}", get(committee::show))
        .route("/comite/seances/{id}/modifier", post(committee::update))
        .route("/comite/seances/{id}/presence", post(committee::attendance))
        .route("/comite/seances/{id}/points", post(committee::add_point))
        .route("/comite/seances/{id}/propositions", post(committee::accept))
        .route("/comite/seances/{id}/figer", post(committee::freeze_all))
        .route("/comite/seances/{id}/dossier", get(committee_sheet::pack))
        .route(
            "/comite/seances/{id}/releve",
            get(committee_decisions::record).post(committee_decisions::change_record),
        )
        .route("/comite/points/{id}", get(committee_sheet::show))
        .route("/comite/points/{id}/deplacer", post(committee::move_point))
        .route("/comite/points/{id}/figer", post(committee_sheet::freeze))
        .route(
            "/comite/points/{id}/decisions",
            post(committee_sheet::add_decision),
        )
        .route("/comite/decisions", get(committee_decisions::register))
        .route("/comite/actions", get(committee_decisions::actions))
        .route("/comite/decisions/{id}", get(committee_decisions::show))
        .route(
            "/comite/decisions/{id}/avancement",
            post(committee_decisions::add_note),
        )
        .route(
            "/comite/decisions/{id}/modifier",
            post(committee_decisions::update),
        )
        .route(
            "/projets",
            get(projects::dashboard).post(project_forms::create),
        )
        .route("/projets/nouveau", get(project_forms::new_form))
        .route(
            "/projets/import",
            get(project_import::form).post(project_import::upload),
        )
        .route("/projets/import/appliquer", post(project_import::confirm))
        .route("/projets/fichiers/{file}", get(project_import::template))
        .route("/projets/{id}", get(project_page::show))
        .route(
            "/projets/{id}/modifier",
            get(project_forms::edit_form).post(project_forms::update),
        )
        .route(
            "/projets/{id}/references",
            get(review_forms::baseline_form).post(review_forms::add_baseline),
        )
        .route(
            "/projets/{id}/revues",
            get(review_forms::review_form).post(review_forms::add_review),
        )
        .route("/revues/{id}/note-dinum", post(review_forms::dinum_rating))
        .route(
            "/revues/{id}/modifier",
            get(review_forms::edit_review_form).post(review_forms::update_review),
        )
        .route("/demarches", get(demarches::dashboard))
        .route(
            "/demarches/nouvelle",
            get(demarche_forms::new_form).post(demarche_forms::create),
        )
        .route(
            "/demarches/saisie",
            get(demarche_bulk::form).post(demarche_bulk::save),
        )
        .route(
            "/demarches/import",
            get(demarche_files::form).post(demarche_files::upload),
        )
        .route("/demarches/import/appliquer", post(demarche_files::confirm))
        .route("/demarches/bilan", get(demarche_files::bilan))
        .route(
            "/demarches/objectifs",
            get(demarche_targets::list).post(demarche_targets::create),
        )
        .route(
            "/demarches/objectifs/{id}/modifier",
            get(demarche_targets::edit_form).post(demarche_targets::update),
        )
        .route(
            "/demarches/objectifs/{id}/retirer",
            post(demarche_targets::withdraw),
        )
        .route("/recherche", get(search::show))
        .route(
            "/reutilisation/avis-candidat",
            post(reuse_panel::give_verdict),
        )
        .route("/reutilisation/doublons", get(duplicates::show))
        .route(
            "/campagnes",
            get(campaign_list::list).post(campaign_list::open),
        )
        .route("/campagnes/{id}", get(campaigns::show))
        .route("/campagnes/{id}/attestation", post(campaigns::attest))
        .route("/campagnes/{id}/cloture", post(campaigns::close))
        .route(
            "/campagnes/{id}/accepter",
            post(campaigns::accept_unflagged),
        )
        .route("/campagnes/{id}/modele", get(campaigns::template))
        .route(
            "/campagnes/{id}/import",
            get(file_import::campaign_form).post(file_import::campaign_upload),
        )
        .route(
            "/campagnes/{id}/import/appliquer",
            post(file_import::campaign_confirm),
        )
        .route(
            "/campagnes/{cid}/elements/{id}",
            get(campaign_item::show).post(campaign_item::save),
        )
        .route(
            "/campagnes/{cid}/elements/{id}/decision",
            post(campaign_item::decide),
        )
        .route("/notifications", get(notifications::notifications))
        .route("/notifications/lues", post(notifications::mark_read))
        .route("/reutilisation", get(plans::consolidated))
        .route("/reutilisation/plans", post(plans::open))
        .route(
            "/reutilisation/import",
            get(file_import::plans_form).post(file_import::plans_upload),
        )
        .route(
            "/reutilisation/import/appliquer",
            post(file_import::plans_confirm),
        )
        .route("/reutilisation/plans/{id}", get(plans::show))
        .route("/reutilisation/plans/{id}/etape", post(plans::step))
        .route("/reutilisation/plans/{id}/reviser", post(plans::revise))
        .route(
            "/reutilisation/plans/{id}/commentaires",
            post(plans::add_comment),
        )
        .route(
            "/reutilisation/plans/{id}/lignes/nouvelle",
            get(plan_lines::new_form).post(plan_lines::create),
        )
        .route(
            "/reutilisation/lignes/{id}/modifier",
            get(plan_lines::edit_form).post(plan_lines::update),
        )
        .route("/talents", get(talent::dashboard))
        .route("/talents/retours", get(talent_forms::list))
        .route(
            "/talents/retours/nouveau",
            get(talent_forms::new_form).post(talent_forms::create),
        )
        .route(
            "/talents/retours/{id}/modifier",
            get(talent_forms::edit_form).post(talent_forms::update),
        )
        .route(
            "/talents/import",
            get(file_import::hr_form).post(file_import::hr_upload),
        )
        .route("/talents/import/appliquer", post(file_import::hr_confirm))
        .route("/talents/grille", get(talent_grid::show))
        .route(
            "/talents/grille/import",
            get(file_import::grid_form).post(file_import::grid_upload),
        )
        .route(
            "/talents/grille/import/appliquer",
            post(file_import::grid_confirm),
        )
        .route("/hebergement", get(cloud::dashboard))
        .route(
            "/hebergement/import",
            get(file_import::inventory_form).post(file_import::inventory_upload),
        )
        .route(
            "/hebergement/import/appliquer",
            post(file_import::inventory_confirm),
        )
        .route(
            "/hebergement/applications/nouvelle",
            get(cloud_forms::new_form).post(cloud_forms::create),
        )
        .route("/hebergement/applications/{id}", get(cloud_app::show))
        .route(
            "/hebergement/applications/{id}/modifier",
            get(cloud_forms::edit_form).post(cloud_forms::update),
        )
        .route(
            "/hebergement/applications/{id}/derogation",
            post(cloud_forms::derogate),
        )
        .route(
            "/hebergement/applications/{id}/evaluation",
            post(cloud_app::assess),
        )
        .route(
            "/hebergement/applications/{id}/hebergement",
            post(cloud_app::host),
        )
        .route("/financements", get(funding::dashboard))
        .route("/financements/ministeres/{code}", get(funding::ministry))
        .route(
            "/financements/ministeres/{code}/capacite",
            post(funding_edit::save_capacity),
        )
        .route(
            "/financements/dossiers/nouveau",
            get(funding_forms::new_form).post(funding_forms::create),
        )
        .route(
            "/financements/import",
            get(file_import::funding_form).post(file_import::funding_upload),
        )
        .route(
            "/financements/import/appliquer",
            post(file_import::funding_confirm),
        )
        .route("/financements/dossiers/{id}", get(funding_forms::show))
        .route(
            "/financements/dossiers/{id}/modifier",
            get(funding_edit::edit_form).post(funding_edit::update),
        )
        .route(
            "/financements/dossiers/{id}/decision",
            post(funding_edit::decide),
        )
        .route(
            "/financements/dossiers/{id}/mouvements",
            post(funding_edit::add_movement),
        )
        .route("/demarches/{id}", get(demarche_page::show))
        .route(
            "/demarches/{id}/modifier",
            get(demarche_forms::edit_form).post(demarche_forms::update),
        )
        .route(
            "/demarches/{id}/valeurs",
            get(demarche_forms::values_form).post(demarche_forms::save_values),
        )
        .route("/avis", get(avis_pages::list))
        .route(
            "/avis/{id}",
            get(avis_pages::show).post(avis_pages::instruct),
        )
        .route(
            "/avis/{id}/recommandations",
            post(avis_pages::add_recommendation),
        )
        .route("/recommandations/{id}", post(avis_pages::follow_up))
        .route("/projets/{id}/avis", post(avis_pages::create))
        .route("/admin/utilisateurs", get(users::list).post(users::create))
        .route("/admin/utilisateurs/nouveau", get(users::new_form))
        .route(
            "/admin/utilisateurs/{id}/modifier",
            get(users::edit_form).post(users::update),
        )
        .route("/admin/utilisateurs/{id}/desactiver", post(users::disable))
        .route("/admin/utilisateurs/{id}/reactiver", post(users::enable))
}

/// Renders a template into a 200 page.
pub fn render(t: &impl Template) -> Result<Response, PageError> {
    Ok(Html(t.render()?).into_response())
}

/// Renders a template with another status (a form shown again with errors).
pub fn render_status(status: StatusCode, t: &impl Template) -> Result<Response, PageError> {
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    signed_in: bool,
    is_admin: bool,
}

async fn home(ctx: PageCtx) -> Result<Response, PageError> {
    let layout = Layout::new(&ctx, "Accueil", Vec::new());
    render(&HomePage {
        layout,
        signed_in: ctx.identity.is_some(),
        is_admin: ctx.identity.as_ref().is_some_and(|i| i.actor.is_admin()),
    })
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    layout: Layout,
}

async fn accessibility(ctx: PageCtx) -> Result<Response, PageError> {
    let layout = Layout::new(
        &ctx,
        "Déclaration d'accessibilité",
        vec![Crumb::link("Accueil", "/"), Crumb::here("Accessibilité")],
    );
    render(&AccessibilityPage { layout })
}

/// The 404 page for any unknown path (JSON under `/api/`).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError(crate::AppError::NotFound).into_response();
    }
    error_page(
        StatusCode::NOT_FOUND,
        "La page que vous cherchez n'existe pas ou a été déplacée.".to_owned(),
    )
}

/// Formats a date the French way (28/11/2026).
pub fn fr_date(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// Formats an instant in Paris time the French way (28/11/2026 14:05).
pub fn fr_datetime(t: time::OffsetDateTime) -> String {
    // Paris is UTC+1 in winter, UTC+2 in summer (last Sunday of March to last Sunday of October).
    let offset = if paris_summer_time(t) { 2 } else { 1 };
    let local =
        t.to_offset(time::UtcOffset::from_hms(offset, 0, 0).unwrap_or(time::UtcOffset::UTC));
    format!(
        "{} {:02}:{:02}",
        fr_date(local.date()),
        local.hour(),
        local.minute()
    )
}

fn last_sunday(year: i32, month: time::Month) -> time::Date {
    let mut d =
        time::Date::from_calendar_date(year, month, month.length(year)).unwrap_or(time::Date::MIN);
    while d.weekday() != time::Weekday::Sunday {
        d = d.previous_day().unwrap_or(d);
    }
    d
}

/// EU rule: summer time from 01:00 UTC on the last Sunday of March to 01:00 UTC
/// on the last Sunday of October.
fn paris_summer_time(t: time::OffsetDateTime) -> bool {
    let utc = t.to_offset(time::UtcOffset::UTC);
    let year = utc.year();
    let start = last_sunday(year, time::Month::March)
        .with_hms(1, 0, 0)
        .map(|d| d.assume_utc());
    let end = last_sunday(year, time::Month::October)
        .with_hms(1, 0, 0)
        .map(|d| d.assume_utc());
    matches!((start, end), (Ok(s), Ok(e)) if utc >= s && utc < e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn french_dates_and_paris_time() {
        assert_eq!(fr_date(date!(2026 - 03 - 05)), "05/03/2026");
        assert_eq!(
            fr_datetime(datetime!(2026-11-28 13:05 UTC)),
            "28/11/2026 14:05"
        );
        assert_eq!(
            fr_datetime(datetime!(2026-07-14 10:00 UTC)),
            "14/07/2026 12:00"
        );
        // 2026: summer time starts 29 March 01:00 UTC, ends 25 October 01:00 UTC.
        assert_eq!(
            fr_datetime(datetime!(2026-03-29 00:59 UTC)),
            "29/03/2026 01:59"
        );
        assert_eq!(
            fr_datetime(datetime!(2026-03-29 01:00 UTC)),
            "29/03/2026 03:00"
        );
        assert_eq!(
            fr_datetime(datetime!(2026-10-25 00:59 UTC)),
            "25/10/2026 02:59"
        );
        assert_eq!(
            fr_datetime(datetime!(2026-10-25 01:00 UTC)),
            "25/10/2026 02:00"
        );
    }
}
