//! Fingerprints of stored state, for optimistic concurrency: a 128-bit hash of a value's serde
//! form, the same in every process and on every store.

use std::fmt;

use chrono::{DateTime, Datelike, Utc};
use serde::ser::{self, Serialize};
use serde::{Deserialize, Serializer};

use crate::model::{Activity, Customer, MergeRecord};

/// A 128-bit fingerprint of a record (with or without its activity) or of a merge record: what
/// a reader saw, stated again by its write in [`crate::store::Change::Expect`] so that the store
/// refuses the write if the state changed meanwhile.
///
/// It is FNV-1a over the value's serde form (field names, type tags and values, lengths
/// first), so it depends on the content only: two stores holding equal records give equal
/// fingerprints, and any change of any field changes it. Use it as an HTTP `ETag`. Printed as
/// 32 hexadecimal digits; it reveals nothing of the record.
///
/// ```
/// use clientele::store::Fingerprint;
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let a = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).full_name("Li Na").build();
/// let mut b = a.clone();
/// assert_eq!(Fingerprint::record(&a), Fingerprint::record(&b));
/// b.tags.insert("vip".into());
/// assert_ne!(Fingerprint::record(&a), Fingerprint::record(&b));
/// assert_eq!(Fingerprint::record(&a).to_string().len(), 32);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(u128);

impl Fingerprint {
    /// The fingerprint of a record alone (its activity may change without changing it).
    pub fn record(customer: &Customer) -> Self {
        Self::of(&(0u8, customer))
    }

    /// The fingerprint of a record together with its activity.
    pub fn with_activity(customer: &Customer, activity: &Activity) -> Self {
        Self::of(&(1u8, customer, activity))
    }

    /// The fingerprint of a merge record.
    pub fn merge(record: &MergeRecord) -> Self {
        Self::of(&(2u8, record))
    }

    /// The fingerprint as a number.
    pub fn as_u128(self) -> u128 {
        self.0
    }

    /// A fingerprint given as a number (read back from an `ETag`).
    pub fn from_u128(n: u128) -> Self {
        Self(n)
    }

    /// A quick 128-bit hash of a record's content, for caches inside one process (the
    /// prepared features of `match_one`): every field's serde form, but dates and times as
    /// numbers, into two multiply-rotate lanes eight bytes at a time, about ten times faster
    /// than [`Fingerprint::record`]'s FNV-1a byte at a time. Not stable across versions: never
    /// store it.
    pub(crate) fn quick_record(customer: &Customer) -> u128 {
        // Every field named, no `..`: a field added to `Customer` is a compile error here
        // until it is hashed. Dates and times go in as numbers, not as the text serde writes
        // (formatting the two timestamps was half of the hash's cost).
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
        } = customer;
        let time = |t: &DateTime<Utc>| (t.timestamp(), t.timestamp_subsec_nanos());
        let mut h = Fnv {
            state: QUICK_START,
            quick: true,
        };
        let _ = (
            (
                id,
                kind,
                person_name,
                company_name,
                phones,
                emails,
                addresses,
            ),
            birth_date.map(|d| d.num_days_from_ce()),
            (national_ids, tags, custom, source, industry, owner, team),
            (time(created_at), time(updated_at), consents),
        )
            .serialize(&mut h);
        h.state
    }

    fn of<T: Serialize + ?Sized>(value: &T) -> Self {
        let mut h = Fnv {
            state: FNV128_START,
            quick: false,
        };
        // Serializing into the hasher cannot fail for the crate's types (they have no
        // fallible `Serialize`); if a caller's type did, the partial hash is still a stable
        // function of the value.
        let _ = value.serialize(&mut h);
        Self(h.state)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        u128::from_str_radix(&s, 16)
            .map(Self)
            .map_err(|_| serde::de::Error::custom("a fingerprint is 32 hexadecimal digits"))
    }
}

const FNV128_START: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV128_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

const QUICK_START: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834;

