//! The data-management policy: one serde document saying who sees what, which fields are
//! encrypted, what must be re-verified how often, how long what is kept, and how the audit
//! keeps values; checked on load, with the path of the offending entry.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::audit::AuditValues;
use super::retention::{RecordClass, RetentionAction, RetentionRule};
use crate::access::AccessPolicy;
use crate::error::{Error, Result};
use crate::model::{Field, Sensitivity};
use crate::store::{Change, CustomerStore, Document};

/// The namespace of the policy document a store keeps.
pub const POLICY_NAMESPACE: &str = "clientele.policy";
const POLICY_KEY: &str = "current";

/// A user of the policy: a role of its access policy and, for team scopes, a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorSpec {
    /// The role's name.
    pub role: String,
    /// The team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

fn default_encrypted() -> Vec<String> {
    ["phone", "email", "national_id", "birth_date"]
        .map(str::to_owned)
        .to_vec()
}

/// The data-management policy (数据管理制度) an application loads: access roles, the users and
/// their roles, encrypted fields, re-verification windows, retention rules and how the audit keeps values.
///
/// ```
/// use clientele::governance::DataPolicy;
/// let policy = DataPolicy::from_json(r#"{
///   "encrypted": ["phone", "email", "national_id"],
///   "reverify": {"phone": 365, "email": 730},
///   "retention": [{"name": "archive-3y", "applies_to": "archived", "after_days": 1095}],
///   "audit": "masked"
/// }"#)?;
/// assert_eq!(policy.reverify["phone"], 365);
/// // Unknown entries are errors that name their path.
/// let e = DataPolicy::from_json(r#"{"retention": [{"name": "x", "applies_to": "archived", "after_days": 1, "keep": 2}]}"#).unwrap_err();
/// assert!(e.to_string().contains("retention[0]"), "{e}");
/// let e = DataPolicy::from_json(r#"{"reverify": {"nickname": 30}}"#).unwrap_err();
/// assert!(e.to_string().contains("reverify.nickname"), "{e}");
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataPolicy {
    /// Roles and their field access (the default: admin, editor, viewer).
    #[serde(default)]
    pub access: AccessPolicy,
    /// The application's users by name: their role (one of `access.roles`) and team.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub actors: BTreeMap<String, ActorSpec>,
    /// The fields sealed at rest by an encrypting store (phones, emails, national IDs and the
    /// birth date by default).
    #[serde(default = "default_encrypted")]
    pub encrypted: Vec<String>,
    /// Days after which a value must be re-verified with the customer, by field (`phone`,
    /// `email`): staleness in the data-quality scorecard.
    #[serde(default)]
    pub reverify: BTreeMap<String, u32>,
    /// Retention rules, run by `ActorStore::run_retention`.
    #[serde(default)]
    pub retention: Vec<RetentionRule>,
    /// How audit entries keep personal values.
    #[serde(default)]
    pub audit: AuditValues,
}

impl Default for DataPolicy {
    fn default() -> Self {
        Self {
            access: AccessPolicy::default(),
            actors: BTreeMap::new(),
            encrypted: default_encrypted(),
            reverify: BTreeMap::new(),
            retention: Vec::new(),
            audit: AuditValues::Masked,
        }
    }
}

fn wrong(path: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidSetting {
        setting: path.into(),
        reason: reason.into(),
        value: String::new(),
    }
}

