//! String similarity on precomputed keys, without allocation per pair.
//!
//! Scores are identical to `strsim::jaro` / `strsim::jaro_winkler` (property-tested, both argument
//! orders). Keys of up to 64 characters are compared bit-parallel: the unmatched positions of a
//! character in one key form a bit set, and each character of the other key takes its match (the
//! first unmatched equal character inside the search window) with a few word operations instead
//! of a scan. When a key has at most 8 bytes (most names) it is held as one `u64` and the equal
//! positions are found by comparing all its bytes at once (see `word_counts`); longer ASCII pairs
//! use a per-thread table of position masks. Longer keys fall back to strsim.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

/// A key prepared once for many comparisons. ASCII keys (most names and pinyin) keep their first
/// 8 bytes inline (so that most keys need no allocation and a comparison of two short keys reads
/// no other memory) and, when longer, all their bytes zero-padded to whole 8-byte words; other
/// keys of up to 64 characters keep their `char`s for O(1) indexing; longer keys keep their text.
///
/// ```
/// use clientele::dedupe::similarity::{jaro_winkler, Chars};
/// let keys: Vec<Chars> = ["zhang wei", "zhang wen", "张伟"].map(Chars::new).into();
/// assert!(jaro_winkler(&keys[0], &keys[1]) > 0.9);
/// assert_eq!(jaro_winkler(&keys[0], &keys[2]), 0.0);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Chars(Repr);

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// At most 64 ASCII characters: the first 8 bytes (zero-padded) and, past 8, all of them
    /// (zero-padded to a multiple of 8; empty otherwise).
    Ascii {
        head: [u8; 8],
        all: Box<[u8]>,
        len: u8,
    },
    /// At most 64 characters, not all ASCII.
    Wide(Box<[char]>),
    /// More than 64 characters.
    Long(Box<str>),
}

impl Default for Chars {
    fn default() -> Self {
        Self(Repr::Ascii {
            head: [0; 8],
            all: Box::default(),
            len: 0,
        })
    }
}

/// A prepared key is as personal as the value it came from: `Debug` masks it.
impl fmt::Debug for Chars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Chars")
            .field(&crate::model::mask_value(&self.text()))
            .finish()
    }
}

/// The most characters compared bit-parallel (the width of the `u64` bit sets).
const MAX_BITS: usize = 64;

impl Chars {
    /// Prepares a key.
    ///
    /// ```
    /// use clientele::dedupe::similarity::Chars;
    /// assert_eq!(Chars::new("wang"), Chars::new("wang"));
    /// assert_ne!(Chars::new("王"), Chars::new("wang"));
    /// ```
    pub fn new(s: &str) -> Self {
        if s.is_ascii() {
            return match u8::try_from(s.len()) {
                Ok(len) if s.len() <= MAX_BITS => {
                    let head = head_word(s.as_bytes()).to_le_bytes();
                    let all = if s.len() > 8 {
                        let padded = s.len().div_ceil(8) * 8;
                        let mut bytes = Vec::with_capacity(padded);
                        bytes.extend_from_slice(s.as_bytes());
                        bytes.resize(padded, 0);
                        bytes.into_boxed_slice()
                    } else {
                        Box::default()
                    };
                    Self(Repr::Ascii { head, all, len })
                }
                _ => Self(Repr::Long(s.into())),
            };
        }
        if s.chars().count() <= MAX_BITS {
            Self(Repr::Wide(s.chars().collect()))
        } else {
            Self(Repr::Long(s.into()))
        }
    }

    /// Whether the key is empty.
    ///
    /// ```
    /// use clientele::dedupe::similarity::Chars;
    /// assert!(Chars::new("").is_empty());
    /// assert!(Chars::default().is_empty());
    /// assert!(!Chars::new("李").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of characters.
    fn len(&self) -> usize {
        match &self.0 {
            Repr::Ascii { len, .. } => usize::from(*len),
            Repr::Wide(c) => c.len(),
            Repr::Long(s) => s.chars().count(),
        }
    }

    /// The bytes of an ASCII key (empty for others).
    fn ascii(&self) -> &[u8] {
        match &self.0 {
            Repr::Ascii { head, all, len } => {
                let bytes: &[u8] = if *len <= 8 { head } else { all };
                bytes.get(..usize::from(*len)).unwrap_or(bytes)
            }
            _ => &[],
        }
    }

