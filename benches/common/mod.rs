//! The benchmark database: the demo generator's 1,000,000 leads (or
//! `LEADROTA_BENCH_LEADS`), built once into `target/bench-data/`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use leadrota::core::context::Ctx;
use leadrota::core::demo::{self, DemoOptions};
use leadrota::core::{Store, time};

pub fn ctx() -> Ctx {
    Ctx { pinned_now: time::parse_now("2026-11-23T10:00:00Z").ok(), ..Ctx::new(Tz::UTC) }
}

pub fn fixture() -> PathBuf {
    let leads: u64 = std::env::var("LEADROTA_BENCH_LEADS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let path = dir.join(format!("demo-{leads}.db"));
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("bench dir");
        let partial = dir.join(format!("partial-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&partial);
        let mut store = Store::open(&partial).expect("open fixture");
        demo::generate(&mut store, &ctx(), &DemoOptions { leads, seed: 42 }).expect("generate fixture");
        store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
        drop(store);
        std::fs::rename(&partial, &path).expect("keep fixture");
    }
    // A fixture from an older schema is migrated once here, not in every copy.
    drop(Store::open(&path).expect("migrate fixture"));
    path
}

/// A fresh copy of the fixture for one sample, on disk before the sample
/// starts: otherwise the kernel's write-back of the 600 MB copy throttles the
/// measured writes and the figure is the copy's, not leadrota's.
pub fn copy(fixture: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let path = dir.path().join("bench.db");
    std::fs::copy(fixture, &path).expect("copy fixture");
    std::fs::File::open(&path).and_then(|f| f.sync_all()).expect("sync copy");
    (dir, path)
}

/// Fold a set-up's writes into the database file and flush them, for the
/// same reason as in [`copy`].
pub fn settle(store: &Store, path: &Path) {
    store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
    std::fs::File::open(path).and_then(|f| f.sync_all()).expect("sync database");
}
