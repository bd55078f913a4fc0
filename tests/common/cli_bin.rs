//! The built `cli` example, for the tests that run the command line.
//!
//! `cargo test` builds the examples before it runs the tests, so the binary sits beside the
//! test's own; when it does not (`cargo test --test NAME` alone, without
//! `cargo build --example cli` first), the tests say so and skip.

use std::path::PathBuf;

/// The built `cli` example, if there is one (a message on standard error otherwise).
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