    /// The `i`th character.
    fn char_at(&self, i: usize) -> Option<char> {
        match &self.0 {
            Repr::Ascii { .. } => self.ascii().get(i).map(|&b| char::from(b)),
            Repr::Wide(c) => c.get(i).copied(),
            Repr::Long(s) => s.chars().nth(i),
        }
    }

    /// The text.
    fn text(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Ascii { .. } => match std::str::from_utf8(self.ascii()) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => Cow::Owned(self.ascii().iter().map(|&b| char::from(b)).collect()),
            },
            Repr::Wide(c) => Cow::Owned(c.iter().collect()),
            Repr::Long(s) => Cow::Borrowed(s),
        }
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
    jaro_of(a, b)
}

/// `jaro`, inlined into `jaro_winkler`.
#[inline(always)]
fn jaro_of(a: &Chars, b: &Chars) -> f64 {
    if let (
        Repr::Ascii {
            head: p,
            all: x,
            len: la,
        },
        Repr::Ascii {
            head: q,
            all: y,
            len: lb,
        },
    ) = (&a.0, &b.0)
    {
        let (la, lb) = (usize::from(*la), usize::from(*lb));
        fn bytes<'a>(head: &'a [u8; 8], all: &'a [u8], len: usize) -> &'a [u8] {
            let held: &[u8] = if len <= 8 { head } else { all };
            held.get(..len).unwrap_or(held)
        }
        if la != 0 && lb != 0 {
            return ascii_jaro(
                u64::from_le_bytes(*p),
                bytes(p, x, la),
                u64::from_le_bytes(*q),
                bytes(q, y, lb),
            );
        }
    }
    other_jaro(a, b)
}

/// Jaro of two ASCII keys of 1 to 64 bytes, given as their bytes and their first 8 bytes as a
/// little-endian word (zero-padded).
#[inline(always)]
fn ascii_jaro(p: u64, x: &[u8], q: u64, y: &[u8]) -> f64 {
    let (la, lb) = (x.len(), y.len());
    if la <= 8 && lb <= 8 {
        // Walk the shorter key (see `word_counts` for why either will do).
        let (walk, lw, word, lv) = if la <= lb {
            (p, la, q, lb)
        } else {
            (q, lb, p, la)
        };
        let (matches, differ) = short_counts(walk, lw, word, lv);
        return short_score(matches, differ, la, lb);
    }
    // The matching does not depend on which key is walked (see `word_counts`): hold one that
    // fits in a word as a word.
    let (matches, differ) = if lb <= 8 {
        word_counts(x, q, lb)
    } else if la <= 8 {
        word_counts(y, p, la)
    } else {
        table_counts(x, y)
    };
    score(matches, differ, la, lb)
}

/// The first 8 bytes as a little-endian word, zero-padded.
#[inline(always)]
fn head_word(s: &[u8]) -> u64 {
    if let Some(w) = s.first_chunk::<8>() {
        return u64::from_le_bytes(*w);
    }
    let mut w = [0u8; 8];
    if let Some(head) = w.get_mut(..s.len()) {
        head.copy_from_slice(s);
    }
    u64::from_le_bytes(w)
}

/// A key's UTF-8 bytes with what the kernels read first: its first 8 bytes as a little-endian
/// word (zero-padded) and whether it is ASCII, which a store of keys can keep at hand.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyText<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) head: u64,
    pub(crate) ascii: bool,
}

impl<'a> KeyText<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            head: head_word(bytes),
            ascii: bytes.is_ascii(),
        }
    }
}

/// Jaro-Winkler of two keys given as UTF-8 bytes with their head words and ASCII flags (see
/// [`jaro_winkler_str`]); bytes that are not UTF-8 score 0. For keys held inline in the records
/// that own them (`dedupe::prepare`), whose head word is one load.
#[inline(always)]
pub(crate) fn jaro_winkler_key(a: KeyText<'_>, b: KeyText<'_>) -> f64 {
    let (x, y) = (a.bytes, b.bytes);
    if a.ascii && b.ascii {
        let sim = if (1..=MAX_BITS).contains(&x.len()) && (1..=MAX_BITS).contains(&y.len()) {
            ascii_jaro(a.head, x, b.head, y)
        } else {
            // Empty or longer than 64: as text (ASCII bytes are text).
            text_jaro(
                std::str::from_utf8(x).unwrap_or_default(),
                std::str::from_utf8(y).unwrap_or_default(),
            )
        };
        // The first byte that differs (zero padding past the shorter key may agree, so the
        // lengths bound it too).
        return winkler(sim, || {
            (((a.head ^ b.head).trailing_zeros() / 8) as usize)
                .min(4)
                .min(x.len())
                .min(y.len())
        });
    }
    let (Ok(a), Ok(b)) = (std::str::from_utf8(x), std::str::from_utf8(y)) else {
        return 0.0;
    };
    winkler(text_jaro(a, b), || {
        a.chars()
            .zip(b.chars())
            .take(4)
            .take_while(|(p, q)| p == q)
            .count()
    })
}

