//! Scalar UDFs: the crate's match keys of single values, for a caller's own plans.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};

use crate::dedupe::Deduplicator;
use crate::normalize::{FieldKind, Normalizer};

/// A UDF of one text argument giving text (null where `key` gives none, and for null input).
fn text_udf(name: &str, key: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> ScalarUDF {
    let fun = move |args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let Some(values) = arrays
            .first()
            .and_then(|a| a.as_any().downcast_ref::<StringArray>())
        else {
            return Err(DataFusionError::Execution(
                "a text argument is expected".to_owned(),
            ));
        };
        let out: StringArray = (0..values.len())
            .map(|i| (!values.is_null(i)).then(|| key(values.value(i))).flatten())
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
    };
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(fun),
    )
}

/// The scalar UDFs of a detector's normalization (its normalizer and default region), each of
/// one text argument:
///
/// - `clientele_name_key(name)`: a person's name as blocking and comparison read it
///   ([`Normalizer::normalize`] of a person name, its key);
/// - `clientele_company_key(name)`: a company's name, likewise;
/// - `clientele_phone_key(phone)`: [`Normalizer::phone_key`], with the detector's region;
/// - `clientele_email_key(email)`: [`Normalizer::email_key`].
///
/// ```
/// use clientele::dedupe::Deduplicator;
/// let udfs = clientele::scale::udfs(&Deduplicator::new().default_region("CN"));
/// let names: Vec<&str> = udfs.iter().map(|f| f.name()).collect();
/// assert!(names.contains(&"clientele_phone_key"));
/// ```
pub fn udfs(dedupe: &Deduplicator) -> Vec<ScalarUDF> {
    let (normalizer, region) = dedupe.normalization();
    let n = Arc::new(normalizer.clone());
    let region = region.map(str::to_owned);
    let of = |kind: FieldKind, n: &Arc<Normalizer>| {
        let n = Arc::clone(n);
        move |v: &str| {
            let key = n.normalize(kind, v).key;
            (!key.is_empty()).then_some(key)
        }
    };
    let (phones, emails) = (Arc::clone(&n), Arc::clone(&n));
    vec![
        text_udf("clientele_name_key", of(FieldKind::PersonName, &n)),
        text_udf("clientele_company_key", of(FieldKind::CompanyName, &n)),
        text_udf("clientele_phone_key", move |v| {
            phones.phone_key(v, region.as_deref())
        }),
        text_udf("clientele_email_key", move |v| emails.email_key(v)),
    ]
}
