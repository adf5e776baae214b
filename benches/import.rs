//! SPEC §8: import of a 100,000-row CSV with routing on, into the
//! 1,000,000-lead demo database (target: ≤ 3 s).
//!
//! The database is generated once into `target/bench-data/` (set
//! `LEADROTA_BENCH_LEADS` for a smaller one) and so is the CSV; each sample
//! reads the file and imports it into a fresh copy of the database.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use leadrota::core::context::Ctx;
use leadrota::core::demo::{self, DemoOptions};
use leadrota::core::distribute;
use leadrota::core::import::{self, ImportOptions};
use leadrota::core::{Store, time};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const ROWS: usize = 100_000;

fn ctx() -> Ctx {
    Ctx { pinned_now: time::parse_now("2026-11-23T10:00:00Z").ok(), ..Ctx::new(Tz::UTC) }
}

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
}

/// The demo database (shared with `benches/assignment.rs`).
fn fixture() -> PathBuf {
    let leads: u64 = std::env::var("LEADROTA_BENCH_LEADS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let dir = bench_dir();
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
    path
}

/// A CRM export as it comes: BOM, CRLF, first/last names, quoted companies
/// with commas, an unknown column, a few statuses, tags, and sources the demo
/// rules route (Website, Referral, paid ads, GmbH companies, VIP tags).
fn csv_fixture() -> PathBuf {
    let path = bench_dir().join(format!("import-{ROWS}.csv"));
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(bench_dir()).expect("bench dir");
    const FIRST: [&str; 12] =
        ["Ann", "Bob", "Chloé", "Dan", "Eve", "Finn", "Grace", "Hana", "Ivan", "Jürgen", "Kim", "Leo"];
    const LAST: [&str; 10] = ["Lee", "Stone", "Martin", "Weiß", "Sato", "Petrov", "O'Brien", "Diaz", "Park", "Ray"];
    const COMPANY: [&str; 8] =
        ["Acme", "Stone, Bauer & Co", "Weiß GmbH", "Harbor Labs", "Nordic AB", "Ruiz y Asociados, S.L.", "Ode Ltd", ""];
    const SOURCE: [&str; 7] = ["Website", "Google", "Facebook", "Referral", "LinkedIn", "Cold call", "Trade show"];
    const STATUS: [&str; 3] = ["New", "New", "Contacted"];
    const TAGS: [&str; 6] = ["", "hot", "vip", "smb", "enterprise, hot", "partner"];
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut text = String::from(
        "\u{feff}First Name,Last Name,E-mail,Phone Number,Company Name,Lead Source,Lead Status,Tags,Deal value\r\n",
    );
    for i in 0..ROWS {
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        let company = COMPANY[rng.random_range(0..COMPANY.len())];
        let quoted = if company.contains(',') { format!("\"{company}\"") } else { company.to_string() };
        let tags = TAGS[rng.random_range(0..TAGS.len())];
        let tags = if tags.contains(',') { format!("\"{tags}\"") } else { tags.to_string() };
        let _ = write!(
            text,
            "{first},{last},{}.{}{i}@import.test,+1 555 {:03} {:04},{quoted},{},{},{tags},{}\r\n",
            first.to_lowercase(),
            last.to_lowercase().replace('\'', ""),
            rng.random_range(0..1000),
            rng.random_range(0..10_000),
            SOURCE[rng.random_range(0..SOURCE.len())],
            STATUS[rng.random_range(0..STATUS.len())],
            rng.random_range(100..99_999),
        );
    }
    std::fs::write(&path, text).expect("write csv");
    path
}

fn copy(fixture: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let path = dir.path().join("bench.db");
    std::fs::copy(fixture, &path).expect("copy fixture");
    (dir, path)
}

fn bench_import(c: &mut Criterion) {
    let fixture = fixture();
    let csv = csv_fixture();
    let mut group = c.benchmark_group("import_100k");
    group.sample_size(10).measurement_time(Duration::from_secs(40));
    group.bench_function("routing_on", |b| {
        b.iter_batched(
            || {
                let (dir, path) = copy(&fixture);
                let mut store = Store::open(&path).expect("open copy");
                distribute::set_auto_assign(&mut store, &ctx(), true).expect("routing on");
                (dir, store)
            },
            |(_dir, mut store)| {
                let bytes = std::fs::read(&csv).expect("read csv");
                let opts = ImportOptions { route: true, ..ImportOptions::default() };
                let r = import::import(&mut store, &ctx(), &bytes, &opts).expect("import");
                assert_eq!(r.created, ROWS);
                assert!(!r.assigned.is_empty());
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