/// Jaro-Winkler of two strings without preparing them: the bit-parallel kernels of
/// [`jaro_winkler`] on the text as it is (ASCII keys of up to 64 bytes as machine words,
/// others of up to 64 characters decoded onto the stack), with no allocation, and the same
/// result as `strsim::jaro_winkler` to the last bit. Prepare a [`Chars`] instead when one key
/// is compared with many.
///
/// ```
/// use clientele::dedupe::similarity::jaro_winkler_str;
/// assert_eq!(jaro_winkler_str("martha", "marhta"), strsim::jaro_winkler("martha", "marhta"));
/// assert_eq!(jaro_winkler_str("张伟", "张玮"), strsim::jaro_winkler("张伟", "张玮"));
/// ```
pub fn jaro_winkler_str(a: &str, b: &str) -> f64 {
    jaro_winkler_key(KeyText::new(a.as_bytes()), KeyText::new(b.as_bytes()))
}

/// Jaro of two texts not both short ASCII: characters decoded onto the stack when both have at
/// most 64, else strsim.
#[inline(never)]
fn text_jaro(a: &str, b: &str) -> f64 {
    let mut ca = ['\0'; MAX_BITS];
    let mut cb = ['\0'; MAX_BITS];
    let fill = |s: &str, buf: &mut [char; MAX_BITS]| -> Option<usize> {
        let mut n = 0;
        for c in s.chars() {
            *buf.get_mut(n)? = c;
            n += 1;
        }
        Some(n)
    };
    match (fill(a, &mut ca), fill(b, &mut cb)) {
        (Some(0), Some(0)) => 1.0,
        (Some(0), Some(_)) | (Some(_), Some(0)) => 0.0,
        (Some(la), Some(lb)) => {
            let (matches, differ) =
                wide_counts(ca.get(..la).unwrap_or(&ca), cb.get(..lb).unwrap_or(&cb));
            score(matches, differ, la, lb)
        }
        _ => strsim::jaro(a, b),
    }
}

/// Jaro of keys not both ASCII, or with an empty one.
#[inline(never)]
fn other_jaro(a: &Chars, b: &Chars) -> f64 {
    match (&a.0, &b.0) {
        (Repr::Long(_), _) | (_, Repr::Long(_)) => strsim::jaro(&a.text(), &b.text()),
        _ => wide_jaro(a, b),
    }
}

/// Jaro of two keys of at most 64 characters, one of them not ASCII.
fn wide_jaro(a: &Chars, b: &Chars) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 || lb == 0 {
        return if la == lb { 1.0 } else { 0.0 };
    }
    let (matches, differ) = match (&a.0, &b.0) {
        (Repr::Wide(x), Repr::Wide(y)) => wide_counts(x, y),
        (Repr::Wide(x), _) => wide_counts(x, b.ascii()),
        (_, Repr::Wide(y)) => wide_counts(a.ascii(), y),
        _ => wide_counts(a.ascii(), b.ascii()),
    };
    score(matches, differ, la, lb)
}

/// Jaro from the number of matches and of matched characters out of order (twice the
/// transpositions), with strsim's expression in its order so that the result is the same to the
/// last bit. Counts and lengths are at most 64 here, so the conversions are exact.
#[inline]
fn score(matches: usize, differ: usize, la: usize, lb: usize) -> f64 {
    // No branch on the counts (they come last): with no match each quotient is 0 (the last
    // one divided by 1) and so is the score, as strsim's.
    let m = matches as u32;
    let t = (differ / 2) as u32;
    let (m, mt, d, la, lb) = (
        f64::from(m),
        f64::from(m - t),
        f64::from(m.max(1)),
        f64::from(la as u32),
        f64::from(lb as u32),
    );
    ((m / la) + (m / lb) + (mt / d)) / 3.0
}

