//! Blocking: which pairs of records are compared at all.
//!
//! Every rule derives keys from a prepared record; two records sharing a key of one rule are a
//! candidate pair. The pairs of all rules are united without repeats. Blocks larger than a cap
//! are skipped, summarised in one warning per rule, so a key shared by half the data (a default
//! value, a common name) costs a warning, never the memory of n² pairs. Exact copies are the
//! exception: their blocks have no cap, and a large one is linked as a chain (n - 1 pairs).

use chrono::Datelike;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::evidence::holds_values;
use super::prepare::{FNV_START, Prepared, Text, fnv_from, prefix_u64, soundex};

/// A built-in blocking rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BlockingRule {
    /// The same phone (E.164, or digits when unparsed).
    Phone,
    /// The same email key.
    Email,
    /// The same national identifier.
    NationalId,
    /// The same family-name key and given-name initial (either order).
    NameKey,
    /// The same Soundex code of the family name and given-name initial, and the same of the
    /// given name and family-name initial (typos that keep the sound).
    Phonetic,
    /// The same pinyin of a Han name and its romanized forms (张伟 ~ Zhang Wei ~ Wei Zhang).
    Pinyin,
    /// The same postcode and family-name initial.
    PostcodeInitial,
    /// The same date of birth (a date with its name initial instead lost 0.15% of FEBRL's true
    /// pairs, whose duplicates often change or drop both names: large date blocks are walked
    /// in sorted neighbourhoods instead).
    BirthDate,
    /// The same company-name key, or the same first word of it and postcode.
    CompanyName,
    /// The same house number and street key.
    Street,
    /// Exact copies (every compared key equal) of records that hold evidence (an identifier,
    /// or values in two groups; see docs/DEDUPE.md): never capped, a large block linked as a
    /// chain.
    Fingerprint,
}

impl BlockingRule {
    /// Every built-in rule, the default set.
    pub const ALL: &[BlockingRule] = &[
        Self::Phone,
        Self::Email,
        Self::NationalId,
        Self::NameKey,
        Self::Phonetic,
        Self::Pinyin,
        Self::PostcodeInitial,
        Self::BirthDate,
        Self::CompanyName,
        Self::Street,
        Self::Fingerprint,
    ];

    /// The rule's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Email => "email",
            Self::NationalId => "national_id",
            Self::NameKey => "name_key",
            Self::Phonetic => "phonetic",
            Self::Pinyin => "pinyin",
            Self::PostcodeInitial => "postcode_initial",
            Self::BirthDate => "birth_date",
            Self::CompanyName => "company_name",
            Self::Street => "street",
            Self::Fingerprint => "fingerprint",
        }
    }

    /// The keys of one record under this rule, as text (reports and store indexes).
    pub(crate) fn keys(self, p: &Prepared, out: &mut Vec<String>) {
        self.emit(p, out);
    }

    /// The keys of one record under this rule, each given to `sink` as the concatenation of
    /// its parts, so that blocking can hash them without building strings.
    pub(crate) fn emit(self, p: &Prepared, sink: &mut impl KeySink) {
        // A name's initial, as its UTF-8 bytes.
        let initial = |t: &Option<Text>| -> Option<([u8; 4], usize)> {
            let c = t.as_ref()?.as_str().chars().next()?;
            let mut buf = [0; 4];
            let len = c.encode_utf8(&mut buf).len();
            Some((buf, len))
        };
        fn bytes(t: &Option<Text>) -> Option<&[u8]> {
            t.as_ref().map(|t| t.s.as_bytes())
        }
        let head = |(buf, len): &([u8; 4], usize)| buf.get(..*len).unwrap_or(&[]).to_owned();
        match self {
            Self::Phone => p.phones.iter().for_each(|c| sink.key(&[c.as_bytes()])),
            Self::Email => p.emails.iter().for_each(|c| sink.key(&[c.as_bytes()])),
            Self::NationalId => p.ids.iter().for_each(|c| sink.key(&[c.as_bytes()])),
            Self::NameKey => {
                if let (Some(f), Some(g)) = (bytes(&p.family), initial(&p.given)) {
                    sink.key(&[f, b"|", &head(&g)]);
                }
                if let (Some(g), Some(f)) = (bytes(&p.given), initial(&p.family)) {
                    sink.key(&[g, b"|", &head(&f)]);
                }
            }
            Self::Phonetic => {
                let code = |t: &Option<Text>| t.as_ref().and_then(|t| soundex(t.as_str()));
                if let (Some(f), Some(g)) = (code(&p.family), initial(&p.given)) {
                    sink.key(&[b"f", &f, &head(&g)]);
                }
                if let (Some(g), Some(f)) = (code(&p.given), initial(&p.family)) {
                    sink.key(&[b"g", &g, &head(&f)]);
                }
            }
            Self::Pinyin => {
                // Han names by their pinyin words, Latin ones by their words without spaces:
                // both are the cross-script words.
                if let Some((g, f)) = &p.cross {
                    let (g, f) = (g.s.as_bytes(), f.s.as_bytes());
                    if p.han || (g.is_ascii() && f.is_ascii()) {
                        let (x, y) = if f <= g { (f, g) } else { (g, f) };
                        sink.key(&[x, b" ", y]);
                    }
                }
            }
            Self::PostcodeInitial => {
                if let (Some(pc), Some(f)) = (
                    &p.postcode,
                    initial(&p.family).or_else(|| initial(&p.company_name)),
                ) {
                    sink.key(&[pc.as_bytes(), b"|", &head(&f)]);
                }
            }
            Self::BirthDate => {
                if let Some(d) = p.dob {
                    sink.key(&[d.num_days_from_ce().to_string().as_bytes()]);
                }
            }
            Self::CompanyName => {
                if let Some(c) = &p.company_name {
                    let c = c.s.as_bytes();
                    sink.key(&[c]);
                    if let (Some(first), Some(pc)) = (c.split(|&b| b == b' ').next(), &p.postcode) {
                        sink.key(&[first, b"|", pc.as_bytes()]);
                    }
                }
            }
            Self::Street => {
                if let (Some(h), Some(s)) = (&p.house, &p.street) {
                    sink.key(&[h.as_bytes(), b"|", s.s.as_bytes()]);
                }
            }
            Self::Fingerprint => {
                if holds_values(p) {
                    sink.key(&[format!("{:016x}", p.fingerprint).as_bytes()]);
                }
            }
        }
    }
}

