//! Chinese script: traditional to simplified characters, pinyin, surnames.
//!
//! The tables are shipped as data files in `data/` (their sources, versions and licences are in
//! each file's header) and parsed once, on first use.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Traditional → simplified, one character each (`TRAD<TAB>SIMP` lines).
static T2S_DATA: &str = include_str!("data/t2s.tsv");
/// Toneless pinyin readings per character (`CHAR<TAB>r1,r2` lines), most common first.
static PINYIN_DATA: &str = include_str!("data/pinyin.tsv");

fn data_lines(data: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    data.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
}

/// A map keyed by characters, with a hash of one multiplication (the tables are fixed data, so
/// there is no flooding to defend against).
pub(crate) type CharMap<V> = crate::hashing::IntMap<char, V>;

/// The traditional → simplified table, with the range of its keys so that most characters
/// (ASCII, Latin, most simplified Han) are rejected without a lookup.
struct T2s {
    map: CharMap<char>,
    min: char,
    max: char,
}

impl T2s {
    /// The simplified form of `c` when `c` is a traditional key.
    #[inline]
    fn get(&self, c: char) -> Option<char> {
        if c < self.min || c > self.max {
            return None;
        }
        self.map.get(&c).copied()
    }
}

/// The traditional → simplified pairs of one character each.
fn t2s_rows() -> impl Iterator<Item = (char, char)> {
    data_lines(T2S_DATA).filter_map(|(t, s)| {
        let mut tc = t.chars();
        let mut sc = s.chars();
        match (tc.next(), tc.next(), sc.next()) {
            (Some(t), None, Some(s)) => Some((t, s)),
            _ => None,
        }
    })
}

/// Each character's readings, most common first.
fn pinyin_rows() -> impl Iterator<Item = (char, Vec<&'static str>)> {
    data_lines(PINYIN_DATA).filter_map(|(c, readings)| {
        let mut cs = c.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) => Some((c, readings.split(',').filter(|r| !r.is_empty()).collect())),
            _ => None,
        }
    })
}

fn t2s() -> &'static T2s {
    static MAP: OnceLock<T2s> = OnceLock::new();
    MAP.get_or_init(|| {
        let map: CharMap<char> = t2s_rows().collect();
        let min = map.keys().copied().min().unwrap_or(char::MAX);
        let max = map.keys().copied().max().unwrap_or('\0');
        T2s { map, min, max }
    })
}

fn pinyin() -> &'static CharMap<Vec<&'static str>> {
    static MAP: OnceLock<CharMap<Vec<&'static str>>> = OnceLock::new();
    MAP.get_or_init(|| pinyin_rows().collect())
}

/// Whether a character is a CJK ideograph (the unified blocks and compatibility ideographs).
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF | 0x30000..=0x3134F)
}

/// Converts traditional Chinese characters to simplified ones, leaving everything else as is.
///
/// Character by character from OpenCC's table; idempotent (no simplified character is itself a
/// traditional key).
///
/// ```
/// use clientele::normalize::to_simplified;
/// assert_eq!(to_simplified("華為技術"), "华为技术");
/// assert_eq!(to_simplified("Acme 有限公司"), "Acme 有限公司");
/// ```
pub fn to_simplified(s: &str) -> Cow<'_, str> {
    let map = t2s();
    // ASCII holds no traditional character (most values).
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    // Copy the part before the first traditional character as it is.
    let Some((at, _)) = s.char_indices().find(|&(_, c)| map.get(c).is_some()) else {
        return Cow::Borrowed(s);
    };
    let (head, tail) = s.split_at(at);
    let mut out = String::with_capacity(s.len());
    out.push_str(head);
    out.extend(tail.chars().map(|c| map.get(c).unwrap_or(c)));
    Cow::Owned(out)
}

/// [`to_simplified`] as a rule function: `None` when nothing changes.
pub(crate) fn to_simplified_owned(s: &str) -> Option<String> {
    match to_simplified(s) {
        Cow::Borrowed(_) => None,
        Cow::Owned(o) => Some(o),
    }
}

