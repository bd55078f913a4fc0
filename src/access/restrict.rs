//! A role's view of a record: fields of access `none` hidden, `masked` ones masked, the rest
//! as stored. One description of the record ([`view!`]) builds the view from a borrowed record
//! (a store's own copy: only what is shown is copied) and from an owned one (a record just read
//! from a file or database: what is shown is moved).

use std::collections::{BTreeMap, BTreeSet};

use chrono::DateTime;

use super::policy::Access;
use crate::model::{
    Address, CompanyName, CustomValue, Customer, Email, Field, NationalId, NationalIdKind,
    PersonName, Phone, mask_email_into, mask_id_into, mask_phone_into, mask_value, mask_value_into,
};

/// A mask writing into a buffer.
type MaskInto = fn(&str, &mut String);

/// A value a view keeps as it is: moved out of an owned record, copied from a borrowed one.
trait Keep<T> {
    fn keep(self) -> T;
}

impl<T> Keep<T> for T {
    fn keep(self) -> T {
        self
    }
}

impl<T: Clone> Keep<T> for &T {
    fn keep(self) -> T {
        self.clone()
    }
}

/// An optional part, owned or borrowed, as an option of its value or of a reference to it.
trait Part<T> {
    fn part(self) -> Option<T>;
}

impl<T> Part<T> for Option<T> {
    fn part(self) -> Option<T> {
        self
    }
}

impl<'a, T> Part<&'a T> for &'a Option<T> {
    fn part(self) -> Option<&'a T> {
        self.as_ref()
    }
}

/// A text as the access shows it: kept, masked, or emptied when hidden (a text that must stay).
fn text<S: AsRef<str> + Keep<String>>(access: Access, s: S, mask: MaskInto) -> String {
    match access {
        Access::Read | Access::Write => s.keep(),
        Access::Masked => masked(s.as_ref(), mask),
        Access::None => String::new(),
    }
}

/// An optional text as the access shows it: `None` when hidden.
fn opt<S: AsRef<str> + Keep<String>>(
    access: Access,
    s: Option<S>,
    mask: MaskInto,
) -> Option<String> {
    match access {
        Access::None => None,
        a => s.map(|s| text(a, s, mask)),
    }
}

/// A value the role may see or not (a date, a time, a code): kept or dropped, never masked.
fn shown<T>(access: Access, value: T, hidden: T) -> T {
    if access == Access::None {
        hidden
    } else {
        value
    }
}

fn masked(s: &str, mask: MaskInto) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    mask(s, &mut out);
    out
}

/// The first byte of a text (a read of the cache line it starts on).
fn first(s: &str) -> u8 {
    s.as_bytes().first().copied().unwrap_or(0)
}

/// [`first`] of an optional text.
fn first_of(s: &Option<String>) -> u8 {
    s.as_deref().map_or(0, first)
}

/// A role's restrictions, worked out once: the access of each built-in field (dates and times,
/// which cannot hold a mask, hidden instead of masked) and of custom fields.
#[derive(Debug, Clone)]
pub(crate) struct Restrictions {
    by_field: [Access; Field::NAMES.len()],
    custom_named: Vec<(String, Access)>,
    custom_default: Access,
    /// Whether every custom field is read in full.
    custom_all_read: bool,
    /// Whether every field is read in full (views are then the records themselves; the
    /// governance handle's shortcut).
    #[cfg_attr(not(feature = "governance"), allow(dead_code))]
    all_read: bool,
}

/// A record's phones or emails as the access `$a` shows them: none when the field is hidden,
/// else each with its value (field `$field`, masked by `$mask`) and its verification time
/// (field `$verified`); labels and the primary flag as stored.
macro_rules! contacts {
    ($a:ident, $list:expr, $ty:ident, $value:ident, $field:expr, $verified:expr, $mask:expr) => {
        if $a($field) == Access::None {
            Vec::new()
        } else {
            $list
                .into_iter()
                .map(|x| {
                    let $ty {
                        $value,
                        label,
                        primary,
                        verified_at,
                    } = x;
                    $ty {
                        $value: text($a($field), $value, $mask),
                        label: label.keep(),
                        primary: primary.keep(),
                        verified_at: shown($a($verified), verified_at.keep(), None),
                    }
                })
                .collect()
        }
    };
}