/// `n / d` for `n <= 8`, `1 <= d <= 8` (and 0 for `d = 0`), computed at compile time (IEEE
/// division is correctly rounded there as at run time).
static QUOTIENTS: [[f64; 9]; 9] = {
    let mut t = [[0.0; 9]; 9];
    let mut n = 0;
    while n < 9 {
        let mut d = 1;
        while d < 9 {
            t[n][d] = n as f64 / d as f64;
            d += 1;
        }
        n += 1;
    }
    t
};

/// `score` for keys of at most 8 characters, with the quotients read from a table.
#[inline(always)]
fn short_score(matches: usize, differ: usize, la: usize, lb: usize) -> f64 {
    let q = |n: usize, d: usize| QUOTIENTS[n.min(8)][d.min(8)];
    let t = differ / 2;
    (q(matches, la) + q(matches, lb) + q(matches - t, matches)) / 3.0
}

/// The search range: characters match when at most this far apart (strsim's, Jaro's).
fn search_range(la: usize, lb: usize) -> usize {
    (la.max(lb) / 2).saturating_sub(1)
}

/// Bytes of value 0x7f, and the top bit of each byte, across a word.
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const TOP: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// `(matches, differ)` for ASCII keys `a` (1 to 64 bytes) and `b` of 1 to 8 bytes, given as one
/// little-endian word (zero-padded). Byte `j` of the word is lane `j`; a lane set is its top bit.
///
/// strsim's loop takes each `a[i]` in order and matches it with the first unmatched `b[j] ==
/// a[i]` with `|i - j| <= range`. Here the lanes of `b` equal to `a[i]` are found at once (the
/// bytes of `b ^ a[i]` that are zero: ASCII bytes are below 0x80, so adding 0x7f to each carries
/// into its top bit exactly when it is not zero), and the first unmatched one within the window
/// is the lowest set bit.
///
/// Which key is walked does not matter, so callers hold whichever fits in a word. A character
/// only matches its equal, and for one character that loop is a merge of its positions in both
/// keys: take the first remaining position of each; if one lies more than `range` below the
/// other, drop it (it can match nothing later, the windows only move up); otherwise match the
/// two. That rule is symmetric in the keys, so both walks make the same matches. (The property
/// tests compare both argument orders with strsim.)
///
/// Transpositions: the rank of each match in the order of `a` is kept in its lane of `b`; when
/// it equals the lane's rank among `b`'s matched lanes everywhere, the matched characters are
/// in the same order in both keys and none differ.
#[inline(always)]
fn word_counts(a: &[u8], b: u64, lb: usize) -> (usize, usize) {
    let range = search_range(a.len(), lb);
    // Lanes `0..lb`, then unmatched lanes.
    let all = TOP >> (8 * (8 - lb.clamp(1, 8)));
    let mut free = all;
    // Past `lb + range` the window is empty.
    let a = a.get(..lb + range).unwrap_or(a);
    // In each matched lane, the rank (in the order of `a`) of the match that took it, times
    // 0x80 (so lane 7 keeps only the low bit of its rank; that is enough to tell the two ranks
    // apart, as a difference in a lower lane shows below bit 63).
    let mut rank_a = 0u64;
    let mut matches = 0u64;
    let mut step = |c: u8, outside: u64| {
        // Lanes outside the window are made unequal, so that `free` comes in last.
        let x = (b ^ (u64::from(c) * ONES)) | outside;
        let candidates = !x.wrapping_add(LOW7) & free;
        let first = candidates & candidates.wrapping_neg();
        free ^= first;
        rank_a |= first.wrapping_mul(matches);
        matches += u64::from(first != 0);
    };
    // Lanes outside `i - range ..= i + range` hold 1: the window grows while `i < range`, then
    // slides.
    let mut outside = ONES.checked_shl(8 * (range as u32 + 1)).unwrap_or(0);
    let (grow, slide) = a.split_at(range.min(a.len()));
    for &c in grow {
        step(c, outside);
        outside <<= 8;
    }
    for &c in slide {
        step(c, outside);
        outside = (outside << 8) | 1;
    }
    (
        matches as usize,
        out_of_order(b, all ^ free, rank_a, matches),
    )
}

/// For `short_counts`: for search range `r` (0 to 3) and step `i`, the lanes outside
/// `i - r ..= i + r` hold 1.
static OUTSIDE: [[u64; 8]; 4] = {
    let mut t = [[0u64; 8]; 4];
    let mut r = 0;
    while r < 4 {
        let mut i = 0;
        while i < 8 {
            let mut j = 0;
            while j < 8 {
                if j + r < i || j > i + r {
                    t[r][i] |= 1 << (8 * j);
                }
                j += 1;
            }
            i += 1;
        }
        r += 1;
    }
    t
};