/// FNV-1a, 128 bits, fed by serde; or, `quick`, the in-process hash of
/// [`Fingerprint::quick_record`].
struct Fnv {
    state: u128,
    quick: bool,
}

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        if self.quick {
            self.quick_chunks(bytes);
            return;
        }
        for &b in bytes {
            self.state = (self.state ^ u128::from(b)).wrapping_mul(FNV128_PRIME);
        }
    }

    /// One word into the quick hash's two multiply-rotate lanes.
    fn quick_word(&mut self, w: u64) {
        let (a, b) = ((self.state >> 64) as u64, self.state as u64);
        let a = (a ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
        let b = (b ^ w).wrapping_mul(0xff51_afd7_ed55_8ccd).rotate_left(31);
        self.state = (u128::from(a) << 64) | u128::from(b);
    }

    /// Eight bytes at a time, the last word zero-padded (lengths are hashed by the callers).
    fn quick_chunks(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            self.quick_word(u64::from_le_bytes(word));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            for (d, s) in word.iter_mut().zip(rest) {
                *d = *s;
            }
            self.quick_word(u64::from_le_bytes(word));
        }
    }

    /// A type tag, then the bytes (the quick hash: the tag and the length in one word).
    fn tagged(&mut self, tag: u8, bytes: &[u8]) {
        if self.quick {
            self.quick_word(u64::from(tag) | ((bytes.len() as u64) << 8));
            self.quick_chunks(bytes);
            return;
        }
        self.bytes(&[tag]);
        self.bytes(bytes);
    }

    /// A length-prefixed string (so that `("ab", "c")` and `("a", "bc")` differ).
    fn text(&mut self, tag: u8, s: &str) {
        if self.quick {
            self.tagged(tag, s.as_bytes());
            return;
        }
        self.tagged(tag, &(s.len() as u64).to_le_bytes());
        self.bytes(s.as_bytes());
    }
}

/// Hashes what a value displays, piece by piece, without making a string (the quick hash's
/// dates: serde writes them through `collect_str`).
struct Pieces<'a> {
    h: &'a mut Fnv,
    len: u64,
}

impl fmt::Write for Pieces<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.len += s.len() as u64;
        self.h.quick_chunks(s.as_bytes());
        Ok(())
    }
}

/// Serializing into a hash does not fail; this only satisfies serde's interface.
#[derive(Debug)]
struct Never;

impl fmt::Display for Never {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("fingerprint serialization failed")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Never
    }
}

