//! Chinese identifiers: resident ID numbers (GB 11643-1999) and Unified Social Credit Codes
//! (GB 32100-2015).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::IssueCode;
use crate::model::{MASKED_DATE, mask_id};

/// Province-level codes of GB/T 2260 (first two digits of a division code): the 31 mainland
/// province-level divisions, Taiwan (71), Hong Kong (81), Macao (82), and 83 used by the
/// residence permits of Taiwan residents.
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

fn province_ok(two: &str) -> bool {
    two.parse::<u8>().is_ok_and(|p| PROVINCES.contains(&p))
}

/// ISO 7064 MOD 11-2 check character of the first 17 digits.
fn id_check(body: &[u8]) -> Option<char> {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    if body.len() != 17 {
        return None;
    }
    let sum: u32 = body
        .iter()
        .zip(W)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    "10X98765432".chars().nth((sum % 11) as usize)
}

/// A valid resident ID: canonical 18-character form and what it encodes. `Debug` masks the
/// number, the birth date and the sex it encodes (the province and the generation are shown).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentId {
    /// The 18-character form (a 15-digit ID converted, `x` upper-cased).
    pub canonical: String,
    /// The birth date encoded.
    pub birth_date: NaiveDate,
    /// Odd sequence digit: male.
    pub male: bool,
    /// The province-level code (first two digits).
    pub province: u8,
    /// Whether the input was a 15-digit first-generation number.
    pub first_generation: bool,
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResidentId")
            .field("canonical", &mask_id(&self.canonical))
            .field("birth_date", &format_args!("{MASKED_DATE}"))
            .field("male", &format_args!("*"))
            .field("province", &self.province)
            .field("first_generation", &self.first_generation)
            .finish()
    }
}

/// Checks a Chinese resident ID number (GB 11643-1999): 18 digits or 17 + `X` (a lower-case `x`
/// is accepted), the ISO 7064 MOD 11-2 check character, a real birth date not after `today` and
/// not before 1850, and a valid province code. 15-digit first-generation numbers (birth year
/// 19xx, no check digit) are accepted and converted; callers report them as a warning.
///
/// # Errors
/// The first broken rule, as an [`IssueCode`] (`cn_id.bad_length`, `cn_id.bad_char`,
/// `cn_id.bad_province`, `cn_id.bad_birth_date`, `cn_id.future_birth_date`,
/// `cn_id.bad_check_digit`).
///
/// ```
/// use clientele::validate::{check_cn_resident_id, IssueCode};
/// use chrono::NaiveDate;
/// let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
/// let id = check_cn_resident_id("11010519491231002x", today)?;
/// assert_eq!(id.canonical, "11010519491231002X");
/// assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
/// assert!(!id.male);
/// assert_eq!(check_cn_resident_id("110105194912310021", today), Err(IssueCode::CnIdBadCheckDigit));
/// let old = check_cn_resident_id("110105491231002", today)?;
/// assert!(old.first_generation && old.canonical == "11010519491231002X");
/// # Ok::<(), IssueCode>(())
/// ```
pub fn check_cn_resident_id(raw: &str, today: NaiveDate) -> Result<ResidentId, IssueCode> {
    let s = raw.trim().to_ascii_uppercase();
    let bytes = s.as_bytes();
    let (body, first_generation) = match bytes.len() {
        18 => {
            let (body, last) = bytes.split_at(17);
            if !body.iter().all(u8::is_ascii_digit)
                || !last.iter().all(|b| b.is_ascii_digit() || *b == b'X')
            {
                return Err(IssueCode::CnIdBadChar);
            }
            (body.to_vec(), false)
        }
        15 => {
            if !bytes.iter().all(u8::is_ascii_digit) {
                return Err(IssueCode::CnIdBadChar);
            }
            // Insert the century: first-generation IDs were issued to people born in the 1900s.
            let mut body = Vec::with_capacity(17);
            body.extend_from_slice(bytes.get(..6).unwrap_or(&[]));
            body.extend_from_slice(b"19");
            body.extend_from_slice(bytes.get(6..15).unwrap_or(&[]));
            (body, true)
        }
        _ if s.chars().any(|c| !c.is_ascii_alphanumeric()) => return Err(IssueCode::CnIdBadChar),
        _ => return Err(IssueCode::CnIdBadLength),
    };
    let text = std::str::from_utf8(&body).map_err(|_| IssueCode::CnIdBadChar)?;
    let province = text.get(..2).unwrap_or("");
    if !province_ok(province) {
        return Err(IssueCode::CnIdBadProvince);
    }
    let date = text
        .get(6..14)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok())
        .filter(|d| *d >= NaiveDate::from_ymd_opt(1850, 1, 1).unwrap_or(NaiveDate::MIN))
        .ok_or(IssueCode::CnIdBadBirthDate)?;
    if date > today {
        return Err(IssueCode::CnIdFutureBirthDate);
    }
    let check = id_check(&body).ok_or(IssueCode::CnIdBadLength)?;
    if !first_generation && bytes.get(17).map(|b| char::from(*b)) != Some(check) {
        return Err(IssueCode::CnIdBadCheckDigit);
    }
    let male = body.get(16).is_some_and(|d| d.wrapping_sub(b'0') % 2 == 1);
    Ok(ResidentId {
        canonical: format!("{text}{check}"),
        birth_date: date,
        male,
        province: province.parse().unwrap_or(0),
        first_generation,
    })
}