/// `word_counts` for two keys of 1 to 8 bytes, both as words: `walk` is walked, its bytes in
/// order, with the window of each step from a table.
#[inline(always)]
fn short_counts(walk: u64, lw: usize, word: u64, lv: usize) -> (usize, usize) {
    let range = search_range(lw, lv);
    let outside = &OUTSIDE[range.min(3)];
    let all = TOP.wrapping_shr(8 * (8 - lv as u32));
    let mut free = all;
    let mut rank_a = 0u64;
    let mut matches = 0u64;
    let mut rest = walk;
    for &out in outside.iter().take(lw) {
        let x = (word ^ ((rest & 0xff) * ONES)) | out;
        rest >>= 8;
        let candidates = (TOP - x) & free;
        let first = candidates & candidates.wrapping_neg();
        free ^= first;
        rank_a |= first.wrapping_mul(matches);
        matches += u64::from(first != 0);
    }
    (
        matches as usize,
        out_of_order(word, all ^ free, rank_a, matches),
    )
}

/// The matched lanes of `word` whose character differs from that of the match of the same rank
/// in the walked key (twice the transpositions), given the walked ranks as `word_counts` keeps
/// them.
#[inline(always)]
fn out_of_order(word: u64, matched: u64, rank_a: u64, matches: u64) -> usize {
    // In each matched lane, its rank in the order of `word` (the matched lanes below it), times
    // 0x80 as `rank_a`.
    let rank_b = (((matched >> 7).wrapping_mul(ONES) << 8) & ((matched >> 7) * 0xff)) << 7;
    if rank_a == rank_b {
        // The k-th match of the walk is the k-th of `word`: no transpositions.
        return 0;
    }
    let mut differ = 0usize;
    let mut rest = matched;
    for k in 0..matches {
        let of_b = word.wrapping_shr(rest.trailing_zeros() & !7) as u8;
        // Lane 7 keeps only the low bit of its rank (the rest fell off the word): the lane
        // holding rank k is the lowest showing k, or else lane 7.
        let is_k = !((rank_a >> 7) ^ (k * ONES)).wrapping_add(LOW7) & matched;
        let of_a = word.wrapping_shr((is_k.trailing_zeros() & !7).min(56)) as u8;
        differ += usize::from(of_a != of_b);
        rest &= rest.wrapping_sub(1);
    }
    differ
}

thread_local! {
    /// Pattern-match table for ASCII keys: entry `c` holds the unmatched positions of byte `c`
    /// in the key being matched against, as a bit set. All zero between calls (each call clears
    /// the entries it set), so that a call costs the length of its keys, not the table's size.
    static PM: [Cell<u64>; 128] = const { [const { Cell::new(0) }; 128] };
}

/// `(matches, differ)` for ASCII keys of 1 to 64 bytes: as `word_counts`, with the positions of
/// each byte of `b` held in a table (matched ones are removed from it), so that the first
/// unmatched position equal to `a[i]` within the window is the lowest bit of its entry there.
#[inline(never)]
fn table_counts(a: &[u8], b: &[u8]) -> (usize, usize) {
    PM.with(|pm| {
        for (j, &c) in (0..64u32).zip(b) {
            let e = &pm[usize::from(c & 0x7f)];
            e.set(e.get() | 1 << j);
        }
        let range = search_range(a.len(), b.len()).min(62);
        let a = a.get(..b.len() + range).unwrap_or(a);
        let mut fb = 0u64;
        let mut matched = [0u8; 64];
        let mut matches = 0usize;
        let mut step = |c: u8, window: u64| {
            let e = &pm[usize::from(c & 0x7f)];
            let free = e.get();
            let candidates = free & window;
            let first = candidates & candidates.wrapping_neg();
            e.set(free ^ first);
            fb |= first;
            matched[matches & 63] = c;
            matches += usize::from(first != 0);
        };
        // Positions `i - range ..= i + range` of `b` (bits past its end are never in the table).
        let mut window = (1u64 << (range + 1)) - 1;
        let (grow, slide) = a.split_at(range.min(a.len()));
        for &c in grow {
            step(c, window);
            window = (window << 1) | 1;
        }
        for &c in slide {
            step(c, window);
            window <<= 1;
        }
        for &c in b {
            pm[usize::from(c & 0x7f)].set(0);
        }
        let mut differ = 0usize;
        let mut rest = fb;
        for &x in matched.iter().take(matches) {
            let j = rest.trailing_zeros() as usize;
            differ += usize::from(b.get(j) != Some(&x));
            rest &= rest.wrapping_sub(1);
        }
        (matches, differ)
    })
}

