//! String similarity on precomputed keys, without allocation per pair.
//!
//! Scores are identical to `strsim::jaro` / `strsim::jaro_winkler` (property-tested); keys of up
//! to 64 characters use `u64` bit sets for the match flags, longer ones fall back to strsim.

/// A key prepared once for many comparisons: its characters, for O(1) indexing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chars(Box<[char]>);

impl Chars {
    /// Prepares a key.
    pub fn new(s: &str) -> Self {
        Self(s.chars().collect())
    }

    /// The characters.
    pub fn as_slice(&self) -> &[char] {
        &self.0
    }

    /// Whether the key is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Jaro similarity of two prepared keys (equal to `strsim::jaro` on the same strings).
///
/// ```
/// use clientele::dedupe::similarity::{jaro, Chars};
/// let (a, b) = (Chars::new("martha"), Chars::new("marhta"));
/// assert_eq!(jaro(&a, &b), strsim::jaro("martha", "marhta"));
/// ```
pub fn jaro(a: &Chars, b: &Chars) -> f64 {
    let (a, b) = (a.as_slice(), b.as_slice());
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    }
    if la == 0 || lb == 0 {
        return 0.0;
    }
    if la > 64 || lb > 64 {
        let sa: String = a.iter().collect();
        let sb: String = b.iter().collect();
        return strsim::jaro(&sa, &sb);
    }
    let range = (la.max(lb) / 2).saturating_sub(1);
    let (mut fa, mut fb) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = lb.min(i + range + 1);
        for j in lo..hi {
            if fb & (1 << j) == 0 && b.get(j) == Some(ca) {
                fa |= 1 << i;
                fb |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // Count transpositions by walking both flag sets in order.
    let mut transpositions = 0usize;
    let (mut xa, mut xb) = (fa, fb);
    while xa != 0 && xb != 0 {
        let i = xa.trailing_zeros() as usize;
        let j = xb.trailing_zeros() as usize;
        if a.get(i) != b.get(j) {
            transpositions += 1;
        }
        xa &= xa - 1;
        xb &= xb - 1;
    }
    let m = matches as f64;
    let t = (transpositions / 2) as f64;
    (m / la as f64 + m / lb as f64 + (m - t) / m) / 3.0
}

/// Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4, applied above 0.7), equal to
/// `strsim::jaro_winkler`.
///
/// ```
/// use clientele::dedupe::similarity::{jaro_winkler, Chars};
/// let (a, b) = (Chars::new("dixon"), Chars::new("dicksonx"));
/// assert_eq!(jaro_winkler(&a, &b), strsim::jaro_winkler("dixon", "dicksonx"));
/// ```
pub fn jaro_winkler(a: &Chars, b: &Chars) -> f64 {
    let sim = jaro(a, b);
    if sim > 0.7 {
        let prefix = a
            .as_slice()
            .iter()
            .take(4)
            .zip(b.as_slice())
            .take_while(|(x, y)| x == y)
            .count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// Whether two strings are at most one edit apart (insertion, deletion, substitution or
/// adjacent transposition), without allocating.
///
/// ```
/// use clientele::dedupe::similarity::within_one_edit;
/// assert!(within_one_edit("1804974", "1804947"));
/// assert!(within_one_edit("smith", "smyth"));
/// assert!(!within_one_edit("smith", "smythe"));
/// ```
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if prefix == la && prefix == lb {
        return true;
    }
    let (ra, rb) = (
        a.get(prefix..).unwrap_or(&[]),
        b.get(prefix..).unwrap_or(&[]),
    );
    if la == lb {
        // Substitution, or transposition of the next two.
        let sub = ra.get(1..) == rb.get(1..);
        let swap = ra.len() >= 2
            && ra.first() == rb.get(1)
            && ra.get(1) == rb.first()
            && ra.get(2..) == rb.get(2..);
        sub || swap
    } else if la > lb {
        ra.get(1..) == Some(rb)
    } else {
        rb.get(1..) == Some(ra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Our scores for `a` and `b`, as bits, and strsim's.
    fn both(a: &str, b: &str) -> ([u64; 2], [u64; 2]) {
        let (ca, cb) = (Chars::new(a), Chars::new(b));
        (
            [jaro(&ca, &cb).to_bits(), jaro_winkler(&ca, &cb).to_bits()],
            [
                strsim::jaro(a, b).to_bits(),
                strsim::jaro_winkler(a, b).to_bits(),
            ],
        )
    }

    fn check(a: &str, b: &str) -> Result<(), TestCaseError> {
        let (ours, theirs) = both(a, b);
        prop_assert_eq!(ours, theirs, "{:?} vs {:?}", a, b);
        let (ours, theirs) = both(b, a);
        prop_assert_eq!(ours, theirs, "{:?} vs {:?}", b, a);
        Ok(())
    }

    #[test]
    fn known_pairs() {
        let cases = [
            ("martha", "marhta", 0.944_444, 0.961_111),
            ("dixon", "dicksonx", 0.766_667, 0.813_333),
            ("dwayne", "duane", 0.822_222, 0.84),
            ("jellyfish", "smellyfish", 0.896_296, 0.896_296),
            ("crate", "trace", 0.733_333, 0.733_333),
            ("abc", "abc", 1.0, 1.0),
            ("abc", "xyz", 0.0, 0.0),
            ("", "", 1.0, 1.0),
            ("", "a", 0.0, 0.0),
            ("a", "", 0.0, 0.0),
            ("王小明", "王晓明", 0.777_778, 0.8),
            ("zhang wei", "wei zhang", 0.407_407, 0.407_407),
        ];
        for (a, b, j, jw) in cases {
            let (ca, cb) = (Chars::new(a), Chars::new(b));
            let (ours_j, ours_jw) = (jaro(&ca, &cb), jaro_winkler(&ca, &cb));
            assert!((ours_j - j).abs() < 1e-6, "jaro {a:?} {b:?}: {ours_j}");
            assert!(
                (ours_jw - jw).abs() < 1e-6,
                "jaro_winkler {a:?} {b:?}: {ours_jw}"
            );
            assert_eq!(
                ours_j.to_bits(),
                strsim::jaro(a, b).to_bits(),
                "{a:?} {b:?}"
            );
            assert_eq!(
                ours_jw.to_bits(),
                strsim::jaro_winkler(a, b).to_bits(),
                "{a:?} {b:?}"
            );
        }
    }

    #[test]
    fn keys_with_nul_and_padding() {
        // Padding bytes are zero: a NUL in a key must not match them, nor lengthen a prefix.
        for (a, b) in [
            ("a\0", "a"),
            ("\0", "\0\0\0\0\0\0\0\0\0"),
            ("ab\0\0\0\0\0\0", "ab"),
            ("\0\0\0\0", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
        ] {
            assert_eq!(both(a, b).0, both(a, b).1, "{a:?} {b:?}");
            assert_eq!(both(b, a).0, both(b, a).1, "{b:?} {a:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        #[test]
        fn scores_equal_strsim_small_alphabet(a in "[a-d]{0,12}", b in "[a-d]{0,12}") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_two_letters(a in "[ab]{0,20}", b in "[ab]{0,20}") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_printable_ascii(a in "[ -~]{0,20}", b in "[ -~]{0,20}") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_any_ascii(a in "[\\x00-\\x7f]{0,18}", b in "[\\x00-\\x7f]{0,18}") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_names(a in "[a-z]{1,9}( [a-z]{1,9})?", b in "[a-z]{1,9}( [a-z]{1,9})?") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_up_to_64(a in "[a-f]{0,64}", b in "[a-f]{0,64}") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_on_edited_copies(
            a in "[a-h]{1,64}",
            edits in prop::collection::vec((any::<prop::sample::Index>(), "[a-h]?"), 0..6),
        ) {
            // Near-identical keys: many matches, some transposed.
            let mut b: Vec<char> = a.chars().collect();
            for (at, c) in edits {
                let i = at.index(b.len() + 1);
                match c.chars().next() {
                    Some(c) if i < b.len() => b[i] = c,
                    Some(c) => b.push(c),
                    None if i + 1 < b.len() => b.swap(i, i + 1),
                    None => {}
                }
            }
            let b: String = b.into_iter().collect();
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_asymmetric_lengths(a in "[a-e]{0,6}", b in "[a-e]{7,64}") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_around_the_64_char_boundary(a in "[a-c]{56,72}", b in "[a-c]{0,72}") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_han_and_mixed(a in "[张王李赵刘陈伟芳a-c ]{0,12}", b in "[张王李赵刘陈伟芳a-c ]{0,12}") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_combining_marks(a in "(e\u{301}|e|a\u{308}|a|\u{308}|o){0,10}", b in "(e\u{301}|e|a\u{308}|a|\u{308}|o){0,10}") {
            check(&a, &b)?;
        }

        #[test]
        fn scores_equal_strsim_long_han(a in "[张王李]{50,70}", b in "[张王李a]{0,70}") {
            check(&a, &b)?;
        }

        #[test]
        fn one_edit_agrees_with_osa_distance(a in "[a-c]{0,6}", b in "[a-c]{0,6}") {
            prop_assert_eq!(within_one_edit(&a, &b), strsim::osa_distance(&a, &b) <= 1);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn scores_equal_strsim_on_any_text(a in any::<String>(), b in any::<String>()) {
            check(&a, &b)?;
        }
    }
}
