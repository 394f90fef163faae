//! Funding: funds and their windows, applications and decisions, AE/CP
//! credit consumption, and each ministry's capacity to deliver what it asks
//! for. Facts and vocabulary: `shared/reference/cloud-talents-relance.md`
//! part C ("CTR §C.n"). Every function here is pure.

pub mod capacity;
pub mod consumption;
pub mod decisions;
pub mod report;
pub mod types;

pub use types::{
    Application, ApplicationFields, Capacity, Fund, Movement, MovementKind, Semester, Status,
    Window,
};
