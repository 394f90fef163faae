//! The committee (issue #9) seen from the web layer: the briefing sheets
//! built from every module's figures as of a session's cut-off date, the
//! signals that propose agenda points, and the printable documents
//! assembled from the stored records.

pub mod demo;
pub mod documents;
pub mod fiches;
pub mod objects;
pub mod register;
pub mod service;
pub mod signals;

use std::collections::BTreeSet;

use cosinum_domain::UserId;
use cosinum_domain::authz::{Actor, Role};

/// The reader the committee's documents are built for: the committee sees
/// every ministry's figures (its members are the ministries'
/// secretaries-general), so sheets are computed with the DINUM's view.
pub fn committee_reader() -> Actor {
    Actor {
        user_id: UserId(0),
        role: Role::Steering,
        organisation: None,
        scope: BTreeSet::new(),
        read_only: true,
    }
}
