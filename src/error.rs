//! Errors of the SQL surface, each raised as an ERROR with a real SQLSTATE and a hint.

use database_advisor_core::rules::UnknownRule;
use pgrx::{pg_sys::panic::ErrorReport, PgLogLevel, PgSqlErrorCode};

pub enum AdvisorError {
    UnknownRule(UnknownRule),
    UnknownFormat {
        given: String,
        valid: &'static [&'static str],
        /// How to call the function with the first valid format, `{}` for the format.
        example: &'static str,
    },
    Catalog(String),
    /// A request the caller can correct: the SQLSTATE, what is wrong, what to do.
    User {
        code: PgSqlErrorCode,
        message: String,
        hint: String,
    },
}

impl AdvisorError {
    /// Raise this error in the backend; never returns.
    pub fn raise(self) -> ! {
        let (code, message, hint) = match self {
            AdvisorError::UnknownRule(e) => (
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                e.to_string(),
                "SELECT id FROM advisor_rules lists every rule id.".to_string(),
            ),
            AdvisorError::UnknownFormat {
                given,
                valid,
                example,
            } => (
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                format!(
                    "unknown report format \"{given}\"; valid formats are: {}",
                    valid.join(", ")
                ),
                format!("Call {}.", example.replace("{}", valid[0])),
            ),
            AdvisorError::Catalog(msg) => (
                PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                format!("database_advisor could not read the catalogs: {msg}"),
                "This is a bug in database_advisor; please report it with your PostgreSQL \
                 version."
                    .to_string(),
            ),
            AdvisorError::User {
                code,
                message,
                hint,
            } => (code, message, hint),
        };
        ErrorReport::new(code, message, "database_advisor")
            .set_hint(hint)
            .report(PgLogLevel::ERROR);
        unreachable!("ERROR does not return")
    }
}

/// The value of an argument that must not be NULL, or an ERROR (22004) naming it.
pub fn required<T>(value: Option<T>, argument: &str) -> T {
    value.unwrap_or_else(|| {
        AdvisorError::User {
            code: PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            message: format!("{argument} must not be NULL"),
            hint: "Leave the argument out to get its default.".into(),
        }
        .raise()
    })
}

/// An array argument without NULL elements (22004 naming the argument otherwise).
pub fn no_null_elements<T>(values: Vec<Option<T>>, argument: &str) -> Vec<T> {
    values
        .into_iter()
        .map(|v| required(v, &format!("an element of {argument}")))
        .collect()
}

impl From<pgrx::spi::SpiError> for AdvisorError {
    fn from(e: pgrx::spi::SpiError) -> Self {
        AdvisorError::Catalog(e.to_string())
    }
}
