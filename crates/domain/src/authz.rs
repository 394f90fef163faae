//! The one authorisation policy: every read and write in cosinum asks [`allows`].
//!
//! Roles (issue #2): `admin` runs the platform; `steering` is the DINUM (reads
//! everything, writes interministerial objects and the referential);
//! `ministry_editor` writes the data of its organisation and the organisations
//! below it; `ministry_reader` reads it; anonymous visitors see only what is
//! published as open data.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{OrgId, UserId};

/// A user's role on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Steering,
    MinistryEditor,
    MinistryReader,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Steering,
        Role::MinistryEditor,
        Role::MinistryReader,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Steering => "steering",
            Role::MinistryEditor => "ministry_editor",
            Role::MinistryReader => "ministry_reader",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Role::Admin => "Administrateur de la plateforme",
            Role::Steering => "Pilotage (DINUM)",
            Role::MinistryEditor => "Éditeur ministériel",
            Role::MinistryReader => "Lecteur ministériel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Ministry roles only make sense attached to an organisation.
    pub fn needs_organisation(self) -> bool {
        matches!(self, Role::MinistryEditor | Role::MinistryReader)
    }
}

/// Who owns an object, which decides who may read and write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Owner {
    /// Data of one organisation (a ministry, a direction, an operator).
    Organisation(OrgId),
    /// Shared, interministerial objects: every signed-in user reads them,
    /// the DINUM writes them.
    Interministerial,
    /// The DINUM's internal working objects: steering and admin only.
    Steering,
    /// The platform itself (accounts, their tokens): administrators only.
    Platform,
}

/// What an object is, as far as the policy is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Resource {
    pub owner: Owner,
    /// Published as open data: readable by anyone, anonymous included.
    pub published: bool,
    /// Part of the referential (the organisations tree) that the DINUM maintains
    /// even when a ministry owns the record.
    pub referential: bool,
}

impl Resource {
    pub fn owned_by(owner: Owner) -> Self {
        Self {
            owner,
            published: false,
            referential: false,
        }
    }

    /// The organisations directory as a whole: every signed-in user reads it.
    pub fn organisation_directory() -> Self {
        Self::owned_by(Owner::Interministerial)
    }

    /// One organisation record, or a new one under `parent`: the ministry above
    /// it owns it (its editors maintain their directions and operators), and the
    /// DINUM maintains the whole referential; top-level ministries are
    /// interministerial records.
    pub fn organisation_record(parent: Option<OrgId>) -> Self {
        Self {
            owner: parent.map_or(Owner::Interministerial, Owner::Organisation),
            published: false,
            referential: true,
        }
    }

    /// User accounts and API tokens.
    pub fn platform() -> Self {
        Self::owned_by(Owner::Platform)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// A signed-in user (through a session or an API token) as the policy sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    /// The user's own organisation, if any.
    pub organisation: Option<OrgId>,
    /// The organisation and everything below it.
    pub scope: BTreeSet<OrgId>,
    /// An API token limited to reading.
    pub read_only: bool,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the actor sees every organisation's data.
    pub fn sees_everything(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Steering)
    }

    pub fn in_scope(&self, org: OrgId) -> bool {
        self.sees_everything() || self.scope.contains(&org)
    }

    /// The organisations whose own objects this actor may read, `None` when
    /// it may read every organisation's (what [`allows`] decides for a
    /// resource owned by an organisation and not published): a reader
    /// limited to these needs only their rows read.
    pub fn reads_only(&self) -> Option<&BTreeSet<OrgId>> {
        (!self.sees_everything()).then_some(&self.scope)
    }
}

