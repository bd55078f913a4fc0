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
pub fn within_one_edit(a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> bool {
    let (a, b) = (a.as_ref(), b.as_ref());
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn scores_equal_strsim(a in "[a-e]{0,12}", b in "[a-e]{0,12}") {
            let (ca, cb) = (Chars::new(&a), Chars::new(&b));
            prop_assert_eq!(jaro(&ca, &cb).to_bits(), strsim::jaro(&a, &b).to_bits());
            prop_assert_eq!(jaro_winkler(&ca, &cb).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn scores_equal_strsim_on_any_text(a in any::<String>(), b in any::<String>()) {
            let (ca, cb) = (Chars::new(&a), Chars::new(&b));
            prop_assert_eq!(jaro_winkler(&ca, &cb).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn scores_equal_strsim_around_the_64_char_boundary(a in "[a-c]{60,70}", b in "[a-c]{60,70}") {
            let (ca, cb) = (Chars::new(&a), Chars::new(&b));
            prop_assert_eq!(jaro_winkler(&ca, &cb).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn one_edit_agrees_with_osa_distance(a in "[a-c]{0,6}", b in "[a-c]{0,6}") {
            prop_assert_eq!(within_one_edit(&a, &b), strsim::osa_distance(&a, &b) <= 1);
        }
    }
}
