//! SPEC §8 on the 1,000,000-lead demo database, read-only (every sample
//! reads the one fixture): `report workload`, whole process (target ≤ 100 ms)
//! and in-process for the part that is leadrota's own; and the first page of
//! `lead list` for the filters × sorts that were slowest (target ≤ 100 ms).

use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use leadrota::core::{Store, report};

mod common;

use common::{ctx, fixture};

fn workload(c: &mut Criterion) {
    let db = fixture();
    let mut group = c.benchmark_group("report");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("workload, whole process", |b| {
        b.iter(|| {
            let status = Command::new(env!("CARGO_BIN_EXE_leadrota"))
                .arg("--db")
                .arg(&db)
                .args(["report", "workload"])
                .stdout(Stdio::null())
                .status()
                .expect("run leadrota");
            assert!(status.success());
        });
    });
    let store = Store::open(&db).expect("open fixture");
    let ctx = ctx();
    group.bench_function("workload, in process", |b| {
        b.iter(|| report::workload(store.conn(), &ctx, 7, 24).expect("workload"));
    });
    group.finish();
}

/// The filter × sort pairs that once walked the whole table (issue 17), the
/// slowest searches of one or two characters (through the index's pieces
/// that hold them: none holds "qx" or "ÿ"; "zo", in 17,600 leads spread
/// along the name order, has the most candidates sorted), and one that
/// many leads match, each as a user runs it.
const FIRST_PAGES: [&str; 10] = [
    "--search qx --sort name",
    "--search ÿ --sort name",
    "--tag vip --search qx --sort name",
    "--search ÿ --sort -name",
    "--search zo --sort name",
    "--since 2030-01-01 --sort name",
    "--tag nonexistenttag --sort name",
    "--search zzq --sort owner",
    "--source Website --sort name",
    "--open-only --sort -status",
];

fn first_pages(c: &mut Criterion) {
    let db = fixture();
    let mut group = c.benchmark_group("lead list first page");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    for args in FIRST_PAGES {
        group.bench_function(args, |b| {
            b.iter(|| {
                let status = Command::new(env!("CARGO_BIN_EXE_leadrota"))
                    .arg("--db")
                    .arg(&db)
                    .args(["lead", "list", "--limit", "50"])
                    .args(args.split(' '))
                    .stdout(Stdio::null())
                    .status()
                    .expect("run leadrota");
                assert!(status.success());
            });
        });
    }
    group.finish();
}

criterion_group!(benches, workload, first_pages);
criterion_main!(benches);
