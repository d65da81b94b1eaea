//! Index rules: foreign keys without a covering index (and, later, unused, duplicate,
//! redundant and invalid indexes).

pub mod coverage;
pub mod missing_fk;
