//! Whole records: every field of a [`Customer`] put in canonical form, with a list of what changed.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{FieldKind, Normalizer};
use crate::model::{
    Address, Customer, MaskPolicy, MaskedDebug, NationalIdKind, PersonName, STRICT, mask_value,
};

/// One field value that normalization changed (or removed as a repeat).
///
/// `before` and `after` hold personal data: `Debug` masks them; serialize only where the raw
/// values may go.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Where the value sits, e.g. `person_name.full`, `phones[1]`, `addresses[0].lines[0]`.
    pub field: String,
    /// The value as it was.
    pub before: String,
    /// The canonical value; empty when the value was dropped as a repeat of an earlier one.
    pub after: String,
}

impl fmt::Debug for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldChange")
            .field("field", &self.field)
            .field("before", &mask_value(&self.before))
            .field("after", &mask_value(&self.after))
            .finish()
    }
}

/// A record in canonical form and the changes that got it there. `Debug` masks personal values
/// (see [`MaskPolicy`]).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct NormalizedRecord {
    /// The record with canonical values; id, kind, dates, timestamps, custom fields and consent
    /// are as they were.
    pub customer: Customer,
    /// Every value that changed, in field order.
    pub changes: Vec<FieldChange>,
}

impl fmt::Debug for NormalizedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_masked(&STRICT, f)
    }
}

impl MaskedDebug for NormalizedRecord {
    fn fmt_masked(&self, policy: &MaskPolicy, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NormalizedRecord")
            .field("customer", &policy.show(&self.customer))
            .field("changes", &self.changes)
            .finish()
    }
}

/// Collects the changes while one record is rewritten.
struct Rewriter {
    changes: Vec<FieldChange>,
}

impl Rewriter {
    /// Replaces `value` by `canonical`, noting the change under `field`.
    fn set(&mut self, field: impl FnOnce() -> String, value: &mut String, canonical: String) {
        if *value != canonical {
            self.changes.push(FieldChange {
                field: field(),
                before: std::mem::replace(value, canonical.clone()),
                after: canonical,
            });
        }
    }

    fn set_opt(&mut self, field: &str, value: &mut Option<String>, canon: impl Fn(&str) -> String) {
        if let Some(v) = value.as_mut() {
            let c = canon(v);
            self.set(|| field.to_owned(), v, c);
            if v.is_empty() {
                *value = None;
            }
        }
    }

    fn dropped(&mut self, field: String, before: String) {
        self.changes.push(FieldChange {
            field,
            before,
            after: String::new(),
        });
    }
}

