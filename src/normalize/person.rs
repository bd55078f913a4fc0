//! Person names: honorifics, name order, order-free keys and pinyin keys.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::chinese::{is_han, split_chinese_name, surname_pinyin, syllables, to_simplified};
use super::{Context, FieldKind, Normalizer};
use crate::model::{PersonName, mask_value};

/// Titles written before a Latin name (compared without dots, case-insensitively).
const LATIN_TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "madam",
    "mme",
    "mlle",
    "herr",
    "frau",
    "rev",
    "hon",
    "mstr",
    "master",
];
/// Suffixes written after a Latin name.
const LATIN_SUFFIXES: &[&str] = &[
    "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "mba",
];
/// Honorifics and forms of address written after a Chinese name, longest first.
const HAN_HONORIFICS: &[&str] = &[
    "董事长",
    "总经理",
    "先生",
    "女士",
    "小姐",
    "老师",
    "经理",
    "博士",
    "教授",
    "医生",
    "主任",
    "老板",
    "太太",
    "夫人",
    "同学",
    "师傅",
    "总",
];

/// The entry of `table` (lower-case ASCII words) a word is, compared without trailing dots and
/// case-insensitively; the entry is the word's key as [`honorifics`] keeps it.
fn table_key(w: &str, table: &[&'static str]) -> Option<&'static str> {
    let w = w.trim_end_matches('.');
    if w.is_ascii() {
        table.iter().copied().find(|t| t.eq_ignore_ascii_case(w))
    } else {
        // Some non-ASCII letters lower-case to ASCII ones (the Kelvin sign to `k`).
        let lower = w.to_lowercase();
        table.iter().copied().find(|t| *t == lower)
    }
}

/// Titles and honorifics removed into `parts.honorifics` (`Dr. Anna Müller`, `张伟先生`,
/// `王总`). Canonical stage: a clean record stores the name without them.
pub(crate) fn honorifics(s: &str, ctx: &mut Context) -> Option<String> {
    let mut out = s.trim();
    let mut changed = false;
    // Han suffixes, keeping at least one character of name (the value is longer than the
    // suffix it ends with).
    if !out.is_ascii() {
        while let Some(h) = HAN_HONORIFICS
            .iter()
            .find(|h| out.len() > h.len() && out.ends_with(**h))
        {
            ctx.parts.honorifics.push((*h).to_owned());
            out = out.get(..out.len() - h.len()).unwrap_or(out).trim_end();
            changed = true;
        }
    }
    // Latin titles and suffixes: only when the first word is a title or the last a suffix, and
    // there are two words or more (most names have neither: no list of words is built).
    let mut nonempty = out.split(' ').filter(|w| !w.is_empty());
    let first = nonempty.next();
    let last = nonempty.next_back();
    let latin = match (first, last) {
        (Some(f), Some(l)) => {
            table_key(f, LATIN_TITLES).is_some()
                || table_key(l.trim_end_matches(','), LATIN_SUFFIXES).is_some()
        }
        _ => false,
    };
    if !latin {
        return (changed && out != s).then(|| out.to_owned());
    }
    let mut words: Vec<&str> = out.split(' ').filter(|w| !w.is_empty()).collect();
    let mut found = Vec::new();
    let mut start = 0;
    while words.len() - start > 1 {
        match words.get(start).and_then(|w| table_key(w, LATIN_TITLES)) {
            Some(key) => {
                found.push(key.to_owned());
                start += 1;
            }
            None => break,
        }
    }
    words.drain(..start);
    while words.len() > 1 {
        match words
            .last()
            .and_then(|w| table_key(w.trim_end_matches(','), LATIN_SUFFIXES))
        {
            Some(key) => {
                found.push(key.to_owned());
                words.pop();
            }
            None => break,
        }
    }
    if found.is_empty() {
        return (changed && out != s).then(|| out.to_owned());
    }
    ctx.parts.honorifics.extend(found);
    let joined = words.join(" ");
    let out = joined.trim_end_matches(',').trim();
    (out != s).then(|| out.to_owned())
}

/// `Family, Given` rewritten `Given Family` (Latin names with one comma). Titles the new order
/// brings to the front (`Smith, Mr John`) are removed as [`honorifics`] does.
pub(crate) fn comma_order(s: &str, ctx: &mut Context) -> Option<String> {
    let (family, given) = s.split_once(',')?;
    let (family, given) = (family.trim(), given.trim());
    if family.is_empty() || given.is_empty() || given.contains(',') || s.chars().any(is_han) {
        return None;
    }
    let reordered = format!("{given} {family}");
    Some(honorifics(&reordered, ctx).unwrap_or(reordered))
}

/// Latin name words sorted, so that the key does not depend on given/family order
/// (`john smith` ~ `smith john`). Han names (one word) are left alone.
pub(crate) fn order_free(s: &str, _ctx: &mut Context) -> Option<String> {
    if !s.contains(' ') {
        return None;
    }
    let mut words: Vec<&str> = s.split(' ').filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    let out = words.join(" ");
    (out != s).then_some(out)
}

/// A person's name normalized as a whole: canonical display form, order-free key, keys of the
/// family and given names, and for Han names a pinyin key comparable with romanized names.
/// `Debug` masks every form and key of the name (honorifics, which are titles, are shown).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NormalizedPersonName {
    /// The name as a clean record shows it (honorifics removed, `Given Family` order for Latin
    /// names written `Family, Given`).
    pub canonical: String,
    /// Order-free key of the whole name (`smith john`; Han names: simplified, no spaces).
    pub key: String,
    /// Key of the family name, when known or detected.
    pub family: Option<String>,
    /// Key of the given name(s), when known or detected.
    pub given: Option<String>,
    /// For Han names: toneless pinyin, family and given name each as one word, words sorted
    /// (`wei zhang` for 张伟), equal to the key of the romanized name `Zhang Wei` / `Wei Zhang`.
    pub pinyin: Option<String>,
    /// Honorifics removed.
    pub honorifics: Vec<String>,
}

impl fmt::Debug for NormalizedPersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = |p: &Option<String>| p.as_deref().map(mask_value);
        f.debug_struct("NormalizedPersonName")
            .field("canonical", &mask_value(&self.canonical))
            .field("key", &mask_value(&self.key))
            .field("family", &m(&self.family))
            .field("given", &m(&self.given))
            .field("pinyin", &m(&self.pinyin))
            .field("honorifics", &self.honorifics)
            .finish()
    }
}

