//! Threads reading and writing one store at once: no lost update, no torn batch.

use std::sync::Barrier;

use super::suite::{Suite, id, ok, transaction};
use super::{Failure, Report};
use crate::model::{CustomValue, Customer, CustomerId, CustomerKind, Phone};
use crate::store::{Change, CustomerStore};

/// Increments per thread.
const ROUNDS: usize = 100;
/// Attempts of one increment before the suite gives up (each failed attempt lost a race).
const ATTEMPTS: usize = 100_000;

fn number(c: &Customer, field: &str) -> Option<i64> {
    match c.custom.get(field) {
        Some(CustomValue::Integer(n)) => Some(*n),
        _ => None,
    }
}

fn counter(id: CustomerId, n: i64) -> Customer {
    let mut c = Customer::builder(id, CustomerKind::Person).build();
    c.custom.insert("n".into(), CustomValue::Integer(n));
    c
}

/// One of a pair written together: both carry the same generation and a phone made from it.
fn paired(id: CustomerId, generation: usize) -> Customer {
    let mut c = Customer::builder(id, CustomerKind::Person).build();
    c.custom
        .insert("gen".into(), CustomValue::Integer(generation as i64));
    c.phones
        .push(Phone::new(format!("+86 139 {:08}", generation)));
    c
}

struct Ids {
    counter: CustomerId,
    x: Vec<CustomerId>,
    y: Vec<CustomerId>,
}

/// One thread's work: increments of the shared counter (read, then write stating what was
/// read, retrying when another thread won), its own pair rewritten in one batch per round, and
/// reads of the other threads' pairs, which must never be half-written.
fn worker<S: CustomerStore + ?Sized>(
    store: &S,
    ids: &Ids,
    me: usize,
    threads: usize,
    start: &Barrier,
) -> Result<usize, Failure> {
    let mut checks = 0;
    start.wait();
    let (Some(my_x), Some(my_y)) = (ids.x.get(me), ids.y.get(me)) else {
        return Ok(0);
    };
    for round in 1..=ROUNDS {
        let mut attempts = 0;
        loop {
            attempts += 1;
            if attempts > ATTEMPTS {
                return Err(Failure::Broken {
                    check: "threads.increment",
                    detail: format!("an increment failed {ATTEMPTS} times in a row"),
                });
            }
            let read = ok("threads.read", store.get(&ids.counter))?.ok_or(Failure::Broken {
                check: "threads.read",
                detail: "the counter record vanished".into(),
            })?;
            let n = number(&read, "n").unwrap_or(-1);
            // Widen the window between read and write, so that threads do race.
            std::thread::yield_now();
            let next = counter(ids.counter.clone(), n + 1);
            let batch = vec![
                Change::expect_record(&read),
                Change::Put(next),
                Change::AddTransaction(transaction(&ids.counter, 2, 1)?),
            ];
            if store.apply(batch).is_ok() {
                break;
            }
        }
        ok(
            "threads.pair",
            store.apply(vec![
                Change::Put(paired(my_x.clone(), round)),
                Change::Put(paired(my_y.clone(), round)),
            ]),
        )?;
        let other = (me + round) % threads;
        if let (Some(x), Some(y)) = (ids.x.get(other), ids.y.get(other)) {
            let pair = ok("threads.get_many", store.get_many(&[x.clone(), y.clone()]))?;
            let gens: Vec<Option<i64>> = pair
                .iter()
                .map(|c| c.as_ref().and_then(|c| number(c, "gen")))
                .collect();
            checks += 1;
            if gens.first() != gens.get(1) || gens.iter().any(Option::is_none) {
                return Err(Failure::Broken {
                    check: "threads.torn",
                    detail: format!(
                        "get_many saw a pair written in one batch half-written: {gens:?}"
                    ),
                });
            }
        }
        let all = ok("threads.scan", store.scan(None, 4 * threads + 8))?;
        let gen_of = |id: &CustomerId| {
            all.iter()
                .find(|c| &c.id == id)
                .and_then(|c| number(c, "gen"))
        };
        checks += 1;
        for (x, y) in ids.x.iter().zip(&ids.y) {
            if gen_of(x) != gen_of(y) {
                return Err(Failure::Broken {
                    check: "threads.torn",
                    detail: "scan saw a pair written in one batch half-written".into(),
                });
            }
        }
    }
    Ok(checks)
}

/// Runs `threads` threads (8 in the crate's own tests) on an empty store at once, each
/// incrementing one shared counter record 100 times with read-then-write batches that
/// state what they read ([`Change::expect_record`]), rewriting its own pair of records in one
/// batch per round, and reading the other threads' pairs (`get_many`, `scan`). Afterwards the
/// counter must equal every increment (no lost update), its activity hold every transaction
/// (no lost append), and no read may have seen a pair half-written (no torn batch). Leaves the
/// store empty.
///
/// # Errors
/// The first broken expectation, as a [`Failure`].
pub fn concurrency<S: CustomerStore + ?Sized>(
    store: &S,
    threads: usize,
) -> Result<Report, Failure> {
    let threads = threads.max(1);
    let mut s = Suite::new(store);
    let n = ok("threads.empty", s.store.len())?;
    if n != 0 {
        return Err(Failure::NotEmpty(n));
    }
    let ids = Ids {
        counter: id("conc-counter")?,
        x: (0..threads)
            .map(|t| id(&format!("conc-x-{t:03}")))
            .collect::<Result<_, _>>()?,
        y: (0..threads)
            .map(|t| id(&format!("conc-y-{t:03}")))
            .collect::<Result<_, _>>()?,
    };
    let mut setup = vec![Change::Insert(counter(ids.counter.clone(), 0))];
    for (x, y) in ids.x.iter().zip(&ids.y) {
        setup.push(Change::Insert(paired(x.clone(), 0)));
        setup.push(Change::Insert(paired(y.clone(), 0)));
    }
    ok("threads.setup", s.store.apply(setup))?;

    let start = Barrier::new(threads);
    let results: Vec<Result<usize, Failure>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|me| {
                let (ids, start) = (&ids, &start);
                scope.spawn(move || worker(store, ids, me, threads, start))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Failure::Broken {
                        check: "threads.panic",
                        detail: "a thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    for r in results {
        s.checks += r?;
    }

    let total = (threads * ROUNDS) as i64;
    let c = ok("threads.counter", s.store.get(&ids.counter))?;
    let n = c.as_ref().and_then(|c| number(c, "n"));
    s.expect("threads.lost_update", n == Some(total), || {
        format!("the counter is {n:?} after {total} increments")
    })?;
    let act = ok("threads.activity", s.store.activity(&ids.counter))?;
    s.expect(
        "threads.lost_append",
        act.transactions.len() == threads * ROUNDS,
        || {
            format!(
                "{} transactions after {total} appends",
                act.transactions.len()
            )
        },
    )?;
    let pairs = ok("threads.final", s.store.get_many(&ids.x))?;
    s.expect(
        "threads.final",
        pairs
            .iter()
            .all(|c| c.as_ref().and_then(|c| number(c, "gen")) == Some(ROUNDS as i64)),
        || "a pair does not hold its last round".into(),
    )?;

    let mut cleanup = vec![Change::Delete(ids.counter.clone())];
    cleanup.extend(ids.x.iter().chain(&ids.y).cloned().map(Change::Delete));
    ok("threads.cleanup", s.store.apply(cleanup))?;
    Ok(Report { checks: s.checks })
}
