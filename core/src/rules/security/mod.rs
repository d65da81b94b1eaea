//! Access-security rules for any PostgreSQL: SECURITY DEFINER functions, schema and
//! extension placement, and sensitive data stored in plain text.

pub mod functions;
pub mod schemas;
pub mod sensitive;
