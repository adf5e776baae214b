//! SPEC §8: `leadrota doctor --quick` and `leadrota doctor` (whole process,
//! as a user runs them) beside SQLite's own `quick_check` and
//! `integrity_check` on the same file, in the same run, on a connection of
//! their own (target: doctor ≤ 1.3× SQLite's check). Read-only: every sample
//! reads the one fixture, so the cache is warm after the first.
//!
//! `cargo bench --bench doctor -- quick` or `-- full` runs one pair; the
//! full pair takes minutes (ten samples of a ~10 s check each side).

use std::cell::RefCell;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use rusqlite::{Connection, OpenFlags};

mod common;

use common::fixture;

fn doctor(db: &Path, quick: bool) {
    let status = Command::new(env!("CARGO_BIN_EXE_leadrota"))
        .arg("--db")
        .arg(db)
        .arg("doctor")
        .args(quick.then_some("--quick"))
        .stdout(Stdio::null())
        .status()
        .expect("run leadrota");
    assert!(status.success(), "doctor found a problem in the fixture");
}

/// SQLite's check alone, as a fresh process would run it: a new connection.
fn sqlite_check(db: &Path, quick: bool) {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open fixture");
    let pragma = if quick { "PRAGMA quick_check" } else { "PRAGMA integrity_check" };
    let first: String = conn.query_row(pragma, [], |r| r.get(0)).expect("check");
    assert_eq!(first, "ok");
}

fn median(samples: &[Duration]) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied()
}

fn pair(c: &mut Criterion, quick: bool) {
    let db = fixture();
    let (name, check) = if quick { ("doctor quick", "quick_check") } else { ("doctor full", "integrity_check") };
    let ours = RefCell::new(Vec::new());
    let sqlite = RefCell::new(Vec::new());
    let mut group = c.benchmark_group(name);
    group.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(5));
    // Every run is kept, so the ratio below compares the two sides' medians.
    let mut timed = |id: String, samples: &RefCell<Vec<Duration>>, run: &dyn Fn()| {
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    run();
                    let took = start.elapsed();
                    samples.borrow_mut().push(took);
                    total += took;
                }
                total
            });
        });
    };
    let flag = if quick { " --quick" } else { "" };
    timed(format!("leadrota doctor{flag}, whole process"), &ours, &|| doctor(&db, quick));
    timed(format!("SQLite {check} alone"), &sqlite, &|| sqlite_check(&db, quick));
    group.finish();
    if let (Some(ours), Some(sqlite)) = (median(&ours.borrow()), median(&sqlite.borrow())) {
        println!(
            "doctor{flag}: {:.2} s vs SQLite's {check} {:.2} s (medians) = {:.2}× (target ≤ 1.3×)",
            ours.as_secs_f64(),
            sqlite.as_secs_f64(),
            ours.as_secs_f64() / sqlite.as_secs_f64()
        );
    }
}

fn quick(c: &mut Criterion) {
    pair(c, true);
}

fn full(c: &mut Criterion) {
    pair(c, false);
}

criterion_group!(benches, quick, full);
criterion_main!(benches);
