//! Fingerprints of stored state, for optimistic concurrency: a 128-bit hash of a value's serde
//! form, the same in every process and on every store.

use std::fmt;

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

    fn of<T: Serialize + ?Sized>(value: &T) -> Self {
        let mut h = Fnv(FNV128_START);
        // Serializing into the hasher cannot fail for the crate's types (they have no
        // fallible `Serialize`); if a caller's type did, the partial hash is still a stable
        // function of the value.
        let _ = value.serialize(&mut h);
        Self(h.0)
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

/// FNV-1a, 128 bits, fed by serde.
struct Fnv(u128);

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u128::from(b)).wrapping_mul(FNV128_PRIME);
        }
    }

    /// A type tag, then the bytes.
    fn tagged(&mut self, tag: u8, bytes: &[u8]) {
        self.bytes(&[tag]);
        self.bytes(bytes);
    }

    /// A length-prefixed string (so that `("ab", "c")` and `("a", "bc")` differ).
    fn text(&mut self, tag: u8, s: &str) {
        self.tagged(tag, &(s.len() as u64).to_le_bytes());
        self.bytes(s.as_bytes());
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
    h.text(23, key);
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
    fn text_form_round_trips() {
        let f = Fingerprint::from_u128(0xabc);
        let back: u128 = u128::from_str_radix(&f.to_string(), 16).unwrap();
        assert_eq!(Fingerprint::from_u128(back), f);
    }
}
