//! The crate's error type.
//!
//! Every fallible operation of the library returns [`Error`]. Variants say what went wrong and
//! where (record id, field, line, position in a batch). Values that may be personal data (phones,
//! emails, identifiers, free text, any cell of a record) appear only masked, so errors can be
//! logged safely; values the caller typed as settings (flags, column maps) are shown in full,
//! so that a typo can be seen and fixed ([`Error::InvalidSetting`]). The policy is described on
//! [`crate::model::MaskPolicy`].
//!
//! `Error` is neither `Clone` nor `PartialEq`: a storage failure carries the back end's own error
//! as its [`std::error::Error::source`] (a `rusqlite::Error`, an I/O error), which is neither.
//! Match on variants (`matches!(e, Error::NotFound { .. })`) rather than comparing errors.

use crate::model::CustomerId;
use crate::normalize::{EmailError, PhoneError};

/// A back end's own error, kept as the cause of [`Error::Storage`].
pub type StorageSource = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in the library.
///
/// # Examples
/// ```
/// use clientele::{CustomerId, Error};
/// let err = CustomerId::new("   ").unwrap_err();
/// assert!(matches!(err, Error::InvalidId { .. }));
/// assert_eq!(err.to_string(), "invalid customer id: the id is empty");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A customer id was empty or otherwise unusable.
    #[error("invalid customer id: {reason}")]
    InvalidId {
        /// Why the id was refused.
        reason: &'static str,
    },
    /// A field value could not be parsed into its typed form.
    #[error("invalid value for `{field}`: {reason} (value {masked})")]
    InvalidValue {
        /// The field (or column) name.
        field: String,
        /// What is wrong with it.
        reason: String,
        /// The offending value, masked (see [`crate::model::mask_value`]); empty when the error
        /// is not about one value.
        masked: String,
    },
    /// A setting the caller typed (a command-line flag, a column map, a configuration value) is
    /// unusable. A setting is not personal data: its value is shown in full.
    #[error("invalid {setting} `{value}`: {reason}")]
    InvalidSetting {
        /// The setting's name (`--as-of`, `map`).
        setting: String,
        /// What is wrong with it.
        reason: String,
        /// The value as typed.
        value: String,
    },
    /// A record that must exist does not.
    #[error("customer `{id}` not found")]
    NotFound {
        /// The id that was looked for.
        id: CustomerId,
    },
    /// A record that must not exist already does.
    #[error("customer `{id}` already exists")]
    AlreadyExists {
        /// The id that was already present.
        id: CustomerId,
    },
    /// A change in a batch given to `CustomerStore::apply` was refused; nothing of the batch was
    /// applied.
    #[error("change #{index} of the batch was refused, nothing was applied: {source}")]
    BatchRefused {
        /// Zero-based position of the refused change in the batch.
        index: usize,
        /// Why it was refused.
        #[source]
        source: Box<Error>,
    },
    /// An input row could not be turned into a record.
    #[error("line {line}: {reason}")]
    Row {
        /// One-based line number in the input (the header is line 1).
        line: u64,
        /// Why the row was refused.
        reason: String,
    },
    /// A long run was cancelled through its cancel flag.
    #[error("cancelled")]
    Cancelled,
    /// The query engine a scaled-out run is planned on failed (feature `datafusion`,
    /// `clientele::scale`): out of memory within its pool, or out of disk to spill to.
    #[error("query engine failure: {message}")]
    Engine {
        /// The engine's own description.
        message: String,
    },
    /// A storage back end failed.
    #[error("storage failure: {message}")]
    Storage {
        /// What the store was doing, and the back end's own description.
        message: String,
        /// The back end's own error, when there is one (downcast it to the back end's type).
        #[source]
        source: Option<StorageSource>,
    },
    /// A change of a batch expected a customer in a state it is no longer in (it changed, was
    /// deleted or was created since it was read): the optimistic-concurrency check of
    /// `Change::Expect` failed. Read again and retry.
    #[error("customer `{id}` changed since it was read")]
    Conflict {
        /// The customer whose state differs.
        id: CustomerId,
    },
    /// A change of a batch expected a merge record in a state it is no longer in
    /// (`Change::ExpectMerge`). Read again and retry.
    #[error("merge `{merge}` changed since it was read")]
    MergeConflict {
        /// The merge.
        merge: String,
    },
    /// A database was written by a newer version of the crate, with a schema this version does
    /// not know; it is left untouched.
    #[error(
        "the database has schema version {found}; this version of clientele reads up to {supported}"
    )]
    SchemaTooNew {
        /// The schema version found in the database.
        found: i64,
        /// The newest schema version this crate knows.
        supported: i64,
    },
    /// A value is not a phone number at all.
    #[error("invalid phone: {0}")]
    InvalidPhone(#[from] PhoneError),
    /// A value is not an email address at all.
    #[error("invalid email: {0}")]
    InvalidEmail(#[from] EmailError),
    /// A cluster given to the merger cannot be merged (fewer than two records, repeated ids,
    /// records of different kinds where the policy forbids it...).
    #[error("invalid cluster: {reason}")]
    InvalidCluster {
        /// Why the cluster was refused.
        reason: String,
    },
    /// A record of a merge plan changed (or vanished) between planning and applying; nothing was
    /// written. Plan again.
    #[error("customer `{id}` changed since the merge plan was made, nothing was applied")]
    StalePlan {
        /// The record that changed.
        id: CustomerId,
    },
    /// No merge record has this id.
    #[error("merge `{merge}` not found")]
    MergeNotFound {
        /// The merge id looked for.
        merge: String,
    },
    /// An unmerge was refused because the surviving record (or its activity) changed after the
    /// merge, and the caller asked not to overwrite later changes.
    #[error("merge `{merge}` cannot be undone: customer `{survivor}` changed after the merge")]
    SurvivorChanged {
        /// The merge.
        merge: String,
        /// The survivor that changed.
        survivor: CustomerId,
    },
    /// An unmerge was refused because the merge's provenance was erased by a privacy request.
    #[error("merge `{merge}` cannot be undone: its provenance was erased")]
    MergeErased {
        /// The merge.
        merge: String,
    },
    /// A segment's regular expression does not compile (or would be too large).
    #[error("segment `{segment}`: invalid regular expression: {reason}")]
    InvalidRegex {
        /// The segment's name.
        segment: String,
        /// The regex engine's description of the problem.
        reason: String,
    },
    /// A segment's rule cannot be used (nested too deeply, ...).
    #[error("segment `{segment}`: {reason}")]
    InvalidSegment {
        /// The segment's name.
        segment: String,
        /// Why the rule was refused.
        reason: String,
    },
    /// A customer summary (or a weighted tuple) given to a lifecycle model is unusable: a value
    /// is missing, not finite, negative, or the recency exceeds the customer's age `T`.
    #[error("invalid customer summary #{index}: {reason}")]
    InvalidSummary {
        /// Zero-based position of the summary in the input.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A model was asked to fit on data with nothing to learn from (no customers, zero total
    /// weight, no repeat buyer for a spend model).
    #[error("not enough data: {reason}")]
    NoData {
        /// What was missing.
        reason: String,
    },
    /// A model fit found no usable maximum of the likelihood (it did not converge, or a
    /// parameter ran off to zero or infinity because the data do not pin it down).
    #[error("model fit failed: {reason}")]
    FitFailed {
        /// Why the fit was given up.
        reason: String,
    },
    /// A report's chart or page could not be drawn (`report::render_html`).
    #[error("report rendering failed: {reason}")]
    Render {
        /// What the drawing library said.
        reason: String,
    },
    /// An actor's role does not allow a read or a change (`access::AccessPolicy`); nothing
    /// was changed.
    #[error("{actor} ({role}) may not do this{}: {reason}", field.as_deref().map(|f| format!(" to {f}")).unwrap_or_default())]
    AccessDenied {
        /// The actor's name.
        actor: String,
        /// The actor's role.
        role: String,
        /// The field refused, if the refusal is about one.
        field: Option<String>,
        /// Why.
        reason: String,
    },
    /// A sealed value could not be opened (feature `encryption`): another key, another field,
    /// or changed bytes. The value is not shown.
    #[error("cannot decrypt {field}: {reason}")]
    Decrypt {
        /// The field the value was in.
        field: String,
        /// Why.
        reason: String,
    },
    /// A backup stream was refused by `store::restore` (feature `backup`): it is not a backup,
    /// it was cut short, or bytes of it changed. `offset` is the position (from 0) of the frame
    /// or field that failed; `reason` says what was wrong and never quotes the stream's content.
    /// Nothing the stream held was left in the target store.
    #[error("backup refused at byte {offset}: {reason}; nothing was restored")]
    BackupCorrupt {
        /// Byte position in the stream of the frame (or header field) that failed.
        offset: u64,
        /// What was wrong.
        reason: String,
    },
    /// A backup written by a newer version of the crate, in a format this version does not
    /// know (feature `backup`); nothing was restored.
    #[error(
        "the backup has format version {found}; this version of clientele reads up to {supported}; nothing was restored"
    )]
    BackupTooNew {
        /// The format version the backup declares.
        found: u32,
        /// The newest format version this crate reads.
        supported: u32,
    },
    /// `store::restore` was given a store that already holds something (feature `backup`): a
    /// backup is restored only into an empty store. The store was not changed.
    #[error("the target store is not empty ({holds}); nothing was restored")]
    RestoreTargetNotEmpty {
        /// What the store holds (counts and kinds, no values).
        holds: String,
    },
    /// A file (or stream) could not be read or written; `path` names it.
    #[error("{path}: {reason}")]
    Io {
        /// The file's path as given (or `input` / `output` for a stream).
        path: String,
        /// The system's description of the failure.
        reason: String,
    },
}

