//! Realistic values for generated records.

use chrono::NaiveDate;

use super::{Rng, SynthConfig};
use crate::model::{
    Address, CompanyName, CountryCode, Customer, CustomerId, CustomerKind, NationalIdKind,
};

/// Chinese surnames with their approximate share of the population (percent, 2020 census
/// order): the top three alone cover a fifth of all people.
const HAN_SURNAMES: &[(&str, f64)] = &[
    ("王", 7.1),
    ("李", 7.0),
    ("张", 6.7),
    ("刘", 5.4),
    ("陈", 4.6),
    ("杨", 3.1),
    ("黄", 2.2),
    ("赵", 2.0),
    ("吴", 2.0),
    ("周", 1.9),
    ("徐", 1.5),
    ("孙", 1.5),
    ("马", 1.3),
    ("朱", 1.3),
    ("胡", 1.2),
    ("郭", 1.1),
    ("何", 1.1),
    ("高", 1.0),
    ("林", 1.0),
    ("罗", 0.9),
    ("郑", 0.9),
    ("梁", 0.9),
    ("谢", 0.8),
    ("宋", 0.7),
    ("唐", 0.7),
    ("许", 0.7),
    ("韩", 0.7),
    ("冯", 0.6),
    ("邓", 0.6),
    ("曹", 0.6),
    ("彭", 0.6),
    ("曾", 0.6),
    ("肖", 0.6),
    ("田", 0.5),
    ("董", 0.5),
    ("袁", 0.5),
    ("潘", 0.5),
    ("于", 0.5),
    ("蒋", 0.5),
    ("蔡", 0.5),
    ("余", 0.5),
    ("杜", 0.4),
    ("叶", 0.4),
    ("程", 0.4),
    ("苏", 0.4),
    ("魏", 0.4),
    ("吕", 0.4),
    ("丁", 0.4),
    ("任", 0.4),
    ("沈", 0.4),
    ("姚", 0.3),
    ("卢", 0.3),
    ("姜", 0.3),
    ("崔", 0.3),
    ("钟", 0.3),
    ("谭", 0.3),
    ("陆", 0.3),
    ("汪", 0.3),
    ("范", 0.3),
    ("金", 0.3),
    ("石", 0.3),
    ("廖", 0.3),
    ("贾", 0.3),
    ("夏", 0.3),
    ("欧阳", 0.05),
    ("司马", 0.01),
    ("诸葛", 0.01),
    ("上官", 0.01),
    ("慕容", 0.005),
    ("单", 0.05),
    ("区", 0.02),
];

const HAN_GIVEN: &[(&str, f64)] = &[
    ("伟", 3.0),
    ("芳", 2.8),
    ("娜", 2.5),
    ("敏", 2.3),
    ("静", 2.3),
    ("丽", 2.0),
    ("强", 2.0),
    ("磊", 1.8),
    ("军", 1.8),
    ("洋", 1.7),
    ("勇", 1.6),
    ("艳", 1.5),
    ("杰", 1.5),
    ("娟", 1.4),
    ("涛", 1.4),
    ("明", 1.3),
    ("超", 1.3),
    ("秀英", 1.2),
    ("霞", 1.1),
    ("平", 1.1),
    ("刚", 1.0),
    ("桂英", 1.0),
    ("晓明", 0.6),
    ("建华", 0.6),
    ("志强", 0.6),
    ("海燕", 0.5),
    ("俊杰", 0.5),
    ("雨涵", 0.4),
    ("子轩", 0.4),
    ("思琪", 0.4),
    ("浩然", 0.4),
    ("梓涵", 0.3),
    ("一诺", 0.3),
    ("欣怡", 0.3),
    ("宇航", 0.3),
    ("佳怡", 0.3),
    ("文博", 0.2),
    ("晨曦", 0.2),
    ("嘉懿", 0.1),
    ("娜娜", 0.2),
    ("光明", 0.2),
    ("红梅", 0.3),
];

