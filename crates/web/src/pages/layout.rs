//! What `base.html` needs on every page: the layout (navigation, signed-in
//! user, CSRF token, breadcrumb) and the confirmation shown after a redirect.

use crate::assets;
use crate::identity::{Identity, PageCtx};
use crate::nav::{self, NavItem};

/// One step of the breadcrumb; the last one (the current page) has no link.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

impl Crumb {
    pub fn link(label: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            href: Some(href.into()),
        }
    }

    pub fn here(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            href: None,
        }
    }
}

/// The signed-in user as shown in the header.
#[derive(Debug, Clone)]
pub struct UserBadge {
    pub name: String,
    pub role: &'static str,
}

/// What `base.html` needs on every page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user: Option<UserBadge>,
    pub csrf_token: String,
    pub nav: Vec<NavItem>,
    pub breadcrumbs: Vec<Crumb>,
    pub dsfr: String,
    pub app_css: String,
    pub app_js: String,
    /// A confirmation shown at the top of the page ("Modifications enregistrées").
    pub notice: Option<String>,
}

impl Layout {
    /// A layout that depends on nothing (error pages, rendered outside handlers).
    pub fn bare(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            user: None,
            csrf_token: String::new(),
            nav: nav::items(None, ""),
            breadcrumbs: Vec::new(),
            dsfr: assets::dsfr_base(),
            app_css: assets::own_url("cosinum.css"),
            app_js: assets::own_url("cosinum.js"),
            notice: None,
        }
    }

    pub fn new(ctx: &PageCtx, title: impl Into<String>, breadcrumbs: Vec<Crumb>) -> Self {
        let identity: Option<&Identity> = ctx.identity.as_deref();
        Self {
            title: title.into(),
            user: identity.map(|i| UserBadge {
                name: i.user.display_name.clone(),
                role: i.user.role.label_fr(),
            }),
            csrf_token: identity
                .and_then(|i| i.csrf_token())
                .unwrap_or_default()
                .to_owned(),
            nav: nav::items(ctx.actor(), &ctx.path),
            breadcrumbs,
            dsfr: assets::dsfr_base(),
            app_css: assets::own_url("cosinum.css"),
            app_js: assets::own_url("cosinum.js"),
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: Option<&str>) -> Self {
        self.notice = notice.and_then(notice_text).map(str::to_owned);
        self
    }
}

/// Confirmation messages passed as `?ok=…` after a redirect (fixed texts:
/// nothing from the URL is echoed into the page).
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "enregistre" => "Modifications enregistrées.",
        "cree" => "Création enregistrée.",
        "archive" => "L'objet a été archivé.",
        "restaure" => "L'objet a été restauré.",
        "revoque" => "Le jeton a été révoqué.",
        "importe" => "Import terminé : les projets et revues du fichier sont enregistrés.",
        "importe_demarches" => "Import terminé : l'édition du fichier est enregistrée.",
        "inchange" => "Aucune valeur n'a changé : rien n'a été enregistré.",
        "importe_inventaire" => "Import terminé : l'inventaire du fichier est enregistré.",
        "importe_financements" => {
            "Import terminé : les dossiers ou mouvements du fichier sont enregistrés."
        }
        "importe_rh" => "Import terminé : les retours RH du fichier sont enregistrés.",
        "campagne_ouverte" => "Campagne ouverte : les ministères concernés sont prévenus.",
        "campagne_close" => "Campagne close : plus aucune saisie ni décision.",
        "atteste" => "Attestation enregistrée : vos éléments sont transmis à la DINUM.",
        "accepte" => "Élément accepté : ses valeurs sont intégrées au module.",
        "acceptes" => {
            "Éléments sans signalement acceptés : leurs valeurs sont intégrées aux modules."
        }
        "renvoye" => "Élément renvoyé au ministère pour correction.",
        "importe_campagne" => {
            "Import terminé : les valeurs du fichier sont enregistrées en brouillon."
        }
        "lues" => "Notifications marquées comme lues.",
        "importe_plan" => "Import terminé : les plans du fichier sont enregistrés en brouillon.",
        "importe_grille" => {
            "Import terminé : la grille de rémunération du fichier est enregistrée."
        }
        "desactive" => "Le compte a été désactivé.",
        "fige" => "Fiche validée et figée : ses chiffres ne changeront plus.",
        "reactive" => "Le compte a été réactivé.",
        "acces_approuve" => "Accès accordé : le compte est créé et lié au fournisseur d'identité.",
        "acces_refuse" => "Demande d'accès refusée.",
        _ => return None,
    })
}

/// `?ok=…` confirmation after a redirect.
#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    pub ok: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::notice_text;

    #[test]
    fn notices_are_fixed_texts() {
        assert_eq!(
            notice_text("enregistre"),
            Some("Modifications enregistrées.")
        );
        assert_eq!(notice_text("<script>"), None);
    }
}
