//! What a role sees of a record, and which changes it may make.

use std::collections::BTreeSet;

use chrono::DateTime;

use super::policy::{Access, AccessPolicy, Actor};
use crate::error::{Error, Result};
use crate::model::{
    Address, CustomValue, Customer, Field, NationalIdKind, ValueType, mask_email_into,
    mask_id_into, mask_phone_into, mask_value, mask_value_into,
};

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

/// A mask writing into a buffer.
type MaskInto = fn(&str, &mut String);

/// Hides or masks values in place, reusing one spare buffer: the masked text is written into
/// the spare and swapped into the slot, whose old buffer becomes the next spare.
struct Shown {
    hide: bool,
    spare: String,
}

impl Shown {
    fn mask(&mut self, slot: &mut String, f: MaskInto) {
        self.spare.clear();
        f(slot, &mut self.spare);
        std::mem::swap(slot, &mut self.spare);
    }

    /// A text that must stay: masked, or emptied when hidden.
    fn text(&mut self, slot: &mut String, f: MaskInto) {
        if self.hide {
            slot.clear();
        } else {
            self.mask(slot, f);
        }
    }

    /// An optional text: masked, or `None` when hidden.
    fn opt(&mut self, slot: &mut Option<String>, f: MaskInto) {
        match slot {
            Some(_) if self.hide => *slot = None,
            Some(s) => self.mask(s, f),
            None => {}
        }
    }
}

/// An address part, for the view to hide or mask.
fn address_part(field: &Field) -> Option<fn(&mut Address, &mut Shown)> {
    Some(match field {
        Field::HouseNumber => |a, s| s.opt(&mut a.house_number, mask_value_into),
        Field::Street => |a, s| {
            if let Some(first) = a.lines.first_mut() {
                s.text(first, mask_value_into);
            }
        },
        Field::Street2 => |a, s| {
            for line in a.lines.iter_mut().skip(1) {
                s.text(line, mask_value_into);
            }
        },
        Field::Locality => |a, s| s.opt(&mut a.locality, mask_value_into),
        Field::Region => |a, s| s.opt(&mut a.region, mask_value_into),
        Field::Postcode => |a, s| s.opt(&mut a.postcode, mask_value_into),
        Field::Country => |a, s| {
            if s.hide {
                a.country = None;
            }
        },
        _ => return None,
    })
}

/// Hides or masks one field of the record.
fn restrict(c: &mut Customer, field: &Field, shown: &mut Shown) {
    let hide = shown.hide;
    if let Some(part) = address_part(field) {
        for a in &mut c.addresses {
            part(a, shown);
        }
        return;
    }
    match field {
        Field::Id | Field::Kind => {}
        Field::Phone if hide => c.phones.clear(),
        Field::Phone => c
            .phones
            .iter_mut()
            .for_each(|p| shown.mask(&mut p.number, mask_phone_into)),
        Field::Email if hide => c.emails.clear(),
        Field::Email => c
            .emails
            .iter_mut()
            .for_each(|e| shown.mask(&mut e.address, mask_email_into)),
        Field::NationalId if hide => c.national_ids.clear(),
        Field::NationalId => c
            .national_ids
            .iter_mut()
            .for_each(|n| shown.mask(&mut n.value, mask_id_into)),
        Field::NationalIdKind => c
            .national_ids
            .iter_mut()
            .for_each(|n| n.kind = NationalIdKind::Other(String::new())),
        Field::PhoneVerifiedAt => c.phones.iter_mut().for_each(|p| p.verified_at = None),
        Field::EmailVerifiedAt => c.emails.iter_mut().for_each(|e| e.verified_at = None),
        Field::BirthDate => c.birth_date = None,
        Field::CreatedAt => c.created_at = DateTime::UNIX_EPOCH,
        Field::UpdatedAt => c.updated_at = DateTime::UNIX_EPOCH,
        Field::FullName | Field::GivenName | Field::MiddleName | Field::FamilyName => {
            if let Some(n) = c.person_name.as_mut() {
                let slot = match field {
                    Field::FullName => &mut n.full,
                    Field::GivenName => &mut n.given,
                    Field::MiddleName => &mut n.middle,
                    _ => &mut n.family,
                };
                shown.opt(slot, mask_value_into);
            }
        }
        Field::CompanyName => {
            if let Some(n) = c.company_name.as_mut() {
                shown.text(&mut n.legal, mask_value_into);
            }
        }
        Field::TradingName => {
            if let Some(n) = c.company_name.as_mut() {
                shown.opt(&mut n.trading, mask_value_into);
            }
        }
        Field::Tags => {
            c.tags = if hide {
                BTreeSet::new()
            } else {
                c.tags.iter().map(|t| mask_value(t)).collect()
            };
        }
        Field::Source | Field::Industry | Field::Owner | Field::Team => {
            let slot = match field {
                Field::Source => &mut c.source,
                Field::Industry => &mut c.industry,
                Field::Owner => &mut c.owner,
                _ => &mut c.team,
            };
            shown.opt(slot, mask_value_into);
        }
        Field::Custom(name) if hide => {
            c.custom.remove(name);
        }
        Field::Custom(name) => {
            if let Some(v) = c.custom.get_mut(name) {
                *v = CustomValue::Text(mask_value(&v.to_text()));
            }
        }
        text => {
            let values: Vec<String> = if hide {
                Vec::new()
            } else {
                text.texts(c).iter().map(|v| mask_value(v)).collect()
            };
            // Text fields take any text; a refusal leaves the field hidden instead.
            if text.set_texts(c, &values).is_err() {
                let _ = text.set_texts::<&str>(c, &[]);
            }
        }
    }
}