impl Normalizer {
    /// Normalizes a person's name from its parts (`family`/`given` when filled, else detected
    /// from the name as written: compound Chinese surnames, `Family, Given`, `FAMILY Given`).
    ///
    /// ```
    /// use clientele::model::PersonName;
    /// use clientele::normalize::Normalizer;
    /// let n = Normalizer::default();
    /// let han = n.person_name(&PersonName { full: Some("張偉先生".into()), ..Default::default() });
    /// assert_eq!((han.key.as_str(), han.family.as_deref()), ("张伟", Some("张")));
    /// let latin = n.person_name(&PersonName { full: Some("ZHANG Wei".into()), ..Default::default() });
    /// assert_eq!(han.pinyin.as_deref(), Some(latin.key.as_str()));
    /// assert_eq!(latin.family.as_deref(), Some("zhang"));
    /// ```
    pub fn person_name(&self, name: &PersonName) -> NormalizedPersonName {
        let full_raw = name
            .full
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| name.display());
        let whole = self.normalize(FieldKind::PersonName, &full_raw);
        let part = |p: &Option<String>| {
            p.as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| self.normalize(FieldKind::PersonName, s).key)
                .filter(|k| !k.is_empty())
        };
        let (mut family, mut given) = (part(&name.family), part(&name.given));
        if family.is_none() && given.is_none() {
            (family, given) = detect_parts(&whole.canonical, &full_raw, self);
        }
        let pinyin = han_pinyin(family.as_deref(), given.as_deref(), &whole.key);
        NormalizedPersonName {
            canonical: whole.canonical,
            key: whole.key,
            family,
            given,
            pinyin,
            honorifics: whole.parts.honorifics,
        }
    }
}

