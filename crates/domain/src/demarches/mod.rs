//! Online procedures ("démarches") of the Observatoire / Vos démarches
//! essentielles (VDE): indicator methods as data, per-edition shares, targets
//! and the year-end bilan.
//!
//! Facts, rules and sources: `shared/reference/demarches.md` (cited as
//! "DM §n" below). Every function here is pure and documented with its source.

pub mod bilan;
pub mod demarche;
pub mod method;
pub mod position;
pub mod shares;
pub mod targets;

pub use method::{
    Assessment, Colour, Indicator, Level, Method, RawValue, Scale, V2019, V2023, assess, method,
    method_in_force, methods, parse_raw, same_value,
};