/// One traditional form per simplified character (the first in table order), for generating
/// traditional-script variants.
#[cfg_attr(not(feature = "synth"), allow(dead_code))]
pub(crate) fn to_traditional(s: &str) -> String {
    static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut inv = HashMap::new();
        for (t, s) in data_lines(T2S_DATA) {
            if let (Some(t), Some(s)) = (t.chars().next(), s.chars().next()) {
                inv.entry(s).or_insert(t);
            }
        }
        inv
    });
    s.chars()
        .map(|c| map.get(&c).copied().unwrap_or(c))
        .collect()
}

/// Readings of polyphonic characters when they are surnames (单 is shàn as a surname, not dān).
const SURNAME_READINGS: &[(&str, &str)] = &[
    ("单", "shan"),
    ("曾", "zeng"),
    ("区", "ou"),
    ("仇", "qiu"),
    ("解", "xie"),
    ("查", "zha"),
    ("朴", "piao"),
    ("盖", "ge"),
    ("乐", "yue"),
    ("缪", "miao"),
    ("种", "chong"),
    ("秘", "bi"),
    ("覃", "qin"),
    ("翟", "zhai"),
    ("员", "yun"),
    ("黑", "he"),
    ("折", "she"),
    ("纪", "ji"),
    ("任", "ren"),
    ("华", "hua"),
    ("牟", "mu"),
    ("尉迟", "yu chi"),
    ("万俟", "mo qi"),
    ("长孙", "zhang sun"),
    ("澹台", "tan tai"),
    ("召", "shao"),
    ("繁", "po"),
    ("句", "gou"),
    ("宓", "fu"),
    ("那", "na"),
    ("柏", "bai"),
    ("都", "du"),
    ("沈", "shen"),
    ("石", "shi"),
    ("重", "chong"),
    ("能", "nai"),
    ("尉", "wei"),
];

/// Compound (two-character) surnames, detected before single ones.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "令狐", "端木", "澹台", "轩辕", "百里", "呼延", "万俟", "南宫", "西门", "独孤", "申屠",
    "太史", "闻人", "赫连", "钟离", "宗政", "濮阳", "公冶", "太叔", "仲孙", "亓官", "司寇", "子车",
    "颛孙", "第五", "拓跋", "左丘", "东郭", "梁丘", "微生", "羊舌", "公良", "乐正", "漆雕", "壤驷",
    "公西", "巫马", "段干", "司空", "鲜于", "闾丘", "谷梁", "南门", "呼衍", "东门", "西乡",
];

/// The pinyin reading of a character (most common reading, toneless, `ü` written `v`), or
/// `None` for characters the table does not cover.
///
/// ```
/// use clientele::normalize::pinyin_of_char;
/// assert_eq!(pinyin_of_char('张'), Some("zhang"));
/// assert_eq!(pinyin_of_char('吕'), Some("lv"));
/// assert_eq!(pinyin_of_char('A'), None);
/// ```
pub fn pinyin_of_char(c: char) -> Option<&'static str> {
    pinyin().get(&c).and_then(|r| r.first().copied())
}

/// The pinyin of a surname, with surname readings for polyphonic characters.
pub(crate) fn surname_pinyin(family: &str) -> Option<String> {
    if let Some((_, r)) = SURNAME_READINGS.iter().find(|(s, _)| *s == family) {
        return Some(r.replace(' ', ""));
    }
    syllables(family).map(|s| s.concat())
}

/// The pinyin syllables of a run of Han characters; `None` if any is not covered.
pub(crate) fn syllables(s: &str) -> Option<Vec<&'static str>> {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(pinyin_of_char)
        .collect()
}