/// Family and given keys detected from a whole name.
fn detect_parts(canonical: &str, raw: &str, n: &Normalizer) -> (Option<String>, Option<String>) {
    let key = |s: &str| Some(n.normalize(FieldKind::PersonName, s).key).filter(|k| !k.is_empty());
    if let Some((f, g)) = split_chinese_name(canonical) {
        return (Some(f), Some(g));
    }
    // `Family, Given` as written (canonical already reordered it).
    if let Some((f, g)) = raw.split_once(',')
        && !f.trim().is_empty()
        && !g.trim().is_empty()
        && !raw.chars().any(is_han)
    {
        return (key(f), key(g));
    }
    let words: Vec<&str> = canonical.split(' ').filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        [] => (None, None),
        [one] => (key(one), None),
        [first, .., last] => {
            let shouting =
                |w: &str| w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase);
            // `FAMILY Given`: an upper-case first word in an otherwise mixed-case name.
            let family_first = shouting(first) && !words.iter().skip(1).all(|w| shouting(w));
            if family_first {
                let rest = words.get(1..).unwrap_or(&[]).join(" ");
                (key(first), key(&rest))
            } else {
                let rest = words.get(..words.len() - 1).unwrap_or(&[]).join(" ");
                (key(last), key(&rest))
            }
        }
    }
}

/// The pinyin key of a Han name: family and given name each as one word, sorted.
fn han_pinyin(family: Option<&str>, given: Option<&str>, key: &str) -> Option<String> {
    if !key.chars().all(is_han) || key.is_empty() {
        return None;
    }
    let family = family.filter(|f| f.chars().all(is_han));
    let given = given.filter(|g| g.chars().all(is_han));
    let mut words = Vec::new();
    match (family, given) {
        (Some(f), g) => {
            words.push(surname_pinyin(&to_simplified(f))?);
            if let Some(g) = g.filter(|g| !g.is_empty()) {
                words.push(syllables(&to_simplified(g))?.concat());
            }
        }
        _ => words.push(syllables(key)?.concat()),
    }
    words.sort_unstable();
    Some(words.join(" "))
}

