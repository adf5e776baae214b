//! Rotation through groups with limits (SPEC A5–A10), through the core API.

mod common;

use common::*;
use leadrota::core::assign::{self, Selection};
use leadrota::core::distribute::{self, rotate};
use leadrota::core::groups::{self, MemberChanges, Method};
use leadrota::core::model::Role;
use leadrota::core::rotation::ALL_AT_LIMIT;
use leadrota::core::users;

const TEAM: [&str; 4] = ["Tom", "Stephanie", "Lewis", "Denise"];

fn setup(method: Method, daily: i64, monthly: i64, now: &str) -> (leadrota::core::Store, leadrota::core::Ctx) {
    let mut s = store();
    let ctx = ctx_at(now);
    team(&mut s, &ctx, &TEAM);
    group(&mut s, &ctx, "Inbound", method, daily, monthly, &TEAM);
    (s, ctx)
}

fn names(v: &[Option<String>]) -> Vec<&str> {
    v.iter().map(|o| o.as_deref().unwrap_or("-")).collect()
}

#[test]
fn sequential_rotation_gives_eight_leads_t_s_l_d_twice() {
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-02T10:00:00Z");
    let ids = leads(&mut s, &ctx, 8);
    let r = rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap();
    assert_eq!(r.assigned.len(), 8);
    assert_eq!(
        names(&owners(&s, &ids)),
        ["Tom", "Stephanie", "Lewis", "Denise", "Tom", "Stephanie", "Lewis", "Denise"]
    );
    assert_eq!(count(&s, "SELECT count(*) FROM deliveries"), 8);
}

#[test]
fn sequential_cursor_survives_between_runs() {
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-02T10:00:00Z");
    let ids = leads(&mut s, &ctx, 3);
    rotate(&mut s, &ctx, "Inbound", &Selection::Ids(vec![ids[0]]), false).unwrap();
    rotate(&mut s, &ctx, "Inbound", &Selection::Ids(vec![ids[1]]), false).unwrap();
    rotate(&mut s, &ctx, "Inbound", &Selection::Ids(vec![ids[2]]), false).unwrap();
    assert_eq!(names(&owners(&s, &ids)), ["Tom", "Stephanie", "Lewis"]);
}

#[test]
fn rotation_hands_out_oldest_first_whatever_the_id_order() {
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-02T10:00:00Z");
    let ids = leads(&mut s, &ctx, 2);
    // The second lead is older.
    s.conn().execute("UPDATE leads SET created_at = created_at - 10000 WHERE id = ?1", [ids[1]]).unwrap();
    rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap();
    assert_eq!(names(&owners(&s, &ids)), ["Stephanie", "Tom"]);
}

#[test]
fn daily_limit_leaves_the_rest_unassigned_until_the_next_local_day() {
    let (mut s, ctx) = setup(Method::Sequential, 2, 0, "2026-03-02T10:00:00Z");
    leads(&mut s, &ctx, 10);
    let r = rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap();
    assert_eq!(r.assigned.len(), 8);
    assert_eq!(r.unassigned.len(), 2);
    assert!(r.unassigned.iter().all(|u| u.reason == ALL_AT_LIMIT), "{:?}", r.unassigned);
    let next_day = ctx_at("2026-03-03T10:00:00Z");
    let r = rotate(&mut s, &next_day, "Inbound", &unassigned(), false).unwrap();
    assert_eq!(r.assigned.len(), 2);
    assert_eq!(count(&s, "SELECT count(*) FROM leads WHERE owner_id IS NULL"), 0);
}

#[test]
fn daily_limit_counts_the_office_day_not_the_utc_day() {
    // 23:30 in New York on 2 March is 04:30 UTC on 3 March: still the same office day.
    let mut s = store();
    let evening = ctx_in("America/New_York", "2026-03-02T20:00:00Z");
    team(&mut s, &evening, &["Tom"]);
    group(&mut s, &evening, "Inbound", Method::Sequential, 1, 0, &["Tom"]);
    leads(&mut s, &evening, 2);
    assert_eq!(rotate(&mut s, &evening, "Inbound", &unassigned(), false).unwrap().assigned.len(), 1);
    let late = ctx_in("America/New_York", "2026-03-03T04:30:00Z");
    let r = rotate(&mut s, &late, "Inbound", &unassigned(), false).unwrap();
    assert_eq!(r.assigned.len(), 0, "UTC date changed but the office day did not");
    let morning = ctx_in("America/New_York", "2026-03-03T05:30:00Z");
    assert_eq!(rotate(&mut s, &morning, "Inbound", &unassigned(), false).unwrap().assigned.len(), 1);
}