/// The view of a record, `$c` being a `Customer` or a `&Customer`: the same text builds both,
/// parts being moved out of the one and copied from the other ([`Keep`], [`Part`]). The
/// destructuring is exhaustive, so a field added to the record must be placed here.
macro_rules! view {
    ($r:expr, $c:expr) => {{
        let r: &Restrictions = $r;
        let Customer {
            id,
            kind,
            person_name,
            company_name,
            phones,
            emails,
            addresses,
            birth_date,
            national_ids,
            tags,
            custom,
            source,
            industry,
            owner,
            team,
            created_at,
            updated_at,
            consents,
        } = $c;
        let a = |f: Field| r.access(&f);
        let phones = contacts!(
            a,
            phones,
            Phone,
            number,
            Field::Phone,
            Field::PhoneVerifiedAt,
            mask_phone_into
        );
        let emails = contacts!(
            a,
            emails,
            Email,
            address,
            Field::Email,
            Field::EmailVerifiedAt,
            mask_email_into
        );
        let national_ids = if a(Field::NationalId) == Access::None {
            Vec::new()
        } else {
            national_ids
                .into_iter()
                .map(|n| {
                    let NationalId { kind, value } = n;
                    NationalId {
                        kind: if a(Field::NationalIdKind) >= Access::Read {
                            kind.keep()
                        } else {
                            NationalIdKind::Other(String::new())
                        },
                        value: text(a(Field::NationalId), value, mask_id_into),
                    }
                })
                .collect()
        };
        let addresses = addresses
            .into_iter()
            .map(|ad| {
                let Address {
                    label,
                    house_number,
                    lines,
                    locality,
                    region,
                    postcode,
                    country,
                    verified_at,
                } = ad;
                Address {
                    label: label.keep(),
                    house_number: opt(a(Field::HouseNumber), house_number.part(), mask_value_into),
                    lines: lines
                        .into_iter()
                        .enumerate()
                        .map(|(i, line)| {
                            let field = if i == 0 {
                                Field::Street
                            } else {
                                Field::Street2
                            };
                            text(a(field), line, mask_value_into)
                        })
                        .collect(),
                    locality: opt(a(Field::Locality), locality.part(), mask_value_into),
                    region: opt(a(Field::Region), region.part(), mask_value_into),
                    postcode: opt(a(Field::Postcode), postcode.part(), mask_value_into),
                    country: shown(a(Field::Country), country.keep(), None),
                    verified_at: verified_at.keep(),
                }
            })
            .collect();
        let tags: BTreeSet<String> = match a(Field::Tags) {
            Access::None => BTreeSet::new(),
            Access::Masked => tags.into_iter().map(|t| mask_value(t.as_ref())).collect(),
            _ => tags.keep(),
        };
        // Kept whole, then thinned in place: a map rebuilt from an iterator is sorted again.
        let mut custom: BTreeMap<String, CustomValue> = custom.keep();
        if !r.custom_all_read {
            custom.retain(|name, v| match r.custom_access(name) {
                Access::None => false,
                Access::Masked => {
                    *v = CustomValue::Text(mask_value(&v.to_text()));
                    true
                }
                _ => true,
            });
        }
        Customer {
            id: id.keep(),
            kind: kind.keep(),
            person_name: person_name.part().map(|n| {
                let PersonName {
                    full,
                    given,
                    middle,
                    family,
                } = n;
                PersonName {
                    full: opt(a(Field::FullName), full.part(), mask_value_into),
                    given: opt(a(Field::GivenName), given.part(), mask_value_into),
                    middle: opt(a(Field::MiddleName), middle.part(), mask_value_into),
                    family: opt(a(Field::FamilyName), family.part(), mask_value_into),
                }
            }),
            company_name: company_name.part().map(|n| {
                let CompanyName { legal, trading } = n;
                CompanyName {
                    legal: text(a(Field::CompanyName), legal, mask_value_into),
                    trading: opt(a(Field::TradingName), trading.part(), mask_value_into),
                }
            }),
            phones,
            emails,
            addresses,
            birth_date: shown(a(Field::BirthDate), birth_date.keep(), None),
            national_ids,
            tags,
            custom,
            source: opt(a(Field::Source), source.part(), mask_value_into),
            industry: opt(a(Field::Industry), industry.part(), mask_value_into),
            owner: opt(a(Field::Owner), owner.part(), mask_value_into),
            team: opt(a(Field::Team), team.part(), mask_value_into),
            created_at: shown(a(Field::CreatedAt), created_at.keep(), DateTime::UNIX_EPOCH),
            updated_at: shown(a(Field::UpdatedAt), updated_at.keep(), DateTime::UNIX_EPOCH),
            consents: consents.keep(),
        }
    }};
}

impl Restrictions {
    /// The restrictions of a role whose access to field `f` is `access(f)` (custom fields by
    /// name in `custom_named`, any other custom field `custom_default`).
    pub(super) fn new(
        mut access: impl FnMut(&Field) -> Access,
        custom_named: Vec<(String, Access)>,
        custom_default: Access,
    ) -> Self {
        let mut by_field = [Access::Read; Field::NAMES.len()];
        for field in Field::built_in() {
            let timelike = matches!(
                field.spec().value,
                crate::model::ValueType::Date | crate::model::ValueType::Timestamp
            );
            let a = match access(&field) {
                Access::Masked if timelike => Access::None,
                a => a,
            };
            if let Some(slot) = field.built_in_index().and_then(|i| by_field.get_mut(i)) {
                *slot = a;
            }
        }
        let custom_all_read =
            custom_default >= Access::Read && custom_named.iter().all(|(_, a)| *a >= Access::Read);
        let all_read = custom_all_read && by_field.iter().all(|a| *a >= Access::Read);
        Self {
            by_field,
            custom_named,
            custom_default,
            custom_all_read,
            all_read,
        }
    }

