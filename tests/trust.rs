//! What a manager relies on (issue "Trust in the assignment core"): limits no
//! clock can break (A8), undo that is exact or refused (A4), previews that
//! are promises (A14), and automatic distribution that deals only the open
//! backlog (R5). Each finding of the issue is reproduced here through the
//! real binary or the core API, and must behave as SPEC says.

mod common;

use common::*;
use leadrota::core::assign::{self, Selection};
use leadrota::core::distribute::{self, DUPLICATES_OF, Handover};
use leadrota::core::doctor::{self, DoctorOptions};
use leadrota::core::filter::{Filter, OwnerFilter};
use leadrota::core::groups::Method;
use leadrota::core::model::Role;
use leadrota::core::{Store, leads};
use serde_json::Value;

/// Everything an undo or a refused write could change, as one comparable value.
fn fingerprint(conn: &rusqlite::Connection) -> String {
    let queries = [
        "SELECT group_concat(id || ':' || coalesce(owner_id, '-') || ':' || stage_id, ',') FROM leads",
        "SELECT count(*) || '/' || coalesce(max(id), 0) FROM activity",
        "SELECT count(*) || '/' || coalesce(max(id), 0) FROM deliveries",
        "SELECT group_concat(id || ':' || undone, ',') FROM batches",
        "SELECT group_concat(id || ':' || cursor_position, ',') FROM user_groups",
        "SELECT group_concat(id || ':' || active, ',') FROM users",
    ];
    queries
        .iter()
        .map(|q| conn.query_row(q, [], |r| r.get::<_, Option<String>>(0)).unwrap().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("|")
}

fn open(bin: &Bin) -> Store {
    Store::open(&bin.path).unwrap()
}

/// The binary at another clock than the `Bin`'s own.
fn at_time(bin: &Bin, now: &str, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("leadrota").unwrap();
    cmd.env_remove("LEADROTA_DB")
        .env("HOME", bin.dir.path())
        .env("XDG_CONFIG_HOME", bin.dir.path().join("config"))
        .args(["--db", bin.path.to_str().unwrap(), "--now", now])
        .args(args);
    cmd
}

fn json_at(bin: &Bin, now: &str, args: &[&str]) -> Value {
    let out = at_time(bin, now, &[&["--json"], args].concat()).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

fn fails(bin: &Bin, args: &[&str]) -> String {
    let out = bin.cmd(args).assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("constraint") && !stderr.contains("database refused"), "{stderr}");
    stderr
}

fn office(bin: &Bin) {
    for name in ["Tom", "Stephanie", "Lewis"] {
        bin.ok(&["user", "add", name, "--can-pickup"]);
    }
    bin.ok(&["user", "add", "Marcus", "--role", "manager"]);
    bin.ok(&["user", "add", "Helen", "--role", "manager"]);
    bin.ok(&["routing", "off"]);
}

fn add_leads(bin: &Bin, n: usize) {
    for i in 0..n {
        bin.ok(&["lead", "add", "--name", &format!("Lead {i}"), "--email", &format!("l{i}@example.com")]);
    }
}

#[test]
fn a_backdated_run_cannot_push_a_day_over_its_limit() {
    let bin = Bin::new("2026-03-10T16:00:00Z");
    office(&bin);
    bin.ok(&["group", "add", "G", "--daily", "1"]);
    bin.ok(&["group", "members", "G", "--add", "Tom"]);
    add_leads(&bin, 3);
    let first = json_at(&bin, "2026-03-10T15:00:00Z", &["rotate", "--group", "G", "1"]);
    assert_eq!(first["assigned"][0]["owner"], "Tom");
    // Earlier the same office day: the delivery of 15:00 already counts.
    let backdated = json_at(&bin, "2026-03-10T11:00:00Z", &["rotate", "--group", "G", "2"]);
    assert_eq!(backdated["assigned"].as_array().unwrap().len(), 0);
    assert_eq!(backdated["unassigned"][0]["reason"], "all members at limit");
    bin.cmd(&["doctor"]).assert().success();
}

#[test]
fn doctor_judges_each_delivery_by_the_limit_in_force_then() {
    let bin = Bin::new("2026-03-10T16:00:00Z");
    office(&bin);
    bin.ok(&["group", "add", "G", "--daily", "2"]);
    bin.ok(&["group", "members", "G", "--add", "Tom"]);
    add_leads(&bin, 3);
    bin.ok(&["rotate", "--group", "G", "1", "2"]);
    // Lowered later: the two deliveries were within the limit of their moment.
    bin.ok(&["group", "set", "G", "--daily", "1"]);
    let report = json_at(&bin, "2026-03-10T16:00:00Z", &["doctor"]);
    assert_eq!(report["problems"].as_array().unwrap().len(), 0, "{report}");
    assert!(report["warnings"].to_string().contains("lowered after those deliveries"), "{report}");
    // A limit raised later does not excuse an overrun of the lower one in force then.
    bin.ok(&["group", "set", "G", "--daily", "5"]);
    open(&bin)
        .conn()
        .execute_batch(
            "INSERT INTO deliveries (group_id, user_id, lead_id, at, batch_id) \
             SELECT group_id, user_id, 3, at, batch_id FROM deliveries LIMIT 1;",
        )
        .unwrap();
    let out = bin.cmd(&["--json", "doctor"]).assert().code(1).get_output().clone();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["problems"].to_string().contains("over the limit in force at the delivery"), "{report}");
    let text = bin.cmd(&["doctor"]).assert().code(1).get_output().stdout.clone();
    assert!(String::from_utf8(text).unwrap().ends_with('\n'), "the report ends its last line");
}

