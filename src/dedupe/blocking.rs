//! Blocking: which pairs of records are compared at all.
//!
//! Every rule derives keys from a prepared record; two records sharing a key of one rule are a
//! candidate pair. The pairs of all rules are united without repeats. Blocks larger than a cap
//! are skipped with a warning naming the rule and the key, so a key shared by half the data
//! (a default value, a common name) costs a warning, never the memory of n² pairs.

use chrono::Datelike;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

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
    /// Exact copies (every compared key equal).
    Fingerprint,
}

impl BlockingRule {
    /// Every built-in rule, the default set.
    pub const ALL: [BlockingRule; 11] = [
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
            Self::Fingerprint => sink.key(&[format!("{:016x}", p.fingerprint).as_bytes()]),
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
    /// Pairs proposed by this rule's blocks (a pair may be proposed by several rules).
    pub pairs: u64,
    /// Blocks over the size cap, skipped: (records, masked key).
    pub skipped_blocks: Vec<(usize, String)>,
}

/// What blocking did, reported before comparison starts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BlockingReport {
    /// Per rule.
    pub rules: Vec<RuleReport>,
    /// Candidate pairs after the union.
    pub candidate_pairs: u64,
    /// Warnings (oversized blocks), human-readable.
    pub warnings: Vec<String>,
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

fn mask(key: &str) -> String {
    let head: String = key.chars().take(3).collect();
    format!("{head}… ({} chars)", key.chars().count())
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

/// In a large block, each record is paired with the next this many records of each order.
const WINDOW: usize = 5;

/// The orders in which a large block is walked: by name (a typo keeps neighbours close), by
/// birth date, and by place. Missing values sort last.
fn sort_keys(p: &Prepared) -> [u64; 3] {
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
    [name, dob, place]
}

/// The pairs of one block: all of them in a small block; in a large one, each record with its
/// [`WINDOW`] successors in each of the [`sort_keys`] orders (sorted neighbourhood inside the
/// block), so a block of n records costs about `3 * WINDOW * n` pairs instead of `n²/2`.
///
/// `kinds` holds each record's kind and source (see [`kinds`]), so that telling which pairs may
/// be compared reads one byte per record rather than the records themselves.
/// `ranks` holds each record's rank by id (empty: records are in id order), which breaks ties
/// in the orders, so that the pairs depend on the records, not on their places in memory.
fn block_pairs(
    records: &[Prepared],
    kinds: &[u8],
    ranks: &[u32],
    members: Vec<u32>,
    cross: bool,
) -> Vec<u64> {
    let pair = |i: u32, j: u32| -> Option<u64> {
        let (Some(&ki), Some(&kj)) = (kinds.get(i as usize), kinds.get(j as usize)) else {
            return None;
        };
        // Bit 0: a company; the other bits: the source. Persons never pair with companies;
        // in linkage, records of one source never pair.
        if i == j || (ki & 1) != (kj & 1) || (cross && (ki >> 1) == (kj >> 1)) {
            return None;
        }
        let (a, b) = if i < j { (i, j) } else { (j, i) };
        Some((u64::from(a) << 32) | u64::from(b))
    };
    let mut out = Vec::new();
    if members.len() <= DENSE_BLOCK {
        for (x, &i) in members.iter().enumerate() {
            out.extend(members.iter().skip(x + 1).filter_map(|&j| pair(i, j)));
        }
        return out;
    }
    let keys: Vec<[u64; 3]> = members
        .iter()
        .map(|&i| records.get(i as usize).map_or([u64::MAX; 3], sort_keys))
        .collect();
    let mut order: Vec<usize> = (0..members.len()).collect();
    for k in 0..3 {
        order.sort_by_key(|&x| {
            let member = members.get(x).copied().unwrap_or(u32::MAX);
            let rank = ranks.get(member as usize).copied().unwrap_or(member);
            (keys.get(x).map_or(u64::MAX, |ks| ks[k]), rank)
        });
        for (x, &a) in order.iter().enumerate() {
            let Some(&i) = members.get(a) else { continue };
            out.extend(
                order
                    .iter()
                    .skip(x + 1)
                    .take(WINDOW)
                    .filter_map(|&b| members.get(b).and_then(|&j| pair(i, j))),
            );
        }
    }
    // The orders share neighbours: each pair once (the block's pairs are few and in cache;
    // the union of all rules is then smaller to sort and to hold).
    out.sort_unstable();
    out.dedup();
    out
}

/// A candidate pair packed into one number: `i << 32 | j`, `i < j`; sorting the numbers sorts
/// the pairs.
pub(crate) fn unpair(x: u64) -> (u32, u32) {
    ((x >> 32) as u32, (x & 0xFFFF_FFFF) as u32)
}

/// Candidate pairs `(i, j)`, `i < j`, packed (see [`unpair`]), sorted and without repeats. With
/// `cross`, only pairs of records of different sources (linkage). `ranks`: each record's rank by
/// id, for ties in sorted neighbourhoods (empty: records are in id order).
///
/// Keys are derived and sorted in parallel; each rule's blocks are expanded into pairs in
/// parallel; the union is a parallel sort and a dedup.
pub(crate) fn candidate_pairs(
    records: &[Prepared],
    ranks: &[u32],
    rules: &[BlockingRule],
    custom: &[Vec<String>],
    max_block: usize,
    cross: bool,
) -> (Vec<u64>, BlockingReport) {
    let mut report = BlockingReport::default();
    let mut all: Vec<u64> = Vec::new();
    let kinds = kinds(records);
    let n_rules = rules.len() + usize::from(!custom.is_empty());
    for r in 0..n_rules {
        let name = rules.get(r).map_or("custom", |x| x.name());
        let keys_of = |i: usize, p: &Prepared, keys: &mut Vec<String>| match rules.get(r) {
            Some(rule) => rule.keys(p, keys),
            None => keys.extend(custom.get(i).cloned().unwrap_or_default()),
        };
        // (key hash, record) for this rule, grouped by sorting. Keys are hashed as they are
        // derived, without building their text.
        let mut entries: Vec<(u64, u32)> = records
            .par_chunks(CHUNK)
            .enumerate()
            .flat_map_iter(|(c, chunk)| {
                let mut out = Vec::with_capacity(chunk.len());
                let mut hashes = Vec::new();
                for (k, p) in chunk.iter().enumerate() {
                    let i = c * CHUNK + k;
                    hashes.clear();
                    match rules.get(r) {
                        Some(rule) => rule.emit(
                            p,
                            &mut Hashes {
                                rule: r,
                                out: &mut hashes,
                            },
                        ),
                        None => hashes.extend(
                            custom
                                .get(i)
                                .into_iter()
                                .flatten()
                                .map(|key| hash_key(r, key)),
                        ),
                    }
                    hashes.sort_unstable();
                    hashes.dedup();
                    let id = u32::try_from(i).unwrap_or(u32::MAX);
                    out.extend(hashes.iter().map(|&h| (h, id)));
                }
                out
            })
            .collect();
        entries.par_sort_unstable();
        let mut rule_report = RuleReport {
            rule: name.to_owned(),
            pairs: 0,
            skipped_blocks: Vec::new(),
        };
        // Block boundaries; oversized blocks are reported and skipped.
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
                // Name the key: re-derive the keys of the block's first record.
                let mut ks = Vec::new();
                let first = entries.get(start).map_or(0, |e| e.1 as usize);
                if let Some(p) = records.get(first) {
                    keys_of(first, p, &mut ks);
                }
                let shown = ks
                    .iter()
                    .find(|k| hash_key(r, k) == key)
                    .map_or_else(|| format!("{key:016x}"), |k| mask(k));
                report.warnings.push(format!(
                    "blocking rule `{name}`: a block of {size} records (key {shown}) is over the cap of {max_block} and was skipped"
                ));
                rule_report.skipped_blocks.push((size, shown));
            } else if size > 1 {
                blocks.push((start, end));
            }
            start = end;
        }
        let pairs: Vec<u64> = blocks
            .par_iter()
            .flat_map_iter(|&(start, end)| {
                let block = entries.get(start..end).unwrap_or(&[]);
                let members: Vec<u32> = block.iter().map(|e| e.1).collect();
                block_pairs(records, &kinds, ranks, members, cross)
            })
            .collect();
        rule_report.pairs = pairs.len() as u64;
        // Grown exactly, not doubled: this vector is the largest of the run.
        all.reserve_exact(pairs.len());
        all.extend(pairs);
        report.rules.push(rule_report);
    }
    all.par_sort_unstable();
    all.dedup();
    all.shrink_to_fit();
    report.candidate_pairs = all.len() as u64;
    (all, report)
}
