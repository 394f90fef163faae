//! What `cosinum-bench` shares with the integration tests: the load
//! generator (`load`), whose bounded run is a test and whose full run is
//! `scripts/load-test`.

pub mod load;