#[test]
fn undo_never_hands_leads_back_to_a_deactivated_user() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    add_leads(&bin, 3);
    bin.ok(&["--as", "Marcus", "assign", "--to", "Tom", "1", "2", "3"]);
    bin.ok(&["--as", "Marcus", "user", "deactivate", "Tom", "--reassign-to", "Lewis"]);
    let before = fingerprint(open(&bin).conn());
    // The latest batch is the offboarding: its way back is activate + reassign.
    let err = fails(&bin, &["--as", "Marcus", "undo"]);
    assert!(err.contains("offboarding of Tom") && err.contains("user activate"), "{err}");
    assert_eq!(fingerprint(open(&bin).conn()), before);
    // And a second undo does not get past it to the batch before.
    let err = fails(&bin, &["--as", "Marcus", "undo"]);
    assert!(err.contains("offboarding"), "{err}");
    assert_eq!(fingerprint(open(&bin).conn()), before);
}

#[test]
fn undo_of_an_assignment_to_a_user_deactivated_since_is_refused() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    add_leads(&bin, 2);
    bin.ok(&["--as", "Helen", "assign", "--to", "Tom", "1", "2"]);
    bin.ok(&["--as", "Marcus", "reassign", "--to", "Lewis", "1", "2"]);
    // Tom leaves, owning nothing by then.
    bin.ok(&["--as", "Helen", "user", "deactivate", "Tom", "--leave-unassigned"]);
    let before = fingerprint(open(&bin).conn());
    let err = fails(&bin, &["--as", "Marcus", "undo"]);
    assert!(err.contains("lead #1 would go back to Tom, who is deactivated"), "{err}");
    assert_eq!(fingerprint(open(&bin).conn()), before);
}

#[test]
fn undo_refuses_a_lead_changed_and_changed_back_by_a_colleague() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    add_leads(&bin, 1);
    bin.ok(&["--as", "Marcus", "assign", "--to", "Tom", "1"]);
    bin.ok(&["--as", "Helen", "reassign", "--to", "Lewis", "1"]);
    bin.ok(&["--as", "Helen", "lead", "move", "1", "--status", "Contacted"]);
    bin.ok(&["--as", "Helen", "reassign", "--to", "Tom", "1"]);
    let before = fingerprint(open(&bin).conn());
    let err = fails(&bin, &["--as", "Marcus", "undo"]);
    assert!(err.contains("lead #1 was reassigned by Helen since"), "{err}");
    assert_eq!(fingerprint(open(&bin).conn()), before);
}

