use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::config::DbConfig;

use super::*;
use crate::core::doctor::{self, DoctorOptions};
use crate::core::model::phone_key;
use crate::core::time::parse_now;

fn ctx() -> Ctx {
    let mut ctx = Ctx::new(Tz::UTC);
    ctx.pinned_now = Some(parse_now("2026-03-02T10:30:00Z").unwrap());
    ctx
}

fn demo(leads: u64, seed: u64) -> (Store, DemoSummary) {
    let mut store = Store::open_in_memory().unwrap();
    let summary = generate(&mut store, &ctx(), &DemoOptions { leads, seed }).unwrap();
    (store, summary)
}

fn rows(store: &Store, sql: &str) -> Vec<String> {
    let mut stmt = store.conn().prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        let mut line = String::new();
        for i in 0..n {
            let v: rusqlite::types::Value = r.get(i)?;
            line.push_str(&format!("{v:?}|"));
        }
        Ok(line)
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

const DUMPS: [&str; 5] = [
    "SELECT * FROM leads ORDER BY id",
    "SELECT * FROM lead_tags ORDER BY lead_id, tag",
    "SELECT * FROM activity ORDER BY id",
    "SELECT * FROM deliveries ORDER BY id",
    "SELECT * FROM memberships ORDER BY group_id, position",
];

#[test]
fn same_seed_and_clock_give_identical_data() {
    let (a, _) = demo(1500, 7);
    let (b, _) = demo(1500, 7);
    for sql in DUMPS {
        assert_eq!(rows(&a, sql), rows(&b, sql), "{sql}");
    }
}

#[test]
fn another_seed_gives_other_leads() {
    let (a, _) = demo(500, 1);
    let (b, _) = demo(500, 2);
    assert_ne!(rows(&a, DUMPS[0]), rows(&b, DUMPS[0]));
}

#[test]
fn demo_has_the_promised_shape() {
    let (s, summary) = demo(5000, 42);
    assert_eq!(summary.leads, 5000);
    assert_eq!(count(&s, "SELECT count(*) FROM leads"), 5000);
    assert_eq!(count(&s, "SELECT count(*) FROM users"), 20);
    assert_eq!(count(&s, "SELECT count(*) FROM user_groups"), 5);
    assert_eq!(count(&s, "SELECT count(*) FROM rules"), summary.rules as i64);
    assert_eq!(count(&s, "SELECT count(*) FROM rules WHERE enabled = 0"), 1);
    assert_eq!(count(&s, "SELECT count(*) FROM users WHERE on_leave = 1"), 1);
    assert_eq!(count(&s, "SELECT count(*) FROM users WHERE active = 0"), 1);
    assert_eq!(count(&s, "SELECT count(*) FROM users WHERE role = 'admin'"), 1);
    assert_eq!(count(&s, "SELECT count(*) FROM users WHERE role = 'manager'"), 2);
    for name in ["Tom", "Stephanie", "Lewis", "Denise"] {
        assert_eq!(count(&s, &format!("SELECT count(*) FROM users WHERE name = '{name}' AND role = 'agent'")), 1);
    }
    let unassigned = count(&s, "SELECT count(*) FROM leads WHERE owner_id IS NULL");
    assert_eq!(unassigned as u64, summary.unassigned);
    assert!((5000 * 4 / 100..=5000 * 12 / 100).contains(&unassigned), "{unassigned} unassigned");
    let now = ctx().now_ts();
    assert!(
        count(&s, &format!("SELECT count(*) FROM leads WHERE owner_id IS NULL AND created_at < {}", now - DAY)) > 0
    );
    assert_eq!(count(&s, "SELECT count(*) FROM activity"), summary.activity as i64);
    // Each lead: created, assigned when owned, status when not New.
    assert_eq!(count(&s, "SELECT count(*) FROM activity WHERE kind = 'created'"), 5000);
    assert_eq!(count(&s, "SELECT count(*) FROM activity WHERE kind = 'assigned'"), 5000 - unassigned,);
    assert_eq!(
        count(&s, "SELECT count(*) FROM activity WHERE kind = 'status'"),
        count(&s, "SELECT count(*) FROM leads WHERE stage_id <> 1"),
    );
    // Events by hand go in one batch per office day; each routing run is a batch of its own.
    assert!(count(&s, "SELECT count(*) FROM batches WHERE command <> 'route'") < 1000);
    assert!(count(&s, "SELECT count(*) FROM batches WHERE command = 'route'") <= 5000);
    assert!(count(&s, "SELECT count(*) FROM deliveries") > 1000);
    assert!(count(&s, "SELECT count(*) FROM notifications WHERE read = 0") > 0);
    for via in ["manual", "bulk", "import", "offboard", "rule:1", "rule:2", "rule:3", "rule:4", "rule:5", "rule:6"] {
        assert!(count(&s, &format!("SELECT count(*) FROM activity WHERE via = '{via}'")) > 0, "{via}");
    }
}

#[test]
fn leads_are_consistent_in_time_and_keys() {
    let (s, _) = demo(3000, 3);
    let now = ctx().now_ts();
    let bad = [
        "SELECT count(*) FROM leads a JOIN leads b ON b.id = a.id + 1 WHERE b.created_at < a.created_at".to_string(),
        format!("SELECT count(*) FROM leads WHERE created_at < {} OR created_at > {now}", now - HISTORY_DAYS * DAY),
        format!("SELECT count(*) FROM leads WHERE status_changed_at < created_at OR status_changed_at > {now}"),
        "SELECT count(*) FROM leads WHERE updated_at < status_changed_at OR updated_at < created_at \
         OR updated_at < coalesce(assigned_at, 0)"
            .to_string(),
        "SELECT count(*) FROM leads WHERE (owner_id IS NULL) <> (assigned_at IS NULL)".to_string(),
        "SELECT count(*) FROM leads WHERE email_key <> lower(email)".to_string(),
        "SELECT count(*) FROM activity a JOIN activity b ON b.id = a.id + 1 WHERE b.at < a.at".to_string(),
        "SELECT count(*) FROM deliveries d JOIN activity a ON a.lead_id = d.lead_id AND a.kind = 'assigned' \
         WHERE a.via NOT LIKE 'rule:%' OR a.to_owner_id <> d.user_id OR a.at <> d.at OR a.batch_id <> d.batch_id"
            .to_string(),
    ];
    for sql in bad {
        assert_eq!(count(&s, &sql), 0, "{sql}");
    }
    let mut stmt = s.conn().prepare("SELECT phone, phone_key FROM leads").unwrap();
    let pairs: Vec<(String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<rusqlite::Result<_>>().unwrap();
    assert!(pairs.iter().all(|(p, k)| phone_key(p) == *k));
    assert!(pairs.iter().any(|(p, _)| p.starts_with("+44 ")));
}

#[test]
fn no_member_ever_exceeds_a_limit() {
    // Enough leads that the limits bite on busy days.
    let (s, _) = demo(20_000, 11);
    let over = |period: &str, column: &str| {
        count(
            &s,
            &format!(
                "SELECT count(*) FROM (SELECT d.group_id, d.user_id, {period} AS p, count(*) AS n, \
                 coalesce(m.{column}, g.{column}) AS lim FROM deliveries d \
                 JOIN memberships m ON m.group_id = d.group_id AND m.user_id = d.user_id \
                 JOIN user_groups g ON g.id = d.group_id GROUP BY 1, 2, 3) WHERE lim > 0 AND n > lim"
            ),
        )
    };
    assert_eq!(over("date(d.at, 'unixepoch')", "daily_limit"), 0);
    assert_eq!(over("strftime('%Y-%m', d.at, 'unixepoch')", "monthly_limit"), 0);
    // …and that they did bite: some leads went out by hand instead.
    let at_limit = count(
        &s,
        "SELECT count(*) FROM (SELECT d.group_id, d.user_id, date(d.at, 'unixepoch'), count(*) AS n, \
         coalesce(m.daily_limit, g.daily_limit) AS lim FROM deliveries d \
         JOIN memberships m ON m.group_id = d.group_id AND m.user_id = d.user_id \
         JOIN user_groups g ON g.id = d.group_id GROUP BY 1, 2, 3) WHERE lim > 0 AND n = lim",
    );
    assert!(at_limit > 0);
}

#[test]
fn limits_hold_per_office_day_and_month_across_dst() {
    use std::collections::BTreeMap;

    use crate::core::time::{day_start, month_start};

    let tz: Tz = "Europe/Berlin".parse().unwrap();
    let mut ctx = ctx();
    ctx.tz = tz;
    let mut s = Store::open_in_memory().unwrap();
    generate(&mut s, &ctx, &DemoOptions { leads: 20_000, seed: 4 }).unwrap();
    let mut stmt = s
        .conn()
        .prepare(
            "SELECT d.group_id, d.user_id, d.at, coalesce(m.daily_limit, g.daily_limit), \
             coalesce(m.monthly_limit, g.monthly_limit) FROM deliveries d \
             JOIN memberships m ON m.group_id = d.group_id AND m.user_id = d.user_id \
             JOIN user_groups g ON g.id = d.group_id",
        )
        .unwrap();
    let rows: Vec<(i64, i64, i64, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut days: BTreeMap<(i64, i64, i64), (i64, i64)> = BTreeMap::new();
    let mut months: BTreeMap<(i64, i64, i64), (i64, i64)> = BTreeMap::new();
    for (group, user, at, daily, monthly) in rows {
        let t = DateTime::<Utc>::from_timestamp(at, 0).unwrap();
        days.entry((group, user, day_start(tz, t).timestamp())).or_insert((0, daily)).0 += 1;
        months.entry((group, user, month_start(tz, t).timestamp())).or_insert((0, monthly)).0 += 1;
    }
    assert!(days.values().all(|&(n, limit)| limit == 0 || n <= limit));
    assert!(months.values().all(|&(n, limit)| limit == 0 || n <= limit));
    assert!(days.values().any(|&(n, limit)| n == limit), "the daily limits never bit");
}

#[test]
fn open_leads_are_owned_by_active_users() {
    let (s, _) = demo(5000, 5);
    // Liam's open leads went to Noah when he left; his closed deals stay his.
    let of_leaver = "FROM leads l JOIN users u ON u.id = l.owner_id WHERE u.active = 0";
    assert_eq!(count(&s, &format!("SELECT count(*) {of_leaver} AND l.stage_id IN (1, 2, 3, 4)")), 0);
    assert!(count(&s, &format!("SELECT count(*) {of_leaver}")) > 0);
    assert!(count(&s, "SELECT count(*) FROM activity WHERE via = 'offboard' AND kind = 'reassigned'") > 0);
}

#[test]
fn doctor_finds_nothing_wrong_with_the_demo() {
    let (s, _) = demo(5000, 42);
    let report = doctor::check(&s, Tz::UTC, DoctorOptions::default()).unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
    assert_eq!(report.warnings, vec![], "{report:?}");
}

#[test]
fn the_team_is_made_by_the_core_commands_at_their_moments() {
    let (s, _) = demo(2000, 6);
    let now = ctx().now_ts();
    // Users come in the order they joined, each added when they joined.
    for (p, id) in team::TEAM.iter().zip(1i64..) {
        let sql = format!(
            "SELECT count(*) FROM users WHERE id = {id} AND name = '{}' AND created_at = {}",
            p.name,
            now - p.joined_days_ago * DAY
        );
        assert_eq!(count(&s, &sql), 1, "{}", p.name);
    }
    // Every group's limits and every override were recorded as they were set:
    // five groups made, and Enterprise's open-lead cap set today.
    assert_eq!(count(&s, "SELECT count(*) FROM limit_changes WHERE user_id IS NULL AND known = 1"), 6);
    assert!(count(&s, "SELECT count(*) FROM limit_changes WHERE user_id IS NOT NULL AND daily_limit IS NOT NULL") >= 1);
    // Noah joined Partners when he joined the company: nothing came to him from it before.
    let noah = team::user_id("Noah").unwrap();
    assert_eq!(
        count(&s, &format!("SELECT count(*) FROM deliveries WHERE user_id = {noah} AND at < {}", now - 58 * DAY)),
        0
    );
    for kind in ["user_added", "group_changed", "rule_changed", "user_changed"] {
        assert!(count(&s, &format!("SELECT count(*) FROM activity WHERE kind = '{kind}'")) > 0, "{kind}");
    }
    // The rule switched off 120 days ago routed nothing since.
    assert_eq!(
        count(&s, &format!("SELECT count(*) FROM activity WHERE via = 'rule:3' AND at >= {}", now - 120 * DAY)),
        0
    );
}

#[test]
fn a_database_in_use_is_refused() {
    let (mut s, _) = demo(100, 1);
    let err = generate(&mut s, &ctx(), &DemoOptions { leads: 10, seed: 1 }).unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
    assert_eq!(count(&s, "SELECT count(*) FROM leads"), 100);
}

#[test]
fn indexes_are_rebuilt_as_the_schema_defines_them() {
    let fresh = Store::open_in_memory().unwrap();
    let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name";
    let before = rows(&fresh, sql);
    let (s, _) = demo(200, 9);
    assert_eq!(rows(&s, sql), before);
}

#[test]
fn rows_satisfy_foreign_keys_and_checking_is_back_on() {
    let (s, _) = demo(3000, 8);
    assert_eq!(count(&s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    assert_eq!(count(&s, "PRAGMA foreign_keys"), 1);
    assert!(s.conn().db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY).unwrap());
    let err = s
        .conn()
        .execute("INSERT INTO activity (lead_id, at, kind, via, batch_id) VALUES (999999, 0, 'x', 'manual', 1)", []);
    assert!(err.is_err(), "foreign keys are enforced again after the demo");
}

#[test]
fn zero_leads_still_make_the_team() {
    let (s, summary) = demo(0, 1);
    assert_eq!(summary.leads, 0);
    assert_eq!(count(&s, "SELECT count(*) FROM users"), 20);
    assert_eq!(count(&s, "SELECT count(*) FROM leads"), 0);
}

#[test]
fn too_many_leads_are_refused() {
    let mut s = Store::open_in_memory().unwrap();
    let err = generate(&mut s, &ctx(), &DemoOptions { leads: MAX_LEADS + 1, seed: 1 }).unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
}

/// `cargo test --release --lib -- --ignored --nocapture demo_timing`; DEMO_LEADS overrides the size.
#[test]
#[ignore = "slow: a million leads into a file; run it in a release build"]
fn demo_timing() {
    let leads = std::env::var("DEMO_LEADS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let mut store = Store::open(&path).unwrap();
    let started = std::time::Instant::now();
    let summary = generate(&mut store, &ctx(), &DemoOptions { leads, seed: 42 }).unwrap();
    let elapsed = started.elapsed();
    drop(store);
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    println!("{summary:?}\n{leads} leads in {:.2} s, {:.1} MB", elapsed.as_secs_f64(), size as f64 / 1e6);
}

#[test]
fn each_routing_batch_records_where_it_found_the_cursor() {
    // Inbound is sequential, unweighted and nobody ever left it: its cursor
    // is the position of whoever got its last delivery, so undoing any of
    // its batches must put back the position of the delivery before it.
    let (s, _) = demo(3000, 12);
    let wrong = count(
        &s,
        "SELECT count(*) FROM batch_cursors c WHERE c.group_id = 1 AND c.cursor_before IS NOT \
         coalesce((SELECT m.position FROM deliveries d JOIN memberships m ON m.group_id = 1 AND m.user_id = d.user_id \
                   WHERE d.group_id = 1 AND d.batch_id < c.batch_id ORDER BY d.batch_id DESC, d.id DESC LIMIT 1), 0)",
    );
    assert!(count(&s, "SELECT count(*) FROM batch_cursors WHERE group_id = 1") > 100);
    assert_eq!(wrong, 0);
}

#[test]
fn the_office_shows_what_goes_beyond_round_robin_on_day_one() {
    let (s, _) = demo(2000, 6);
    let conn = s.conn();
    assert_eq!(
        count(&s, "SELECT weight FROM memberships WHERE user_id = (SELECT id FROM users WHERE name = 'Tom')"),
        2
    );
    assert!(count(&s, "SELECT max_open FROM user_groups WHERE name = 'Enterprise'") > 0);
    assert_eq!(count(&s, "SELECT reclaim_after_hours FROM user_groups WHERE name = 'Partners'"), 72);
    let (hours, away): (String, String) = conn
        .query_row(
            "SELECT (SELECT schedule FROM users WHERE name = 'Ingrid'), (SELECT away_until FROM users WHERE name = 'Grace')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(hours, "Mon-Thu 08:30-13:00");
    assert!(!away.is_empty());
}