impl Normalizer {
    /// Puts every field of a record in canonical form: names (honorifics removed, `Family,
    /// Given` turned round), company names, phones in E.164 (`+8613800138000`, extensions kept
    /// as ` ext. 12`), emails (domain lower-cased), address lines, localities and postcodes,
    /// national ID numbers (no spaces or dashes, check letter upper case) and tags.
    ///
    /// Phones are read in the country of the record's first address that has one, else in
    /// `default_region`; a phone or email that does not parse keeps its text-normalized form
    /// (validation reports it). Phones, emails and identifiers that become equal are kept once
    /// (the first, marked primary if any of the repeats was); the dropped repeats are listed in
    /// [`NormalizedRecord::changes`] with an empty `after`, so nothing is lost without a trace.
    /// The result is idempotent: normalizing it again changes nothing.
    ///
    /// Cost: one pass of the rule chain per value, plus phone parsing; no allocation per
    /// unchanged value beyond the rule chain's own.
    ///
    /// ```
    /// use clientele::normalize::Normalizer;
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let n = Normalizer::default();
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
    ///     .full_name("Ｍｒ. John  SMITH")
    ///     .phone("(020) 7946 0018")
    ///     .phone("+44 20 7946 0018")
    ///     .email("John.Smith@Example.COM")
    ///     .build();
    /// let r = n.customer(&c, Some("GB"));
    /// assert_eq!(r.customer.phones.len(), 1);
    /// assert_eq!(r.customer.phones[0].number, "+442079460018");
    /// assert_eq!(r.customer.emails[0].address, "John.Smith@example.com");
    /// assert_eq!(n.customer(&r.customer, Some("GB")).changes, []);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn customer(&self, c: &Customer, default_region: Option<&str>) -> NormalizedRecord {
        let mut out = c.clone();
        let mut w = Rewriter {
            changes: Vec::new(),
        };
        let text = |kind: FieldKind| move |s: &str| self.normalize(kind, s).canonical;
        if let Some(name) = out.person_name.as_mut() {
            self.person_fields(name, &mut w);
            if name.is_empty() {
                out.person_name = None;
            }
        }
        if let Some(company) = out.company_name.as_mut() {
            let canon = text(FieldKind::CompanyName)(&company.legal);
            w.set(|| "company_name.legal".into(), &mut company.legal, canon);
            w.set_opt(
                "company_name.trading",
                &mut company.trading,
                text(FieldKind::CompanyName),
            );
        }
        let country = out
            .addresses
            .iter()
            .find_map(|a| a.country)
            .map(|cc| cc.as_str().to_owned());
        let region = country.as_deref().or(default_region);
        for (i, p) in out.phones.iter_mut().enumerate() {
            let canon = match self.phone(&p.number, region) {
                Ok(x) => match x.extension {
                    Some(ext) => format!("{} ext. {ext}", x.e164),
                    None => x.e164,
                },
                Err(_) => text(FieldKind::Phone)(&p.number),
            };
            w.set(|| format!("phones[{i}]"), &mut p.number, canon);
        }
        dedup_by_value(
            &mut out.phones,
            "phones",
            &mut w,
            |p| &p.number,
            |p| &mut p.primary,
        );
        for (i, e) in out.emails.iter_mut().enumerate() {
            let canon = match self.email(&e.address) {
                Ok(x) => x.canonical,
                Err(_) => text(FieldKind::Email)(&e.address),
            };
            w.set(|| format!("emails[{i}]"), &mut e.address, canon);
        }
        dedup_by_value(
            &mut out.emails,
            "emails",
            &mut w,
            |e| &e.address,
            |e| &mut e.primary,
        );
        for (i, a) in out.addresses.iter_mut().enumerate() {
            self.address_fields(a, i, &mut w);
        }
        for (i, id) in out.national_ids.iter_mut().enumerate() {
            let canon = match id.kind {
                NationalIdKind::CnResidentId | NationalIdKind::CnUscc => {
                    text(FieldKind::Text)(&id.value)
                        .chars()
                        .filter(|ch| !ch.is_whitespace() && *ch != '-')
                        .map(|ch| ch.to_ascii_uppercase())
                        .collect()
                }
                NationalIdKind::Other(_) => text(FieldKind::Text)(&id.value),
            };
            w.set(|| format!("national_ids[{i}]"), &mut id.value, canon);
        }
        // Identifiers that became empty (their change is noted) or repeat an earlier one of
        // the same kind are dropped; a dropped repeat is named by its original position.
        let mut seen = std::collections::HashSet::new();
        let mut kept = Vec::with_capacity(out.national_ids.len());
        for (i, id) in std::mem::take(&mut out.national_ids)
            .into_iter()
            .enumerate()
        {
            if id.value.is_empty() {
                continue;
            }
            if seen.insert((id.kind.clone(), id.value.clone())) {
                kept.push(id);
            } else {
                w.dropped(format!("national_ids[{i}]"), id.value);
            }
        }
        out.national_ids = kept;
        let tags = std::mem::take(&mut out.tags);
        for tag in tags {
            let canon = text(FieldKind::Text)(&tag);
            if canon.is_empty() || out.tags.contains(&canon) {
                w.dropped("tags".into(), tag);
                continue;
            }
            if canon != tag {
                w.changes.push(FieldChange {
                    field: "tags".into(),
                    before: tag,
                    after: canon.clone(),
                });
            }
            out.tags.insert(canon);
        }
        out.source = out
            .source
            .map(|s| text(FieldKind::Text)(&s))
            .filter(|s| !s.is_empty());
        NormalizedRecord {
            customer: out,
            changes: w.changes,
        }
    }

    fn person_fields(&self, name: &mut PersonName, w: &mut Rewriter) {
        let part = |s: &str| self.normalize(FieldKind::PersonName, s).canonical;
        if let Some(full) = name.full.as_mut() {
            let canon = self
                .person_name(&PersonName {
                    full: Some(full.clone()),
                    ..PersonName::default()
                })
                .canonical;
            w.set(|| "person_name.full".into(), full, canon);
            if full.is_empty() {
                name.full = None;
            }
        }
        w.set_opt("person_name.given", &mut name.given, part);
        w.set_opt("person_name.middle", &mut name.middle, part);
        w.set_opt("person_name.family", &mut name.family, part);
    }

    fn address_fields(&self, a: &mut Address, i: usize, w: &mut Rewriter) {
        let text = |s: &str| self.normalize(FieldKind::Text, s).canonical;
        let line = |s: &str| self.normalize(FieldKind::Address, s).canonical;
        for (j, l) in a.lines.iter_mut().enumerate() {
            let canon = line(l);
            w.set(|| format!("addresses[{i}].lines[{j}]"), l, canon);
        }
        a.lines.retain(|l| !l.is_empty());
        w.set_opt(
            &format!("addresses[{i}].house_number"),
            &mut a.house_number,
            text,
        );
        w.set_opt(&format!("addresses[{i}].locality"), &mut a.locality, text);
        w.set_opt(&format!("addresses[{i}].region"), &mut a.region, text);
        w.set_opt(&format!("addresses[{i}].postcode"), &mut a.postcode, |s| {
            text(s).to_uppercase()
        });
    }
}

/// Keeps the first of values that became equal, carrying a primary flag over to it; drops values
/// that became empty (their change is already noted).
fn dedup_by_value<T>(
    items: &mut Vec<T>,
    name: &str,
    w: &mut Rewriter,
    value: impl Fn(&T) -> &String,
    primary: impl Fn(&mut T) -> &mut bool,
) {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
        if value(&item).is_empty() {
            continue;
        }
        match kept.iter_mut().find(|k| value(k) == value(&item)) {
            Some(first) => {
                if *primary(&mut item) {
                    *primary(first) = true;
                }
                w.dropped(format!("{name}[{i}]"), value(&item).clone());
            }
            None => kept.push(item),
        }
    }
    *items = kept;
}
