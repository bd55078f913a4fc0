//! What a role sees of a record, and which changes it may make.

use std::collections::BTreeSet;

use super::policy::{Access, AccessPolicy, Actor};
use super::restrict::Restrictions;
use crate::error::{Error, Result};
use crate::model::{Address, Customer, Field};

fn denied(actor: &Actor, field: Option<&str>, reason: &str) -> Error {
    Error::AccessDenied {
        actor: actor.name.clone(),
        role: actor.role.clone(),
        field: field.map(str::to_owned),
        reason: reason.to_owned(),
    }
}

/// The fields of a record and of its custom values, in field-model order.
fn fields_of<'a>(records: impl IntoIterator<Item = &'a Customer>) -> Vec<Field> {
    let custom: BTreeSet<&String> = records.into_iter().flat_map(|c| c.custom.keys()).collect();
    Field::built_in()
        .chain(custom.into_iter().map(|n| Field::Custom(n.clone())))
        .collect()
}

impl AccessPolicy {
    /// The restrictions of a role.
    pub(crate) fn restrictions(&self, role: &str) -> Result<Restrictions> {
        let r = self.role(role)?;
        let mut failed = None;
        let access = |field: &Field| {
            self.access(role, field).unwrap_or_else(|e| {
                failed.get_or_insert(e);
                Access::None
            })
        };
        let custom_named = r
            .fields
            .iter()
            .filter(|(n, _)| Field::parse(n).is_custom())
            .map(|(n, a)| (n.clone(), *a))
            .collect();
        let custom_default = self.access(role, &Field::Custom(String::new()))?;
        let restrictions = Restrictions::new(access, custom_named, custom_default);
        match failed {
            Some(e) => Err(e),
            None => Ok(restrictions),
        }
    }

    /// What the actor sees of a record: fields of access `none` hidden, `masked` ones masked
    /// (dates and times, which cannot hold a mask, hidden), the rest as stored.
    ///
    /// # Errors
    /// [`Error::AccessDenied`] for a record outside the actor's scope;
    /// [`Error::InvalidSetting`] for an unknown role.
    pub fn view(&self, actor: &Actor, c: &Customer) -> Result<Customer> {
        if !self.in_scope(actor, c)? {
            return Err(denied(
                actor,
                None,
                "the record is outside the role's scope",
            ));
        }
        Ok(self.restrictions(&actor.role)?.apply(c))
    }

    /// Refuses a change from `before` (`None` for a new record) to `after` that touches a
    /// field the actor may not write, or a record outside its scope; nothing is changed here,
    /// so a caller applies the change only after this passes.
    ///
    /// # Errors
    /// [`Error::AccessDenied`] naming the first field (in field-model order) the actor may not
    /// change; [`Error::InvalidSetting`] for an unknown role.
    pub fn check_write(&self, actor: &Actor, before: &Customer, after: &Customer) -> Result<()> {
        self.check_change(actor, Some(before), after)
    }

    /// [`AccessPolicy::check_write`] for a change that may create the record (`before` is
    /// `None`): every filled field of `after` must be writable.
    ///
    /// # Errors
    /// As [`AccessPolicy::check_write`].
    pub fn check_change(
        &self,
        actor: &Actor,
        before: Option<&Customer>,
        after: &Customer,
    ) -> Result<()> {
        for record in before.into_iter().chain([after]) {
            if !self.in_scope(actor, record)? {
                return Err(denied(
                    actor,
                    None,
                    "the record is outside the role's scope",
                ));
            }
        }
        for field in fields_of(before.into_iter().chain([after])) {
            if matches!(field, Field::Id) {
                continue;
            }
            let was = before.map(|b| field.values(b)).unwrap_or_default();
            let changed = was != field.values(after)
                || (field.is_custom() && before.is_none() && field.is_filled(after));
            if changed && self.access(&actor.role, &field)? < Access::Write {
                return Err(denied(
                    actor,
                    Some(field.name()),
                    "the role may not change it",
                ));
            }
        }
        Ok(())
    }
}

/// Puts back, position by position, a stored value the written record holds as the actor
/// saw it.
fn restore_list<T: Clone>(
    out: &mut Vec<T>,
    stored: &[T],
    seen: &[T],
    same: impl Fn(&T, &T) -> bool,
    put: impl Fn(&mut T, &T),
) {
    if seen.is_empty() && out.is_empty() {
        out.extend(stored.iter().cloned());
        return;
    }
    for (i, o) in out.iter_mut().enumerate() {
        if let (Some(s), Some(v)) = (stored.get(i), seen.get(i))
            && same(o, v)
        {
            put(o, s);
        }
    }
}

/// An address part's value, and a way to set it.
type Slot = (
    fn(&Address) -> Option<String>,
    fn(&mut Address, Option<String>),
);

fn address_slot(field: &Field) -> Option<Slot> {
    fn line(a: &mut Address, i: usize, v: Option<String>) {
        while a.lines.len() <= i {
            a.lines.push(String::new());
        }
        if let Some(slot) = a.lines.get_mut(i) {
            *slot = v.unwrap_or_default();
        }
    }
    Some(match field {
        Field::HouseNumber => (|a| a.house_number.clone(), |a, v| a.house_number = v),
        Field::Street => (|a| a.lines.first().cloned(), |a, v| line(a, 0, v)),
        Field::Street2 => (|a| a.lines.get(1).cloned(), |a, v| line(a, 1, v)),
        Field::Locality => (|a| a.locality.clone(), |a, v| a.locality = v),
        Field::Region => (|a| a.region.clone(), |a, v| a.region = v),
        Field::Postcode => (|a| a.postcode.clone(), |a, v| a.postcode = v),
        _ => return None,
    })
}