/// A role's restrictions, worked out once: the built-in fields it may not read in full (in the
/// order a view applies them) and its access to custom fields.
#[derive(Debug, Clone)]
pub(crate) struct Restrictions {
    built_in: Vec<(Field, Access)>,
    custom_named: Vec<(String, Access)>,
    custom_default: Access,
}

impl Restrictions {
    /// Whether the role reads every field in full.
    #[cfg(feature = "governance")]
    pub(crate) fn reads_all(&self) -> bool {
        self.built_in.is_empty()
            && self.custom_default >= Access::Read
            && self.custom_named.iter().all(|(_, a)| *a >= Access::Read)
    }

    /// The record as the role sees it.
    pub(crate) fn apply(&self, c: &Customer) -> Customer {
        self.apply_owned(c.clone())
    }

    /// The record as the role sees it, restricted in place (no copy of the record).
    pub(crate) fn apply_owned(&self, mut c: Customer) -> Customer {
        let mut shown = Shown {
            hide: false,
            spare: String::new(),
        };
        for (field, access) in &self.built_in {
            shown.hide = *access == Access::None;
            restrict(&mut c, field, &mut shown);
        }
        if c.custom.is_empty() {
            return c;
        }
        let restricted: Vec<(String, Access)> = c
            .custom
            .keys()
            .filter_map(|name| {
                let access = self
                    .custom_named
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(self.custom_default, |(_, a)| *a);
                (access < Access::Read).then(|| (name.clone(), access))
            })
            .collect();
        for (name, access) in restricted {
            shown.hide = access == Access::None;
            restrict(&mut c, &Field::Custom(name), &mut shown);
        }
        c
    }
}

impl AccessPolicy {
    /// The restrictions of a role.
    pub(crate) fn restrictions(&self, role: &str) -> Result<Restrictions> {
        let r = self.role(role)?;
        let mut built_in = Vec::new();
        for field in Field::built_in() {
            let access = self.access(role, &field)?;
            let timelike = matches!(field.spec().value, ValueType::Date | ValueType::Timestamp);
            match access {
                Access::Read | Access::Write => {}
                Access::Masked if timelike => built_in.push((field, Access::None)),
                a => built_in.push((field, a)),
            }
        }
        // Times by position first: hiding a phone list drops its times with it.
        built_in
            .sort_by_key(|(f, _)| !matches!(f, Field::PhoneVerifiedAt | Field::EmailVerifiedAt));
        let custom_named = r
            .fields
            .iter()
            .filter(|(n, _)| Field::parse(n).is_custom())
            .map(|(n, a)| (n.clone(), *a))
            .collect();
        Ok(Restrictions {
            built_in,
            custom_named,
            custom_default: self.access(role, &Field::Custom(String::new()))?,
        })
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
