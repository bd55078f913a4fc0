//! What a role sees of a record, and which changes it may make.

use std::collections::BTreeSet;

use chrono::DateTime;

use super::policy::{Access, AccessPolicy, Actor};
use crate::error::{Error, Result};
use crate::model::{
    Address, CustomValue, Customer, Field, NationalIdKind, ValueType, mask_email, mask_id,
    mask_phone, mask_value,
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

/// What becomes of a value: its mask, or `None` to hide it.
type Restrict<'a> = &'a dyn Fn(&str) -> Option<String>;

/// An address part, for the view to hide or mask.
fn address_part(field: &Field) -> Option<fn(&mut Address, Restrict<'_>)> {
    fn map(slot: &mut Option<String>, f: Restrict<'_>) {
        *slot = slot.as_deref().and_then(f);
    }
    Some(match field {
        Field::HouseNumber => |a, f| map(&mut a.house_number, f),
        Field::Street => |a, f| {
            if let Some(first) = a.lines.first_mut() {
                *first = f(first).unwrap_or_default();
            }
        },
        Field::Street2 => |a, f| {
            for line in a.lines.iter_mut().skip(1) {
                *line = f(line).unwrap_or_default();
            }
        },
        Field::Locality => |a, f| map(&mut a.locality, f),
        Field::Region => |a, f| map(&mut a.region, f),
        Field::Postcode => |a, f| map(&mut a.postcode, f),
        Field::Country => |a, f| {
            if f("").is_none() {
                a.country = None;
            }
        },
        _ => return None,
    })
}

/// Hides (`None`) or masks one field of the record.
fn restrict(c: &mut Customer, field: &Field, access: Access) {
    let hide = access == Access::None;
    let mask = |m: fn(&str) -> String| move |s: &str| (!hide).then(|| m(s));
    if let Some(part) = address_part(field) {
        for a in &mut c.addresses {
            part(a, &mask(mask_value));
        }
        return;
    }
    match field {
        Field::Id | Field::Kind => {}
        Field::Phone if hide => c.phones.clear(),
        Field::Phone => c
            .phones
            .iter_mut()
            .for_each(|p| p.number = mask_phone(&p.number)),
        Field::Email if hide => c.emails.clear(),
        Field::Email => c
            .emails
            .iter_mut()
            .for_each(|e| e.address = mask_email(&e.address)),
        Field::NationalId if hide => c.national_ids.clear(),
        Field::NationalId => c
            .national_ids
            .iter_mut()
            .for_each(|n| n.value = mask_id(&n.value)),
        Field::NationalIdKind => c
            .national_ids
            .iter_mut()
            .for_each(|n| n.kind = NationalIdKind::Other(String::new())),
        Field::PhoneVerifiedAt => c.phones.iter_mut().for_each(|p| p.verified_at = None),
        Field::EmailVerifiedAt => c.emails.iter_mut().for_each(|e| e.verified_at = None),
        Field::BirthDate => c.birth_date = None,
        Field::CreatedAt => c.created_at = DateTime::UNIX_EPOCH,
        Field::UpdatedAt => c.updated_at = DateTime::UNIX_EPOCH,
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

impl AccessPolicy {
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
        let mut out = c.clone();
        // Times by position first: hiding a phone list drops its times with it.
        let mut fields = fields_of([c]);
        fields.sort_by_key(|f| !matches!(f, Field::PhoneVerifiedAt | Field::EmailVerifiedAt));
        for field in &fields {
            let access = self.access(&actor.role, field)?;
            let timelike = matches!(field.spec().value, ValueType::Date | ValueType::Timestamp)
                && !field.is_custom();
            match access {
                Access::Read | Access::Write => {}
                Access::Masked if timelike => restrict(&mut out, field, Access::None),
                a => restrict(&mut out, field, a),
            }
        }
        Ok(out)
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
