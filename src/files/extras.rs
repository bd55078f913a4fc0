//! The two columns that carry what plain cells cannot: the consent history, and custom values
//! whose type or name a plain column would not keep. Both hold JSON.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::import::FieldProblem;
use crate::model::{Consent, CustomValue, Customer};

/// The consent history: a JSON list of `{purpose, status, at, channel}`.
pub(super) const CONSENTS: &str = "consents";

/// Custom values kept with their type: a JSON object of name to `{type, value}`.
pub(super) const CUSTOM_TYPED: &str = "custom_typed";

/// Whether a custom field name is one of these columns.
pub(super) fn is_extra(name: &str) -> bool {
    name == CONSENTS || name == CUSTOM_TYPED
}

fn json_error(e: &serde_json::Error) -> Error {
    Error::InvalidValue {
        field: "record".to_owned(),
        reason: format!("cannot be written as JSON: {e}"),
        masked: String::new(),
    }
}

pub(super) fn encode_consents(consents: &[Consent]) -> Result<String> {
    serde_json::to_string(consents).map_err(|e| json_error(&e))
}

pub(super) fn encode_typed(values: &BTreeMap<&str, &CustomValue>) -> Result<String> {
    serde_json::to_string(values).map_err(|e| json_error(&e))
}

/// Moves the two columns' JSON (read as custom text by the row reader) into the record; text
/// that does not parse stays a custom field and is reported.
pub(super) fn decode(customer: &mut Customer, line: u64, problems: &mut Vec<FieldProblem>) {
    let mut problem = |field: &str, reason: &str| {
        problems.push(FieldProblem {
            line,
            field: field.to_owned(),
            reason: reason.to_owned(),
        });
    };
    if let Some(CustomValue::Text(json)) = customer.custom.get(CONSENTS) {
        match serde_json::from_str::<Vec<Consent>>(json) {
            Ok(consents) => {
                customer.consents = consents;
                customer.custom.remove(CONSENTS);
            }
            Err(_) => problem(CONSENTS, "not a JSON list of consent events (kept as text)"),
        }
    }
    if let Some(CustomValue::Text(json)) = customer.custom.get(CUSTOM_TYPED) {
        match serde_json::from_str::<BTreeMap<String, CustomValue>>(json) {
            Ok(values) => {
                customer.custom.remove(CUSTOM_TYPED);
                customer.custom.extend(values);
            }
            Err(_) => problem(
                CUSTOM_TYPED,
                "not a JSON object of typed custom values (kept as text)",
            ),
        }
    }
}
