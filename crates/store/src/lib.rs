//! Storage for cosinum: one SQL code path run on SQLite (the default, embedded)
//! or PostgreSQL (production), migrations embedded per backend, and the audit
//! history written in the same transaction as every change.
//!
//! Every query is a single SQL string in portable dialect (`$1` placeholders,
//! `RETURNING`, recursive CTEs) executed through [`on_pool!`] or [`on_tx!`],
//! which expand the same body once per backend.

#[macro_use]
mod db;
pub mod among;
pub mod audit;
pub mod backup;
pub mod campaigns;
pub mod cloud;
pub mod committee;
pub mod demarches;
pub mod demo;
mod demo_campaigns;
mod demo_cloud;
mod demo_demarches;
mod demo_funding;
mod demo_plans;
mod demo_projects;
mod demo_talent;
mod error;
pub mod funding;
pub mod login_failures;
pub mod oidc;
pub mod organisations;
pub mod plans;
pub mod projects;
pub mod publication;
pub mod reuse_feedback;
pub mod salary_grids;
pub mod scale;
pub mod schema;
pub mod secrets;
pub mod sessions;
pub mod talent;
pub mod tokens;
pub mod users;

pub use audit::{AuditCtx, AuditEntry, Via};
pub use db::{Backend, Db, Tx, redact_url};
pub use error::{StoreError, StoreResult};