impl Error {
    /// The error about a value the caller typed as a **setting** (a flag, a configuration value)
    /// rather than read from a record: an [`Error::InvalidValue`] becomes an
    /// [`Error::InvalidSetting`] that shows `raw` in full, so that the user sees their own typo.
    /// Other errors are returned unchanged.
    ///
    /// ```
    /// use clientele::model::parse_date;
    /// // A date cell of a record is personal: its error masks it.
    /// let cell = parse_date("01/02/2024").unwrap_err();
    /// assert!(!cell.to_string().contains("01/02/2024"));
    /// // The same text given as a flag is not: say it back.
    /// let flag = cell.for_setting("--as-of", "01/02/2024");
    /// assert_eq!(flag.to_string(), "invalid --as-of `01/02/2024`: expected YYYY-MM-DD, YYYYMMDD, YYYY/M/D or YYYY年M月D日");
    /// ```
    #[must_use]
    pub fn for_setting(self, setting: &str, raw: &str) -> Self {
        match self {
            Self::InvalidValue { reason, .. } => Self::InvalidSetting {
                setting: setting.to_owned(),
                reason,
                value: raw.to_owned(),
            },
            other => other,
        }
    }
}

impl Error {
    /// A storage failure with its cause: the back end's error is kept as the
    /// [`source`](std::error::Error::source), and `context` says what the store was doing. A
    /// cause that is already a [`crate::Error`] is returned as it is.
    ///
    /// ```
    /// use clientele::Error;
    /// use std::error::Error as _;
    /// let io = std::io::Error::new(std::io::ErrorKind::Other, "disk full");
    /// let e = Error::storage("writing a batch", io);
    /// assert_eq!(e.to_string(), "storage failure: writing a batch: disk full");
    /// assert!(e.source().and_then(|s| s.downcast_ref::<std::io::Error>()).is_some());
    /// ```
    pub fn storage<E>(context: &str, cause: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let boxed: StorageSource = Box::new(cause);
        match boxed.downcast::<Error>() {
            Ok(ours) => *ours,
            Err(other) => Self::Storage {
                message: format!("{context}: {other}"),
                source: Some(other),
            },
        }
    }

    /// A storage failure without an underlying error (a broken invariant of the back end).
    pub fn storage_message(message: impl Into<String>) -> Self {
        Self::Storage {
            message: message.into(),
            source: None,
        }
    }

    /// The error behind a refused batch: for [`Error::BatchRefused`], the refused change's own
    /// error (followed through nesting); any other error is itself.
    ///
    /// ```
    /// use clientele::store::{Change, CustomerStore, MemoryStore};
    /// use clientele::{CustomerId, Error};
    /// let store = MemoryStore::new();
    /// let err = store.apply(vec![Change::Delete(CustomerId::new("nobody")?)]).unwrap_err();
    /// assert!(matches!(err.refusal(), Error::NotFound { .. }));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn refusal(&self) -> &Error {
        match self {
            Self::BatchRefused { source, .. } => source.refusal(),
            other => other,
        }
    }
}

/// Shorthand for `Result<T, clientele::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