/// The authorisation decision for `actor` (None = anonymous) doing `access` on `resource`.
pub fn allows(actor: Option<&Actor>, access: Access, resource: &Resource) -> bool {
    let Some(actor) = actor else {
        return access == Access::Read && resource.published;
    };
    if access == Access::Write && actor.read_only {
        return false;
    }
    match access {
        Access::Read => {
            resource.published
                || match actor.role {
                    Role::Admin => true,
                    Role::Steering => resource.owner != Owner::Platform,
                    Role::MinistryEditor | Role::MinistryReader => match resource.owner {
                        Owner::Organisation(org) => actor.scope.contains(&org),
                        Owner::Interministerial => true,
                        Owner::Steering | Owner::Platform => false,
                    },
                }
        }
        Access::Write => match actor.role {
            Role::Admin => true,
            Role::Steering => match resource.owner {
                Owner::Organisation(_) => resource.referential,
                Owner::Interministerial | Owner::Steering => true,
                Owner::Platform => false,
            },
            Role::MinistryEditor => match resource.owner {
                Owner::Organisation(org) => actor.scope.contains(&org),
                Owner::Interministerial | Owner::Steering | Owner::Platform => false,
            },
            Role::MinistryReader => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn actor(role: Role, scope: &[i64]) -> Actor {
        Actor {
            user_id: UserId(1),
            role,
            organisation: scope.first().map(|&o| OrgId(o)),
            scope: scope.iter().map(|&o| OrgId(o)).collect(),
            read_only: false,
        }
    }

    fn res(owner: Owner) -> Resource {
        Resource::owned_by(owner)
    }

    #[test]
    fn editor_of_a_cannot_write_b() {
        let editor_a = actor(Role::MinistryEditor, &[1, 11, 12]);
        assert!(allows(
            Some(&editor_a),
            Access::Write,
            &res(Owner::Organisation(OrgId(11)))
        ));
        assert!(!allows(
            Some(&editor_a),
            Access::Write,
            &res(Owner::Organisation(OrgId(2)))
        ));
        assert!(!allows(
            Some(&editor_a),
            Access::Read,
            &res(Owner::Organisation(OrgId(2)))
        ));
    }

    #[test]
    fn steering_reads_all_and_writes_shared_objects_only() {
        let dinum = actor(Role::Steering, &[]);
        let ministry_data = res(Owner::Organisation(OrgId(2)));
        assert!(allows(Some(&dinum), Access::Read, &ministry_data));
        assert!(!allows(Some(&dinum), Access::Write, &ministry_data));
        assert!(allows(
            Some(&dinum),
            Access::Write,
            &res(Owner::Interministerial)
        ));
        assert!(allows(Some(&dinum), Access::Write, &res(Owner::Steering)));
        let referential = Resource {
            referential: true,
            ..ministry_data
        };
        assert!(allows(Some(&dinum), Access::Write, &referential));
    }

    #[test]
    fn readers_and_anonymous() {
        let reader = actor(Role::MinistryReader, &[1]);
        let own = res(Owner::Organisation(OrgId(1)));
        assert!(allows(Some(&reader), Access::Read, &own));
        assert!(!allows(Some(&reader), Access::Write, &own));
        assert!(allows(
            Some(&reader),
            Access::Read,
            &res(Owner::Interministerial)
        ));
        assert!(!allows(Some(&reader), Access::Read, &res(Owner::Steering)));
        assert!(!allows(None, Access::Read, &own));
        let published = Resource {
            published: true,
            ..own
        };
        assert!(allows(None, Access::Read, &published));
        assert!(!allows(None, Access::Write, &published));
    }

    #[test]
    fn platform_objects_are_for_admins_only() {
        for role in [Role::Steering, Role::MinistryEditor, Role::MinistryReader] {
            let a = actor(role, &[1]);
            assert!(
                !allows(Some(&a), Access::Read, &Resource::platform()),
                "{role:?}"
            );
            assert!(
                !allows(Some(&a), Access::Write, &Resource::platform()),
                "{role:?}"
            );
        }
        assert!(allows(
            Some(&actor(Role::Admin, &[])),
            Access::Write,
            &Resource::platform()
        ));
    }

    #[test]
    fn organisation_records() {
        let editor = actor(Role::MinistryEditor, &[1, 11]);
        let dinum = actor(Role::Steering, &[]);
        let ministry = Resource::organisation_record(None);
        let direction_of_1 = Resource::organisation_record(Some(OrgId(1)));
        let direction_of_2 = Resource::organisation_record(Some(OrgId(2)));
        assert!(!allows(Some(&editor), Access::Write, &ministry));
        assert!(allows(Some(&editor), Access::Write, &direction_of_1));
        assert!(!allows(Some(&editor), Access::Write, &direction_of_2));
        assert!(allows(Some(&dinum), Access::Write, &ministry));
        assert!(allows(Some(&dinum), Access::Write, &direction_of_2));
        let reader = actor(Role::MinistryReader, &[2]);
        assert!(allows(
            Some(&reader),
            Access::Read,
            &Resource::organisation_directory()
        ));
    }

    #[test]
    fn read_only_tokens_never_write() {
        let mut admin = actor(Role::Admin, &[]);
        admin.read_only = true;
        assert!(!allows(
            Some(&admin),
            Access::Write,
            &res(Owner::Interministerial)
        ));
        assert!(allows(Some(&admin), Access::Read, &res(Owner::Steering)));
    }

    fn any_owner() -> impl Strategy<Value = Owner> {
        prop_oneof![
            (0i64..6).prop_map(|o| Owner::Organisation(OrgId(o))),
            Just(Owner::Interministerial),
            Just(Owner::Steering),
            Just(Owner::Platform),
        ]
    }

    fn any_actor() -> impl Strategy<Value = Actor> {
        (
            proptest::sample::select(Role::ALL.to_vec()),
            proptest::collection::btree_set(0i64..6, 0..4),
            any::<bool>(),
        )
            .prop_map(|(role, scope, read_only)| Actor {
                user_id: UserId(7),
                role,
                organisation: scope.iter().next().map(|&o| OrgId(o)),
                scope: scope.into_iter().map(OrgId).collect(),
                read_only,
            })
    }

    proptest! {
        /// Whoever may write an object may also read it.
        #[test]
        fn write_implies_read(a in any_actor(), owner in any_owner(), published: bool, referential: bool) {
            let r = Resource { owner, published, referential };
            if allows(Some(&a), Access::Write, &r) {
                prop_assert!(allows(Some(&a), Access::Read, &r));
            }
        }

        /// Ministry roles never reach an organisation outside their scope, unless published.
        #[test]
        fn ministry_roles_stay_in_scope(a in any_actor(), org in 0i64..6, referential: bool) {
            prop_assume!(a.role.needs_organisation());
            let r = Resource { owner: Owner::Organisation(OrgId(org)), published: false, referential };
            let inside = a.scope.contains(&OrgId(org));
            prop_assert_eq!(allows(Some(&a), Access::Read, &r), inside);
            if !inside { prop_assert!(!allows(Some(&a), Access::Write, &r)); }
        }

        /// What `reads_only` names is exactly what reading decides for an
        /// organisation's unpublished objects, whatever the role: a read
        /// limited to those organisations' rows misses nothing visible.
        #[test]
        fn reads_only_names_what_may_be_read(a in any_actor(), org in 0i64..6, referential: bool) {
            let r = Resource { owner: Owner::Organisation(OrgId(org)), published: false, referential };
            let named = a.reads_only().is_none_or(|orgs| orgs.contains(&OrgId(org)));
            prop_assert_eq!(allows(Some(&a), Access::Read, &r), named);
        }

        /// Anonymous visitors read exactly the published objects and write nothing.
        #[test]
        fn anonymous_reads_only_published(owner in any_owner(), published: bool, referential: bool) {
            let r = Resource { owner, published, referential };
            prop_assert_eq!(allows(None, Access::Read, &r), published);
            prop_assert!(!allows(None, Access::Write, &r));
        }
    }
}