/// Where a rule's keys go: text for reports and store indexes, hashes for blocking.
pub(crate) trait KeySink {
    /// One key, the concatenation of `parts`.
    fn key(&mut self, parts: &[&[u8]]);
}

impl KeySink for Vec<String> {
    fn key(&mut self, parts: &[&[u8]]) {
        let bytes: Vec<u8> = parts.concat();
        self.push(String::from_utf8_lossy(&bytes).into_owned());
    }
}

/// Collects the hashes of a rule's keys ([`hash_key`]'s value of each key's text).
struct Hashes<'a> {
    rule: usize,
    out: &'a mut Vec<u64>,
}

impl KeySink for Hashes<'_> {
    fn key(&mut self, parts: &[&[u8]]) {
        let h = parts
            .iter()
            .fold(rule_seed(self.rule), |h, part| fnv_from(h, part));
        self.out.push(h);
    }
}

/// How many pairs one rule proposed (before the union), and the blocks it skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleReport {
    /// The rule's name.
    pub rule: String,
    /// Distinct pairs proposed by this rule's blocks (each counted once however many of the
    /// rule's blocks propose it; a pair may also be proposed by other rules).
    pub pairs: u64,
    /// Blocks over the size cap, skipped: (records, masked key), largest first.
    pub skipped_blocks: Vec<(usize, String)>,
}

impl RuleReport {
    /// Records in the skipped blocks (a record with two keys of the rule in skipped blocks
    /// counts twice).
    pub fn skipped_records(&self) -> usize {
        self.skipped_blocks.iter().map(|b| b.0).sum()
    }
}

/// What blocking did, reported before comparison starts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BlockingReport {
    /// Per rule.
    pub rules: Vec<RuleReport>,
    /// Candidate pairs after the union.
    pub candidate_pairs: u64,
    /// Warnings, human-readable: one per rule that skipped blocks over the cap.
    pub warnings: Vec<String>,
}

impl BlockingReport {
    /// Blocks skipped over the cap, and the records in them, over all rules.
    ///
    /// ```
    /// let report = clientele::dedupe::BlockingReport::default();
    /// assert_eq!(report.skipped(), (0, 0));
    /// ```
    pub fn skipped(&self) -> (usize, usize) {
        self.rules.iter().fold((0, 0), |(b, r), rule| {
            (b + rule.skipped_blocks.len(), r + rule.skipped_records())
        })
    }
}

/// FNV-1a of the rule and the key: blocks are groups of equal hashes (a collision merges two
/// blocks, which costs comparisons, never a missed pair).
fn hash_key(rule: usize, key: &str) -> u64 {
    fnv_from(rule_seed(rule), key.as_bytes())
}

/// The hash state a rule's keys start from.
fn rule_seed(rule: usize) -> u64 {
    fnv_from(FNV_START, &rule.to_le_bytes())
}

/// A blocking key is as personal as the values it came from.
fn mask(key: &str) -> String {
    crate::model::mask_value(key)
}

/// Each record's kind (bit 0: a company) and source (the other bits, saturating), one byte each.
fn kinds(records: &[Prepared]) -> Vec<u8> {
    records
        .iter()
        .map(|p| u8::from(p.company) | (p.source.min(127) << 1))
        .collect()
}

/// Records per parallel task when deriving keys.
const CHUNK: usize = 4096;

/// Blocks up to this size are expanded into all their pairs; larger ones (common names, shared
/// birth dates) by sorted neighbourhoods.
const DENSE_BLOCK: usize = 32;

/// A large block is walked in this many orders: the first of [`sort_keys`]'s that vary in it.
const ORDERS: usize = 3;

/// The orders a large block may be walked in ([`sort_keys`]), in order of preference.
const ORDER_KEYS: usize = 4;

/// In a large block, each record is paired with the next this many records of each order.
const WINDOW: usize = 5;

