//! Text-level transformations shared by every field kind. Each returns `None` when it would
//! change nothing, so rules stay cheap on clean input.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{UnicodeNormalization, is_nfkc_quick};

use super::chinese::is_han;

/// Unicode NFKC: full-width letters, digits and punctuation to their ASCII forms, compatibility
/// characters (ligatures, circled digits, ideographic space) to their plain forms.
pub(crate) fn nfkc(s: &str) -> Option<String> {
    // ASCII is its own NFKC form, and so is text of ASCII, Latin-1 letters and CJK Unified
    // Ideographs (each of those characters is stable under NFKC, passes the quick check and
    // has combining class 0: tested against the `unicode-normalization` data below). That is
    // most values; the quick check looks up every character's properties.
    if s.is_ascii()
        || s.chars().all(nfkc_stable)
        || is_nfkc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes
    {
        return None;
    }
    let out: String = s.nfkc().collect();
    (out != s).then_some(out)
}

/// Characters that are their own NFKC form whatever surrounds them (quick check Yes, combining
/// class 0): ASCII, U+00C0..=U+00FF (the Latin-1 letters, with × and ÷) and the CJK Unified
/// Ideographs with extension A.
#[inline]
fn nfkc_stable(c: char) -> bool {
    matches!(c as u32, 0..=0x7F | 0xC0..=0xFF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// The CJK Unified Ideographs with extension A (U+4E00..=U+9FFF, U+3400..=U+4DBF): letters
/// (alphanumeric), without case (tested against `char`'s tables below).
#[inline]
fn is_cjk_unified(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// Zero-width characters, byte-order marks, soft hyphens and control characters (tabs and
/// newlines become spaces instead, so words stay apart).
pub(crate) fn strip_invisible(s: &str) -> Option<String> {
    let invisible = |c: char| {
        matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}')
            || (c.is_control() && !c.is_whitespace())
    };
    let spacing = |c: char| c.is_control() && c.is_whitespace() && c != ' ';
    // Printable ASCII (most values) holds nothing to strip.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    if !s.chars().any(|c| invisible(c) || spacing(c)) {
        return None;
    }
    Some(
        s.chars()
            .filter(|c| !invisible(*c))
            .map(|c| if spacing(c) { ' ' } else { c })
            .collect(),
    )
}

/// The one form each bracket, dash, quote and dot variant is written in.
fn unified(c: char) -> Option<char> {
    Some(match c {
        '【' | '〔' | '［' | '〖' | '〘' | '⦅' | '｟' => '(',
        '】' | '〕' | '］' | '〗' | '〙' | '⦆' | '｠' => ')',
        '「' | '『' | '“' | '”' | '„' | '‟' | '〝' | '〞' | '«' | '»' => '"',
        '‘' | '’' | '‚' | '‛' | '`' | '´' | '′' => '\'',
        '—' | '–' | '－' | '‐' | '‑' | '‒' | '―' | '−' | '﹣' | '⁃' => '-',
        '·' | '・' | '‧' | '•' | '･' | '∙' | '⋅' => '·',
        '〈' | '《' | '‹' => '<',
        '〉' | '》' | '›' => '>',
        '、' => ',',
        '。' | '｡' => '.',
        _ => return None,
    })
}

/// Brackets, dashes, quotes and dots unified (（）【】〔〕「」—–－·・ and the like).
pub(crate) fn unify_punctuation(s: &str) -> Option<String> {
    // The only ASCII character unified is the backquote.
    if s.is_ascii() && !s.contains('`') {
        return None;
    }
    if !s.chars().any(|c| unified(c).is_some()) {
        return None;
    }
    Some(s.chars().map(|c| unified(c).unwrap_or(c)).collect())
}

/// Every run of Unicode white space (ideographic space included) to one ASCII space; trimmed.
pub(crate) fn collapse_spaces(s: &str) -> Option<String> {
    // Already collapsed (most values): no white space but single inner ASCII spaces.
    let bytes = s.as_bytes();
    let plain = if s.is_ascii() {
        bytes.first() != Some(&b' ')
            && bytes.last() != Some(&b' ')
            && !bytes.windows(2).any(|w| w == b"  ")
            && !bytes.iter().any(|b| (0x09..=0x0d).contains(b))
    } else {
        !s.contains(char::is_whitespace)
    };
    if plain {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    (out != s).then_some(out)
}

/// Spaces (and name dots) between two Han characters removed: `张 伟` → `张伟`. Chinese names are
/// written without spaces; spaced forms come from fixed-width forms and OCR.
pub(crate) fn join_han(s: &str) -> Option<String> {
    // Nothing to join without a separator and a character outside ASCII (most values).
    if s.is_ascii() || !s.contains([' ', '·']) {
        return None;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == ' ' || c == '·' {
            // Skip a run of separators between two Han characters.
            let prev = out.chars().last();
            let mut j = i;
            while chars.get(j).is_some_and(|d| *d == ' ' || *d == '·') {
                j += 1;
            }
            let next = chars.get(j).copied();
            if prev.is_some_and(is_han) && next.is_some_and(is_han) {
                changed = true;
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    changed.then_some(out)
}

/// Lower case (full Unicode case folding as far as `to_lowercase` goes).
pub(crate) fn casefold(s: &str) -> Option<String> {
    // CJK Unified Ideographs are letters without case: no table lookup for them.
    if !s.chars().any(|c| !is_cjk_unified(c) && c.is_uppercase()) {
        return None;
    }
    Some(s.to_lowercase())
}

/// Latin letters that do not decompose but have a plain-ASCII spelling.
fn fold_special(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ł' => "l",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        _ => return None,
    })
}

/// Diacritics removed (Müller → muller, José → jose) by decomposing and dropping combining
/// marks; a few letters without decomposition spelled out (ß → ss). Keys only.
pub(crate) fn fold_diacritics(s: &str) -> Option<String> {
    // ASCII and Han characters are kept as they are.
    if s.is_ascii() || s.chars().all(|c| c.is_ascii() || is_han(c)) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() || is_han(c) {
            out.push(c);
        } else if let Some(rep) = fold_special(c) {
            out.push_str(rep);
        } else {
            out.extend(std::iter::once(c).nfd().filter(|d| !is_combining_mark(*d)));
        }
    }
    (out != s).then_some(out)
}

/// Punctuation out of keys: apostrophes and dots join (O'Brien → obrien, S.A. → sa), any other
/// non-alphanumeric character separates words.
pub(crate) fn strip_punctuation(s: &str) -> Option<String> {
    // CJK Unified Ideographs are letters: no table lookup for them.
    let alphanumeric = |c: char| is_cjk_unified(c) || c.is_alphanumeric();
    if s.chars().all(|c| alphanumeric(c) || c == ' ') {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if alphanumeric(c) || is_combining_mark(c) {
            out.push(c);
        } else if matches!(c, '\'' | '.') {
            // joins
        } else {
            out.push(' ');
        }
    }
    Some(collapse_spaces(&out).unwrap_or(out))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        // The early returns (values with nothing to change) agree with the full rewrite.
        #[test]
        fn shortcuts_agree_with_the_full_rewrite(s in "[ a\t\u{b}\u{3000}·张伟x]{0,8}") {
            let words: Vec<&str> = s.split(char::is_whitespace).filter(|w| !w.is_empty()).collect();
            let collapsed = words.join(" ");
            prop_assert_eq!(collapse_spaces(&s), (collapsed != s).then_some(collapsed));
            let chars: Vec<char> = s.chars().collect();
            let joined = chars.iter().enumerate().any(|(i, c)| {
                (*c == ' ' || *c == '·')
                    && chars.get(..i).and_then(|h| h.iter().rev().find(|d| **d != ' ' && **d != '·')).is_some_and(|d| is_han(*d))
                    && chars.get(i..).and_then(|t| t.iter().find(|d| **d != ' ' && **d != '·')).is_some_and(|d| is_han(*d))
            });
            prop_assert_eq!(join_han(&s).is_some(), joined);
        }
    }

    /// [`nfkc`] as it was: the quick check for every value outside ASCII.
    pub(crate) fn nfkc_reference(s: &str) -> Option<String> {
        if s.is_ascii() || is_nfkc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
            return None;
        }
        let out: String = s.nfkc().collect();
        (out != s).then_some(out)
    }

    #[test]
    fn the_nfkc_stable_characters_are_stable_under_nfkc() {
        use unicode_normalization::char::canonical_combining_class;
        let mut n = 0;
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| nfkc_stable(*c))
        {
            let one = c.to_string();
            assert_eq!(
                is_nfkc_quick(std::iter::once(c)),
                unicode_normalization::IsNormalized::Yes,
                "{c:?}"
            );
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert_eq!(one.nfkc().collect::<String>(), one, "{c:?}");
            n += 1;
        }
        assert_eq!(n, 0x80 + 0x40 + (0x4DC0 - 0x3400) + (0xA000 - 0x4E00));
    }

    #[test]
    fn cjk_unified_ideographs_are_letters_without_case() {
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| is_cjk_unified(*c))
        {
            assert!(c.is_alphanumeric() && !c.is_uppercase(), "{c:?}");
        }
    }

    /// [`casefold`] as it was.
    pub(crate) fn casefold_reference(s: &str) -> Option<String> {
        if !s.chars().any(char::is_uppercase) {
            return None;
        }
        Some(s.to_lowercase())
    }

    /// [`strip_punctuation`] as it was.
    pub(crate) fn strip_punctuation_reference(s: &str) -> Option<String> {
        if s.chars().all(|c| c.is_alphanumeric() || c == ' ') {
            return None;
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if c.is_alphanumeric() || is_combining_mark(c) {
                out.push(c);
            } else if matches!(c, '\'' | '.') {
                // joins
            } else {
                out.push(' ');
            }
        }
        Some(collapse_spaces(&out).unwrap_or(out))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn casefold_and_strip_punctuation_agree_with_the_reference(
            s in "([a-zA-Z0-9 .,'-]|[À-ÿ]|[\u{3400}-\u{4DBF}\u{4E00}-\u{9FFF}]|[（）·]|[\u{300}-\u{36F}]|\\PC){0,16}"
        ) {
            prop_assert_eq!(casefold(&s), casefold_reference(&s));
            prop_assert_eq!(strip_punctuation(&s), strip_punctuation_reference(&s));
        }

        #[test]
        fn nfkc_agrees_with_the_reference(
            s in "([a-zA-Z0-9 .,]|[À-ÿ]|[\u{3400}-\u{4DBF}\u{4E00}-\u{9FFF}]|[ＡＺ０９（）　]|[\u{300}-\u{36F}]|[ﬁ①㈱ｶﾞ\u{3099}\u{309A}]|[가-힣]|\\PC){0,16}"
        ) {
            prop_assert_eq!(nfkc(&s), nfkc_reference(&s));
        }

        #[test]
        fn nfkc_stable_text_passes_the_quick_check(
            s in "([\u{0}-\u{7F}]|[\u{C0}-\u{FF}]|[\u{3400}-\u{4DBF}\u{4E00}-\u{9FFF}]){0,16}"
        ) {
            prop_assert_eq!(is_nfkc_quick(s.chars()), unicode_normalization::IsNormalized::Yes);
            prop_assert_eq!(s.nfkc().collect::<String>(), s);
        }
    }

    #[test]
    fn full_width_text_becomes_ascii() {
        assert_eq!(nfkc("ＡＢＣ　１２３").as_deref(), Some("ABC 123"));
        assert_eq!(nfkc("abc"), None);
    }

    #[test]
    fn invisible_characters_go_and_tabs_become_spaces() {
        assert_eq!(
            strip_invisible("a\u{200B}b\tc").as_deref(),
            Some("abc".replace("bc", "b c").as_str())
        );
    }

    #[test]
    fn bracket_and_dash_variants_are_unified() {
        assert_eq!(
            unify_punctuation("【北京】—“x”").as_deref(),
            Some("(北京)-\"x\"")
        );
    }

    #[test]
    fn han_characters_are_joined_but_latin_words_are_not() {
        assert_eq!(join_han("张 伟").as_deref(), Some("张伟"));
        assert_eq!(join_han("约翰·史密斯").as_deref(), Some("约翰史密斯"));
        assert_eq!(join_han("Anna Li"), None);
        assert_eq!(join_han("张 Wei"), None);
    }

    #[test]
    fn diacritics_fold_in_keys() {
        assert_eq!(
            fold_diacritics("müller straße").as_deref(),
            Some("muller strasse")
        );
        assert_eq!(fold_diacritics("josé côté").as_deref(), Some("jose cote"));
        assert_eq!(fold_diacritics("张伟"), None);
    }

    #[test]
    fn punctuation_joins_or_separates() {
        assert_eq!(
            strip_punctuation("o'brien-smith s.a.").as_deref(),
            Some("obrien smith sa")
        );
    }
}