/// Common US/UK surnames with approximate shares (percent), then a generated tail.
const LATIN_SURNAMES: &[(&str, f64)] = &[
    ("smith", 0.83),
    ("johnson", 0.66),
    ("williams", 0.55),
    ("brown", 0.49),
    ("jones", 0.48),
    ("garcia", 0.39),
    ("miller", 0.38),
    ("davis", 0.37),
    ("rodriguez", 0.35),
    ("martinez", 0.34),
    ("hernandez", 0.33),
    ("lopez", 0.29),
    ("wilson", 0.25),
    ("anderson", 0.24),
    ("thomas", 0.24),
    ("taylor", 0.23),
    ("moore", 0.22),
    ("jackson", 0.22),
    ("martin", 0.22),
    ("lee", 0.21),
    ("thompson", 0.20),
    ("white", 0.20),
    ("harris", 0.19),
    ("clark", 0.17),
    ("lewis", 0.16),
    ("robinson", 0.16),
    ("walker", 0.16),
    ("young", 0.15),
    ("allen", 0.15),
    ("king", 0.15),
    ("wright", 0.15),
    ("scott", 0.14),
    ("green", 0.13),
    ("baker", 0.13),
    ("adams", 0.13),
    ("nelson", 0.13),
    ("hill", 0.12),
    ("campbell", 0.11),
    ("mitchell", 0.11),
    ("roberts", 0.11),
    ("carter", 0.11),
    ("phillips", 0.11),
    ("evans", 0.10),
    ("turner", 0.10),
    ("parker", 0.10),
    ("collins", 0.09),
    ("edwards", 0.09),
    ("stewart", 0.09),
    ("müller", 0.05),
    ("schmidt", 0.05),
    ("dubois", 0.04),
    ("o'brien", 0.04),
    ("nguyen", 0.10),
    ("kowalski", 0.03),
];
const LATIN_GIVEN: &[(&str, f64)] = &[
    ("james", 1.6),
    ("mary", 1.5),
    ("john", 1.5),
    ("robert", 1.4),
    ("patricia", 1.0),
    ("michael", 1.4),
    ("jennifer", 1.0),
    ("william", 1.2),
    ("linda", 1.0),
    ("david", 1.2),
    ("elizabeth", 0.9),
    ("richard", 0.9),
    ("barbara", 0.8),
    ("joseph", 0.8),
    ("susan", 0.8),
    ("thomas", 0.8),
    ("jessica", 0.7),
    ("charles", 0.7),
    ("sarah", 0.7),
    ("christopher", 0.7),
    ("karen", 0.6),
    ("daniel", 0.7),
    ("nancy", 0.6),
    ("matthew", 0.6),
    ("lisa", 0.6),
    ("anthony", 0.5),
    ("emily", 0.5),
    ("mark", 0.5),
    ("olivia", 0.4),
    ("liam", 0.4),
    ("emma", 0.4),
    ("noah", 0.4),
    ("sophia", 0.3),
    ("lucas", 0.3),
    ("chloé", 0.1),
    ("josé", 0.2),
];
const SYLLABLES: &[&str] = &[
    "an", "ber", "cal", "dor", "el", "fen", "gar", "hol", "is", "kin", "lor", "mar", "nes", "ost",
    "per", "quin", "ros", "sel", "tam", "ul", "van", "wen", "yar", "zel",
];