/// The orders of a large block of exact copies: one, by content (copies next to each other
/// even if two records' fingerprints collide), walked as a chain.
fn copy_order(records: &[Prepared], ranks: &[u32], members: &[u32]) -> Vec<u32> {
    let mut out = members.to_vec();
    let rank = |i: u32| ranks.get(i as usize).copied().unwrap_or(i);
    out.sort_unstable_by(
        |&a, &b| match (records.get(a as usize), records.get(b as usize)) {
            (Some(x), Some(y)) => x.content_cmp(y).then_with(|| rank(a).cmp(&rank(b))),
            _ => a.cmp(&b),
        },
    );
    out
}

/// The orders in which a large block may be walked, in order of preference: by name (a typo
/// keeps neighbours close), by birth date, by place, and by email (in place of one of the
/// others that is constant over the block). Missing values sort last.
fn sort_keys(p: &Prepared) -> [u64; ORDER_KEYS] {
    let name = match (&p.cross, &p.given, &p.family, &p.company_name) {
        (Some((g, f)), ..) => prefix_u64(g.s.as_bytes().iter().chain(f.s.as_bytes()).copied()),
        (None, Some(g), ..) => prefix_u64(g.s.as_bytes().iter().copied()),
        (None, None, Some(f), _) => prefix_u64(f.s.as_bytes().iter().copied()),
        (None, None, None, Some(c)) => prefix_u64(c.s.as_bytes().iter().copied()),
        _ => u64::MAX,
    };
    let dob = p.dob.map_or(u64::MAX, |d| {
        u64::try_from(d.num_days_from_ce()).unwrap_or(0)
    });
    let place = match (&p.postcode, &p.locality) {
        (Some(pc), _) => prefix_u64(pc.as_bytes().iter().copied()),
        (None, Some(l)) => prefix_u64(l.s.as_bytes().iter().copied()),
        _ => u64::MAX,
    };
    // By email: within one name, mailboxes one typo apart sort next to each other.
    let email = p
        .emails
        .first()
        .map_or(u64::MAX, |e| prefix_u64(e.as_bytes().iter().copied()));
    [name, dob, place, email]
}

/// The orders of a large block's members (by [`sort_keys`], ties by rank by id), concatenated:
/// the block is walked in sorted neighbourhoods, each record paired with the records up to
/// [`WINDOW`] places before and after it in each order, so a block of n records costs at most
/// `3 * WINDOW * n` pairs instead of `n²/2`. An order whose key is constant over the block is
/// left out, and the next that varies ([`ORDERS`] of the [`ORDER_KEYS`]) walked instead.
///
/// `ranks` holds each record's rank by id (empty: records are in id order), which breaks ties
/// in the orders, so that the pairs depend on the records, not on their places in memory.
fn orders(records: &[Prepared], ranks: &[u32], members: &[u32]) -> Vec<u32> {
    let keyed: Vec<([u64; ORDER_KEYS], u32, u32)> = members
        .iter()
        .map(|&i| {
            let keys = records
                .get(i as usize)
                .map_or([u64::MAX; ORDER_KEYS], sort_keys);
            (keys, ranks.get(i as usize).copied().unwrap_or(i), i)
        })
        .collect();
    let mut out = Vec::with_capacity(3 * members.len());
    let mut order: Vec<usize> = (0..keyed.len()).collect();
    // An order whose key is one value over the block (the birth date in a block of one date,
    // the postcode in one of a postcode) is the order of ids alone: its neighbours are
    // arbitrary records, so the next order that varies is walked instead (the first, when
    // every key is constant).
    let varies = |k: usize| {
        let first = keyed.first().map(|e| e.0[k]);
        keyed.iter().any(|e| Some(e.0[k]) != first)
    };
    let mut walked: Vec<usize> = (0..ORDER_KEYS)
        .filter(|&k| varies(k))
        .take(ORDERS)
        .collect();
    if walked.is_empty() {
        walked.push(0);
    }
    for k in walked {
        order.sort_unstable_by_key(|&x| {
            keyed
                .get(x)
                .map_or((u64::MAX, u32::MAX), |(keys, rank, _)| (keys[k], *rank))
        });
        out.extend(order.iter().filter_map(|&x| keyed.get(x).map(|e| e.2)));
    }
    out
}

/// A run of records whose pairs are candidates: all pairs of a small block's members, or the
/// pairs up to [`WINDOW`] places apart in one order of a large block.
#[derive(Clone, Copy)]
struct Walk {
    /// Where its records start in the walks' shared sequence.
    start: usize,
    len: u32,
    rule: u32,
    /// 0: a small block, all pairs; else the pairs up to this many places apart (a
    /// sorted-neighbourhood order, or a chain of exact copies).
    window: u8,
}

/// Candidate pairs `(i, j)`, `i < j`, sorted by `i` then `j`, without repeats: in parts that
/// each cover a range of `i` (first records), a record's partners held as a run of `j`s.
/// Held this way the pairs take 4 bytes each, and are built part by part without ever holding
/// the pairs of all rules at once.
#[derive(Debug, Default)]
pub(crate) struct Pairs {
    parts: Vec<PairPart>,
}