#[test]
fn undo_names_the_batch_it_reverted_and_puts_the_cursor_back() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    bin.ok(&["group", "add", "Inbound"]);
    bin.ok(&["group", "members", "Inbound", "--add", "Tom,Stephanie,Lewis"]);
    add_leads(&bin, 4);
    bin.ok(&["--as", "Marcus", "rotate", "--group", "Inbound", "1"]);
    let cursor = |bin: &Bin| count(&open(bin), "SELECT cursor_position FROM user_groups");
    assert_eq!(cursor(&bin), 1);
    let out = at_time(&bin, "2026-03-10T10:10:00Z", &["--as", "Marcus", "rotate", "--group", "Inbound", "2", "3"])
        .assert()
        .success();
    drop(out);
    assert_eq!(cursor(&bin), 3);
    let undone = at_time(&bin, "2026-03-10T10:20:00Z", &["--as", "Marcus", "undo"]).assert().success();
    let said = String::from_utf8(undone.get_output().stdout.clone()).unwrap();
    assert!(said.contains(": rotation of 2 leads through Inbound, 10 min ago"), "{said}");
    assert_eq!(cursor(&bin), 1, "the cursor is where the undone batch found it");
    let next = json_at(&bin, "2026-03-10T10:30:00Z", &["rotate", "--group", "Inbound", "4"]);
    assert_eq!(next["assigned"][0]["owner"], "Stephanie");
}

#[test]
fn a_random_preview_is_the_run_it_promises() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    bin.ok(&["group", "add", "R", "--method", "random", "--daily", "5"]);
    bin.ok(&["group", "members", "R", "--add", "Tom,Stephanie,Lewis"]);
    add_leads(&bin, 12);
    let preview = bin.json(&["rotate", "--group", "R", "--unassigned", "--dry-run"]);
    let seed = preview["seed"].as_u64().expect("a drawn seed is printed");
    assert_eq!(preview["selected"], 12);
    let text = bin.ok(&["rotate", "--group", "R", "--unassigned", "--dry-run", "--seed", &seed.to_string()]);
    assert!(text.contains(&format!("--expect 12 --seed {seed}")), "{text}");
    let run = bin.json(&["rotate", "--group", "R", "--unassigned", "--expect", "12", "--seed", &seed.to_string()]);
    assert_eq!(run["assigned"], preview["assigned"]);
    assert_eq!(run["unassigned"], preview["unassigned"]);
}

#[test]
fn previews_of_every_method_and_of_routing_equal_their_runs() {
    for method in ["sequential", "balanced", "random"] {
        let bin = Bin::new("2026-03-10T10:00:00Z");
        office(&bin);
        bin.ok(&["group", "add", "G", "--method", method, "--daily", "3"]);
        bin.ok(&["group", "members", "G", "--add", "Tom,Stephanie,Lewis"]);
        bin.ok(&["rule", "add", "All", "--to-group", "G"]);
        add_leads(&bin, 11);
        let preview = bin.json(&["route", "--dry-run"]);
        let seed = preview["seed"].as_u64().unwrap().to_string();
        let run = bin.json(&["route", "--expect", "11", "--seed", &seed]);
        assert_eq!(run["assigned"], preview["assigned"], "{method}");
        assert_eq!(run["unassigned"], preview["unassigned"], "{method}");
        assert_eq!(run["unassigned"].as_array().unwrap().len(), 2, "{method}: 9 of 11 fit the limits");
    }
}

#[test]
fn a_changed_selection_is_refused_with_the_counts_and_writes_nothing() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    bin.ok(&["group", "add", "G"]);
    bin.ok(&["group", "members", "G", "--add", "Tom,Lewis"]);
    add_leads(&bin, 34);
    // What the confirm showed: the filter's count.
    assert_eq!(bin.json(&["lead", "list", "--unassigned"]).as_array().unwrap().len(), 34);
    // Another seat adds leads before the confirm.
    add_leads(&bin, 3);
    let before = fingerprint(open(&bin).conn());
    for args in [
        vec!["assign", "--to", "Tom", "--unassigned", "--expect", "34"],
        vec!["unassign", "--all", "--expect", "34"],
        vec!["rotate", "--group", "G", "--unassigned", "--expect", "34"],
        vec!["route", "--expect", "34"],
        vec!["user", "deactivate", "Tom", "--leave-unassigned", "--expect", "3"],
    ] {
        let err = fails(&bin, &args);
        assert!(err.contains("the selection changed:") && err.contains("preview again"), "{args:?}: {err}");
        assert_eq!(fingerprint(open(&bin).conn()), before, "{args:?}");
    }
    let err = fails(&bin, &["assign", "--to", "Tom", "--unassigned", "--expect", "34"]);
    assert!(err.contains("the selection changed: 37 leads match now, not 34 — preview again"), "{err}");
}

