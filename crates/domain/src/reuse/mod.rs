//! Reuse: ministries' investment plans, and (with the search crate) the
//! detection of efforts already made elsewhere. Every function here is pure.

pub mod feedback;
pub mod plans;
