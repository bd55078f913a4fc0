//! A store's customers as clusters of source record ids, for comparing an incremental import
//! with a one-shot run; and the built CLI example.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use clientele::store::{CustomerStore, batches};
use clientele::{Customer, CustomerId};

/// Each customer with every record merged into it (followed through merges of merges), and the
/// customer's merged record.
pub fn clusters<S: CustomerStore<Error = clientele::Error>>(
    store: &S,
) -> BTreeMap<BTreeSet<CustomerId>, Customer> {
    let mut out = BTreeMap::new();
    for batch in batches(store, 256) {
        for c in batch.unwrap() {
            let mut members = BTreeSet::from([c.id.clone()]);
            let mut todo = vec![c.id.clone()];
            while let Some(id) = todo.pop() {
                for m in store.merges_of(&id).unwrap() {
                    if m.survivor == id {
                        todo.extend(m.absorbed.into_iter().filter(|a| members.insert(a.clone())));
                    }
                }
            }
            out.insert(members, c);
        }
    }
    out
}

/// The built `cli` example, if there is one (says so when not).
pub fn cli() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe
        .parent()?
        .parent()?
        .join("examples")
        .join(format!("cli{}", std::env::consts::EXE_SUFFIX));
    if bin.exists() {
        Some(bin)
    } else {
        eprintln!(
            "skipped: {} not built (run the whole `cargo test`)",
            bin.display()
        );
        None
    }
}