/// The 31 characters of credit codes (no I, O, S, V, Z), in value order.
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Registration authorities (position 1) and the organisation types (position 2) each allows,
/// per GB 32100-2015 table 1 and the codes assigned since (A: the Central Military Commission's
/// organisation office; N: agriculture).
const AUTHORITIES: &[(u8, &[u8])] = &[
    (b'1', b"1239"),   // 机构编制: 机关, 事业单位, 编办直管群众团体, 其他
    (b'2', b"19"),     // 外交: 外国常驻新闻机构, 其他
    (b'3', b"123459"), // 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    (b'4', b"19"),     // 文化: 外国在华文化中心, 其他
    (b'5', b"1239"),   // 民政: 社会团体, 民办非企业单位, 基金会, 其他
    (b'6', b"129"),    // 旅游: 外国旅游部门常驻代表机构, 港澳台旅游部门常驻代表机构, 其他
    (b'7', b"129"),    // 宗教: 宗教活动场所, 宗教院校, 其他
    (b'8', b"19"),     // 工会: 基层工会, 其他
    (b'9', b"123"),    // 工商: 企业, 个体工商户, 农民专业合作社
    (b'A', b"19"),     // 中央军委改革和编制办公室: 军队事业单位, 其他
    (b'N', b"1239"),   // 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    (b'Y', b"1"),      // 其他
];

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET
        .iter()
        .position(|a| *a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The GB 11714 organisation-code check character of 8 characters (digits, letters A=10..Z=35).
fn org_check(body: &[u8]) -> Option<u8> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let mut sum = 0;
    for (c, w) in body.iter().zip(W) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        d => b'0' + u8::try_from(d).ok()?,
    })
}

/// The final check character of a credit code's first 17 characters.
fn uscc_check(body: &[u8]) -> Option<u8> {
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let mut sum = 0;
    for (c, w) in body.iter().zip(W) {
        sum += uscc_value(*c)? * w;
    }
    USCC_ALPHABET.get(((31 - sum % 31) % 31) as usize).copied()
}

