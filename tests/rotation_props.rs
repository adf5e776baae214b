//! Property tests: whatever sequence of rotations, leaves and member changes,
//! no limit is exceeded, every lead has at most one owner and every change
//! exactly one activity row; unlimited sequential rotation stays fair.

mod common;

use common::*;
use leadrota::core::distribute::rotate;
use leadrota::core::doctor::{self, DoctorOptions};
use leadrota::core::groups::{self, MemberChanges, Method};
use leadrota::core::users;
use proptest::prelude::*;

const TEAM: [&str; 5] = ["Tom", "Stephanie", "Lewis", "Denise", "Zoe"];

#[derive(Debug, Clone)]
enum Op {
    Rotate(usize),
    Leave(usize, bool),
    Remove(usize),
    Add(usize),
    Hours(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1usize..12).prop_map(Op::Rotate),
        1 => (0usize..5, any::<bool>()).prop_map(|(m, on)| Op::Leave(m, on)),
        1 => (0usize..5).prop_map(Op::Remove),
        1 => (0usize..5).prop_map(Op::Add),
        2 => (1i64..200).prop_map(Op::Hours),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Sequential), Just(Method::Random), Just(Method::Balanced)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_member_ever_exceeds_a_limit_and_every_change_has_one_activity_row(
        method in method(),
        daily in 0i64..4,
        monthly in 0i64..9,
        ops in prop::collection::vec(op(), 1..25),
    ) {
        let mut s = store();
        let start = at("2026-01-30T08:00:00Z");
        let mut ctx = ctx_in("UTC", "2026-01-30T08:00:00Z");
        ctx.seed = Some(3);
        team(&mut s, &ctx, &TEAM);
        group(&mut s, &ctx, "G", method, daily, monthly, &TEAM[..3]);
        let mut hours = 0;
        for op in ops {
            match op {
                Op::Rotate(n) => {
                    leads(&mut s, &ctx, n);
                    rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
                }
                Op::Leave(m, on) => { users::set_leave(&mut s, &ctx, TEAM[m], on).unwrap(); }
                Op::Remove(m) => {
                    let _ = groups::change_members(&mut s, &ctx, "G", &MemberChanges { remove: vec![TEAM[m].into()], ..Default::default() });
                }
                Op::Add(m) => {
                    let _ = groups::change_members(&mut s, &ctx, "G", &MemberChanges { add: vec![TEAM[m].into()], ..Default::default() });
                }
                Op::Hours(h) => {
                    hours += h;
                    ctx.pinned_now = Some(start + chrono::Duration::hours(hours));
                }
            }
        }
        // Group deliveries per member per office (UTC here) day and month; DST has its own tests.
        let per_day = count(&s, "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM deliveries \
            GROUP BY user_id, date(at, 'unixepoch'))");
        let per_month = count(&s, "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM deliveries \
            GROUP BY user_id, strftime('%Y-%m', at, 'unixepoch'))");
        if daily > 0 { prop_assert!(per_day <= daily, "{per_day} > daily {daily}"); }
        if monthly > 0 { prop_assert!(per_month <= monthly, "{per_month} > monthly {monthly}"); }
        let owned = count(&s, "SELECT count(*) FROM leads WHERE owner_id IS NOT NULL");
        prop_assert_eq!(owned, count(&s, "SELECT count(*) FROM activity WHERE kind = 'assigned'"));
        prop_assert_eq!(owned, count(&s, "SELECT count(*) FROM deliveries"));
        let mismatched = count(&s, "SELECT count(*) FROM leads l JOIN deliveries d ON d.lead_id = l.id WHERE d.user_id IS NOT l.owner_id");
        prop_assert_eq!(mismatched, 0);
    }

    #[test]
    fn unlimited_sequential_rotation_keeps_counts_within_one(batches in prop::collection::vec(1usize..15, 1..8)) {
        let mut s = store();
        let ctx = ctx_at("2026-03-02T10:00:00Z");
        team(&mut s, &ctx, &TEAM);
        group(&mut s, &ctx, "G", Method::Sequential, 0, 0, &TEAM);
        for n in batches {
            leads(&mut s, &ctx, n);
            rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
        }
        let spread = count(&s, "SELECT max(n) - min(n) FROM (SELECT (SELECT count(*) FROM leads l WHERE l.owner_id = u.id) n FROM users u)");
        prop_assert!(spread <= 1, "spread {spread}");
    }

    #[test]
    fn backdated_and_forward_runs_never_overrun_a_limit_and_doctor_agrees(
        method in method(),
        daily in 1i64..4,
        monthly in 0i64..12,
        steps in prop::collection::vec((-72i64..72, 1usize..6, prop::option::of(0i64..4)), 1..14),
    ) {
        let mut s = store();
        let middle = at("2026-03-15T12:00:00Z");
        let mut ctx = ctx_in("Europe/Berlin", "2026-03-15T12:00:00Z");
        ctx.seed = Some(11);
        team(&mut s, &ctx, &TEAM);
        group(&mut s, &ctx, "G", method, daily, monthly, &TEAM[..3]);
        for (hours, n, new_daily) in steps {
            // The clock jumps forward and back within the month.
            ctx.pinned_now = Some(middle + chrono::Duration::hours(hours));
            if let Some(d) = new_daily {
                let set = groups::GroupChanges { daily_limit: Some(d), ..Default::default() };
                groups::set(&mut s, &ctx, "G", &set).unwrap();
            }
            leads(&mut s, &ctx, n);
            rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
            let report = doctor::check(&s, ctx.tz, DoctorOptions { quick: true }).unwrap();
            prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
        }
    }
}
