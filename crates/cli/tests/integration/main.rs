//! cosinum's integration tests: one binary (links once), every test run on
//! SQLite and on PostgreSQL (see `harness`).

#[macro_use]
mod harness;

mod audit_concurrency;
mod auth;
mod avis;
mod backup_restore;
mod campaign_modules;
mod campaign_notices;
mod campaigns;
mod cli;
mod cloud;
mod cloud_files;
mod committee;
mod committee_decisions;
mod committee_pages;
mod committee_records;
mod committee_sheets;
mod crash;
mod demarches;
mod demarches_editing;
mod demarches_files;
mod demarches_targets;
mod exports;
mod funding;
mod funding_import;
mod funding_pages;
mod hardening;
mod hostile;
mod load;
mod oidc;
mod oidc_provider;
mod openapi;
mod paging;
mod panorama;
mod panorama_bulk;
mod plan_files;
mod plans;
mod portfolio_parts;
mod portfolio_scoped;
mod projects;
mod publication;
mod publication_public;
mod reuse;
mod role_matrix;
mod scale;
mod schema;
mod search;
mod smtp_sink;
mod talent;
mod talent_nothing_kept;
mod template_import;
mod two_instances;