/// Ticked leads keep their count when another seat takes one of them: the
/// console's confirm passes their state too, and a change is refused.
#[test]
fn ticked_leads_another_seat_changed_since_the_confirm_are_refused() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    bin.ok(&["group", "add", "G"]);
    bin.ok(&["group", "members", "G", "--add", "Tom,Lewis"]);
    add_leads(&bin, 3);
    let mut store = open(&bin);
    let ctx = ctx_at("2026-03-10T10:00:00Z");
    let ticked = Selection::Ids(vec![1, 2, 3]);
    let shown = assign::selection_state(store.conn(), &ticked).unwrap();
    assert!(shown.is_some());
    // Another seat gives lead 2 to Stephanie after the confirm was shown.
    bin.ok(&["assign", "--to", "Stephanie", "2"]);
    let before = fingerprint(store.conn());
    let guarded = ctx.guarded_state(3, None, shown);
    let err = assign::assign(&mut store, &guarded, &ticked, "Lewis").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the selection changed: another seat changed the owner or status of some of these 3 leads since the preview — preview again"
    );
    let err = distribute::rotate(&mut store, &ctx.guarded_state(3, Some(7), shown), "G", &ticked, false).unwrap_err();
    assert!(err.to_string().starts_with("the selection changed"), "{err}");
    assert_eq!(fingerprint(store.conn()), before, "nothing was written");
    // Shown again, the same leads go through.
    let now = assign::selection_state(store.conn(), &ticked).unwrap();
    assign::assign(&mut store, &ctx.guarded_state(3, None, now), &ticked, "Lewis").unwrap();
}

#[test]
fn repeated_ids_are_one_lead() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    bin.ok(&["group", "add", "Floor"]);
    bin.ok(&["group", "members", "Floor", "--add", "Tom"]);
    bin.ok(&["group", "set", "Floor", "--pickup-statuses", "New"]);
    add_leads(&bin, 3);
    let r = bin.json(&["--as", "Tom", "pickup", "1", "1"]);
    assert_eq!((r["changed"].as_u64(), r["selected"].as_u64()), (Some(1), Some(1)));
    let r = bin.json(&["assign", "--to", "Lewis", "2", "2", "3", "2"]);
    assert_eq!((r["changed"].as_u64(), r["selected"].as_u64()), (Some(2), Some(2)));
    let r = bin.json(&["rotate", "--group", "Floor", "2", "2"]);
    assert_eq!(r["skipped"][0]["reason"], "already owned by Lewis");
    assert_eq!(r["skipped"].as_array().unwrap().len(), 1);
}

#[test]
fn automatic_distribution_never_deals_a_closed_lead() {
    let (mut s, ctx) = (store(), ctx_at("2026-03-10T10:00:00Z"));
    team(&mut s, &ctx, &["Tom", "Lewis", "Zoe"]);
    group(&mut s, &ctx, "G", Method::Sequential, 0, 0, &["Tom", "Lewis"]);
    let ids = leads(&mut s, &ctx, 6);
    leads::move_status(&mut s, &ctx, ids[0], "Lost").unwrap();
    leads::move_status(&mut s, &ctx, ids[1], "Won").unwrap();
    assign::assign(&mut s, &ctx, &Selection::Ids(vec![ids[2], ids[3]]), "Zoe").unwrap();
    leads::move_status(&mut s, &ctx, ids[3], "Lost").unwrap();

    let routed = distribute::route(&mut s, &ctx, &Filter::default(), true).unwrap();
    assert_eq!(routed.selected, 2, "the backlog is the open unassigned leads");
    let rotated = distribute::rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
    let skipped: Vec<(i64, &str)> = rotated.skipped.iter().map(|u| (u.lead, u.reason.as_str())).collect();
    assert_eq!(skipped, [(ids[0], "closed"), (ids[1], "closed")]);
    assert_eq!(rotated.assigned.len(), 2);
    assert!(rotated.unassigned.is_empty(), "skipped, not 'stays unassigned'");

    let gone = distribute::deactivate(&mut s, &ctx, "Zoe", &Handover::Redistribute("G".into()), false).unwrap();
    assert_eq!(gone.assigned.iter().map(|p| p.lead).collect::<Vec<_>>(), [ids[2]]);
    assert_eq!(owners(&s, &ids[..4]), [None, None, Some("Tom".into()), Some("Zoe".into())]);
}