/// (city, province, postcode, division code, area code, streets)
/// A Chinese place: city, province, postcode, district division code, area code, streets.
type CnPlace = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const CN_PLACES: &[CnPlace] = &[
    (
        "北京市",
        "北京市",
        "100020",
        "110105",
        "10",
        &["建国路", "朝阳北路", "望京街", "中关村大街", "学院路"],
    ),
    (
        "上海市",
        "上海市",
        "200120",
        "310115",
        "21",
        &["世纪大道", "张杨路", "南京西路", "淮海中路"],
    ),
    (
        "深圳市",
        "广东省",
        "518057",
        "440305",
        "755",
        &["科技园路", "深南大道", "南海大道"],
    ),
    (
        "广州市",
        "广东省",
        "510620",
        "440106",
        "20",
        &["天河路", "体育西路", "中山大道"],
    ),
    (
        "杭州市",
        "浙江省",
        "310013",
        "330106",
        "571",
        &["文三路", "天目山路", "延安路"],
    ),
    (
        "成都市",
        "四川省",
        "610041",
        "510107",
        "28",
        &["人民南路", "科华北路", "天府大道"],
    ),
    (
        "南京市",
        "江苏省",
        "210018",
        "320102",
        "25",
        &["中山路", "珠江路", "北京东路"],
    ),
    (
        "武汉市",
        "湖北省",
        "430071",
        "420106",
        "27",
        &["中南路", "武珞路", "解放大道"],
    ),
];
const LATIN_PLACES: &[(&str, &str, &str, &str)] = &[
    ("New York", "NY", "10001", "US"),
    ("Chicago", "IL", "60601", "US"),
    ("San Francisco", "CA", "94103", "US"),
    ("London", "", "SW1A 1AA", "GB"),
    ("Manchester", "", "M1 1AE", "GB"),
    ("Berlin", "BE", "10115", "DE"),
    ("Sydney", "NSW", "2000", "AU"),
    ("Toronto", "ON", "M5V 2T6", "CA"),
    ("Singapore", "", "018956", "SG"),
];
const STREET_TYPES: &[&str] = &[
    "Street", "St", "Road", "Rd", "Avenue", "Ave", "Lane", "Drive", "Place",
];
const CN_CORES: &[&str] = &[
    "星辰", "华达", "瑞丰", "恒信", "金盛", "博远", "天合", "鸿运", "锦程", "新锐", "安泰", "绿源",
    "云帆", "长青", "华夏", "海川", "盛世", "嘉禾", "智联", "悦动", "宏图", "铭泰", "康宁", "永兴",
    "佳美", "融通", "卓越", "蓝海", "晨光", "东方",
];
const CN_TRADES: &[&str] = &[
    "科技",
    "电子",
    "贸易",
    "物流",
    "食品",
    "软件",
    "医疗器械",
    "文化传媒",
    "餐饮管理",
    "建筑工程",
    "环保科技",
    "网络技术",
    "机械制造",
    "印务",
    "置业",
    "信息服务",
    "体育用品",
    "广告",
    "电器",
    "药业",
];
const CN_FORMS: &[&str] = &[
    "有限公司",
    "有限公司",
    "有限公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
];
const LATIN_CORES: &[&str] = &[
    "acme",
    "northwind",
    "bluewater",
    "redwood",
    "granite",
    "silverline",
    "harbor",
    "summit",
    "pioneer",
    "evergreen",
    "atlas",
    "orion",
    "falcon",
    "meridian",
    "keystone",
    "lighthouse",
    "riverside",
    "sterling",
    "cobalt",
    "maple",
];
const LATIN_TRADES: &[&str] = &[
    "widgets",
    "logistics",
    "analytics",
    "foods",
    "software",
    "consulting",
    "imports",
    "motors",
    "health",
    "design",
    "supply",
    "travel",
];
const LATIN_FORMS: &[&str] = &[
    "Ltd.",
    "Limited",
    "Inc.",
    "LLC",
    "Corp.",
    "GmbH",
    "Co., Ltd.",
    "PLC",
    "S.A.",
    "Pty Ltd",
];

/// Draws phones until one is valid for its region by the crate's own parser (at most 50 tries),
/// so clean records carry numbers a validator accepts.
pub(super) fn valid_phone(r: &mut Rng, region: &str, make: impl Fn(&mut Rng) -> String) -> String {
    static PARSER: std::sync::OnceLock<crate::normalize::Normalizer> = std::sync::OnceLock::new();
    let parser = PARSER.get_or_init(crate::normalize::Normalizer::default);
    let mut last = make(r);
    for _ in 0..50 {
        if parser
            .phone(&last, Some(region))
            .is_ok_and(|p| p.valid && p.kind.is_usual())
        {
            break;
        }
        last = make(r);
    }
    last
}

pub(super) fn cap(w: &str) -> String {
    let mut cs = w.chars();
    cs.next()
        .map(|f| f.to_uppercase().collect::<String>() + cs.as_str())
        .unwrap_or_default()
}

fn latin_surname(r: &mut Rng) -> String {
    // Four in five from the frequent list, the rest from a long generated tail.
    if r.chance(0.8) {
        r.weighted(LATIN_SURNAMES)
            .map_or_else(String::new, |s| (*s).to_owned())
    } else {
        let parts = 2 + r.below(2);
        (0..parts)
            .filter_map(|_| r.pick(SYLLABLES).copied())
            .collect()
    }
}