#[test]
fn daily_limit_resets_at_local_midnight_across_a_dst_change() {
    // Berlin springs forward on 29 March 2026: local midnight of the 30th is 22:00 UTC on the 29th.
    let mut s = store();
    let before = ctx_in("Europe/Berlin", "2026-03-29T21:30:00Z"); // 23:30 CEST on the 29th
    team(&mut s, &before, &["Tom"]);
    group(&mut s, &before, "Inbound", Method::Sequential, 1, 0, &["Tom"]);
    leads(&mut s, &before, 2);
    assert_eq!(rotate(&mut s, &before, "Inbound", &unassigned(), false).unwrap().assigned.len(), 1);
    let after = ctx_in("Europe/Berlin", "2026-03-29T22:10:00Z"); // 00:10 on the 30th
    assert_eq!(rotate(&mut s, &after, "Inbound", &unassigned(), false).unwrap().assigned.len(), 1);
}

#[test]
fn monthly_limit_stops_a_member_even_when_each_day_is_under_the_daily_limit() {
    let mut s = store();
    let ctx = ctx_at("2026-03-01T09:00:00Z");
    team(&mut s, &ctx, &["Tom"]);
    group(&mut s, &ctx, "Inbound", Method::Sequential, 5, 7, &["Tom"]);
    leads(&mut s, &ctx, 12);
    let mut assigned = 0;
    for day in 1..=4 {
        let c = ctx_at(&format!("2026-03-{day:02}T09:00:00Z"));
        for _ in 0..2 {
            let next = Selection::Ids(first_unassigned(&s));
            let r = rotate(&mut s, &c, "Inbound", &next, false).unwrap();
            assigned += r.assigned.len();
        }
    }
    assert_eq!(assigned, 7, "7 in the month although no day reached 5");
    let show = leadrota::core::rotation::Distributor::load(
        s.conn(),
        &groups::find(s.conn(), "Inbound").unwrap(),
        &ctx_at("2026-03-04T10:00:00Z"),
    )
    .unwrap();
    assert_eq!(show.members[0].ineligible().as_deref(), Some("monthly limit reached (7/7)"));
    let april = ctx_at("2026-04-01T09:00:00Z");
    assert_eq!(rotate(&mut s, &april, "Inbound", &unassigned(), false).unwrap().assigned.len(), 5);
}

fn first_unassigned(s: &leadrota::core::Store) -> Vec<i64> {
    vec![s.conn().query_row("SELECT min(id) FROM leads WHERE owner_id IS NULL", [], |r| r.get(0)).unwrap()]
}

#[test]
fn zero_limits_are_unlimited() {
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-02T10:00:00Z");
    leads(&mut s, &ctx, 200);
    assert_eq!(rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap().assigned.len(), 200);
}

#[test]
fn manual_bulk_pickup_and_other_group_assignments_do_not_count_toward_limits() {
    let (mut s, ctx) = setup(Method::Sequential, 1, 0, "2026-03-02T10:00:00Z");
    group(&mut s, &ctx, "Other", Method::Sequential, 0, 0, &["Tom"]);
    groups::set(
        &mut s,
        &ctx,
        "Inbound",
        &groups::GroupChanges { pickup_statuses: Some(vec!["New".into()]), ..Default::default() },
    )
    .unwrap();
    let ids = leads(&mut s, &ctx, 6);
    assign::assign(&mut s, &ctx, &Selection::Ids(vec![ids[0]]), "Tom").unwrap();
    assign::assign(&mut s, &ctx, &Selection::Ids(vec![ids[1], ids[2]]), "Tom").unwrap();
    let tom = as_user(&s, &ctx, "Tom");
    assign::pickup(&mut s, &tom, &[ids[3]]).unwrap();
    rotate(&mut s, &ctx, "Other", &Selection::Ids(vec![ids[4]]), false).unwrap();
    // Tom has 5 leads but none from Inbound's own distribution: he is still first in line.
    let r = rotate(&mut s, &ctx, "Inbound", &Selection::Ids(vec![ids[5]]), false).unwrap();
    assert_eq!(r.assigned[0].owner, "Tom");
}