/// Puts the stored value of one restricted field back where `out` holds it as seen.
fn restore_field(out: &mut Customer, field: &Field, stored: &Customer, seen: &Customer) {
    if let Some((get, set)) = address_slot(field) {
        for (i, a) in out.addresses.iter_mut().enumerate() {
            if let (Some(s), Some(v)) = (stored.addresses.get(i), seen.addresses.get(i))
                && get(a) == get(v)
            {
                set(a, get(s));
            }
        }
        return;
    }
    match field {
        Field::Id | Field::Kind => {}
        Field::Phone => restore_list(
            &mut out.phones,
            &stored.phones,
            &seen.phones,
            |o, v| o.number == v.number,
            |o, s| o.number.clone_from(&s.number),
        ),
        Field::Email => restore_list(
            &mut out.emails,
            &stored.emails,
            &seen.emails,
            |o, v| o.address == v.address,
            |o, s| o.address.clone_from(&s.address),
        ),
        Field::NationalId => restore_list(
            &mut out.national_ids,
            &stored.national_ids,
            &seen.national_ids,
            |o, v| o.value == v.value,
            |o, s| o.value.clone_from(&s.value),
        ),
        Field::NationalIdKind => restore_list(
            &mut out.national_ids,
            &stored.national_ids,
            &seen.national_ids,
            |o, v| o.kind == v.kind,
            |o, s| o.kind = s.kind.clone(),
        ),
        Field::PhoneVerifiedAt => restore_list(
            &mut out.phones,
            &stored.phones,
            &seen.phones,
            |o, v| o.verified_at == v.verified_at,
            |o, s| o.verified_at = s.verified_at,
        ),
        Field::EmailVerifiedAt => restore_list(
            &mut out.emails,
            &stored.emails,
            &seen.emails,
            |o, v| o.verified_at == v.verified_at,
            |o, s| o.verified_at = s.verified_at,
        ),
        Field::BirthDate if out.birth_date == seen.birth_date => {
            out.birth_date = stored.birth_date;
        }
        Field::CreatedAt if out.created_at == seen.created_at => {
            out.created_at = stored.created_at;
        }
        Field::UpdatedAt if out.updated_at == seen.updated_at => {
            out.updated_at = stored.updated_at;
        }
        Field::Custom(name) if out.custom.get(name) == seen.custom.get(name) => {
            match stored.custom.get(name) {
                Some(v) => out.custom.insert(name.clone(), v.clone()),
                None => out.custom.remove(name),
            };
        }
        Field::Tags if out.tags == seen.tags => out.tags.clone_from(&stored.tags),
        Field::Country => {
            for (i, a) in out.addresses.iter_mut().enumerate() {
                if let (Some(s), Some(v)) = (stored.addresses.get(i), seen.addresses.get(i))
                    && a.country == v.country
                {
                    a.country = s.country;
                }
            }
        }
        Field::BirthDate | Field::CreatedAt | Field::UpdatedAt | Field::Custom(_) | Field::Tags => {
        }
        text => {
            if text.texts(out) == text.texts(seen) {
                // The stored values were valid for the field, so setting them back cannot fail.
                let _ = text.set_texts(out, &text.texts(stored));
            }
        }
    }
}

impl AccessPolicy {
    /// The record an actor means when it writes `written` over `stored`: every value of a field
    /// the actor sees masked or hidden that `written` holds exactly as [`AccessPolicy::view`]
    /// showed it stands for the stored value, and is put back. So an application may read a
    /// view, change what the role may change, and write the view back without clobbering what
    /// the role could not see. Values the actor did change are left as written, for
    /// [`AccessPolicy::check_write`] to refuse.
    ///
    /// ```
    /// use clientele::access::{AccessPolicy, Actor, Access, Role, Scope};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let mut policy = AccessPolicy::default();
    /// // A clerk may change tags but sees phones masked.
    /// policy.roles.push(Role { name: "clerk".into(), default: Access::Write, personal: Access::Masked,
    ///     fields: [("tags".to_owned(), Access::Write)].into(), scope: Scope::All });
    /// let clerk = Actor::new("wang", "clerk");
    /// let stored = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
    ///     .phone("13912345678").build();
    /// let mut seen = policy.view(&clerk, &stored)?;
    /// seen.tags.insert("vip".into());
    /// let meant = policy.unview(&clerk, &stored, &seen)?;
    /// assert_eq!(meant.phones[0].number, "13912345678");
    /// assert!(meant.tags.contains("vip"));
    /// policy.check_write(&clerk, &stored, &meant)?;
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`AccessPolicy::view`].
    pub fn unview(&self, actor: &Actor, stored: &Customer, written: &Customer) -> Result<Customer> {
        let seen = self.view(actor, stored)?;
        let mut out = written.clone();
        for field in fields_of([stored]) {
            if self.access(&actor.role, &field)? < Access::Read {
                restore_field(&mut out, &field, stored, &seen);
            }
        }
        Ok(out)
    }
}
