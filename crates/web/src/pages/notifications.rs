//! The signed-in person's notifications (campaign notices), newest first,
//! and marking them read.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_store::campaigns::notices;

use super::campaigns::Notice;
use super::{Crumb, Layout, fr_datetime, render};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

/// One notification as listed.
struct NoteLine {
    text: String,
    campaign: String,
    link: String,
    at: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "campaigns/notifications.html")]
struct NotificationsPage {
    layout: Layout,
    notes: Vec<NoteLine>,
    unread: i64,
}

pub async fn notifications(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let user = page.actor().user_id.0;
    let notes = notices::for_user(&state.db, user, 200)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|n| NoteLine {
            text: n.text,
            campaign: n.campaign,
            link: n.link,
            at: fr_datetime(n.created_at),
            read: n.read,
        })
        .collect();
    render(&NotificationsPage {
        layout: Layout::new(
            &page.ctx,
            "Notifications",
            vec![Crumb::link("Accueil", "/"), Crumb::here("Notifications")],
        )
        .with_notice(q.ok.as_deref()),
        unread: notices::unread(&state.db, user)
            .await
            .map_err(AppError::from)?,
        notes,
    })
}

pub async fn mark_read(
    State(state): State<AppState>,
    page: SignedPage,
) -> Result<Response, PageError> {
    notices::mark_read(&state.db, page.actor().user_id.0, None)
        .await
        .map_err(AppError::from)?;
    Ok(Redirect::to("/notifications?ok=lues").into_response())
}