/// `(matches, differ)` for keys of 1 to 64 characters, one of them not ASCII: as
/// `table_counts`, each character's positions in `b` found by a scan of `b` (such keys are rare
/// and short).
fn wide_counts<A, B>(a: &[A], b: &[B]) -> (usize, usize)
where
    A: Copy + Into<char>,
    B: Copy + Into<char>,
{
    let range = search_range(a.len(), b.len()).min(62);
    let mut window = (1u64 << (range + 1)) - 1;
    let (mut fa, mut fb) = (0u64, 0u64);
    for (i, &x) in (0..64u32).zip(a) {
        let x: char = x.into();
        let at = (0..64u32)
            .zip(b)
            .fold(0u64, |m, (j, &y)| m | u64::from(y.into() == x) << j);
        let candidates = at & window & !fb;
        let first = candidates & candidates.wrapping_neg();
        fb |= first;
        fa |= u64::from(first != 0) << i;
        window = (window << 1) | u64::from((i as usize) < range);
    }
    let (mut xa, mut xb) = (fa, fb);
    let (mut matches, mut differ) = (0usize, 0usize);
    while xa != 0 {
        let i = xa.trailing_zeros() as usize;
        let j = xb.trailing_zeros() as usize;
        let x = a.get(i).map(|&c| c.into());
        let y = b.get(j).map(|&c| c.into());
        differ += usize::from(x != y);
        matches += 1;
        xa &= xa - 1;
        xb &= xb.wrapping_sub(1);
    }
    (matches, differ)
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
    let sim = jaro_of(a, b);
    winkler(sim, || common_prefix(a, b))
}