fn cn_id(r: &mut Rng, division: &str, birth: NaiveDate) -> String {
    let body = format!("{division}{}{}", birth.format("%Y%m%d"), r.digits(3));
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = "10X98765432"
        .chars()
        .nth((sum % 11) as usize)
        .unwrap_or('0');
    format!("{body}{check}")
}

const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc(r: &mut Rng, division: &str) -> String {
    let org: String = (0..8)
        .map(|_| char::from(b'0' + r.below(10) as u8))
        .collect();
    const OW: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = org
        .chars()
        .zip(OW)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let oc = match 11 - s % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    };
    let body = format!("91{division}{org}{oc}");
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = body
        .chars()
        .zip(W)
        .map(|(c, w)| USCC_ALPHABET.find(c).unwrap_or(0) as u32 * w)
        .sum();
    let check = USCC_ALPHABET
        .chars()
        .nth(((31 - sum % 31) % 31) as usize)
        .unwrap_or('0');
    format!("{body}{check}")
}

fn cn_mobile(r: &mut Rng) -> String {
    let prefix = r
        .pick(&[
            "138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "186", "187",
            "188", "177", "199",
        ])
        .copied()
        .unwrap_or("138");
    format!("{prefix}{}", r.digits(8))
}

/// A new number of the same shape (a changed phone).
pub(super) fn phone_like(r: &mut Rng, old: &str) -> String {
    if !old.starts_with('+') && old.starts_with('1') {
        cn_mobile(r)
    } else if let Some(digits) = us_national(old) {
        format!("+1{}{}", digits.get(..6).unwrap_or(""), r.digits(4))
    } else {
        let digits: String = old.chars().filter(char::is_ascii_digit).collect();
        let keep = digits.len().saturating_sub(4);
        format!("+{}{}", digits.get(..keep).unwrap_or(""), r.digits(4))
    }
}

/// The ten digits of a US number written without its country code (`(212) 555-0123`).
fn us_national(number: &str) -> Option<String> {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    (!number.starts_with('+') && digits.len() == 10 && !digits.starts_with(['0', '1']))
        .then_some(digits)
}

/// The same number written another way.
pub(super) fn reformat_phone(r: &mut Rng, number: &str) -> String {
    if let Some(d) = us_national(number) {
        let (a, b, c) = (
            d.get(..3).unwrap_or(""),
            d.get(3..6).unwrap_or(""),
            d.get(6..).unwrap_or(""),
        );
        return match r.below(4) {
            0 => format!("+1 {a} {b} {c}"),
            1 => format!("1-{a}-{b}-{c}"),
            2 => format!("({a}) {b}-{c}"),
            _ => format!("{a}.{b}.{c}"),
        };
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    // Chinese mobiles are generated in national form (no `+`).
    if !number.starts_with('+') && digits.len() == 11 && digits.starts_with('1') {
        let (a, b, c) = (
            digits.get(..3).unwrap_or(""),
            digits.get(3..7).unwrap_or(""),
            digits.get(7..).unwrap_or(""),
        );
        return match r.below(4) {
            0 => format!("+86 {a} {b} {c}"),
            1 => format!("0086{digits}"),
            2 => format!("{a}-{b}-{c}"),
            _ => format!("86{digits}"),
        };
    }
    match r.below(2) {
        0 => digits
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                if i > 0 && i % 3 == 0 {
                    vec![' ', c]
                } else {
                    vec![c]
                }
            })
            .collect::<String>()
            .replace("  ", " "),
        _ => format!("+{digits}"),
    }
}

/// The company's legal form written another way, with probability `p`.
pub(super) fn legal_form_variant(r: &mut Rng, legal: &str, p: f64) -> String {
    if !r.chance(p) {
        return legal.to_owned();
    }
    const SWAPS: &[(&str, &str)] = &[
        ("有限责任公司", "有限公司"),
        ("有限公司", "有限责任公司"),
        ("Co., Ltd.", "Co Ltd"),
        ("Ltd.", "Limited"),
        ("Limited", "Ltd"),
        ("Inc.", "Incorporated"),
        ("LLC", "L.L.C."),
        ("Corp.", "Corporation"),
        ("GmbH", "G.m.b.H."),
        ("PLC", "plc"),
        ("S.A.", "SA"),
        ("Pty Ltd", "Pty. Limited"),
    ];
    SWAPS.iter().find(|(a, _)| legal.ends_with(a)).map_or_else(
        || legal.to_owned(),
        |(a, b)| format!("{}{b}", &legal[..legal.len() - a.len()]),
    )
}