/// Checks a Unified Social Credit Code (GB 32100-2015), after trimming and upper-casing: 18
/// characters of `0-9A-HJ-NPQRTUWXY`, the registration authority and organisation type in
/// their allowed sets, a 6-digit division code with a valid province (or `100000` for national
/// bodies), the organisation code's own GB 11714 check character, and the final check
/// character. Returns the canonical (upper-case) code.
///
/// # Errors
/// The first broken rule: `uscc.bad_length`, `uscc.bad_char`, `uscc.bad_authority`,
/// `uscc.bad_org_type`, `uscc.bad_division`, `uscc.bad_org_check_char`, `uscc.bad_check_char`.
///
/// ```
/// use clientele::validate::{check_uscc, IssueCode};
/// // Huawei Technologies Co., Ltd., as published in its annual reports.
/// assert_eq!(check_uscc("914403001922038216").as_deref(), Ok("914403001922038216"));
/// assert_eq!(check_uscc("914403001922038217"), Err(IssueCode::UsccBadCheckChar));
/// assert_eq!(check_uscc("91440300192203821O"), Err(IssueCode::UsccBadChar));
/// ```
pub fn check_uscc(raw: &str) -> Result<String, IssueCode> {
    let s = raw.trim().to_ascii_uppercase();
    if s.chars().count() != 18 {
        return Err(if s.chars().any(|c| !c.is_ascii_alphanumeric()) {
            IssueCode::UsccBadChar
        } else {
            IssueCode::UsccBadLength
        });
    }
    let b = s.as_bytes();
    if !b.iter().all(|c| USCC_ALPHABET.contains(c)) {
        return Err(IssueCode::UsccBadChar);
    }
    let (authority, kind) = (b.first().copied(), b.get(1).copied());
    let types = AUTHORITIES
        .iter()
        .find(|(a, _)| Some(*a) == authority)
        .map(|(_, t)| *t)
        .ok_or(IssueCode::UsccBadAuthority)?;
    if !kind.is_some_and(|k| types.contains(&k)) {
        return Err(IssueCode::UsccBadOrgType);
    }
    let division = s.get(2..8).unwrap_or("");
    if !division.bytes().all(|c| c.is_ascii_digit())
        || !(division == "100000" || province_ok(division.get(..2).unwrap_or("")))
    {
        return Err(IssueCode::UsccBadDivision);
    }
    let org = b.get(8..16).unwrap_or(&[]);
    if org_check(org) != b.get(16).copied() {
        return Err(IssueCode::UsccBadOrgCheckChar);
    }
    if uscc_check(b.get(..17).unwrap_or(&[])) != b.get(17).copied() {
        return Err(IssueCode::UsccBadCheckChar);
    }
    Ok(s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a valid code from authority, type, division and an 8-character organisation body.
    pub(crate) fn make_uscc(prefix: &str, org8: &str) -> String {
        let mut s = format!("{prefix}{org8}");
        s.push(char::from(org_check(org8.as_bytes()).unwrap()));
        s.push(char::from(uscc_check(s.as_bytes()).unwrap()));
        s
    }

    pub(crate) fn make_id(body17: &str) -> String {
        format!("{body17}{}", id_check(body17.as_bytes()).unwrap())
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn published_credit_codes_pass() {
        // Codes printed in the companies' own published reports and business licences.
        for (company, code) in [
            ("华为技术有限公司", "914403001922038216"),
            ("深圳市腾讯计算机系统有限公司", "91440300708461136T"),
        ] {
            assert_eq!(check_uscc(code).as_deref(), Ok(code), "{company}");
        }
        assert_eq!(
            check_uscc(" 91440300708461136t ").as_deref(),
            Ok("91440300708461136T")
        );
    }

    #[test]
    fn every_credit_code_rule_has_its_code() {
        let good = make_uscc("91110105", "MA01ABCD");
        assert!(check_uscc(&good).is_ok());
        assert_eq!(check_uscc("91110105MA01ABC"), Err(IssueCode::UsccBadLength));
        assert_eq!(
            check_uscc(&good.replacen('A', "I", 1)),
            Err(IssueCode::UsccBadChar)
        );
        assert_eq!(
            check_uscc(&make_uscc("B1110105", "MA01ABCD")),
            Err(IssueCode::UsccBadAuthority)
        );
        assert_eq!(
            check_uscc(&make_uscc("94110105", "MA01ABCD")),
            Err(IssueCode::UsccBadOrgType)
        );
        assert_eq!(
            check_uscc(&make_uscc("91990105", "MA01ABCD")),
            Err(IssueCode::UsccBadDivision)
        );
        let mut bad_org: Vec<u8> = good.clone().into_bytes();
        bad_org[16] = if bad_org[16] == b'1' { b'2' } else { b'1' };
        let bad_org = String::from_utf8(bad_org).unwrap();
        let bad_org = format!(
            "{}{}",
            &bad_org[..17],
            char::from(uscc_check(&bad_org.as_bytes()[..17]).unwrap())
        );
        assert_eq!(check_uscc(&bad_org), Err(IssueCode::UsccBadOrgCheckChar));
        assert_eq!(
            check_uscc(&make_uscc("12100000", "40000006")).map(|_| ()),
            Ok(())
        );
    }

    #[test]
    fn published_resident_ids_pass() {
        // The standard's own example, and the long-circulated sample for a birth in 1880.
        for id in ["11010519491231002X", "440524188001010014"] {
            assert!(check_cn_resident_id(id, today()).is_ok(), "{id}");
        }
    }

    #[test]
    fn every_resident_id_rule_has_its_code() {
        let t = today();
        assert_eq!(
            check_cn_resident_id("1101051949123100", t),
            Err(IssueCode::CnIdBadLength)
        );
        assert_eq!(
            check_cn_resident_id("11010519491231002Y", t),
            Err(IssueCode::CnIdBadChar)
        );
        assert_eq!(
            check_cn_resident_id("11010519491231-02X", t),
            Err(IssueCode::CnIdBadChar)
        );
        assert_eq!(
            check_cn_resident_id(&make_id("99010519491231002"), t),
            Err(IssueCode::CnIdBadProvince)
        );
        assert_eq!(
            check_cn_resident_id(&make_id("11010519990230002"), t),
            Err(IssueCode::CnIdBadBirthDate)
        );
        assert_eq!(
            check_cn_resident_id(&make_id("11010520310501002"), t),
            Err(IssueCode::CnIdFutureBirthDate)
        );
        assert_eq!(
            check_cn_resident_id("110105194912310021", t),
            Err(IssueCode::CnIdBadCheckDigit)
        );
        let lower = check_cn_resident_id("11010519491231002x", t).unwrap();
        assert_eq!(lower.canonical, "11010519491231002X");
    }
}
