//! The customer record model: ids, names, contacts, identifiers, consent and activity.
//!
//! Records hold values **as written** by the caller; canonical forms and match keys come from
//! the normalization module and never overwrite what the caller gave unless the caller asks. Every
//! type here is serde-serializable, and every type that holds a personal value masks it in
//! `Debug`, under the crate's one masking policy ([`MaskPolicy`]).

mod activity;
mod contact;
mod customer;
mod date;
mod field;
mod id;
mod mask;
mod provenance;

pub use activity::{Activity, Interaction, InteractionKind, Money, Transaction};
pub use contact::{Address, ContactLabel, Email, NationalId, NationalIdKind, Phone};
pub(crate) use customer::known_time;
pub use customer::{
    CompanyName, Consent, ConsentPurpose, ConsentStatus, CustomValue, Customer, CustomerBuilder,
    CustomerKind, PersonName,
};
pub use date::parse_date;
pub use field::{Cardinality, Field, FieldGroup, FieldSpec, Sensitivity, ValueType};
pub use id::{CountryCode, CurrencyCode, CustomerId, MAX_ID_LEN};
pub(crate) use mask::{
    MASKED_DATE, STRICT, mask_email_into, mask_id_into, mask_phone_into, mask_value_into,
};
pub use mask::{MaskPolicy, Masked, MaskedDebug, mask_email, mask_id, mask_phone, mask_value};
#[allow(deprecated)]
pub use provenance::{Discarded, FieldValue, MergeField, MergeId, MergeRecord, RecordSnapshot};