/// An address in China or elsewhere.
pub(super) fn address(r: &mut Rng, china: bool) -> Address {
    if china {
        let (city, province, postcode, _, _, streets) =
            r.pick(CN_PLACES).copied().unwrap_or(CN_PLACES[0]);
        let street = r.pick(streets).copied().unwrap_or("");
        Address {
            house_number: Some((1 + r.below(300)).to_string()),
            lines: vec![format!("{street}{}号", 1 + r.below(200))],
            locality: Some(city.to_owned()),
            region: Some(province.to_owned()),
            postcode: Some(postcode.to_owned()),
            country: CountryCode::new("CN").ok(),
            ..Address::default()
        }
    } else {
        let (city, region, postcode, country) =
            r.pick(LATIN_PLACES).copied().unwrap_or(LATIN_PLACES[0]);
        let name: String = (0..2).filter_map(|_| r.pick(SYLLABLES).copied()).collect();
        Address {
            house_number: Some((1 + r.below(400)).to_string()),
            lines: vec![format!(
                "{} {}",
                cap(&name),
                r.pick(STREET_TYPES).copied().unwrap_or("Street")
            )],
            locality: Some(city.to_owned()),
            region: Some(region.to_owned()).filter(|s| !s.is_empty()),
            postcode: Some(postcode.to_owned()),
            country: CountryCode::new(country).ok(),
            ..Address::default()
        }
    }
}

/// The number in a record id, which makes an entity's mailboxes its own.
fn unique_number(id: &CustomerId) -> u64 {
    id.as_str()
        .chars()
        .filter(char::is_ascii_digit)
        .fold(0u64, |n, d| {
            n.wrapping_mul(10)
                .wrapping_add(u64::from(d.to_digit(10).unwrap_or(0)))
        })
}

/// A company's clean record: Chinese or Latin-script (`us`: with a US address).
fn company(
    r: &mut Rng,
    chinese: bool,
    place: CnPlace,
    id: CustomerId,
    unique: u64,
    us: bool,
) -> Customer {
    let mut c = Customer::builder(id, CustomerKind::Company);
    if chinese {
        // Trade names of two parts: registries hold hundreds of thousands of distinct names.
        let name = format!(
            "{}{}{}{}{}",
            if r.chance(0.7) {
                place.0.trim_end_matches('市')
            } else {
                ""
            },
            r.pick(CN_CORES).copied().unwrap_or(""),
            r.pick(CN_CORES).copied().unwrap_or(""),
            r.pick(CN_TRADES).copied().unwrap_or(""),
            r.pick(CN_FORMS).copied().unwrap_or("有限公司")
        );
        c = c
            .company_name(name)
            .phone(valid_phone(r, "CN", |r| {
                format!("0{}-{}", place.4, r.digits(8))
            }))
            .email(format!(
                "service{}@{}{unique}.com.cn",
                r.below(10),
                r.digits(2)
            ))
            .national_id(NationalIdKind::CnUscc, uscc(r, place.3))
            .address(address(r, true));
    } else {
        let coined: String = (0..2).filter_map(|_| r.pick(SYLLABLES).copied()).collect();
        let name = format!(
            "{} {} {} {}",
            cap(r.pick(LATIN_CORES).copied().unwrap_or("acme")),
            cap(&coined),
            cap(r.pick(LATIN_TRADES).copied().unwrap_or("co")),
            r.pick(LATIN_FORMS).copied().unwrap_or("Ltd.")
        );
        c = c
            .company_name(&name)
            .phone(valid_phone(r, "US", |r| {
                format!(
                    "+1 {} {} {}",
                    200 + r.below(700),
                    200 + r.below(700),
                    r.digits(4)
                )
            }))
            .email(format!(
                "info@{}{unique}.com",
                name.split(' ').next().unwrap_or("x").to_lowercase(),
            ))
            .address(if us {
                super::western::address(r)
            } else {
                address(r, false)
            });
    }
    let mut built = c.build();
    built.company_name = built.company_name.map(|n| CompanyName {
        legal: n.legal,
        trading: None,
    });
    built
}