impl ser::Serializer for &mut Fnv {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Never> {
        self.tagged(1, &[u8::from(v)]);
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Never> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Never> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Never> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Never> {
        self.tagged(2, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Never> {
        self.tagged(3, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Never> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Never> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Never> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Never> {
        self.tagged(4, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Never> {
        self.tagged(5, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Never> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Never> {
        self.tagged(6, &v.to_bits().to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Never> {
        self.tagged(7, &u32::from(v).to_le_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Never> {
        self.text(8, v);
        Ok(())
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Never> {
        if !self.quick {
            return self.serialize_str(&value.to_string());
        }
        let mut w = Pieces { h: self, len: 0 };
        let _ = fmt::write(&mut w, format_args!("{value}"));
        let len = w.len;
        self.quick_word(8 | (len << 8));
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Never> {
        self.tagged(9, &(v.len() as u64).to_le_bytes());
        self.bytes(v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Never> {
        self.tagged(10, &[]);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Never> {
        self.tagged(11, &[]);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Never> {
        self.tagged(12, &[]);
        Ok(())
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Never> {
        self.text(13, name);
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Never> {
        self.text(14, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        self.text(15, variant);
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Never> {
        self.tagged(16, &(len.unwrap_or(usize::MAX) as u64).to_le_bytes());
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, Never> {
        self.tagged(17, &(len as u64).to_le_bytes());
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Self, Never> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self, Never> {
        self.text(18, variant);
        self.serialize_tuple(len)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Never> {
        self.tagged(19, &(len.unwrap_or(usize::MAX) as u64).to_le_bytes());
        Ok(self)
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Self, Never> {
        self.tagged(20, &(len as u64).to_le_bytes());
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self, Never> {
        self.text(21, variant);
        self.serialize_struct(variant, len)
    }
}

/// Closes a compound value, so that a list followed by a value differs from a longer list.
fn end(h: &mut Fnv) -> Result<(), Never> {
    h.tagged(22, &[]);
    Ok(())
}

/// The compound serializers whose parts are plain values, in order.
macro_rules! compound {
    ($($trait:ident :: $method:ident),* $(,)?) => {$(
        impl ser::$trait for &mut Fnv {
            type Ok = ();
            type Error = Never;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Never> {
                end(self)
            }
        }
    )*};
}

compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

impl ser::SerializeMap for &mut Fnv {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Never> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Never> {
        end(self)
    }
}

/// A named field: its name, then its value.
fn field<T: Serialize + ?Sized>(h: &mut Fnv, key: &'static str, value: &T) -> Result<(), Never> {
    if h.quick {
        // Within one process a field's name is one static string: its address stands for it.
        h.quick_word(23 ^ ((key.as_ptr() as u64) << 8) ^ (key.len() as u64));
    } else {
        h.text(23, key);
    }
    value.serialize(h)
}

impl ser::SerializeStruct for &mut Fnv {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        field(self, key, value)
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), Never> {
        // A skipped field (an empty list, an absent option) hashes as its absence, so that a
        // record written with and without the field's default is one record.
        let _ = key;
        Ok(())
    }
    fn end(self) -> Result<(), Never> {
        end(self)
    }
}

impl ser::SerializeStructVariant for &mut Fnv {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        field(self, key, value)
    }
    fn end(self) -> Result<(), Never> {
        end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CustomerId, CustomerKind};

    #[test]
    fn lengths_and_order_separate_values() {
        assert_ne!(Fingerprint::of(&("ab", "c")), Fingerprint::of(&("a", "bc")));
        assert_ne!(
            Fingerprint::of(&(vec![1u8], 2u8)),
            Fingerprint::of(&(vec![1u8, 2u8],))
        );
        assert_ne!(Fingerprint::of(&Some(0u8)), Fingerprint::of(&None::<u8>));
    }

    #[test]
    fn record_and_activity_fingerprints_differ_from_the_record_alone() {
        let c = Customer::builder(CustomerId::new("A").unwrap(), CustomerKind::Person).build();
        let a = Activity::default();
        assert_ne!(Fingerprint::record(&c), Fingerprint::with_activity(&c, &a));
    }

    #[test]
    fn the_quick_hash_tells_records_apart() {
        let a = Customer::builder(CustomerId::new("A").unwrap(), CustomerKind::Person)
            .full_name("Li Na")
            .build();
        let mut b = a.clone();
        assert_eq!(Fingerprint::quick_record(&a), Fingerprint::quick_record(&b));
        b.person_name = None;
        assert_ne!(Fingerprint::quick_record(&a), Fingerprint::quick_record(&b));
        let mut c = a.clone();
        c.updated_at += chrono::Duration::nanoseconds(1);
        assert_ne!(Fingerprint::quick_record(&a), Fingerprint::quick_record(&c));
        let mut d = a.clone();
        d.birth_date = chrono::NaiveDate::from_ymd_opt(1990, 1, 2);
        assert_ne!(Fingerprint::quick_record(&a), Fingerprint::quick_record(&d));
        assert_ne!(
            Fingerprint::quick_record(&a),
            Fingerprint::record(&a).as_u128()
        );
    }

    #[test]
    fn text_form_round_trips() {
        let f = Fingerprint::from_u128(0xabc);
        let back: u128 = u128::from_str_radix(&f.to_string(), 16).unwrap();
        assert_eq!(Fingerprint::from_u128(back), f);
    }
}
