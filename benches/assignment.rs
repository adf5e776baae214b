//! SPEC §8 on the 1,000,000-lead demo database:
//! - bulk assign of 100,000 leads selected by a filter (with activity rows and
//!   notifications) against the same UPDATE + INSERT … SELECT as raw SQL;
//! - sequential rotation of 100,000 unassigned leads over a 10-member group
//!   with daily and monthly limits, and the same with weights, an open-lead
//!   cap, working hours and a member away (target ≤ 1 s each).
//!
//! The database is generated once into `target/bench-data/` (set
//! `LEADROTA_BENCH_LEADS` for a smaller one); each sample works on a fresh copy.

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use leadrota::core::Store;
use leadrota::core::assign::{self, Selection};
use leadrota::core::context::Ctx;
use leadrota::core::distribute;
use leadrota::core::filter::Filter;
use leadrota::core::groups::{self, MemberChanges, Method};

mod common;

use common::{copy, ctx, fixture, settle};

const SELECTED: i64 = 100_000;

/// The created_at bound below which exactly SELECTED leads lie.
fn bound(store: &Store) -> i64 {
    store
        .conn()
        .query_row("SELECT created_at FROM leads ORDER BY created_at LIMIT 1 OFFSET ?1", [SELECTED], |r| r.get(0))
        .expect("enough leads")
}

/// A copy of the fixture, opened, with the bound that selects SELECTED leads.
fn fresh_copy(fixture: &std::path::Path) -> (tempfile::TempDir, Store, i64) {
    let (dir, path) = copy(fixture);
    let store = Store::open(&path).expect("open copy");
    let before = bound(&store);
    (dir, store, before)
}

fn bench_bulk_assign(c: &mut Criterion) {
    let fixture = fixture();
    let mut group = c.benchmark_group("bulk_assign_100k");
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    group.bench_function("leadrota", |b| {
        b.iter_batched(
            || fresh_copy(&fixture),
            |(_dir, mut store, before)| {
                let filter = Filter { created_before: Some(before), ..Filter::default() };
                let r = assign::assign(&mut store, &ctx(), &Selection::Filter(filter), "Tom").expect("assign");
                assert!(r.changed > 0);
                // Closing the database and deleting the copy happen outside the timing.
                (_dir, store)
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("raw_sql", |b| {
        b.iter_batched(
            || fresh_copy(&fixture),
            |(_dir, store, before)| {
                let tom: i64 =
                    store.conn().query_row("SELECT id FROM users WHERE name = 'Tom'", [], |r| r.get(0)).expect("Tom");
                store
                    .conn()
                    .execute_batch(&format!(
                        "BEGIN IMMEDIATE; \
                         INSERT INTO batches (actor_id, at, command) VALUES (NULL, 1795000000, 'raw'); \
                         INSERT INTO activity (lead_id, at, actor_id, kind, from_owner_id, to_owner_id, via, batch_id) \
                           SELECT id, 1795000000, NULL, 'reassigned', owner_id, {tom}, 'bulk', (SELECT max(id) FROM batches) \
                           FROM leads WHERE created_at < {before} AND owner_id IS NOT {tom}; \
                         UPDATE leads SET owner_id = {tom}, updated_at = 1795000000, assigned_at = 1795000000 \
                           WHERE created_at < {before} AND owner_id IS NOT {tom}; \
                         COMMIT;"
                    ))
                    .expect("raw SQL");
                (_dir, store)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

/// A copy with the SELECTED oldest leads made an open, unassigned backlog and
/// a 10-member group "Bench" with limits; `beyond` adds weights, an
/// open-lead cap, working hours and someone away (A15–A17).
fn rotation_copy(fixture: &std::path::Path, beyond: bool) -> (tempfile::TempDir, Store, i64) {
    let (dir, mut store, before) = fresh_copy(fixture);
    let quiet = Ctx { notify_on_assign: false, ..ctx() };
    let selection = Selection::Filter(Filter { created_before: Some(before), ..Filter::default() });
    assign::unassign(&mut store, &quiet, &selection).expect("make a backlog");
    // Rotation deals open leads only (R5): the old demo leads are mostly closed.
    store.conn().execute("UPDATE leads SET stage_id = 1 WHERE created_at < ?1", [before]).expect("reopen");
    groups::add(&mut store, &ctx(), "Bench", Method::Sequential, 20_000, 60_000).expect("group");
    let members: Vec<String> = leadrota::core::users::list(store.conn())
        .expect("users")
        .into_iter()
        .filter(|u| u.active)
        .take(10)
        .map(|u| u.name)
        .collect();
    groups::change_members(&mut store, &ctx(), "Bench", &MemberChanges { add: members.clone(), ..Default::default() })
        .expect("members");
    if beyond {
        for (i, name) in members.iter().enumerate() {
            groups::set_weight(&mut store, &ctx(), "Bench", name, 1 + i as i64 % 3).expect("weight");
        }
        let cap = groups::GroupChanges { max_open: Some(500_000), ..Default::default() };
        groups::set(&mut store, &ctx(), "Bench", &cap).expect("cap");
        for name in &members[..4] {
            leadrota::core::users::set_hours(&mut store, &ctx(), name, Some("Mon-Sun 00:00-24:00")).expect("hours");
        }
        leadrota::core::users::set_away(&mut store, &ctx(), &members[9], Some("2027-01-04")).expect("away");
    }
    settle(&store, &dir.path().join("bench.db"));
    (dir, store, before)
}

fn bench_rotation(c: &mut Criterion) {
    let fixture = fixture();
    let mut group = c.benchmark_group("rotation_100k");
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    for (name, beyond) in
        [("sequential_10_members_with_limits", false), ("sequential_with_weights_caps_and_schedules", true)]
    {
        group.bench_function(name, |b| {
            b.iter_batched(
                || rotation_copy(&fixture, beyond),
                |(_dir, mut store, before)| {
                    let selection = Selection::Filter(Filter {
                        created_before: Some(before),
                        owner: leadrota::core::filter::OwnerFilter::Unassigned,
                        ..Filter::default()
                    });
                    let r = distribute::rotate(&mut store, &ctx(), "Bench", &selection, false).expect("rotate");
                    assert!(r.assigned.len() as i64 >= SELECTED * 9 / 10);
                    (_dir, store)
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, bench_bulk_assign, bench_rotation);
criterion_main!(benches);