impl DataPolicy {
    /// Reads a policy from JSON and checks it ([`DataPolicy::check`]).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] whose setting is the path of the offending entry
    /// (`retention[1].after_days`, `access.roles[0].fields.wechat`): JSON that cannot be read,
    /// an unknown entry, or a check that fails.
    pub fn from_json(text: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let policy: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            wrong(
                if path == "." { "policy".into() } else { path },
                e.inner().to_string(),
            )
        })?;
        policy.check()?;
        Ok(policy)
    }

    /// The policy as pretty JSON.
    ///
    /// # Errors
    /// Never in practice; [`Error::InvalidSetting`] if encoding fails.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| wrong("policy", e.to_string()))
    }

    fn known(&self, name: &str) -> bool {
        !Field::parse(name).is_custom() || self.access.custom_fields.contains(name)
    }

    /// Checks the policy: the access policy ([`AccessPolicy::check`]); encrypted fields known and
    /// sealable (phones, emails, national IDs, the birth date, custom fields), none twice;
    /// re-verification only of phones and emails, after at least a day; retention rules with
    /// distinct names, at least a day, known fields that may be cleared, fields only for
    /// drop-fields rules, no drop-fields rule on the archive, and no drop-fields rule that an
    /// earlier-acting purge of inactive customers makes moot.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] naming the offending entry's path.
    pub fn check(&self) -> Result<()> {
        self.access.check().map_err(|e| match e {
            Error::InvalidSetting {
                setting,
                reason,
                value,
            } => Error::InvalidSetting {
                setting: format!("access.{setting}"),
                reason,
                value,
            },
            other => other,
        })?;
        for (name, spec) in &self.actors {
            if self.access.role(&spec.role).is_err() {
                return Err(wrong(
                    format!("actors.{name}.role"),
                    "no role of this name in access.roles",
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for (i, name) in self.encrypted.iter().enumerate() {
            let path = format!("encrypted[{i}]");
            if !self.known(name) {
                return Err(wrong(
                    path,
                    "not a field of the field model nor one of access.custom_fields",
                ));
            }
            let f = Field::parse(name);
            if !(f.is_custom()
                || matches!(
                    f,
                    Field::Phone | Field::Email | Field::NationalId | Field::BirthDate
                ))
            {
                return Err(wrong(
                    path,
                    "only phones, emails, national IDs, the birth date and custom fields are sealed",
                ));
            }
            if !seen.insert(name) {
                return Err(wrong(path, "listed twice"));
            }
        }
        for (name, days) in &self.reverify {
            let path = format!("reverify.{name}");
            if !matches!(Field::parse(name), Field::Phone | Field::Email) {
                return Err(wrong(
                    path,
                    "only phones and emails carry a verification time",
                ));
            }
            if *days == 0 {
                return Err(wrong(path, "a window of at least one day"));
            }
        }
        self.check_retention()
    }

    fn check_retention(&self) -> Result<()> {
        let mut names = BTreeSet::new();
        let purge_inactive = self
            .retention
            .iter()
            .filter(|r| r.applies_to == RecordClass::Inactive && r.action == RetentionAction::Purge)
            .map(|r| r.after_days)
            .min();
        for (i, r) in self.retention.iter().enumerate() {
            let path = |p: &str| format!("retention[{i}]{p}");
            if r.name.trim().is_empty() || !names.insert(r.name.as_str()) {
                return Err(wrong(
                    path(".name"),
                    "a rule needs a name no other rule has",
                ));
            }
            if r.after_days == 0 {
                return Err(wrong(path(".after_days"), "at least one day"));
            }
            match r.action {
                RetentionAction::Purge if !r.fields.is_empty() => {
                    return Err(wrong(
                        path(".fields"),
                        "a purge removes whole records: fields are for drop_fields",
                    ));
                }
                RetentionAction::DropFields if r.applies_to == RecordClass::Archived => {
                    return Err(wrong(
                        path(".applies_to"),
                        "archived records are purged whole, not cleared field by field",
                    ));
                }
                RetentionAction::DropFields if r.fields.is_empty() => {
                    return Err(wrong(
                        path(".fields"),
                        "a drop_fields rule names the fields it clears",
                    ));
                }
                RetentionAction::DropFields
                    if purge_inactive.is_some_and(|p| p <= r.after_days) =>
                {
                    return Err(wrong(
                        path(".after_days"),
                        "inactive customers are purged before this rule would act",
                    ));
                }
                _ => {}
            }
            for (j, f) in r.fields.iter().enumerate() {
                let field = Field::parse(f);
                if !self.known(f) {
                    return Err(wrong(
                        path(&format!(".fields[{j}]")),
                        "not a field of the field model nor one of access.custom_fields",
                    ));
                }
                if matches!(
                    field,
                    Field::Id | Field::Kind | Field::CreatedAt | Field::UpdatedAt
                ) {
                    return Err(wrong(
                        path(&format!(".fields[{j}]")),
                        "a record keeps its id, kind and times",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The data-quality scorecard's settings under this policy: a contact is unverified past the
    /// shortest re-verification window (the scorecard's default when the policy sets none).
    ///
    /// ```
    /// use clientele::governance::DataPolicy;
    /// let p = DataPolicy::from_json(r#"{"reverify": {"phone": 180, "email": 365}}"#)?;
    /// assert_eq!(p.quality_config().verify_within_days, 180);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn quality_config(&self) -> crate::report::QualityConfig {
        let mut c = crate::report::QualityConfig::default();
        if let Some(days) = self.reverify.values().min() {
            c.verify_within_days = *days;
        }
        c
    }

    /// The actor of this name, with the role and team the policy gives it.
    ///
    /// ```
    /// use clientele::governance::DataPolicy;
    /// let p = DataPolicy::from_json(r#"{"actors": {"ann": {"role": "viewer"}}}"#)?;
    /// assert_eq!(p.actor("ann")?.role, "viewer");
    /// assert!(p.actor("bob").is_err());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a name the policy does not list.
    pub fn actor(&self, name: &str) -> Result<crate::access::Actor> {
        let spec = self.actors.get(name).ok_or_else(|| Error::InvalidSetting {
            setting: "actors".into(),
            reason: "no actor of this name in the policy".into(),
            value: name.to_owned(),
        })?;
        let mut a = crate::access::Actor::new(name, spec.role.clone());
        a.team.clone_from(&spec.team);
        Ok(a)
    }

    /// The encrypted fields, as fields of the field model.
    pub fn encrypted_fields(&self) -> Vec<Field> {
        self.encrypted.iter().map(|n| Field::parse(n)).collect()
    }

    /// The PIPL sensitivity class of each encrypted field (敏感个人信息 for
    /// [`Sensitivity::Sensitive`]).
    pub fn encrypted_classes(&self) -> Vec<(Field, Sensitivity)> {
        self.encrypted_fields()
            .into_iter()
            .map(|f| {
                let s = f.spec().sensitivity;
                (f, s)
            })
            .collect()
    }

    /// Stores the policy in a store (a document in [`POLICY_NAMESPACE`]), so it travels with
    /// the customers and their backups.
    ///
    /// ```
    /// use clientele::governance::DataPolicy;
    /// use clientele::store::MemoryStore;
    /// let store = MemoryStore::new();
    /// DataPolicy::default().save(&store)?;
    /// assert_eq!(DataPolicy::load(&store)?, Some(DataPolicy::default()));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// The store's errors.
    pub fn save<S>(&self, store: &S) -> Result<()>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        self.check()?;
        let doc = Document::new(POLICY_NAMESPACE, POLICY_KEY, self.to_json()?);
        Ok(store.apply(vec![Change::PutDocument(doc)])?)
    }

    /// The policy a store keeps, checked, or `None`.
    ///
    /// # Errors
    /// The store's errors; as [`DataPolicy::from_json`] for a stored policy that fails.
    pub fn load<S>(store: &S) -> Result<Option<Self>>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        store
            .document(POLICY_NAMESPACE, POLICY_KEY)?
            .map(|d| Self::from_json(&d.body))
            .transpose()
    }
}
