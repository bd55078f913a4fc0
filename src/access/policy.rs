//! The access policy document: roles, their field access and record scopes, checked on load.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Customer, Field, Sensitivity};

/// What a role may do with a field, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// The field is hidden.
    None,
    /// Shown masked (`139****5678`); dates and times, which cannot hold a mask, are hidden.
    Masked,
    /// Shown in full, not changed.
    Read,
    /// Shown and changed.
    Write,
}

/// Which records a role sees at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Scope {
    /// Every record.
    #[default]
    All,
    /// Records the actor owns (`Customer::owner` is the actor's name).
    Owned,
    /// Records of the actor's team (`Customer::team`).
    Team,
    /// Records with this tag.
    Tag(String),
    /// Records with an address in this region (`Address::region`, as written).
    Region(String),
}

/// A role: its access to every field (fields it does not name get `default`, or for personal
/// fields `personal`), and its record scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// The role's name (`admin`, `editor`, `viewer`, or the caller's own).
    pub name: String,
    /// Access to fields that are not personal and not named in `fields`.
    pub default: Access,
    /// Access to personal and sensitive fields not named in `fields`.
    pub personal: Access,
    /// Access by field name (built-in names, or the policy's custom fields).
    #[serde(default)]
    pub fields: BTreeMap<String, Access>,
    /// Which records the role sees.
    #[serde(default)]
    pub scope: Scope,
}

/// Who acts: a user name (for the `owned` scope and the audit), the role, and a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user's name in the caller's system.
    pub name: String,
    /// The role's name in the policy.
    pub role: String,
    /// The user's team, for the `team` scope.
    #[serde(default)]
    pub team: Option<String>,
}

impl Actor {
    /// An actor of `role` with no team.
    pub fn new(name: impl Into<String>, role: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            role: role.into(),
            team: None,
        }
    }
}

/// Roles and their access; `AccessPolicy::default()` has `admin` (writes everything), `editor`
/// (writes everything but reads national IDs) and `viewer` (reads what is not personal, sees
/// personal fields masked). Check a loaded policy with [`AccessPolicy::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicy {
    /// The roles.
    pub roles: Vec<Role>,
    /// Custom fields the policy may name (any other name is a typo).
    #[serde(default)]
    pub custom_fields: BTreeSet<String>,
}

impl Default for AccessPolicy {
    fn default() -> Self {
        let role = |name: &str, default, personal, fields: &[(&str, Access)]| Role {
            name: name.to_owned(),
            default,
            personal,
            fields: fields.iter().map(|(f, a)| ((*f).to_owned(), *a)).collect(),
            scope: Scope::All,
        };
        Self {
            roles: vec![
                role("admin", Access::Write, Access::Write, &[]),
                role(
                    "editor",
                    Access::Write,
                    Access::Write,
                    &[("national_id", Access::Read)],
                ),
                role(
                    "viewer",
                    Access::Read,
                    Access::Masked,
                    &[("national_id", Access::None)],
                ),
            ],
            custom_fields: BTreeSet::new(),
        }
    }
}

fn policy_error(path: String, reason: &str) -> Error {
    Error::InvalidSetting {
        setting: path,
        reason: reason.to_owned(),
        value: String::new(),
    }
}

impl AccessPolicy {
    /// Checks the policy: at least one role, no role named twice or with an empty name, and
    /// every field named by a role known (built in, or listed in `custom_fields`).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] whose setting is the path of the offending entry, such as
    /// `roles[1].fields.wechat`.
    pub fn check(&self) -> Result<()> {
        if self.roles.is_empty() {
            return Err(policy_error("roles".into(), "a policy needs a role"));
        }
        let mut seen = BTreeSet::new();
        for (i, role) in self.roles.iter().enumerate() {
            if role.name.trim().is_empty() {
                return Err(policy_error(
                    format!("roles[{i}].name"),
                    "a role needs a name",
                ));
            }
            if !seen.insert(role.name.as_str()) {
                return Err(policy_error(
                    format!("roles[{i}].name"),
                    "a role of this name comes earlier",
                ));
            }
            for name in role.fields.keys() {
                if Field::parse(name).is_custom() && !self.custom_fields.contains(name) {
                    return Err(policy_error(
                        format!("roles[{i}].fields.{name}"),
                        "not a field of the field model nor one of custom_fields",
                    ));
                }
            }
            if let Scope::Tag(v) | Scope::Region(v) = &role.scope
                && v.trim().is_empty()
            {
                return Err(policy_error(format!("roles[{i}].scope"), "an empty value"));
            }
        }
        Ok(())
    }

    /// The role of this name.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a role the policy does not have.
    pub fn role(&self, name: &str) -> Result<&Role> {
        self.roles
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| Error::InvalidSetting {
                setting: "role".into(),
                reason: "no role of this name in the policy".into(),
                value: name.to_owned(),
            })
    }

    /// A role's access to a field.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for an unknown role.
    pub fn access(&self, role: &str, field: &Field) -> Result<Access> {
        let role = self.role(role)?;
        Ok(match role.fields.get(field.name()) {
            Some(a) => *a,
            None if field.spec().sensitivity == Sensitivity::NotPersonal => role.default,
            None => role.personal,
        })
    }

    /// Whether the record is in the actor's scope.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for an unknown role.
    pub fn in_scope(&self, actor: &Actor, c: &Customer) -> Result<bool> {
        Ok(match &self.role(&actor.role)?.scope {
            Scope::All => true,
            Scope::Owned => c.owner.as_deref() == Some(actor.name.as_str()),
            Scope::Team => actor.team.is_some() && c.team == actor.team,
            Scope::Tag(t) => c.tags.contains(t),
            Scope::Region(r) => c.addresses.iter().any(|a| a.region.as_deref() == Some(r)),
        })
    }
}
