//! `dedupe --timings`: the time and memory of each stage of the whole job (read, prepare, block,
//! compare, train, score, cluster, write), printed to standard error when it ends.
//!
//! The library's stages are timed from its progress callback (a stage starts when it first
//! reports and ends when the next one starts); reading and writing are timed here. Memory is
//! the process's resident set and its high-water mark (Linux `/proc/self/status`; left out
//! where that file does not exist).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One stage: its name, when it started, resident memory and high-water mark then (MiB).
type Mark = (&'static str, Instant, Option<f64>, Option<f64>);

/// The stages seen so far; cheap to clone into the progress callback.
#[derive(Clone, Default)]
pub struct Timings {
    marks: Arc<Mutex<Vec<Mark>>>,
    /// While set, the library's stages are not marked (its preparation of each chunk while
    /// the file is read belongs to `read`).
    held: Arc<AtomicBool>,
    notes: Arc<Mutex<Vec<String>>>,
}

impl Timings {
    /// Marks the start of `stage` unless it is the one running.
    pub fn stage(&self, stage: &'static str) {
        if let Ok(mut m) = self.marks.lock()
            && m.last().map(|l| l.0) != Some(stage)
        {
            m.push((
                stage,
                Instant::now(),
                status_mib("VmRSS:"),
                status_mib("VmHWM:"),
            ));
        }
    }

    /// Marks the start of a stage the library reports, unless held (see [`Timings::hold`]).
    pub fn library_stage(&self, stage: &'static str) {
        if !self.held.load(Ordering::Relaxed) {
            self.stage(stage);
        }
    }

    /// Holds (or releases) the library's stages.
    pub fn hold(&self, held: bool) {
        self.held.store(held, Ordering::Relaxed);
    }

    /// A line printed after the stages.
    pub fn note(&self, line: String) {
        if let Ok(mut n) = self.notes.lock() {
            n.push(line);
        }
    }

    /// The stages' lines, the last one ending now: `read 1.23 s (412 MiB resident, peak 430)`.
    pub fn lines(&self) -> Vec<String> {
        let end = Instant::now();
        let Ok(m) = self.marks.lock() else {
            return Vec::new();
        };
        let mut out: Vec<String> = m
            .iter()
            .enumerate()
            .map(|(k, (name, at, rss, hwm))| {
                let next = m.get(k + 1).map_or(end, |n| n.1);
                let secs = next.duration_since(*at).as_secs_f64();
                match (rss, hwm) {
                    (Some(r), Some(h)) => {
                        format!("{name:<8} {secs:>6.2} s  (at its start {r:.0} MiB resident, peak {h:.0})")
                    }
                    _ => format!("{name:<8} {secs:>6.2} s"),
                }
            })
            .collect();
        if let (Some(first), Some(peak)) = (m.first(), status_mib("VmHWM:")) {
            out.push(format!(
                "total    {:>6.2} s  (peak {peak:.0} MiB resident)",
                end.duration_since(first.1).as_secs_f64()
            ));
        }
        if let Ok(notes) = self.notes.lock() {
            out.extend(notes.iter().cloned());
        }
        out
    }
}

/// A memory line of `/proc/self/status` in MiB.
fn status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