/// One entity's clean record (its id is set by the caller).
pub(super) fn entity(r: &mut Rng, config: &SynthConfig, id: CustomerId) -> Customer {
    if config.population == super::Population::NameBuiltEmails {
        if r.chance(config.company_share) {
            let unique = unique_number(&id);
            return company(r, false, CN_PLACES[0], id, unique, true);
        }
        return super::western::person(r, id);
    }
    // A mailbox belongs to one customer: every address carries a number unique to the entity,
    // so that two people of one name never share an email by chance (which real data does not
    // do either, beyond shared family mailboxes).
    let unique = unique_number(&id);
    let chinese = r.chance(config.chinese_share);
    let company = r.chance(config.company_share);
    let place = r.pick(CN_PLACES).copied().unwrap_or(CN_PLACES[0]);
    if company {
        return self::company(r, chinese, place, id, unique, false);
    }
    let birth = NaiveDate::from_ymd_opt(
        1940 + r.below(66) as i32,
        1 + r.below(12) as u32,
        1 + r.below(28) as u32,
    )
    .unwrap_or_default();
    if chinese {
        let family = r.weighted(HAN_SURNAMES).copied().unwrap_or("王");
        let given = r.weighted(HAN_GIVEN).copied().unwrap_or("伟");
        let py = |s: &str| {
            s.chars()
                .filter_map(crate::normalize::pinyin_of_char)
                .collect::<Vec<_>>()
                .concat()
        };
        let email = match r.below(3) {
            0 => format!("{}{}{unique}@163.com", py(family), py(given)),
            1 => format!("{}@qq.com", 10_000 + unique * 100 + r.below(100) as u64),
            _ => format!("{}.{}{unique}@126.com", py(given), py(family)),
        };
        Customer::builder(id, CustomerKind::Person)
            .full_name(format!("{family}{given}"))
            .family_name(family)
            .given_name(given)
            .phone(valid_phone(r, "CN", cn_mobile))
            .email(email)
            .birth_date(birth)
            .national_id(NationalIdKind::CnResidentId, cn_id(r, place.3, birth))
            .address(address(r, true))
            .build()
    } else {
        let family = latin_surname(r);
        let given = r
            .weighted(LATIN_GIVEN)
            .copied()
            .unwrap_or("john")
            .to_owned();
        let a = address(r, false);
        let cc = a.country.map(|c| c.to_string()).unwrap_or_default();
        let region = if cc.is_empty() {
            "US".to_owned()
        } else {
            cc.clone()
        };
        let phone = valid_phone(r, &region, |r| match cc.as_str() {
            "GB" => format!("+44 7{} {}", r.digits(3), r.digits(6)),
            "DE" => format!("+49 30 {}", r.digits(8)),
            "AU" => format!("+61 4{} {}", r.digits(2), r.digits(6)),
            "SG" => format!("+65 9{} {}", r.digits(3), r.digits(4)),
            _ => format!(
                "+1 {} {} {}",
                200 + r.below(700),
                200 + r.below(700),
                r.digits(4)
            ),
        });
        let ascii = |s: &str| {
            crate::normalize::Normalizer::empty()
                .normalize(crate::normalize::FieldKind::Text, s)
                .canonical
                .replace(['\'', ' '], "")
        };
        Customer::builder(id, CustomerKind::Person)
            .full_name(format!("{} {}", cap(&given), cap(&family)))
            .given_name(cap(&given))
            .family_name(cap(&family))
            .phone(phone)
            .email(format!(
                "{}.{}{unique}@{}",
                ascii(&given),
                ascii(&family),
                r.pick(&["gmail.com", "yahoo.com", "outlook.com", "example.org"])
                    .copied()
                    .unwrap_or("gmail.com")
            ))
            .birth_date(birth)
            .address(a)
            .build()
    }
}