/// The pinyin of one Han name part as one word (`欧阳` → `ouyang`, surnames with their surname
/// reading), or `None` when a character is not covered.
///
/// ```
/// use clientele::normalize::person_pinyin_word;
/// assert_eq!(person_pinyin_word("单", true).as_deref(), Some("shan"));
/// assert_eq!(person_pinyin_word("晓明", false).as_deref(), Some("xiaoming"));
/// ```
pub fn person_pinyin_word(part: &str, family: bool) -> Option<String> {
    let simplified = to_simplified(part);
    if family {
        surname_pinyin(&simplified)
    } else {
        syllables(&simplified).map(|s| s.concat())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::normalize::Parts;
    use proptest::prelude::*;

    fn ctx() -> Context {
        Context {
            kind: FieldKind::PersonName,
            parts: Parts::default(),
        }
    }

    fn word_key(w: &str) -> String {
        w.trim_end_matches('.').to_lowercase()
    }

    /// [`honorifics`] as it was: the value copied, words' keys built as strings.
    pub(crate) fn honorifics_reference(s: &str, ctx: &mut Context) -> Option<String> {
        let mut out = s.trim().to_owned();
        let mut changed = false;
        if out.chars().any(is_han) {
            while let Some(h) = HAN_HONORIFICS
                .iter()
                .find(|h| out.ends_with(**h) && out.chars().count() > h.chars().count())
            {
                ctx.parts.honorifics.push((*h).to_owned());
                out.truncate(out.len() - h.len());
                out = out.trim_end().to_owned();
                changed = true;
            }
        }
        let mut words: Vec<&str> = out.split(' ').filter(|w| !w.is_empty()).collect();
        let mut found = Vec::new();
        while words.len() > 1
            && words
                .first()
                .is_some_and(|w| LATIN_TITLES.contains(&word_key(w).as_str()))
        {
            found.push(word_key(words.remove(0)));
        }
        while words.len() > 1
            && words.last().is_some_and(|w| {
                LATIN_SUFFIXES.contains(&word_key(w.trim_end_matches(',')).as_str())
            })
        {
            if let Some(w) = words.pop() {
                found.push(word_key(w.trim_end_matches(',')));
            }
        }
        if !found.is_empty() {
            ctx.parts.honorifics.extend(found);
            let joined = words.join(" ");
            out = joined.trim_end_matches(',').trim().to_owned();
            changed = true;
        }
        (changed && out != s).then_some(out)
    }

    fn both(s: &str) -> ((Option<String>, Parts), (Option<String>, Parts)) {
        let (mut a, mut b) = (ctx(), ctx());
        let new = honorifics(s, &mut a);
        let old = honorifics_reference(s, &mut b);
        ((new, a.parts), (old, b.parts))
    }

    #[test]
    fn honorifics_agree_with_the_reference_on_examples() {
        for s in [
            "",
            " ",
            "Dr",
            "Dr.",
            "Dr. Anna Müller",
            "  Mr  John   Smith Jr., ",
            "Prof. Dr. Hans Weber Jr.",
            "Mr Mrs",
            "Smith, Jr",
            "MR. JOHN SMITH PHD",
            "Mr \u{212A}",
            "\u{212A}ing Sr",
            "张伟先生",
            "王总",
            "总",
            "先生先生",
            "李娜 女士",
            "张伟 先生 Jr",
            "Dr 张伟先生",
            "İi Mr",
            "Mr. ,",
            ", Jr",
        ] {
            let (new, old) = both(s);
            assert_eq!(new, old, "{s:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn honorifics_agree_with_the_reference(
            s in "((Dr|DR|dr|Mr|MR|Mrs|Ms|Prof|Herr|Frau|Jr|jr|Sr|III|PhD|Esq|John|Anna|Müller|Smith|O'Brien|张伟|張偉|李娜|王|先生|女士|小姐|总|董事长|总经理|老师|[a-zA-Z]{1,4}|\u{212A}|İ)(\\.?,?)( {0,2}|\u{3000})){0,6}"
        ) {
            let (new, old) = both(&s);
            prop_assert_eq!(new, old);
        }

        #[test]
        fn honorifics_agree_on_any_text(s in "\\PC{0,24}") {
            let (new, old) = both(&s);
            prop_assert_eq!(new, old);
        }
    }

    #[test]
    fn titles_and_suffixes_are_removed_and_kept() {
        let mut c = ctx();
        assert_eq!(
            honorifics("Prof. Dr. Hans Weber Jr.", &mut c).as_deref(),
            Some("Hans Weber")
        );
        assert_eq!(c.parts.honorifics, vec!["prof", "dr", "jr"]);
    }

    #[test]
    fn han_honorifics_are_removed_but_a_name_is_left() {
        let mut c = ctx();
        assert_eq!(honorifics("王总", &mut c).as_deref(), Some("王"));
        let mut c = ctx();
        assert_eq!(honorifics("总", &mut c), None);
        let mut c = ctx();
        assert_eq!(honorifics("李娜女士", &mut c).as_deref(), Some("李娜"));
    }

    #[test]
    fn a_lone_title_is_a_name() {
        let mut c = ctx();
        assert_eq!(honorifics("Dr", &mut c), None);
    }

    #[test]
    fn comma_order_is_rewritten() {
        let mut c = ctx();
        assert_eq!(
            comma_order("Smith, John", &mut c).as_deref(),
            Some("John Smith")
        );
        assert_eq!(comma_order("Smith, John, Jr", &mut c), None);
    }
}