/// Winkler's boost (prefix scale 0.1, prefix of up to 4 characters, above a Jaro of 0.7), with
/// strsim's arithmetic; the prefix is counted only when it counts.
#[inline(always)]
fn winkler(sim: f64, prefix: impl FnOnce() -> usize) -> f64 {
    if sim > 0.7 {
        sim + 0.1 * prefix() as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// The length of the common prefix, up to 4 characters.
fn common_prefix(a: &Chars, b: &Chars) -> usize {
    if let (
        Repr::Ascii {
            head: p, len: la, ..
        },
        Repr::Ascii {
            head: q, len: lb, ..
        },
    ) = (&a.0, &b.0)
    {
        // The first byte that differs (zero padding past the shorter key's end may agree, so
        // the lengths bound it too).
        let differ = u64::from_le_bytes(*p) ^ u64::from_le_bytes(*q);
        return ((differ.trailing_zeros() / 8) as usize)
            .min(4)
            .min(usize::from(*la))
            .min(usize::from(*lb));
    }
    (0..4)
        .take_while(|&i| matches!((a.char_at(i), b.char_at(i)), (Some(x), Some(y)) if x == y))
        .count()
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

/// Whether the Levenshtein distance of two strings, in characters, is at most `k`: the banded
/// dynamic programme (cells more than `k` off the diagonal cannot be within `k`), stopping as
/// soon as a whole row exceeds `k`. Costs O(k · n) time and O(n) memory for strings of n
/// characters.
///
/// ```
/// use clientele::dedupe::similarity::levenshtein_within;
/// assert!(levenshtein_within("LC-1234", "LC-1243", 2));
/// assert!(!levenshtein_within("LC-1234", "LC-1243", 1));
/// assert!(levenshtein_within("张伟", "张伟", 0));
/// ```
pub fn levenshtein_within(a: &str, b: &str, k: u32) -> bool {
    if a == b {
        return true;
    }
    let k = k as usize;
    if a.is_ascii() && b.is_ascii() {
        return banded_within(a.as_bytes(), b.as_bytes(), k);
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    banded_within(&a, &b, k)
}

/// [`levenshtein_within`] of two sequences (bytes of ASCII text, else characters); its two
/// rows on the stack for the short values comparison sees.
fn banded_within<T: PartialEq>(a: &[T], b: &[T], k: usize) -> bool {
    const STACK: usize = 64;
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if b.len() - a.len() > k {
        return false;
    }
    let width = b.len() + 1;
    let mut stack = [0usize; 2 * STACK];
    let mut heap = Vec::new();
    let cells: &mut [usize] = if 2 * width <= stack.len() {
        stack.get_mut(..2 * width).unwrap_or_default()
    } else {
        heap.resize(2 * width, 0);
        &mut heap
    };
    let (mut prev, mut row) = cells.split_at_mut(width);
    // prev[j]: the distance of a[..i] and b[..j]; values over k are held as k + 1.
    let cap = k + 1;
    for (j, slot) in prev.iter_mut().enumerate() {
        *slot = j.min(cap);
    }
    for (i, ca) in a.iter().enumerate() {
        let lo = (i + 1).saturating_sub(k);
        let hi = (i + 1 + k).min(b.len());
        row.fill(cap);
        if lo == 0
            && let Some(first) = row.first_mut()
        {
            *first = (i + 1).min(cap);
        }
        let mut best = cap;
        for j in lo.max(1)..=hi {
            let same = b.get(j - 1) == Some(ca);
            let diag = prev.get(j - 1).copied().unwrap_or(cap) + usize::from(!same);
            let up = prev.get(j).copied().unwrap_or(cap) + 1;
            let left = row.get(j - 1).copied().unwrap_or(cap) + 1;
            let d = diag.min(up).min(left).min(cap);
            if let Some(slot) = row.get_mut(j) {
                *slot = d;
            }
            best = best.min(d);
        }
        if best > k && lo > 0 {
            return false;
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev.get(b.len()).is_some_and(|&d| d <= k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn levenshtein_within_agrees_with_strsim(a in "[abcé]{0,12}", b in "[abcé]{0,12}", k in 0u32..5) {
            prop_assert_eq!(levenshtein_within(&a, &b, k), strsim::levenshtein(&a, &b) <= k as usize);
        }
    }

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

    #[test]
    fn pairs_that_broke_earlier_drafts() {
        // Cases the property tests shrank to while the kernel was written: NUL and padding,
        // a long key against a short one, repeated characters, transpositions.
        let long_a = format!("{}b{}", "a".repeat(31), "a".repeat(24));
        for (a, b) in [
            ("\0 AA&", " AaAA "),
            (long_a.as_str(), "aaaab"),
            ("aaoe", "aea"),
            ("aaa", "baa"),
            ("abcdefgh", "badcfehg"),
            ("abcdefgh", "hgfedcba"),
            ("abcdefghi", "ihgfedcba"),
        ] {
            assert_eq!(both(a, b).0, both(a, b).1, "{a:?} {b:?}");
            assert_eq!(both(b, a).0, both(b, a).1, "{b:?} {a:?}");
        }
    }

    #[test]
    fn prepared_keys_compare_by_text() {
        assert_eq!(Chars::new(""), Chars::default());
        assert_eq!(Chars::new("wang").clone(), Chars::new("wang"));
        assert_ne!(Chars::new("wang"), Chars::new("wan"));
        assert_eq!(
            format!("{:?}", Chars::new("王 wang")),
            "Chars(\"王***** (6 chars)\")"
        );
        assert!(Chars::default().is_empty() && !Chars::new("x").is_empty());
        let long = "x".repeat(65);
        assert!(!Chars::new(&long).is_empty());
        assert_eq!(Chars::new(&long).len(), 65);
        assert_eq!(Chars::new(&"李".repeat(70)).len(), 70);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        #[test]
        fn utf8_keys_score_as_strsim(a in "[a-e]{0,12}", b in "[a-e]{0,12}") {
            let s = jaro_winkler_str(&a, &b);
            prop_assert_eq!(s.to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn utf8_keys_score_as_strsim_on_any_text(a in "[a-c张伟é ]{0,70}", b in "[a-c张伟é ]{0,70}") {
            let s = jaro_winkler_str(&a, &b);
            prop_assert_eq!(s.to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn utf8_keys_score_as_strsim_on_long_ascii(a in "[a-d]{0,70}", b in "[a-d]{0,70}") {
            let s = jaro_winkler_str(&a, &b);
            prop_assert_eq!(s.to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn utf8_keys_score_as_strsim_on_unicode(a in any::<String>(), b in any::<String>()) {
            let s = jaro_winkler_str(&a, &b);
            prop_assert_eq!(s.to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
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
