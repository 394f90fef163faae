//! The main navigation: one entry per module. A module adds its entry here
//! when it lands, with the condition under which a user sees it.

use cosinum_domain::authz::{Access, Actor, Resource, allows};

/// One entry of the DSFR main navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

struct Module {
    label: &'static str,
    href: &'static str,
    visible: fn(Option<&Actor>) -> bool,
}

fn signed_in(actor: Option<&Actor>) -> bool {
    actor.is_some()
}

fn platform_admin(actor: Option<&Actor>) -> bool {
    allows(actor, Access::Read, &Resource::platform())
}

fn sees_everything(actor: Option<&Actor>) -> bool {
    actor.is_some_and(Actor::sees_everything)
}

fn everyone(_: Option<&Actor>) -> bool {
    true
}

const MODULES: &[Module] = &[
    Module {
        label: "Accueil",
        href: "/",
        visible: everyone,
    },
    Module {
        label: "Grands projets",
        href: "/projets",
        visible: signed_in,
    },
    Module {
        label: "Démarches en ligne",
        href: "/demarches",
        visible: signed_in,
    },
    Module {
        label: "Financements",
        href: "/financements",
        visible: signed_in,
    },
    Module {
        label: "Hébergement",
        href: "/hebergement",
        visible: signed_in,
    },
    Module {
        label: "Talents",
        href: "/talents",
        visible: signed_in,
    },
    Module {
        label: "Réutilisation",
        href: "/reutilisation",
        visible: signed_in,
    },
    Module {
        label: "Campagnes",
        href: "/campagnes",
        visible: signed_in,
    },
    Module {
        label: "Comité",
        href: "/comite",
        visible: signed_in,
    },
    Module {
        label: "Publication",
        href: "/publication",
        visible: sees_everything,
    },
    Module {
        label: "Données ouvertes",
        href: "/donnees",
        visible: everyone,
    },
    Module {
        label: "Organisations",
        href: "/organisations",
        visible: signed_in,
    },
    Module {
        label: "Administration",
        href: "/admin/utilisateurs",
        visible: platform_admin,
    },
];

/// The entries `actor` sees, the one containing `path` marked current.
pub fn items(actor: Option<&Actor>, path: &str) -> Vec<NavItem> {
    MODULES
        .iter()
        .filter(|m| (m.visible)(actor))
        .map(|m| NavItem {
            label: m.label,
            href: m.href,
            current: if m.href == "/" {
                path == "/"
            } else {
                path == m.href || path.starts_with(&format!("{}/", m.href))
            },
        })
        .collect()
}
