//! Text-level transformations shared by every field kind. Each returns `None` when it would
//! change nothing, so rules stay cheap on clean input.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{UnicodeNormalization, is_nfkc_quick};

use super::chinese::is_han;

/// Unicode NFKC: full-width letters, digits and punctuation to their ASCII forms, compatibility
/// characters (ligatures, circled digits, ideographic space) to their plain forms.
pub(crate) fn nfkc(s: &str) -> Option<String> {
    // ASCII is its own NFKC form.
    if s.is_ascii() || is_nfkc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        return None;
    }
    let out: String = s.nfkc().collect();
    (out != s).then_some(out)
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
    if !s.chars().any(char::is_uppercase) {
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

#[cfg(test)]
mod tests {
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