#[test]
fn undo_of_a_rotation_gives_the_room_back() {
    let (mut s, ctx) = setup(Method::Sequential, 1, 0, "2026-03-02T10:00:00Z");
    leads(&mut s, &ctx, 4);
    assert_eq!(rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap().assigned.len(), 4);
    assign::undo(&mut s, &ctx).unwrap();
    assert_eq!(count(&s, "SELECT count(*) FROM deliveries"), 0);
    assert_eq!(rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap().assigned.len(), 4);
}

#[test]
fn members_on_leave_or_deactivated_are_skipped_and_the_order_of_the_rest_kept() {
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-02T10:00:00Z");
    users::set_leave(&mut s, &ctx, "Stephanie", true).unwrap();
    distribute::deactivate(&mut s, &ctx, "Lewis", &distribute::Handover::LeaveUnassigned, false).unwrap();
    let ids = leads(&mut s, &ctx, 4);
    rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap();
    assert_eq!(names(&owners(&s, &ids)), ["Tom", "Denise", "Tom", "Denise"]);
}

#[test]
fn a_member_added_joins_at_the_end_and_a_removed_one_keeps_the_cursor_place() {
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-02T10:00:00Z");
    add_user(&mut s, &ctx, "Zoe", Role::Agent);
    let ids = leads(&mut s, &ctx, 6);
    rotate(&mut s, &ctx, "Inbound", &Selection::Ids(vec![ids[0], ids[1]]), false).unwrap(); // Tom, Stephanie
    let change = MemberChanges { add: vec!["Zoe".into()], remove: vec!["Lewis".into()], order: None };
    groups::change_members(&mut s, &ctx, "Inbound", &change).unwrap();
    rotate(&mut s, &ctx, "Inbound", &Selection::Ids(ids[2..].to_vec()), false).unwrap();
    assert_eq!(names(&owners(&s, &ids)), ["Tom", "Stephanie", "Denise", "Zoe", "Tom", "Stephanie"]);
}

#[test]
fn random_with_a_fixed_seed_is_reproducible_and_respects_limits() {
    let run = || {
        let (mut s, mut ctx) = setup(Method::Random, 3, 0, "2026-03-02T10:00:00Z");
        ctx.seed = Some(7);
        let ids = leads(&mut s, &ctx, 14);
        let r = rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap();
        assert_eq!(r.assigned.len(), 12, "4 members × daily 3");
        let per_member: i64 = count(&s, "SELECT max(n) FROM (SELECT count(*) n FROM deliveries GROUP BY user_id)");
        assert!(per_member <= 3);
        owners(&s, &ids)
    };
    assert_eq!(run(), run());
}

#[test]
fn balanced_sends_each_lead_to_the_member_with_the_fewest_open_leads() {
    let (mut s, ctx) = setup(Method::Balanced, 0, 0, "2026-03-02T10:00:00Z");
    let ids = leads(&mut s, &ctx, 9);
    // Tom already has 3 open leads, Stephanie 2, Lewis 1, Denise 0.
    assign::assign(&mut s, &ctx, &Selection::Ids(ids[0..3].to_vec()), "Tom").unwrap();
    assign::assign(&mut s, &ctx, &Selection::Ids(ids[3..5].to_vec()), "Stephanie").unwrap();
    assign::assign(&mut s, &ctx, &Selection::Ids(vec![ids[5]]), "Lewis").unwrap();
    rotate(&mut s, &ctx, "Inbound", &Selection::Ids(ids[6..9].to_vec()), false).unwrap();
    // Denise (0); then Lewis and Denise tie at 1 and the tie goes to Lewis, first after the cursor; then Denise.
    let open = |name: &str| {
        let id = users::find(s.conn(), name).unwrap().id;
        leadrota::core::rotation::open_leads(s.conn(), id).unwrap()
    };
    assert_eq!([open("Tom"), open("Stephanie"), open("Lewis"), open("Denise")], [3, 2, 2, 2]);
}