/// The candidate pairs whose first record is in `first..first + ends.len()`.
#[derive(Debug, Default)]
pub(crate) struct PairPart {
    first: u32,
    /// For each first record, where its run of partners ends in `js`.
    ends: Vec<usize>,
    js: Vec<u32>,
}

impl PairPart {
    /// The number of pairs.
    pub(crate) fn len(&self) -> usize {
        self.js.len()
    }

    /// The second records in pair order: `js()[k]` is the second record of the `k`th pair.
    pub(crate) fn js(&self) -> &[u32] {
        &self.js
    }

    /// The pairs, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let mut from = 0usize;
        self.ends.iter().enumerate().flat_map(move |(k, &end)| {
            let i = self.first + k as u32;
            let run = self.js.get(from..end).unwrap_or(&[]);
            from = end;
            run.iter().map(move |&j| (i, j))
        })
    }
}

impl Pairs {
    /// The number of pairs.
    pub(crate) fn len(&self) -> usize {
        self.parts.iter().map(PairPart::len).sum()
    }

    /// The parts, in order of their first records.
    pub(crate) fn parts(&self) -> &[PairPart] {
        &self.parts
    }

    /// Every pair, in order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.parts.iter().flat_map(PairPart::iter)
    }
}

/// A blocking rule given by its keys, one list per record: the caller's key functions, or a
/// configured rule that is not a built-in one (`config::Blocking`).
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyedRule {
    /// The rule's name in reports.
    pub(crate) name: String,
    /// Each record's keys.
    pub(crate) keys: Vec<Vec<String>>,
}

