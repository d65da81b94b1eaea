//! The schema model the generators read: one query (`sql/schema_model.sql`) that returns
//! it as JSON.

use crate::error::AdvisorError;
use database_advisor_core::generate::model::Model;
use pgrx::prelude::*;

/// The model's query, remembered as the advisor's own (the report leaves it out of the
/// workload it shows, whichever backend ran it).
pub(super) fn query() -> String {
    let query = super::sql(include_str!("sql/schema_model.sql"));
    super::own_queries::remember(&query, &[pg_sys::TEXTARRAYOID]);
    query
}

/// The model of these schemas (`None`: every user schema).
pub fn schema_model(schemas: Option<Vec<String>>) -> Model {
    let query = query();
    let text = Spi::connect(|client| {
        client
            .select(&query, Some(1), &[schemas.into()])?
            .first()
            .get::<String>(1)
    })
    .map_err(AdvisorError::from)
    .unwrap_or_else(|e| e.raise())
    .unwrap_or_default();
    Model::from_json(&text).unwrap_or_else(|e| {
        AdvisorError::Catalog(format!("the schema model could not be read: {e}")).raise()
    })
}
