//! server tests
