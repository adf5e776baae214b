//! Beyond round-robin (SPEC A15–A19): weights, open-lead caps, working hours
//! and away, fair ties, reclaiming untouched leads — through the core API.

mod common;

use common::*;
use leadrota::core::assign::{self, Selection};
use leadrota::core::distribute::rotate;
use leadrota::core::doctor::{self, DoctorOptions};
use leadrota::core::groups::{self, GroupChanges, Method};
use leadrota::core::reclaim;
use leadrota::core::{Ctx, Store, leads, users};
use proptest::prelude::*;

const TEAM: [&str; 5] = ["Tom", "Stephanie", "Lewis", "Denise", "Zoe"];

fn office(method: Method, members: usize, now: &str) -> (Store, Ctx) {
    let mut s = store();
    let ctx = ctx_in("Europe/Berlin", now);
    team(&mut s, &ctx, &TEAM);
    group(&mut s, &ctx, "G", method, 0, 0, &TEAM[..members]);
    (s, ctx)
}

/// Owner of each lead, in id (= age) order.
fn sequence(s: &Store, ids: &[i64]) -> Vec<String> {
    owners(s, ids).into_iter().map(|o| o.unwrap_or_else(|| "-".into())).collect()
}

fn healthy(s: &Store, ctx: &Ctx) {
    let report = doctor::check(s, ctx.tz, DoctorOptions { quick: true }).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[test]
fn weights_two_and_one_interleave_a_b_a_a_b_a() {
    let (mut s, ctx) = office(Method::Sequential, 2, "2026-03-10T10:00:00Z");
    groups::set_weight(&mut s, &ctx, "G", "Tom", 2).unwrap();
    let ids = leads(&mut s, &ctx, 6);
    // Split over two runs: the balance survives between them.
    rotate(&mut s, &ctx, "G", &Selection::Ids(ids[..2].to_vec()), false).unwrap();
    rotate(&mut s, &ctx, "G", &Selection::Ids(ids[2..].to_vec()), false).unwrap();
    assert_eq!(sequence(&s, &ids), ["Tom", "Stephanie", "Tom", "Tom", "Stephanie", "Tom"]);
    healthy(&s, &ctx);
}

/// A detail repeated from lead to lead is kept whole once per batch; every
/// lead's explanation and timeline still read it whole (R6).
#[test]
fn each_lead_of_a_weighted_run_explains_itself_though_repeats_are_kept_once() {
    let mut s = store();
    let ctx = ctx_in("Europe/Berlin", "2026-03-10T10:00:00Z");
    team(&mut s, &ctx, &TEAM);
    group(&mut s, &ctx, "G", Method::Sequential, 2, 0, &TEAM[..3]);
    groups::set_weight(&mut s, &ctx, "G", "Tom", 2).unwrap();
    let ids = leads(&mut s, &ctx, 6);
    let run = rotate(&mut s, &ctx, "G", &Selection::Ids(ids.clone()), false).unwrap();
    assert_eq!(run.assigned.len(), 6);
    let timeline = leadrota::core::activity::list(
        s.conn(),
        &leadrota::core::activity::ActivityQuery { batch: run.batch, ..Default::default() },
    )
    .unwrap();
    assert_eq!(timeline.len(), 6);
    let mut distinct = std::collections::BTreeSet::new();
    for row in &timeline {
        let detail = row.detail.clone().unwrap_or_default();
        assert!(detail.contains("\"weights\"") && !detail.contains("same_as"), "{detail}");
        distinct.insert(detail);
        let why = leadrota::core::explain::explain(s.conn(), &ctx, row.lead.unwrap()).unwrap();
        let skipped: serde_json::Value = serde_json::from_str(row.detail.as_deref().unwrap()).unwrap();
        assert_eq!(why.skipped.len(), skipped["skipped"].as_array().unwrap().len(), "lead {:?}", row.lead);
    }
    // Tom reaches his daily limit of 2 first: the detail changes once at least.
    assert!(distinct.len() >= 2, "{distinct:?}");
    let kept_whole: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM activity WHERE batch_id = ?1 AND detail NOT LIKE '{\"same_as_lead\":%'",
            [run.batch.unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept_whole as usize, distinct.len());
    healthy(&s, &ctx);
}

#[test]
fn undoing_a_weighted_rotation_puts_the_balances_back() {
    let (mut s, ctx) = office(Method::Sequential, 2, "2026-03-10T10:00:00Z");
    groups::set_weight(&mut s, &ctx, "G", "Tom", 3).unwrap();
    let ids = leads(&mut s, &ctx, 4);
    rotate(&mut s, &ctx, "G", &Selection::Ids(ids[..1].to_vec()), false).unwrap();
    let before: Vec<i64> = groups::members(s.conn(), 1).unwrap().iter().map(|m| m.credit).collect();
    rotate(&mut s, &ctx, "G", &Selection::Ids(ids[1..].to_vec()), false).unwrap();
    assign::undo(&mut s, &ctx).unwrap();
    let after: Vec<i64> = groups::members(s.conn(), 1).unwrap().iter().map(|m| m.credit).collect();
    assert_eq!(before, after);
}

#[test]
fn random_draws_follow_the_weights() {
    let (mut s, mut ctx) = office(Method::Random, 2, "2026-03-10T10:00:00Z");
    groups::set_weight(&mut s, &ctx, "G", "Tom", 3).unwrap();
    ctx.seed = Some(2026);
    let ids = leads(&mut s, &ctx, 2000);
    rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
    let tom = sequence(&s, &ids).iter().filter(|o| *o == "Tom").count() as f64 / 2000.0;
    // 3 : 1 is a share of 0.75; 2,000 draws put it within ±0.03 (more than 3 standard deviations).
    assert!((tom - 0.75).abs() < 0.03, "Tom's share {tom}");
}

#[test]
fn balanced_ties_go_to_whoever_waited_longest() {
    let (mut s, ctx) = office(Method::Balanced, 3, "2026-03-10T10:00:00Z");
    let at_hour = |h: u32| Ctx { pinned_now: Some(at(&format!("2026-03-10T{h:02}:00:00Z"))), ..ctx.clone() };
    // One lead an hour: all at 0 open leads and never served, so rotation order decides.
    let mut ids = Vec::new();
    for h in 10..13 {
        let id = leads(&mut s, &at_hour(h), 1);
        rotate(&mut s, &at_hour(h), "G", &Selection::Ids(id.clone()), false).unwrap();
        ids.extend(id);
    }
    assert_eq!(sequence(&s, &ids), ["Tom", "Stephanie", "Lewis"]);
    // Stephanie wins hers, so she is least busy and served at 13:00.
    leads::move_status(&mut s, &ctx, ids[1], "Won").unwrap();
    let id = leads(&mut s, &at_hour(13), 1);
    rotate(&mut s, &at_hour(13), "G", &Selection::Ids(id.clone()), false).unwrap();
    assert_eq!(sequence(&s, &id), ["Stephanie"]);
    // All hold one open lead now. Rotation order after Stephanie says Lewis,
    // but Tom has waited longest (10:00): the tie is his.
    let id = leads(&mut s, &at_hour(14), 1);
    rotate(&mut s, &at_hour(14), "G", &Selection::Ids(id.clone()), false).unwrap();
    assert_eq!(sequence(&s, &id), ["Tom"]);
}

#[test]
fn a_member_at_the_open_lead_cap_gets_no_more_until_they_work_some() {
    let (mut s, ctx) = office(Method::Sequential, 2, "2026-03-10T10:00:00Z");
    let cap = GroupChanges { max_open: Some(2), ..GroupChanges::default() };
    groups::set(&mut s, &ctx, "G", &cap).unwrap();
    let owned = leads(&mut s, &ctx, 2);
    assign::assign(&mut s, &ctx, &Selection::Ids(owned.clone()), "Tom").unwrap();
    let ids = leads(&mut s, &ctx, 3);
    let r = rotate(&mut s, &ctx, "G", &Selection::Ids(ids.clone()), false).unwrap();
    assert_eq!(sequence(&s, &ids), ["Stephanie", "Stephanie", "-"]);
    assert_eq!(r.unassigned[0].reason, "all members at limit");
    let show =
        leadrota::core::rotation::Distributor::load(s.conn(), &groups::find(s.conn(), "G").unwrap(), &ctx).unwrap();
    assert_eq!(show.members[0].ineligible().as_deref(), Some("at open-lead cap (2/2)"));
    // Tom closes one: he may take one more.
    leads::move_status(&mut s, &ctx, owned[0], "Lost").unwrap();
    rotate(&mut s, &ctx, "G", &Selection::Ids(vec![ids[2]]), false).unwrap();
    assert_eq!(sequence(&s, &ids[2..]), ["Tom"]);
    healthy(&s, &ctx);
}

#[test]
fn nobody_off_shift_or_away_gets_a_lead_and_the_backlog_says_why() {
    // Tuesday 2026-03-10, 19:00 in Berlin.
    let (mut s, ctx) = office(Method::Sequential, 2, "2026-03-10T18:00:00Z");
    users::set_hours(&mut s, &ctx, "Tom", Some("Mon-Fri 09:00-17:30")).unwrap();
    users::set_away(&mut s, &ctx, "Stephanie", Some("2026-03-12")).unwrap();
    let ids = leads(&mut s, &ctx, 1);
    let r = rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
    assert_eq!(r.unassigned[0].reason, "nobody on shift");
    let g = groups::find(s.conn(), "G").unwrap();
    let dist = leadrota::core::rotation::Distributor::load(s.conn(), &g, &ctx).unwrap();
    let reasons: Vec<String> = dist.members.iter().filter_map(|m| m.ineligible()).collect();
    assert_eq!(reasons, ["off shift until Wed 09:00", "away until 2026-03-12"]);
    // Wednesday 09:30: Tom is on shift, Stephanie still away.
    let morning = Ctx { pinned_now: Some(at("2026-03-11T08:30:00Z")), ..ctx.clone() };
    rotate(&mut s, &morning, "G", &unassigned(), false).unwrap();
    assert_eq!(sequence(&s, &ids), ["Tom"]);
    // Manual assignment ignores shifts.
    let more = leads(&mut s, &ctx, 1);
    assign::assign(&mut s, &ctx, &Selection::Ids(more), "Stephanie").unwrap();
    healthy(&s, &ctx);
}

#[test]
fn reclaim_takes_untouched_leads_only_and_at_most_reclaim_max_times() {
    let (mut s, ctx) = office(Method::Sequential, 3, "2026-03-10T09:00:00Z");
    let set = GroupChanges { reclaim_after_hours: Some(4), reclaim_max: Some(1), ..GroupChanges::default() };
    groups::set(&mut s, &ctx, "G", &set).unwrap();
    let ids = leads(&mut s, &ctx, 3);
    rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
    assert_eq!(sequence(&s, &ids), ["Tom", "Stephanie", "Lewis"]);
    // Stephanie works hers.
    let stephanie = as_user(&s, &ctx, "Stephanie");
    leads::move_status(&mut s, &stephanie, ids[1], "Contacted").unwrap();
    let early = Ctx { pinned_now: Some(at("2026-03-10T12:00:00Z")), ..ctx.clone() };
    assert_eq!(reclaim::reclaim(&mut s, &early, false).unwrap().selected, 0, "not yet 4 hours");
    let later = Ctx { pinned_now: Some(at("2026-03-10T13:30:00Z")), ..ctx.clone() };
    let preview = reclaim::reclaim(&mut s, &later, true).unwrap();
    assert_eq!(preview.selected, 2);
    let r = reclaim::reclaim(&mut s, &later, false).unwrap();
    assert_eq!(r.assigned.len(), 2);
    let after = sequence(&s, &ids);
    assert_ne!(after[0], "Tom");
    assert_eq!(after[1], "Stephanie", "a touched lead is never reclaimed");
    assert_ne!(after[2], "Lewis");
    let tom_heard: i64 = count(&s, "SELECT count(*) FROM notifications WHERE text LIKE '%reclaimed%'");
    assert_eq!(tom_heard, 2, "the previous owners hear of it");
    // reclaim_max 1: untouched again for a day, never reclaimed a second time.
    let next_day = Ctx { pinned_now: Some(at("2026-03-11T13:30:00Z")), ..ctx.clone() };
    assert_eq!(reclaim::reclaim(&mut s, &next_day, false).unwrap().selected, 0);
    healthy(&s, &next_day);
}

#[test]
fn undoing_a_reclaim_follows_the_undo_rules() {
    let (mut s, ctx) = office(Method::Sequential, 2, "2026-03-10T09:00:00Z");
    let set = GroupChanges { reclaim_after_hours: Some(1), ..GroupChanges::default() };
    groups::set(&mut s, &ctx, "G", &set).unwrap();
    let ids = leads(&mut s, &ctx, 2);
    rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
    let later = Ctx { pinned_now: Some(at("2026-03-10T11:00:00Z")), ..ctx.clone() };
    reclaim::reclaim(&mut s, &later, false).unwrap();
    assert_eq!(sequence(&s, &ids), ["Stephanie", "Tom"]);
    let undone = assign::undo(&mut s, &later).unwrap();
    assert!(undone.undid.what.starts_with("reclaim of 2 leads"), "{}", undone.undid.what);
    assert_eq!(sequence(&s, &ids), ["Tom", "Stephanie"]);
    healthy(&s, &later);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn sequential_weights_are_exact_per_cycle_and_never_in_runs(
        weights in prop::collection::vec(1i64..5, 2..5),
        cycles in 1usize..4,
        cut in 0usize..20,
    ) {
        let (mut s, ctx) = office(Method::Sequential, weights.len(), "2026-03-10T10:00:00Z");
        for (name, w) in TEAM.iter().zip(&weights) {
            groups::set_weight(&mut s, &ctx, "G", name, *w).unwrap();
        }
        let total: i64 = weights.iter().sum();
        let ids = leads(&mut s, &ctx, total as usize * cycles);
        let cut = cut.min(ids.len());
        if cut > 0 {
            rotate(&mut s, &ctx, "G", &Selection::Ids(ids[..cut].to_vec()), false).unwrap();
        }
        if cut < ids.len() {
            rotate(&mut s, &ctx, "G", &Selection::Ids(ids[cut..].to_vec()), false).unwrap();
        }
        let seq = sequence(&s, &ids);
        for (k, cycle) in seq.chunks(total as usize).enumerate() {
            for (name, w) in TEAM.iter().zip(&weights) {
                let got = cycle.iter().filter(|o| *o == name).count() as i64;
                prop_assert_eq!(got, *w, "cycle {} of {:?}: {:?}", k, weights, seq);
            }
        }
        for pair in seq.windows(2) {
            if pair[0] == pair[1] {
                let i = TEAM.iter().position(|n| *n == pair[0]).unwrap();
                let others_as_heavy = weights.iter().enumerate().any(|(j, w)| j != i && *w >= weights[i]);
                prop_assert!(!others_as_heavy, "{} twice in a row with weights {:?}: {:?}", pair[0], weights, seq);
            }
        }
    }

    #[test]
    fn balanced_picks_the_lowest_load_per_weight(
        weights in prop::collection::vec(1i64..4, 2..4),
        owned in prop::collection::vec(0usize..5, 2..4),
        n in 1usize..8,
    ) {
        let (mut s, ctx) = office(Method::Balanced, weights.len(), "2026-03-10T10:00:00Z");
        for (i, w) in weights.iter().enumerate() {
            groups::set_weight(&mut s, &ctx, "G", TEAM[i], *w).unwrap();
            let mine = leads(&mut s, &ctx, owned.get(i).copied().unwrap_or(0));
            if !mine.is_empty() {
                assign::assign(&mut s, &ctx, &Selection::Ids(mine), TEAM[i]).unwrap();
            }
        }
        for id in leads(&mut s, &ctx, n) {
            let open: Vec<i64> = (0..weights.len())
                .map(|i| leadrota::core::rotation::open_leads(s.conn(), users::find(s.conn(), TEAM[i]).unwrap().id).unwrap())
                .collect();
            rotate(&mut s, &ctx, "G", &Selection::Ids(vec![id]), false).unwrap();
            let who = owners(&s, &[id])[0].clone().unwrap();
            let i = TEAM.iter().position(|n| *n == who).unwrap();
            for j in 0..weights.len() {
                // open_j / w_j < open_i / w_i would make j the right choice.
                prop_assert!(open[j] * weights[i] >= open[i] * weights[j], "{} chosen over {} ({:?} / {:?})", who, TEAM[j], open, weights);
            }
        }
    }

    #[test]
    fn caps_limits_and_shifts_hold_under_any_interleaving(
        cap in 0i64..4,
        daily in 0i64..4,
        steps in prop::collection::vec((0i64..96, 1usize..5, any::<bool>()), 1..10),
    ) {
        let (mut s, mut ctx) = office(Method::Balanced, 3, "2026-03-09T08:00:00Z");
        let set = GroupChanges { max_open: Some(cap), daily_limit: Some(daily), ..GroupChanges::default() };
        groups::set(&mut s, &ctx, "G", &set).unwrap();
        users::set_hours(&mut s, &ctx, "Tom", Some("Mon-Fri 09:00-17:00")).unwrap();
        users::set_away(&mut s, &ctx, "Lewis", Some("2026-03-11")).unwrap();
        let start = at("2026-03-09T06:00:00Z");
        for (hours, n, close_one) in steps {
            ctx.pinned_now = Some(start + chrono::Duration::hours(hours));
            leads(&mut s, &ctx, n);
            rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
            if close_one {
                let some: Option<i64> = s.conn().query_row(
                    "SELECT min(id) FROM leads WHERE owner_id IS NOT NULL AND stage_id = 1", [], |r| r.get(0)).unwrap();
                if let Some(id) = some { leads::move_status(&mut s, &ctx, id, "Won").unwrap(); }
            }
            let report = doctor::check(&s, ctx.tz, DoctorOptions { quick: true }).unwrap();
            prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
        }
        if cap > 0 {
            prop_assert_eq!(count(&s, "SELECT count(*) FROM deliveries WHERE open_before >= cap"), 0);
        }
    }
}

#[test]
fn an_undone_reclaim_leaves_its_leads_due_again() {
    let (mut s, ctx) = office(Method::Sequential, 2, "2026-03-10T09:00:00Z");
    let set = GroupChanges { reclaim_after_hours: Some(1), reclaim_max: Some(1), ..GroupChanges::default() };
    groups::set(&mut s, &ctx, "G", &set).unwrap();
    leads(&mut s, &ctx, 2);
    rotate(&mut s, &ctx, "G", &unassigned(), false).unwrap();
    let later = Ctx { pinned_now: Some(at("2026-03-10T11:00:00Z")), ..ctx.clone() };
    assert_eq!(reclaim::reclaim(&mut s, &later, false).unwrap().assigned.len(), 2);
    assign::undo(&mut s, &later).unwrap();
    // The reclaim left nothing behind: both are due again, and reclaim_max 1 still allows it.
    assert_eq!(reclaim::reclaim(&mut s, &later, true).unwrap().selected, 2);
}

#[test]
fn settings_beyond_reason_are_refused_in_one_line() {
    let (mut s, ctx) = office(Method::Sequential, 2, "2026-03-10T09:00:00Z");
    for changes in [
        GroupChanges { reclaim_after_hours: Some(2_562_047_788_015_216), ..GroupChanges::default() },
        GroupChanges { max_open: Some(4_294_967_296), ..GroupChanges::default() },
        GroupChanges { daily_limit: Some(-1), ..GroupChanges::default() },
    ] {
        let err = groups::set(&mut s, &ctx, "G", &changes).unwrap_err().to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Nothing was stored, so the group still shows and reclaims.
    assert_eq!(reclaim::reclaim(&mut s, &ctx, true).unwrap().selected, 0);
}
