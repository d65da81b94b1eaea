//! What-if index advice that needs no server: how large a hypothetical index would be,
//! which indexes could serve a statement, and which set serves a workload best.

pub mod candidates;
pub mod select;
pub mod size;