/// Candidate pairs (see [`Pairs`]). With `cross`, only pairs of records of different sources
/// (linkage). `ranks`: each record's rank by id, for ties in sorted neighbourhoods (empty:
/// records are in id order).
///
/// Each rule's keys are derived and sorted in parallel into blocks; a small block is kept as
/// its members, a large one as its three orders (see [`orders`]). Every record then gathers its
/// partners from the blocks it is in (through an index of memberships by record), in parallel
/// over ranges of records: a record's partners are sorted and deduplicated on their own, so the
/// union of all rules needs no global sort, and only the final pairs are ever held.
pub(crate) fn candidate_pairs(
    records: &[Prepared],
    ranks: &[u32],
    rules: &[BlockingRule],
    custom: &[KeyedRule],
    max_block: usize,
    cross: bool,
) -> (Pairs, BlockingReport) {
    let mut report = BlockingReport::default();
    let kinds = kinds(records);
    let n_rules = rules.len() + custom.len();
    // Every walk's records, back to back.
    let mut seq: Vec<u32> = Vec::new();
    let mut walks: Vec<Walk> = Vec::new();
    let mut too_many = false;
    for r in 0..n_rules {
        let keyed = r.checked_sub(rules.len()).and_then(|k| custom.get(k));
        let name = rules
            .get(r)
            .map_or_else(|| keyed.map_or("custom", |k| k.name.as_str()), |x| x.name());
        // Exact copies are chained past the cap, except in linkage, whose answer is every pair
        // across the sources.
        let copies = !cross && rules.get(r) == Some(&BlockingRule::Fingerprint);
        let mut skipped = Vec::new();
        let (members, blocks) = rule_blocks(
            records,
            (rules.get(r), r, keyed.map_or(&[][..], |k| &k.keys)),
            if copies { usize::MAX } else { max_block },
            &mut skipped,
        );
        if let Some(w) = skipped_warning(name, &skipped, max_block) {
            report.warnings.push(w);
        }
        // The orders of large blocks, in parallel; small blocks are walked as they are.
        let orders_of: Vec<Option<Vec<u32>>> = blocks
            .par_iter()
            .map(|&(start, end)| {
                let block = members.get(start..end).unwrap_or(&[]);
                (block.len() > DENSE_BLOCK).then(|| {
                    if copies {
                        copy_order(records, ranks, block)
                    } else {
                        orders(records, ranks, block)
                    }
                })
            })
            .collect();
        let rule = u32::try_from(r).unwrap_or(u32::MAX);
        for (&(start, end), ordered) in blocks.iter().zip(&orders_of) {
            // A small block is one walk (all pairs); a large one its three orders, or, for
            // exact copies, one order walked as a chain.
            let window = match ordered {
                None => 0,
                Some(_) if copies => 1,
                Some(_) => WINDOW as u8,
            };
            let mut runs: [&[u32]; 3] = [&[]; 3];
            match ordered {
                Some(run) => {
                    for (slot, order) in runs.iter_mut().zip(run.chunks((end - start).max(1))) {
                        *slot = order;
                    }
                }
                None => {
                    if let Some(slot) = runs.first_mut() {
                        *slot = members.get(start..end).unwrap_or(&[]);
                    }
                }
            }
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                // Memberships name their walk in 32 bits.
                if walks.len() > u32::MAX as usize {
                    too_many = true;
                    break;
                }
                walks.push(Walk {
                    start: seq.len(),
                    len: u32::try_from(run.len()).unwrap_or(u32::MAX),
                    rule,
                    window,
                });
                seq.extend_from_slice(run);
            }
        }
        drop((members, orders_of));
        report.rules.push(RuleReport {
            rule: name.to_owned(),
            pairs: 0,
            skipped_blocks: skipped,
        });
    }
    if too_many {
        report.warnings.push(format!(
            "blocking: more than {} blocks in all; the blocks past that were not used",
            u32::MAX
        ));
    }
    let walk_of = |w: &Walk| seq.get(w.start..w.start + w.len as usize).unwrap_or(&[]);

    // Memberships by record: (walk, place in it), packed as `walk << 32 | place`.
    let n = records.len();
    let mut starts = vec![0usize; n + 1];
    for w in &walks {
        for &m in walk_of(w) {
            if let Some(c) = starts.get_mut(m as usize + 1) {
                *c += 1;
            }
        }
    }
    for k in 1..starts.len() {
        let before = starts.get(k - 1).copied().unwrap_or(0);
        if let Some(c) = starts.get_mut(k) {
            *c += before;
        }
    }
    let cursor: Vec<AtomicUsize> = starts.iter().map(|&s| AtomicUsize::new(s)).collect();
    let memberships: Vec<AtomicU64> = (0..starts.last().copied().unwrap_or(0))
        .map(|_| AtomicU64::new(0))
        .collect();
    walks.par_iter().enumerate().for_each(|(w, walk)| {
        for (place, &m) in walk_of(walk).iter().enumerate() {
            if let Some(at) = cursor.get(m as usize) {
                let slot = at.fetch_add(1, Ordering::Relaxed);
                if let Some(cell) = memberships.get(slot) {
                    cell.store(((w as u64) << 32) | place as u64, Ordering::Relaxed);
                }
            }
        }
    });
    drop(cursor);

    // Each record's partners after it, from every walk it is in.
    let may_pair = |i: u32, j: u32| -> bool {
        let (Some(&ki), Some(&kj)) = (kinds.get(i as usize), kinds.get(j as usize)) else {
            return false;
        };
        // Bit 0: a company; the other bits: the source. Persons never pair with companies;
        // in linkage, records of one source never pair.
        j > i && (ki & 1) == (kj & 1) && !(cross && (ki >> 1) == (kj >> 1))
    };
    let ranges: Vec<(usize, usize)> = (0..n.div_ceil(CHUNK))
        .map(|c| (c * CHUNK, ((c + 1) * CHUNK).min(n)))
        .collect();
    let built: Vec<(PairPart, Vec<u64>)> = ranges
        .into_par_iter()
        .map(|(lo, hi)| {
            let mut part = PairPart {
                first: u32::try_from(lo).unwrap_or(u32::MAX),
                ends: Vec::with_capacity(hi - lo),
                js: Vec::new(),
            };
            let mut per_rule = vec![0u64; n_rules];
            // (partner << 32 | rule), sorted: a pair once per rule, and once in all.
            let mut found: Vec<u64> = Vec::new();
            for i in lo..hi {
                found.clear();
                let first = u32::try_from(i).unwrap_or(u32::MAX);
                let from = starts.get(i).copied().unwrap_or(0);
                let to = starts.get(i + 1).copied().unwrap_or(0);
                for cell in memberships.get(from..to).unwrap_or(&[]) {
                    let x = cell.load(Ordering::Relaxed);
                    let Some(walk) = walks.get((x >> 32) as usize) else {
                        continue;
                    };
                    let run = walk_of(walk);
                    let near = if walk.window > 0 {
                        let (place, w) = ((x & 0xFFFF_FFFF) as usize, usize::from(walk.window));
                        run.get(place.saturating_sub(w)..(place + w + 1).min(run.len()))
                            .unwrap_or(&[])
                    } else {
                        run
                    };
                    let rule = u64::from(walk.rule);
                    found.extend(
                        near.iter()
                            .filter(|&&j| may_pair(first, j))
                            .map(|&j| (u64::from(j) << 32) | rule),
                    );
                }
                found.sort_unstable();
                found.dedup();
                let mut last = None;
                for &x in &found {
                    if let Some(c) = per_rule.get_mut((x & 0xFFFF_FFFF) as usize) {
                        *c += 1;
                    }
                    let j = (x >> 32) as u32;
                    if last != Some(j) {
                        part.js.push(j);
                        last = Some(j);
                    }
                }
                part.ends.push(part.js.len());
            }
            part.js.shrink_to_fit();
            (part, per_rule)
        })
        .collect();
    let mut pairs = Pairs::default();
    for (part, per_rule) in built {
        for (rule, count) in report.rules.iter_mut().zip(per_rule) {
            rule.pairs += count;
        }
        pairs.parts.push(part);
    }
    report.candidate_pairs = pairs.len() as u64;
    (pairs, report)
}

