//! Field encryption and blind indexes (feature `encryption`): sealed values open only with the
//! key and field they were sealed for, any change is caught, and sealed records hold no plain
//! personal value.

use clientele::crypto::{AesGcmCipher, BlindIndex, FieldCipher, Key, seal, unseal};
use clientele::normalize::{Normalizer, phone_tail};
use clientele::{Customer, CustomerId, CustomerKind};
use proptest::prelude::*;

fn key(byte: u8) -> Key {
    Key::from_bytes([byte; 32])
}

fn person(phone: &str, email: &str, id: &str) -> Customer {
    let mut c = Customer::builder(CustomerId::new("C1").unwrap(), CustomerKind::Person)
        .full_name("韩梅梅")
        .phone(phone)
        .email(email)
        .build();
    c.national_ids = vec![clientele::model::NationalId::new(
        clientele::model::NationalIdKind::CnResidentId,
        id,
    )];
    c.birth_date = chrono::NaiveDate::from_ymd_opt(1949, 12, 31);
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Sealing then opening gives the record back; the sealed record's JSON holds none of the
    /// phone, email, ID or birth date.
    #[test]
    fn seal_then_unseal_restores_the_record(
        phone in "1[3-9][0-9]{9}",
        local in "[a-z]{3,10}",
        id in "[0-9]{17}[0-9X]",
    ) {
        let cipher = AesGcmCipher::new(&key(3));
        let email = format!("{local}@example.cn");
        let c = person(&phone, &email, &id);
        let sealed = seal(&c, &cipher).unwrap();
        let json = serde_json::to_string(&sealed).unwrap();
        for plain in [phone.as_str(), email.as_str(), id.as_str(), "1949-12-31"] {
            prop_assert!(!json.contains(plain), "{plain} in {json}");
        }
        prop_assert_eq!(unseal(&sealed, &cipher).unwrap(), c.clone());
        // Sealing twice changes nothing more.
        prop_assert_eq!(unseal(&seal(&sealed, &cipher).unwrap(), &cipher).unwrap(), c);
    }

    /// Any single changed character of a sealed value is refused, never opened to other text.
    #[test]
    fn a_changed_sealed_value_is_refused(at in 0usize..200, to in "[0-9a-f:]") {
        let cipher = AesGcmCipher::new(&key(4));
        let sealed = cipher.encrypt("phone", "13800135678").unwrap();
        let at = at % sealed.len();
        let mut changed: Vec<char> = sealed.chars().collect();
        let to = to.chars().next().unwrap();
        prop_assume!(changed[at] != to);
        changed[at] = to;
        let changed: String = changed.into_iter().collect();
        prop_assert!(cipher.decrypt("phone", &changed).is_err());
    }
}

#[test]
fn another_key_or_field_does_not_open_a_value() {
    let (a, b) = (AesGcmCipher::new(&key(1)), AesGcmCipher::new(&key(2)));
    assert_ne!(a.key_id(), b.key_id());
    let sealed = a.encrypt("email", "li.na@example.cn").unwrap();
    assert!(b.decrypt("email", &sealed).is_err());
    assert!(a.decrypt("phone", &sealed).is_err());
    assert!(a.decrypt("email", "li.na@example.cn").is_err());
    assert!(a.decrypt("email", &sealed[..sealed.len() - 2]).is_err());
    // The error names the field, not the value.
    let e = a.decrypt("phone", &sealed).unwrap_err().to_string();
    assert!(e.contains("phone") && !e.contains("li.na"));
}

#[test]
fn blind_keys_of_one_number_meet_whatever_its_written_form() {
    let blind = BlindIndex::new(&key(7));
    let n = Normalizer::default();
    let keys: Vec<String> = ["+86 138 0013 5678", "13800135678", "１３８００１３５６７８"]
        .iter()
        .map(|f| blind.blind("phone", phone_tail(&n.phone_key(f, None).unwrap())))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "{keys:?}");
    assert!(!keys[0].contains("5678"));
    assert_ne!(keys[0], BlindIndex::new(&key(8)).blind("phone", "00135678"));
}

#[test]
fn keys_are_read_from_hex_files_and_never_shown() {
    let dir = std::env::temp_dir().join(format!("clientele-crypto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("key.hex");
    std::fs::write(&path, format!("{}\n", "Ab".repeat(32))).unwrap();
    let k = Key::read_file(&path).unwrap();
    assert_eq!(k, Key::from_bytes([0xab; 32]));
    assert_eq!(format!("{k:?}"), "Key(..)");
    std::fs::write(&path, "not a key").unwrap();
    let e = Key::read_file(&path).unwrap_err().to_string();
    assert!(!e.contains("not a key"));
    assert!(Key::read_file(dir.join("missing")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