#[test]
fn a_full_group_says_why() {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    team(&mut s, &ctx, &["Tom"]);
    groups::add(&mut s, &ctx, "Empty", Method::Sequential, 0, 0).unwrap();
    group(&mut s, &ctx, "Away", Method::Sequential, 0, 0, &["Tom"]);
    users::set_leave(&mut s, &ctx, "Tom", true).unwrap();
    leads(&mut s, &ctx, 1);
    let r = rotate(&mut s, &ctx, "Empty", &unassigned(), false).unwrap();
    assert_eq!(r.unassigned[0].reason, "group has no members");
    let r = rotate(&mut s, &ctx, "Away", &unassigned(), false).unwrap();
    assert_eq!(r.unassigned[0].reason, "no active members");
    assert_eq!(count(&s, "SELECT count(*) FROM activity WHERE kind = 'assigned'"), 0);
}

#[test]
fn a_dry_run_writes_nothing() {
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-02T10:00:00Z");
    leads(&mut s, &ctx, 4);
    let before = count(&s, "SELECT count(*) FROM activity");
    let r = rotate(&mut s, &ctx, "Inbound", &unassigned(), true).unwrap();
    assert_eq!(r.assigned.len(), 4);
    assert_eq!(r.batch, None);
    assert_eq!(count(&s, "SELECT count(*) FROM activity"), before);
    assert_eq!(count(&s, "SELECT count(*) FROM leads WHERE owner_id IS NOT NULL"), 0);
    assert_eq!(count(&s, "SELECT cursor_position FROM user_groups"), 0);
}

#[test]
fn explain_names_the_group_of_a_plain_rotation() {
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-02T10:00:00Z");
    let ids = leads(&mut s, &ctx, 1);
    rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap();
    let e = leadrota::core::explain::explain(s.conn(), &ctx, ids[0]).unwrap();
    assert_eq!(e.group.as_deref(), Some("Inbound"));
    assert!(e.summary.contains("rotated it through group Inbound"), "{}", e.summary);
}

#[test]
fn explain_of_each_lead_in_one_batch_names_who_was_at_a_limit_at_that_moment() {
    let (mut s, ctx) = setup(Method::Sequential, 1, 0, "2026-03-02T10:00:00Z");
    let ids = leads(&mut s, &ctx, 5);
    rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap();
    let skipped = |id: i64| -> Vec<String> {
        let e = leadrota::core::explain::explain(s.conn(), &ctx, id).unwrap();
        e.skipped.iter().map(|k| format!("{}: {}", k.user, k.reason)).collect()
    };
    assert!(skipped(ids[0]).is_empty());
    assert_eq!(skipped(ids[1]), ["Tom: daily limit reached (1/1)"]);
    assert_eq!(
        skipped(ids[3]),
        ["Tom: daily limit reached (1/1)", "Stephanie: daily limit reached (1/1)", "Lewis: daily limit reached (1/1)"]
    );
    assert_eq!(owners(&s, &ids)[4], None);
}

#[test]
fn an_owned_lead_in_a_rotation_is_skipped_and_uses_no_turn() {
    let (mut s, ctx) = setup(Method::Sequential, 1, 0, "2026-03-02T10:00:00Z");
    let ids = leads(&mut s, &ctx, 3);
    assign::assign(&mut s, &ctx, &Selection::Ids(vec![ids[0]]), "Tom").unwrap();
    let r = rotate(&mut s, &ctx, "Inbound", &Selection::Ids(ids.clone()), false).unwrap();
    // R5: the owned lead is reported as skipped, not as one that stays
    // unassigned, and Tom's turn goes to the next open unassigned lead.
    assert_eq!(r.skipped.len(), 1);
    assert_eq!((r.skipped[0].lead, r.skipped[0].reason.as_str()), (ids[0], "already owned by Tom"));
    assert!(r.unassigned.is_empty());
    assert_eq!(names(&owners(&s, &ids)), ["Tom", "Tom", "Stephanie"]);
    assert_eq!(count(&s, "SELECT count(*) FROM deliveries"), 2);
}