/// One rule's blocks: the records of every block of two or more, block after block (each
/// block's records in ascending order), and each block's range in them. Blocks over
/// `max_block` are skipped, their (size, masked key) in `skipped`, largest first.
/// The rule is `rule` (a built-in one) or else the caller's keys in `custom`; `r` its number.
fn rule_blocks(
    records: &[Prepared],
    (rule, r, custom): (Option<&BlockingRule>, usize, &[Vec<String>]),
    max_block: usize,
    skipped: &mut Vec<(usize, String)>,
) -> (Vec<u32>, Vec<(usize, usize)>) {
    // (key hash, record), grouped by sorting. Keys are hashed as they are derived, without
    // building their text.
    let mut entries: Vec<(u64, u32)> = records
        .par_chunks(CHUNK)
        .enumerate()
        .flat_map_iter(|(c, chunk)| {
            let mut out = Vec::with_capacity(chunk.len());
            let mut hashes = Vec::new();
            for (k, p) in chunk.iter().enumerate() {
                let i = c * CHUNK + k;
                key_hashes((rule, r, custom.get(i)), p, &mut hashes);
                let id = u32::try_from(i).unwrap_or(u32::MAX);
                out.extend(hashes.iter().map(|&h| (h, id)));
            }
            out
        })
        .collect();
    entries.par_sort_unstable();
    let mut members: Vec<u32> = Vec::new();
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let key = entries.get(start).map_or(0, |e| e.0);
        let end = start
            + entries
                .get(start..)
                .map_or(0, |s| s.iter().take_while(|e| e.0 == key).count());
        let size = end - start;
        if size > max_block {
            let first = entries.get(start).map_or(0, |e| e.1 as usize);
            let shown = shown_key((rule, r, custom.get(first)), records.get(first), key);
            skipped.push((size, shown));
        } else if size > 1 {
            let at = members.len();
            members.extend(entries.get(start..end).unwrap_or(&[]).iter().map(|e| e.1));
            blocks.push((at, members.len()));
        }
        start = end;
    }
    // Largest first, then by key: the same whatever the input order.
    skipped.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    (members, blocks)
}

/// A record's key hashes under one rule, sorted and without repeats: the built-in `rule`'s,
/// or else the caller's keys `custom` (`r` is the rule's number, which seeds the hashes).
pub(crate) fn key_hashes(
    (rule, r, custom): (Option<&BlockingRule>, usize, Option<&Vec<String>>),
    p: &Prepared,
    hashes: &mut Vec<u64>,
) {
    hashes.clear();
    match rule {
        Some(rule) => rule.emit(
            p,
            &mut Hashes {
                rule: r,
                out: hashes,
            },
        ),
        None => hashes.extend(custom.into_iter().flatten().map(|key| hash_key(r, key))),
    }
    hashes.sort_unstable();
    hashes.dedup();
}

/// The key of a skipped block as a report shows it: masked, re-derived from a member's keys
/// (`first`, with its caller's keys `custom`), or the hash when none gives it.
pub(crate) fn shown_key(
    (rule, r, custom): (Option<&BlockingRule>, usize, Option<&Vec<String>>),
    first: Option<&Prepared>,
    key: u64,
) -> String {
    let mut ks = Vec::new();
    match (rule, first) {
        (Some(rule), Some(p)) => rule.keys(p, &mut ks),
        _ => ks.extend(custom.cloned().unwrap_or_default()),
    }
    ks.iter()
        .find(|k| hash_key(r, k) == key)
        .map_or_else(|| format!("{key:016x}"), |k| mask(k))
}

/// The candidate pairs of one block (`members`, ascending), as [`candidate_pairs`] finds
/// them, `(i, j)` with `i < j`, appended to `out`: all pairs of a small block, sorted
/// neighbourhoods of a large one, a chain of a large block of exact copies (`copies`). For
/// engines that group records by key themselves (`clientele::scale`).
#[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
pub(crate) fn block_pairs(
    records: &[Prepared],
    ranks: &[u32],
    (members, copies): (&[u32], bool),
    out: &mut Vec<(u32, u32)>,
) {
    let kinds = |i: u32| records.get(i as usize).map(|p| p.company);
    let mut push = |a: u32, b: u32| {
        let (i, j) = (a.min(b), a.max(b));
        if i != j && kinds(i).is_some() && kinds(i) == kinds(j) {
            out.push((i, j));
        }
    };
    if members.len() <= DENSE_BLOCK {
        for (k, &i) in members.iter().enumerate() {
            for &j in members.get(k + 1..).unwrap_or(&[]) {
                push(i, j);
            }
        }
        return;
    }
    let (ordered, window) = if copies {
        (copy_order(records, ranks, members), 1)
    } else {
        (orders(records, ranks, members), WINDOW)
    };
    for run in ordered.chunks(members.len()) {
        for (k, &i) in run.iter().enumerate() {
            for &j in run
                .get(k + 1..(k + 1 + window).min(run.len()))
                .unwrap_or(&[])
            {
                push(i, j);
            }
        }
    }
}

#[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
impl Pairs {
    /// The pairs of a sorted list without repeats, `(i, j)` with `i < j`, among `n` records.
    pub(crate) fn from_sorted(n: usize, pairs: &[(u32, u32)]) -> Self {
        let mut out = Pairs::default();
        let mut rest = pairs;
        for lo in (0..n).step_by(CHUNK) {
            let hi = (lo + CHUNK).min(n);
            let mut part = PairPart {
                first: u32::try_from(lo).unwrap_or(u32::MAX),
                ends: Vec::with_capacity(hi - lo),
                js: Vec::new(),
            };
            for i in lo..hi {
                let here = rest.iter().take_while(|p| p.0 as usize == i).count();
                let (run, after) = rest.split_at(here);
                part.js.extend(run.iter().map(|p| p.1));
                part.ends.push(part.js.len());
                rest = after;
            }
            out.parts.push(part);
        }
        out
    }
}