#[test]
fn the_waiting_queue_is_one_filter_away() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    for (name, created) in
        [("Old", "2026-03-08T09:00:00Z"), ("Fresh", "2026-03-10T09:00:00Z"), ("Lost", "2026-03-01T09:00:00Z")]
    {
        at_time(&bin, created, &["lead", "add", "--name", name]).assert().success();
    }
    bin.ok(&["lead", "move", "3", "--status", "Lost"]);
    let queue = bin.json(&["lead", "list", "--unassigned", "--open-only", "--older-than", "24"]);
    let names: Vec<&str> = queue.as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Old"]);
    let report = bin.json(&["report", "workload"]);
    assert_eq!((report["unassigned"].as_i64(), report["unassigned_over_threshold"].as_i64()), (Some(2), Some(1)));
}

#[test]
fn deactivating_toward_a_deactivated_user_says_why() {
    let bin = Bin::new("2026-03-10T10:00:00Z");
    office(&bin);
    bin.ok(&["user", "deactivate", "Tom", "--leave-unassigned"]);
    let err = fails(&bin, &["user", "deactivate", "Lewis", "--reassign-to", "Tom"]);
    assert!(err.contains("Tom is deactivated") && err.contains("user activate Tom"), "{err}");
}

#[test]
fn an_offboarding_preview_names_who_gets_what_and_writes_nothing() {
    let (mut s, ctx) = (store(), ctx_at("2026-03-10T10:00:00Z"));
    team(&mut s, &ctx, &["Tom", "Lewis", "Zoe"]);
    group(&mut s, &ctx, "G", Method::Sequential, 1, 0, &["Tom", "Lewis"]);
    let ids = leads(&mut s, &ctx, 3);
    assign::assign(&mut s, &ctx, &Selection::Ids(ids.clone()), "Zoe").unwrap();
    let before = fingerprint(s.conn());
    let preview = distribute::deactivate(&mut s, &ctx, "Zoe", &Handover::Redistribute("G".into()), true).unwrap();
    assert_eq!(fingerprint(s.conn()), before);
    assert_eq!(preview.selected, 3);
    let who: Vec<&str> = preview.assigned.iter().map(|p| p.owner.as_str()).collect();
    assert_eq!(who, ["Tom", "Lewis"]);
    assert_eq!(preview.unassigned[0].reason, "all members at limit");
    let run = distribute::deactivate(
        &mut s,
        &ctx.guarded(3, preview.seed),
        "Zoe",
        &Handover::Redistribute("G".into()),
        false,
    )
    .unwrap();
    assert_eq!(run.assigned, preview.assigned);
}

#[test]
fn duplicate_lookups_walk_their_indexes() {
    let s = store();
    let mut stmt = s.conn().prepare(&format!("EXPLAIN QUERY PLAN {DUPLICATES_OF}")).unwrap();
    let plan: Vec<String> =
        stmt.query_map(rusqlite::params![1, 5], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
    let plan = plan.join("\n");
    for index in ["leads_email_key", "leads_phone_key"] {
        assert!(plan.contains(&format!("SEARCH l USING INDEX {index}")), "{plan}");
    }
    assert!(plan.contains("SEARCH n USING INTEGER PRIMARY KEY"), "{plan}");
    assert!(!plan.contains("SCAN"), "{plan}");
}

#[test]
fn the_unassigned_figures_agree() {
    let mut s = store();
    let ctx = ctx_at("2026-03-10T10:00:00Z");
    leadrota::core::demo::generate(&mut s, &ctx, &leadrota::core::demo::DemoOptions { leads: 3000, seed: 7 }).unwrap();
    add_user(&mut s, &ctx, "Boss", Role::Manager);
    let workload = leadrota::core::report::workload(s.conn(), &ctx, 7, 24).unwrap();
    let backlog = Filter { owner: OwnerFilter::Unassigned, open_only: true, ..Filter::default() };
    let counted = leads::count(s.conn(), &backlog).unwrap();
    let routed = distribute::route(&mut s, &ctx, &Filter::default(), true).unwrap();
    assert!(counted > 0);
    assert_eq!(workload.unassigned, counted);
    assert_eq!(routed.selected as i64, counted);
    let report = doctor::check(&s, ctx.tz, DoctorOptions::default()).unwrap();
    assert!(report.problems.iter().all(|p| p.check != "limits"), "{:?}", report.problems);
}

#[test]
fn an_internal_database_failure_never_shows_sqlite_words() {
    let err = leadrota::core::error::Error::Sql(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
        Some("UNIQUE constraint failed: owner_plan.lead_id".into()),
    ));
    let said = err.to_string();
    assert!(!said.contains("UNIQUE") && !said.contains("owner_plan"), "{said}");
    assert!(said.contains("nothing was written"), "{said}");
}
