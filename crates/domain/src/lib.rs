//! cosinum's pure domain: types, validation, the authorisation policy and the
//! audit diff. Nothing here does I/O, so every rule is unit- and property-tested
//! in isolation and shared by the storage, web and CLI layers.

pub mod agent;
pub mod audit;
pub mod authz;
pub mod campaigns;
pub mod cloud;
pub mod committee;
pub mod demarches;
pub mod funding;
pub mod ids;
pub mod login_guard;
pub mod money;
pub mod organisation;
pub mod projects;
pub mod publication;
pub mod reuse;
pub mod talent;
pub mod token_scope;
pub mod user;
pub mod validation;

pub use ids::{OrgId, UserId};
pub use validation::ValidationError;
