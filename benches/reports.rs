//! SPEC §8: `report workload` on the 1,000,000-lead demo database, whole
//! process (target ≤ 100 ms), and the same report in-process for the part
//! that is leadrota's own. Read-only: every sample reads the one fixture.

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

criterion_group!(benches, workload);
criterion_main!(benches);
