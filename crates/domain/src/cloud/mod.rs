//! Cloud hosting: the application inventory, data sensitivity under the
//! 2021 and 2023 doctrines, hosting offers, and the "Cloud au centre"
//! compliance engine. Facts: `shared/reference/cloud-talents-relance.md`
//! part A. Every function here is pure.

pub mod compliance;
pub mod types;