/// The log names a rotation's group by id: a group added after one was
/// deleted never takes its id, so its history stays the deleted group's.
#[test]
fn a_new_group_never_takes_a_deleted_groups_id_or_its_history() {
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-10T10:00:00Z");
    let ids = leads(&mut s, &ctx, 3);
    let inbound = groups::find(s.conn(), "Inbound").unwrap().id;
    rotate(&mut s, &ctx, "Inbound", &Selection::Ids(ids.clone()), false).unwrap();
    groups::delete(&mut s, &ctx, "Inbound").unwrap();
    // A database from before the highest id was kept finds it in the log.
    s.conn().execute("DELETE FROM settings WHERE key = 'last_group_id'", []).unwrap();
    let other = groups::add(&mut s, &ctx, "Other", Method::Sequential, 0, 0).unwrap();
    assert!(other.id > inbound, "{} reuses {inbound}", other.id);
    let why = leadrota::core::explain::explain(s.conn(), &ctx, ids[0]).unwrap();
    assert!(
        why.summary.contains(&format!("#{inbound} (deleted)")) && !why.summary.contains("Other"),
        "{}",
        why.summary
    );
    let report =
        leadrota::core::doctor::check(&s, ctx.tz, leadrota::core::doctor::DoctorOptions { quick: true }).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // Deleting the newest and adding again still moves on.
    groups::delete(&mut s, &ctx, "Other").unwrap();
    assert!(groups::add(&mut s, &ctx, "Third", Method::Sequential, 0, 0).unwrap().id > other.id);
}

#[test]
fn a_group_deleted_by_another_seat_before_its_rotation_is_named_in_the_refusal() {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    team(&mut s, &ctx, &["Tom"]);
    group(&mut s, &ctx, "Night shift", Method::Sequential, 0, 0, &["Tom"]);
    let looked_up = groups::find(s.conn(), "Night shift").unwrap();
    groups::delete(&mut s, &ctx, "Night shift").unwrap();
    let refused = leadrota::core::rotation::Distributor::load(s.conn(), &looked_up, &ctx).err().unwrap();
    assert_eq!(refused.to_string(), "group 'Night shift' was deleted meanwhile; nothing was written");
}

/// The log names a routed lead's way by its rule's id too: a rule added
/// after one was deleted never takes its id.
#[test]
fn a_new_rule_never_takes_a_deleted_rules_id() {
    use leadrota::core::rules::{self, TargetName};
    let (mut s, ctx) = setup(Method::Sequential, 0, 0, "2026-03-10T10:00:00Z");
    let first = rules::add(&mut s, &ctx, "Everything", &TargetName::Group("Inbound".into()), &[], None).unwrap();
    distribute::set_auto_assign(&mut s, &ctx, true).unwrap();
    let lead = distribute::create_lead(
        &mut s,
        &ctx,
        &leadrota::core::model::NewLead { name: "Routed".into(), ..Default::default() },
    )
    .unwrap()
    .0;
    rules::delete(&mut s, &ctx, first.id).unwrap();
    // A database from before the highest id was kept finds it in the log.
    s.conn().execute("DELETE FROM settings WHERE key = 'last_rule_id'", []).unwrap();
    let second = rules::add(&mut s, &ctx, "Unrelated", &TargetName::User("Tom".into()), &[], None).unwrap();
    assert!(second.id > first.id, "rule #{} reuses #{}", second.id, first.id);
    let third = rules::add(&mut s, &ctx, "Later", &TargetName::User("Tom".into()), &[], None).unwrap();
    assert_eq!(third.id, second.id + 1);
    let via: String = s
        .conn()
        .query_row("SELECT via FROM activity WHERE lead_id = ?1 AND kind = 'assigned'", [lead.id], |r| r.get(0))
        .unwrap();
    assert_eq!(via, format!("rule:{}", first.id), "the log still names the rule that routed it");
}