/// One warning for all of a rule's blocks over the cap: how many, the records in them, the
/// largest.
pub(crate) fn skipped_warning(
    rule: &str,
    skipped: &[(usize, String)],
    cap: usize,
) -> Option<String> {
    let (largest, key) = skipped.first()?;
    let records: usize = skipped.iter().map(|b| b.0).sum();
    let blocks = skipped.len();
    Some(format!(
        "blocking rule `{rule}`: {blocks} block{} over the cap of {cap} records skipped, \
         holding {records} records (the largest {largest} records, key {shown})",
        if blocks == 1 { "" } else { "s" },
        shown = key
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::normalize::Normalizer;
    use crate::synth::{SynthConfig, generate};

    type PairSet = BTreeSet<(u32, u32)>;

    /// The candidate pairs by their definition, from text keys: every pair of a block of up to
    /// [`DENSE_BLOCK`] records; in a larger block up to the cap, the pairs at most [`WINDOW`]
    /// places apart in one of its three orders; in a larger block of exact copies, whatever
    /// its size, the neighbours in content order. Per rule, and united.
    fn reference(
        records: &[Prepared],
        ranks: &[u32],
        rules: &[BlockingRule],
        custom: &[KeyedRule],
        max_block: usize,
        cross: bool,
    ) -> (Vec<PairSet>, PairSet) {
        let kinds = kinds(records);
        let may = |i: u32, j: u32| {
            let (ki, kj) = (kinds[i as usize], kinds[j as usize]);
            i != j && ki & 1 == kj & 1 && !(cross && ki >> 1 == kj >> 1)
        };
        let n_rules = rules.len() + custom.len();
        let mut per_rule = Vec::new();
        for r in 0..n_rules {
            let mut blocks: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
            for (i, p) in records.iter().enumerate() {
                let mut keys = Vec::new();
                match rules.get(r) {
                    Some(rule) => rule.keys(p, &mut keys),
                    None => keys.extend(custom[r - rules.len()].keys[i].iter().cloned()),
                }
                for k in keys {
                    blocks.entry(k).or_default().insert(i as u32);
                }
            }
            let mut set = PairSet::new();
            let copies = !cross && rules.get(r) == Some(&BlockingRule::Fingerprint);
            for members in blocks.values() {
                let members: Vec<u32> = members.iter().copied().collect();
                if members.len() > max_block && !copies {
                    continue;
                }
                let mut add = |a: u32, b: u32| {
                    if may(a, b) {
                        set.insert((a.min(b), a.max(b)));
                    }
                };
                if members.len() <= DENSE_BLOCK {
                    for (x, &a) in members.iter().enumerate() {
                        for &b in &members[x + 1..] {
                            add(a, b);
                        }
                    }
                    continue;
                }
                if copies {
                    let mut order = members.clone();
                    order.sort_by(|&a, &b| {
                        let rank = |i: u32| ranks.get(i as usize).copied().unwrap_or(i);
                        records[a as usize]
                            .content_cmp(&records[b as usize])
                            .then(rank(a).cmp(&rank(b)))
                    });
                    for w in order.windows(2) {
                        add(w[0], w[1]);
                    }
                    continue;
                }
                let keys: Vec<[u64; ORDER_KEYS]> = members
                    .iter()
                    .map(|&i| sort_keys(&records[i as usize]))
                    .collect();
                let varies = |k: usize| keys.iter().any(|x| x[k] != keys[0][k]);
                let walked: Vec<usize> = match (0..ORDER_KEYS)
                    .filter(|&k| varies(k))
                    .take(ORDERS)
                    .collect::<Vec<_>>()
                {
                    v if v.is_empty() => vec![0],
                    v => v,
                };
                for k in walked {
                    let mut order = members.clone();
                    order.sort_by_key(|&i| {
                        let rank = ranks.get(i as usize).copied().unwrap_or(i);
                        (sort_keys(&records[i as usize])[k], rank)
                    });
                    for (x, &a) in order.iter().enumerate() {
                        for &b in order.iter().skip(x + 1).take(WINDOW) {
                            add(a, b);
                        }
                    }
                }
            }
            per_rule.push(set);
        }
        let all = per_rule.iter().flatten().copied().collect();
        (per_rule, all)
    }

    /// Synthetic records, with caller keys that make large blocks (walked in sorted
    /// neighbourhoods), blocks over the cap, and several keys per record.
    fn fixture(cross: bool, customers: usize) -> (Vec<Prepared>, Vec<u32>, Vec<KeyedRule>) {
        let data = generate(&SynthConfig {
            customers,
            ..SynthConfig::default()
        })
        .unwrap();
        let n = Normalizer::default();
        // Exact copies: more than the cap of the first record, more than a dense block of the
        // second.
        let mut customers = data.customers.clone();
        for (of, copies) in [(0, customers.len() / 4 + 50), (1, 40)] {
            for k in 0..copies {
                let mut c = data.customers[of].clone();
                c.id = crate::CustomerId::new(format!("copy-{of}-{k}")).unwrap();
                customers.push(c);
            }
        }
        let records: Vec<Prepared> = customers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut p = crate::dedupe::prepare::prepare(c, &n, None);
                p.source = u8::from(cross && i % 3 == 0);
                p
            })
            .collect();
        // Ranks by id in reverse of memory order, so ties are broken against memory order.
        let ranks = (0..records.len() as u32).rev().collect();
        let custom = (0..records.len())
            .map(|i| {
                vec![
                    format!("m7:{}", i % 7),
                    format!("half:{}", i % 2),
                    format!("m600:{}", i % 600),
                ]
            })
            .collect();
        let custom = vec![KeyedRule {
            name: "custom".to_owned(),
            keys: custom,
        }];
        (records, ranks, custom)
    }

    #[test]
    fn pairs_are_those_of_the_definition() {
        // 2,500 records make one part of pairs, 9,000 three; empty ranks mean id order.
        for (cross, customers, ranked) in [
            (false, 2_500, true),
            (true, 2_500, true),
            (false, 9_000, false),
            (true, 9_000, true),
        ] {
            let (records, ranks, custom) = fixture(cross, customers);
            let ranks = if ranked { ranks } else { Vec::new() };
            let rules = BlockingRule::ALL;
            // Caller keys `m7:*` make blocks of a seventh of the records, walked in sorted
            // neighbourhoods under the cap.
            let cap = customers / 4;
            let (pairs, report) = candidate_pairs(&records, &ranks, rules, &custom, cap, cross);
            let (per_rule, all) = reference(&records, &ranks, rules, &custom, cap, cross);
            let got: Vec<(u32, u32)> = pairs.iter().collect();
            assert!(
                got.windows(2).all(|w| w[0] < w[1]),
                "sorted, without repeats"
            );
            assert_eq!(got.len(), all.len());
            assert!(got.iter().copied().eq(all.iter().copied()));
            assert_eq!(report.candidate_pairs, all.len() as u64);
            let counts: Vec<u64> = report.rules.iter().map(|r| r.pairs).collect();
            let expected: Vec<u64> = per_rule.iter().map(|s| s.len() as u64).collect();
            assert_eq!(counts, expected);
            // The caller's keys `half:*` make two blocks of half the records, over the cap.
            let custom_report = report.rules.last().map(|r| r.skipped_blocks.len());
            assert_eq!(custom_report, Some(2));
            // One warning per rule that skipped blocks, none for exact copies, which are
            // chained past the cap.
            let skipping = report.rules.iter().filter(|r| !r.skipped_blocks.is_empty());
            assert_eq!(report.warnings.len(), skipping.count());
            assert!(
                report
                    .warnings
                    .iter()
                    .any(|w| w.contains("`custom`: 2 blocks"))
            );
            let copies = &report.rules[BlockingRule::ALL.len() - 1];
            assert_eq!(copies.rule, "fingerprint");
            assert_eq!(copies.skipped_blocks.is_empty(), !cross);
            if !cross {
                assert!(copies.pairs >= (customers / 4 + 50 + 39) as u64);
            }
            assert!(
                all.len() > 10_000,
                "large blocks were walked: {}",
                all.len()
            );
        }
    }

    #[test]
    fn blocks_grouped_elsewhere_give_the_same_pairs() {
        // What an engine that groups records by key does (`clientele::scale`): each record's
        // key hashes per rule, grouped, blocks over the cap dropped, each block's pairs.
        let (records, ranks, custom) = fixture(false, 2_500);
        let rules = BlockingRule::ALL;
        let cap = 2_500 / 4;
        let (pairs, _) = candidate_pairs(&records, &ranks, rules, &custom, cap, false);
        let mut groups: BTreeMap<(usize, u64), Vec<u32>> = BTreeMap::new();
        let mut hashes = Vec::new();
        for r in 0..rules.len() + custom.len() {
            let keyed = r.checked_sub(rules.len()).and_then(|k| custom.get(k));
            for (i, p) in records.iter().enumerate() {
                let mine = keyed.and_then(|k| k.keys.get(i));
                key_hashes((rules.get(r), r, mine), p, &mut hashes);
                for &h in &hashes {
                    groups.entry((r, h)).or_default().push(i as u32);
                }
            }
        }
        let mut found = Vec::new();
        for ((r, _), members) in &groups {
            let copies = rules.get(*r) == Some(&BlockingRule::Fingerprint);
            if members.len() > 1 && (copies || members.len() <= cap) {
                block_pairs(&records, &ranks, (members, copies), &mut found);
            }
        }
        found.sort_unstable();
        found.dedup();
        let want: Vec<(u32, u32)> = pairs.iter().collect();
        assert_eq!(found, want);
        let rebuilt: Vec<(u32, u32)> = Pairs::from_sorted(records.len(), &found).iter().collect();
        assert_eq!(rebuilt, want);
    }
}
