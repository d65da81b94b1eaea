//! Generators: the schema described for the people who build on it — TypeScript types
//! for the application's code, a Mermaid diagram, a data dictionary — from one model of
//! the schema ([`model::Model`]).

pub mod dictionary;
pub mod erd;
pub mod model;
pub mod typescript;