/// Splits a Chinese full name (no spaces) into family and given name, detecting compound
/// surnames first (欧阳娜娜 → 欧阳 + 娜娜). Returns `None` unless the name is 2 or more Han
/// characters. Traditional characters are simplified first for the lookup.
///
/// ```
/// use clientele::normalize::split_chinese_name;
/// assert_eq!(split_chinese_name("欧阳娜娜"), Some(("欧阳".into(), "娜娜".into())));
/// assert_eq!(split_chinese_name("张伟"), Some(("张".into(), "伟".into())));
/// assert_eq!(split_chinese_name("Smith"), None);
/// ```
pub fn split_chinese_name(name: &str) -> Option<(String, String)> {
    let simplified = to_simplified(name);
    let chars: Vec<char> = simplified.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 2 || !chars.iter().all(|c| is_han(*c)) {
        return None;
    }
    let head2: String = chars.iter().take(2).collect();
    let split = if chars.len() >= 3 && COMPOUND_SURNAMES.contains(&head2.as_str()) {
        2
    } else {
        1
    };
    Some((
        chars.iter().take(split).collect(),
        chars.iter().skip(split).collect(),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn simplification_is_idempotent_on_the_whole_table() {
        for (&t, &s) in &t2s().map {
            assert!(!t2s().map.contains_key(&s), "{t} -> {s} -> again");
            assert!(t2s().min <= t && t <= t2s().max);
        }
        assert!(t2s().get('華').is_some() && t2s().get('A').is_none());
    }

    /// [`to_simplified`] as it was: a std `HashMap` (SipHash) asked about every character.
    pub(crate) fn to_simplified_reference(s: &str) -> Cow<'_, str> {
        static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
        let map = MAP.get_or_init(|| t2s_rows().collect());
        if !s.chars().any(|c| map.contains_key(&c)) {
            return Cow::Borrowed(s);
        }
        Cow::Owned(
            s.chars()
                .map(|c| map.get(&c).copied().unwrap_or(c))
                .collect(),
        )
    }

    /// The pinyin table as it was (std `HashMap`), for [`pinyin_of_char`].
    fn pinyin_reference(c: char) -> Option<&'static str> {
        static MAP: OnceLock<HashMap<char, Vec<&'static str>>> = OnceLock::new();
        let map = MAP.get_or_init(|| pinyin_rows().collect());
        map.get(&c).and_then(|r| r.first().copied())
    }

    #[test]
    fn the_tables_agree_with_the_std_hash_maps_on_every_character() {
        for c in (0..=0x3_1400u32).filter_map(char::from_u32) {
            let s = c.to_string();
            assert_eq!(to_simplified(&s), to_simplified_reference(&s), "{c:?}");
            assert_eq!(pinyin_of_char(c), pinyin_reference(c), "{c:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn to_simplified_agrees_with_the_reference(
            // Traditional and simplified characters, Latin letters, full-width forms, spaces.
            s in "([a-zA-Z ·]|[華為張偉劉陳東國學會說開關門車馬鳥魚龍]|[华为张伟刘陈东国学会说开关门车马鸟鱼龙]|[\u{3400}-\u{9FFF}]|[ＡＢ１２（）]|[\u{20000}-\u{2B800}]){0,24}"
        ) {
            let new = to_simplified(&s);
            let old = to_simplified_reference(&s);
            proptest::prop_assert_eq!(matches!(new, Cow::Borrowed(_)), matches!(old, Cow::Borrowed(_)));
            proptest::prop_assert_eq!(new, old);
        }

        #[test]
        fn to_simplified_agrees_on_any_text(s in "\\PC*") {
            proptest::prop_assert_eq!(to_simplified(&s), to_simplified_reference(&s));
            proptest::prop_assert_eq!(to_simplified_owned(&s), match to_simplified_reference(&s) {
                Cow::Borrowed(_) => None,
                Cow::Owned(o) => Some(o),
            });
        }
    }

    #[test]
    fn surnames_use_their_surname_reading() {
        assert_eq!(surname_pinyin("单").as_deref(), Some("shan"));
        assert_eq!(surname_pinyin("曾").as_deref(), Some("zeng"));
        assert_eq!(surname_pinyin("欧阳").as_deref(), Some("ouyang"));
    }

    #[test]
    fn two_character_names_with_a_compound_prefix_keep_a_single_surname() {
        // 司马 alone is a surname + given name pair, not a compound surname with no given name.
        assert_eq!(split_chinese_name("司马"), Some(("司".into(), "马".into())));
    }
}