    /// The access of a built-in field (custom fields: [`Restrictions::custom_access`]).
    fn access(&self, field: &Field) -> Access {
        field
            .built_in_index()
            .and_then(|i| self.by_field.get(i))
            .copied()
            .unwrap_or(Access::Read)
    }

    /// The access of the custom field `name`.
    fn custom_access(&self, name: &str) -> Access {
        self.custom_named
            .iter()
            .find(|(n, _)| n == name)
            .map_or(self.custom_default, |(_, a)| *a)
    }

    /// Whether the role reads every field in full.
    #[cfg(feature = "governance")]
    pub(crate) fn reads_all(&self) -> bool {
        self.all_read
    }

    /// Reads the first byte of every text of a lent record the view will read, before the view
    /// is built: the record's texts lie apart in memory, so their cache misses are then waited
    /// for together instead of one mask at a time (a derived `Clone`, whose copies are a few
    /// instructions each, gets that overlap from the processor; masks are loops, which fill
    /// its window before the next text is reached). Measured in docs/PERFORMANCE.md.
    fn warm(&self, c: &Customer) {
        let mut x = 0u8;
        if let Some(n) = &c.person_name {
            x ^= first_of(&n.full) ^ first_of(&n.given) ^ first_of(&n.middle);
            x ^= first_of(&n.family);
        }
        if let Some(n) = &c.company_name {
            x ^= first(&n.legal) ^ first_of(&n.trading);
        }
        for p in &c.phones {
            x ^= first(&p.number);
        }
        for e in &c.emails {
            x ^= first(&e.address);
        }
        for a in &c.addresses {
            x ^= first_of(&a.house_number) ^ first_of(&a.locality) ^ first_of(&a.region);
            x ^= first_of(&a.postcode);
            for l in &a.lines {
                x ^= first(l);
            }
        }
        if self.access(&Field::NationalId) != Access::None {
            for n in &c.national_ids {
                x ^= first(&n.value);
            }
        }
        x ^= first_of(&c.source) ^ first_of(&c.industry) ^ first_of(&c.owner);
        x ^= first_of(&c.team);
        std::hint::black_box(x);
    }

    /// The record as the role sees it, copying only what is shown.
    pub(crate) fn apply(&self, c: &Customer) -> Customer {
        self.warm(c);
        view!(self, c)
    }

    /// The record as the role sees it, built from the record itself (what is shown is moved,
    /// not copied).
    #[cfg(feature = "governance")]
    pub(crate) fn apply_owned(&self, c: Customer) -> Customer {
        view!(self, c)
    }
}

#[cfg(all(test, feature = "governance"))]
mod tests {
    use super::*;
    use crate::access::AccessPolicy;
    use crate::model::{CustomerId, CustomerKind};

    fn full() -> Customer {
        let mut c = Customer::builder(CustomerId::new("R1").unwrap(), CustomerKind::Person)
            .full_name("王芳")
            .given_name("芳")
            .family_name("王")
            .phone("+86 138 0013 5678")
            .email("wang.fang@example.com")
            .national_id(NationalIdKind::CnResidentId, "11010519491231002X")
            .birth_date(chrono::NaiveDate::from_ymd_opt(1990, 1, 2).unwrap())
            .tag("vip")
            .custom("wechat", CustomValue::Text("wf1990".into()))
            .custom("points", CustomValue::Integer(120))
            .owner("li")
            .build();
        c.addresses.push(Address {
            lines: vec!["建国路 88 号".into(), "3 单元".into()],
            locality: Some("北京".into()),
            postcode: Some("100022".into()),
            ..Address::default()
        });
        c
    }

    #[test]
    fn borrowed_and_owned_views_agree_for_every_role() {
        let mut policy = AccessPolicy::default();
        policy.custom_fields.insert("wechat".into());
        let mut masked = policy.roles[2].clone();
        masked.name = "custom-masked".into();
        masked.fields.insert("wechat".into(), Access::Masked);
        masked.fields.insert("points".into(), Access::None);
        policy.custom_fields.insert("points".into());
        policy.roles.push(masked);
        let c = full();
        for role in &policy.roles {
            let r = policy.restrictions(&role.name).unwrap();
            let lent = r.apply(&c);
            assert_eq!(lent, r.apply_owned(c.clone()), "role {}", role.name);
            if r.reads_all() {
                assert_eq!(lent, c);
            } else {
                assert!(!format!("{lent:?}").contains("13800135678"));
                assert!(
                    lent.national_ids
                        .iter()
                        .all(|n| n.value != "11010519491231002X")
                );
            }
        }
        let r = policy.restrictions("custom-masked").unwrap();
        let v = r.apply(&c);
        assert!(!v.custom.contains_key("points"));
        assert_ne!(v.custom.get("wechat"), c.custom.get("wechat"));
        assert!(v.custom.contains_key("wechat"));
    }
}
