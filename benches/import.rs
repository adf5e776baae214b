//! SPEC §8: import of a 100,000-row CSV with routing on, and with routing
//! and duplicate routing on, into the 1,000,000-lead demo database (target:
//! ≤ 2 s each); `lead add` with both on (target: ≤ 20 ms).
//!
//! The database is generated once into `target/bench-data/` (set
//! `LEADROTA_BENCH_LEADS` for a smaller one) and so is the CSV; each sample
//! reads the file and imports it into a fresh copy of the database.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use leadrota::core::Store;
use leadrota::core::distribute;
use leadrota::core::import::{self, ImportOptions};
use leadrota::core::model::NewLead;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod common;

use common::{copy, ctx, fixture, settle};

const ROWS: usize = 100_000;

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
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

/// A copy of the fixture with routing on, and duplicate routing as asked.
fn routed_copy(fixture: &Path, duplicates: bool) -> (tempfile::TempDir, Store) {
    let (dir, path) = copy(fixture);
    let mut store = Store::open(&path).expect("open copy");
    distribute::set_auto_assign(&mut store, &ctx(), true).expect("routing on");
    distribute::set_duplicate_routing(&mut store, &ctx(), duplicates).expect("duplicate routing");
    settle(&store, &path);
    (dir, store)
}

fn bench_import(c: &mut Criterion) {
    let fixture = fixture();
    let csv = csv_fixture();
    let mut group = c.benchmark_group("import_100k");
    group.sample_size(10).measurement_time(Duration::from_secs(40));
    for (name, duplicates) in [("routing_on", false), ("routing_and_duplicates_on", true)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || routed_copy(&fixture, duplicates),
                |(_dir, mut store)| {
                    let bytes = std::fs::read(&csv).expect("read csv");
                    let opts = ImportOptions { route: true, ..ImportOptions::default() };
                    let r = import::import(&mut store, &ctx(), &bytes, &opts).expect("import");
                    assert_eq!(r.created, ROWS);
                    assert!(!r.assigned.is_empty());
                    // Closing the database (its WAL checkpoint) happens outside the timing.
                    (_dir, store)
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

/// One `lead add` with routing and duplicate routing on: half the new leads
/// share an email with a lead already owned, half are new.
fn bench_lead_add(c: &mut Criterion) {
    let fixture = fixture();
    let (_dir, mut store) = routed_copy(&fixture, true);
    let known: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT email FROM leads WHERE owner_id IS NOT NULL AND email <> '' ORDER BY id DESC LIMIT 500")
            .expect("emails");
        stmt.query_map([], |r| r.get(0)).expect("emails").map(|e| e.expect("email")).collect()
    };
    let mut i = 0usize;
    let mut group = c.benchmark_group("lead_add");
    group.bench_function("routing_and_duplicates_on", |b| {
        b.iter(|| {
            i += 1;
            let email = if i.is_multiple_of(2) { known[i % known.len()].clone() } else { format!("new{i}@bench.test") };
            let new = NewLead { name: format!("Bench {i}"), email, source: "Website".into(), ..NewLead::default() };
            distribute::create_lead(&mut store, &ctx(), &new).expect("lead add")
        });
    });
    group.finish();
}

criterion_group!(benches, bench_import, bench_lead_add);
criterion_main!(benches);
