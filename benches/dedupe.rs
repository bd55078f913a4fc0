//! Dedupe end to end at scale: `cargo bench --bench dedupe [-- N ...]` (default 100000).
//!
//! Prints a markdown row per size: records per second end to end (prepare, block, compare,
//! train, score, cluster), candidate pairs compared per second per core, peak memory (the
//! process's high-water mark) and pairwise F1 against the population's known duplicates.
//!
//! The population is generated here, deterministically: persons with Latin names (syllable
//! built, with realistic skew) or Chinese names (common surnames heavily repeated), phones,
//! emails, birth dates and addresses; a tenth get a duplicate with a typo in a name, a
//! rewritten phone and some fields dropped.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::NaiveDate;
use clientele::dedupe::Deduplicator;
use clientele::model::{Address, CountryCode, PersonName, Phone};
use clientele::{Customer, CustomerId, CustomerKind};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// Zipf-like skew: small indexes far more often.
    fn skewed(&mut self, n: usize) -> usize {
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(x) - 1.0) as usize % n.max(1)
    }
}

const SYL: &[&str] = &[
    "an", "bel", "car", "dan", "el", "fer", "gar", "han", "is", "jo", "kel", "lin", "mar", "nor",
    "ol", "per", "ros", "sam", "tor", "ul", "ven", "wil", "yor", "zan", "ber", "cla", "dor", "ste",
    "ton", "ley",
];
const HAN_FAMILY: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "欧阳", "司马",
];
const HAN_GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀英", "晓明", "建华", "志强", "海燕", "俊杰", "雨涵", "子轩",
];

fn latin_word(r: &mut Rng, parts: usize) -> String {
    (0..parts).map(|_| SYL[r.skewed(SYL.len())]).collect()
}

fn typo(r: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_owned();
    }
    let i = 1 + r.below(c.len() - 2);
    match r.below(3) {
        0 => {
            c.remove(i);
        }
        1 => c.swap(i, i - 1),
        _ => c[i] = SYL[r.below(SYL.len())].chars().next().unwrap_or('a'),
    }
    c.into_iter().collect()
}

fn population(n: usize) -> (Vec<Customer>, BTreeSet<(String, String)>) {
    let mut r = Rng(42);
    let mut out = Vec::with_capacity(n + n / 10);
    let mut truth = BTreeSet::new();
    for i in 0..n {
        let han = r.below(3) == 0;
        let (given, family) = if han {
            (
                HAN_GIVEN[r.skewed(HAN_GIVEN.len())].to_owned(),
                HAN_FAMILY[r.skewed(HAN_FAMILY.len())].to_owned(),
            )
        } else {
            {
                let parts = 2 + r.below(2);
                (latin_word(&mut r, 2), latin_word(&mut r, parts))
            }
        };
        let phone = format!("1{}{:09}", 3 + r.below(7), r.next() % 1_000_000_000);
        let dob = NaiveDate::from_ymd_opt(
            1940 + r.below(65) as i32,
            1 + r.below(12) as u32,
            1 + r.below(28) as u32,
        )
        .unwrap_or_default();
        let mut c = Customer::builder(
            CustomerId::new(format!("R{i:07}")).unwrap(),
            CustomerKind::Person,
        )
        .given_name(&given)
        .family_name(&family)
        .phone(&phone)
        .email(format!(
            "{}.{}{}@example.com",
            if han { "u" } else { &given },
            i,
            r.below(100)
        ))
        .birth_date(dob)
        .address(Address {
            house_number: Some((1 + r.below(300)).to_string()),
            lines: vec![format!("{} street", latin_word(&mut r, 2))],
            locality: Some(latin_word(&mut r, 2)),
            postcode: Some(format!("{:06}", r.below(900_000) + 100_000)),
            country: CountryCode::new("CN").ok(),
            ..Address::default()
        })
        .build();
        if i % 10 == 0 {
            let mut d = c.clone();
            d.id = CustomerId::new(format!("D{i:07}")).unwrap();
            let name = d.person_name.get_or_insert_with(PersonName::default);
            if !han {
                name.family = name.family.as_deref().map(|f| typo(&mut r, f));
            }
            d.phones = vec![Phone::new(format!(
                "+86 {} {} {}",
                &phone[..3],
                &phone[3..7],
                &phone[7..]
            ))];
            if r.below(2) == 0 {
                d.emails.clear();
            }
            if r.below(3) == 0 {
                d.birth_date = None;
            }
            truth.insert((c.id.to_string(), d.id.to_string()));
            out.push(d);
        }
        c.tags.insert("bench".into());
        out.push(c);
    }
    (out, truth)
}

/// The process's peak resident memory, from /proc (Linux), in MiB.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000]
    } else {
        sizes
    };
    let cores = rayon::current_num_threads();
    println!(
        "| records | end to end | records/s | candidate pairs | pairs/s per core (compare) | peak memory | F1 |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let (customers, truth) = population(n);
        let t = Instant::now();
        let compare_start = std::sync::Arc::new(std::sync::Mutex::new(None::<Instant>));
        let compare_end = std::sync::Arc::new(std::sync::Mutex::new(None::<Instant>));
        let (cs, ce) = (compare_start.clone(), compare_end.clone());
        let d = Deduplicator::new()
            .default_region("CN")
            .on_progress(move |p| {
                if p.stage == "compare" {
                    if let Ok(mut s) = cs.lock() {
                        s.get_or_insert_with(Instant::now);
                    }
                    if p.done >= p.total {
                        if let Ok(mut e) = ce.lock() {
                            *e = Some(Instant::now());
                        }
                    }
                }
            });
        let result = d.run(&customers).expect("dedupe");
        let secs = t.elapsed().as_secs_f64();
        let compare_secs = match (*compare_start.lock().unwrap(), *compare_end.lock().unwrap()) {
            (Some(s), Some(e)) => e.duration_since(s).as_secs_f64().max(1e-9),
            _ => secs,
        };
        let found: BTreeSet<(String, String)> = result
            .pairs
            .iter()
            .map(|p| {
                let (a, b) = (p.id_1.to_string(), p.id_2.to_string());
                // Truth is stored (original, duplicate): R... then D...
                if a.starts_with('R') { (a, b) } else { (b, a) }
            })
            .collect();
        let tp = found.intersection(&truth).count() as f64;
        let (p, rc) = (
            tp / found.len().max(1) as f64,
            tp / truth.len().max(1) as f64,
        );
        let f1 = 2.0 * p * rc / (p + rc).max(f64::MIN_POSITIVE);
        println!(
            "| {} | {:.1} s | {:.0} | {} | {:.0} | {} | {:.4} |",
            customers.len(),
            secs,
            customers.len() as f64 / secs,
            result.compared,
            result.compared as f64 / compare_secs / cores as f64,
            peak_mib().map_or("n/a".into(), |m| format!("{m:.0} MiB")),
            f1
        );
    }
}
