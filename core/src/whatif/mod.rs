//! What-if index advice that needs no server: how large a hypothetical index would be.

pub mod size;
