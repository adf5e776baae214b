//! Bulk ownership, undo, pick-up, offboarding and roles (SPEC A1–A4, A11–A13, V6, V7).

mod common;

use common::*;
use leadrota::core::assign::{self, Selection};
use leadrota::core::distribute::{self, Handover};
use leadrota::core::filter::{Filter, FilterSpec, OwnerFilter};
use leadrota::core::groups::{self, GroupChanges, Method};
use leadrota::core::model::Role;
use leadrota::core::{Error, leads};

fn setup() -> (leadrota::core::Store, leadrota::core::Ctx, Vec<i64>) {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    team(&mut s, &ctx, &["Tom", "Stephanie", "Lewis"]);
    add_user(&mut s, &ctx, "Maria", Role::Manager);
    let ids = leads(&mut s, &ctx, 10);
    (s, ctx, ids)
}

#[test]
fn bulk_assign_of_a_filter_takes_every_matching_lead_in_one_batch() {
    let (mut s, ctx, _) = setup();
    let r = assign::assign(&mut s, &ctx, &unassigned(), "Tom").unwrap();
    assert_eq!((r.changed, r.unchanged), (10, 0));
    let batch = r.batch.unwrap();
    assert_eq!(count(&s, &format!("SELECT count(*) FROM activity WHERE batch_id = {batch} AND via = 'bulk'")), 10);
    assert_eq!(count(&s, "SELECT count(DISTINCT batch_id) FROM activity WHERE kind = 'assigned'"), 1);
}

#[test]
fn leads_already_owned_by_the_target_are_left_untouched() {
    let (mut s, ctx, ids) = setup();
    assign::assign(&mut s, &ctx, &Selection::Ids(ids[..3].to_vec()), "Tom").unwrap();
    let before = count(&s, "SELECT count(*) FROM activity");
    let r = assign::assign(&mut s, &ctx, &Selection::Ids(ids[..5].to_vec()), "Tom").unwrap();
    assert_eq!((r.changed, r.unchanged), (2, 3));
    assert_eq!(count(&s, "SELECT count(*) FROM activity"), before + 2);
}

#[test]
fn reassign_records_from_and_to_and_from_user_open_only_leaves_closed_leads() {
    let (mut s, ctx, ids) = setup();
    assign::assign(&mut s, &ctx, &unassigned(), "Tom").unwrap();
    leads::move_status(&mut s, &ctx, ids[0], "Won").unwrap();
    let spec = FilterSpec { owner: Some("Tom".into()), open_only: true, ..FilterSpec::default() };
    let filter = spec.resolve(s.conn(), &ctx).unwrap();
    let r = assign::reassign(&mut s, &ctx, &Selection::Filter(filter), "Lewis").unwrap();
    assert_eq!(r.changed, 9);
    assert_eq!(owners(&s, &ids[..2]), [Some("Tom".into()), Some("Lewis".into())]);
    let (from, to): (String, String) = s
        .conn()
        .query_row(
            "SELECT (SELECT name FROM users WHERE id = from_owner_id), (SELECT name FROM users WHERE id = to_owner_id) \
             FROM activity WHERE kind = 'reassigned' LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((from.as_str(), to.as_str()), ("Tom", "Lewis"));
}

#[test]
fn assignment_never_changes_status_and_status_changes_never_change_owner() {
    let (mut s, ctx, ids) = setup();
    leads::move_status(&mut s, &ctx, ids[0], "Qualified").unwrap();
    assign::assign(&mut s, &ctx, &Selection::Ids(vec![ids[0]]), "Tom").unwrap();
    let lead = leads::move_status(&mut s, &ctx, ids[0], "Proposal").unwrap();
    assert_eq!((lead.status.as_str(), lead.owner.as_deref()), ("Proposal", Some("Tom")));
}

#[test]
fn unassign_clears_the_owner_and_an_unknown_id_changes_nothing() {
    let (mut s, ctx, ids) = setup();
    assign::assign(&mut s, &ctx, &unassigned(), "Tom").unwrap();
    let err = assign::unassign(&mut s, &ctx, &Selection::Ids(vec![ids[0], 999_999])).unwrap_err();
    assert!(err.to_string().contains("#999999"), "{err}");
    assert_eq!(owners(&s, &ids[..1]), [Some("Tom".into())]);
    let r = assign::unassign(&mut s, &ctx, &Selection::Ids(vec![ids[0]])).unwrap();
    assert_eq!(r.changed, 1);
    assert_eq!(owners(&s, &ids[..1]), [None]);
}

#[test]
fn undo_reverts_the_acting_users_latest_batch() {
    let (mut s, ctx, ids) = setup();
    let maria = as_user(&s, &ctx, "Maria");
    assign::assign(&mut s, &maria, &Selection::Ids(ids[..4].to_vec()), "Tom").unwrap();
    assign::reassign(&mut s, &maria, &Selection::Ids(ids[..2].to_vec()), "Lewis").unwrap();
    // Someone else's later batch is not Maria's to undo.
    assign::assign(&mut s, &ctx, &Selection::Ids(vec![ids[9]]), "Stephanie").unwrap();
    let r = assign::undo(&mut s, &maria).unwrap();
    assert_eq!(r.result.changed, 2);
    assert_eq!(owners(&s, &ids[..4]), vec![Some("Tom".to_string()); 4]);
    assert_eq!(count(&s, "SELECT count(*) FROM activity WHERE via = 'undo'"), 2);
    assign::undo(&mut s, &maria).unwrap();
    assert_eq!(owners(&s, &ids[..4]), vec![None; 4]);
}

#[test]
fn undo_is_refused_when_a_lead_of_the_batch_changed_since() {
    let (mut s, ctx, ids) = setup();
    let maria = as_user(&s, &ctx, "Maria");
    assign::assign(&mut s, &maria, &Selection::Ids(ids[..3].to_vec()), "Tom").unwrap();
    assign::reassign(&mut s, &ctx, &Selection::Ids(vec![ids[1]]), "Lewis").unwrap();
    let err = assign::undo(&mut s, &maria).unwrap_err();
    assert!(err.to_string().contains(&format!("lead #{} was reassigned by system since", ids[1])), "{err}");
    assert_eq!(owners(&s, &ids[..3]), [Some("Tom".into()), Some("Lewis".into()), Some("Tom".into())]);
}

#[test]
fn pickup_takes_unassigned_leads_in_a_pickup_status_of_ones_group() {
    let (mut s, ctx, ids) = setup();
    group(&mut s, &ctx, "Inbound", Method::Sequential, 1, 0, &["Tom"]);
    let set = GroupChanges { pickup_statuses: Some(vec!["New".into()]), ..Default::default() };
    groups::set(&mut s, &ctx, "Inbound", &set).unwrap();
    leads::move_status(&mut s, &ctx, ids[1], "Qualified").unwrap();
    assign::assign(&mut s, &ctx, &Selection::Ids(vec![ids[2]]), "Lewis").unwrap();
    let tom = as_user(&s, &ctx, "Tom");
    // Limits do not apply: daily 1, yet two pick-ups.
    assert_eq!(assign::pickup(&mut s, &tom, &[ids[0], ids[3]]).unwrap().changed, 2);
    // Leads Tom cannot see are "not found", their owner unnamed (V6).
    let not_pickup_status = assign::pickup(&mut s, &tom, &[ids[1]]).unwrap_err();
    assert_eq!(not_pickup_status.to_string(), format!("lead '#{}' not found", ids[1]));
    let owned = assign::pickup(&mut s, &tom, &[ids[4], ids[2]]).unwrap_err();
    assert_eq!(owned.to_string(), format!("lead '#{}' not found", ids[2]));
    let maria = as_user(&s, &ctx, "Maria");
    let owned = assign::pickup(&mut s, &maria, &[ids[2]]).unwrap_err();
    assert!(owned.to_string().contains("owned by Lewis"), "a manager may know: {owned}");
    assert_eq!(owners(&s, &[ids[4]]), [None], "all or nothing");
    let lewis = as_user(&s, &ctx, "Lewis");
    assert!(assign::pickup(&mut s, &lewis, &[ids[4]]).is_err(), "Lewis is in no group");
}

#[test]
fn deactivating_a_user_hands_over_their_open_leads() {
    for (handover, expect_owner) in [
        (Handover::ReassignTo("Stephanie".into()), Some("Stephanie")),
        (Handover::Redistribute("Inbound".into()), Some("Lewis")),
        (Handover::LeaveUnassigned, None),
    ] {
        let (mut s, ctx, ids) = setup();
        group(&mut s, &ctx, "Inbound", Method::Sequential, 0, 0, &["Tom", "Lewis"]);
        assign::assign(&mut s, &ctx, &Selection::Ids(ids[..3].to_vec()), "Tom").unwrap();
        leads::move_status(&mut s, &ctx, ids[0], "Lost").unwrap();
        distribute::deactivate(&mut s, &ctx, "Tom", &handover, false).unwrap();
        assert_eq!(owners(&s, &ids[..1]), [Some("Tom".into())], "closed leads keep their history");
        assert_eq!(owners(&s, &ids[1..3]), vec![expect_owner.map(str::to_string); 2]);
        assert_eq!(
            count(&s, "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.name = 'Tom'"),
            0
        );
        let deliveries = count(&s, "SELECT count(*) FROM deliveries");
        assert_eq!(deliveries, if matches!(handover, Handover::Redistribute(_)) { 2 } else { 0 });
    }
}

#[test]
fn agents_see_their_own_and_pickable_leads_and_cannot_assign() {
    let (mut s, ctx, ids) = setup();
    assign::assign(&mut s, &ctx, &Selection::Ids(ids[..2].to_vec()), "Tom").unwrap();
    assign::assign(&mut s, &ctx, &Selection::Ids(vec![ids[2]]), "Lewis").unwrap();
    let tom = as_user(&s, &ctx, "Tom");
    let visible = leads::count(s.conn(), &Filter::for_actor(&tom)).unwrap();
    assert_eq!(visible, 2, "no group, so no pickable leads");
    assert!(matches!(leads::get(s.conn(), &tom, ids[2]), Err(Error::NotFound { .. })));
    let err = assign::assign(&mut s, &tom, &Selection::Ids(vec![ids[5]]), "Tom").unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
    let manager = as_user(&s, &ctx, "Maria");
    assert_eq!(leads::count(s.conn(), &Filter::for_actor(&manager)).unwrap(), 10);
}

#[test]
fn each_owner_change_notifies_the_new_owner() {
    let (mut s, ctx, ids) = setup();
    assign::assign(&mut s, &ctx, &Selection::Ids(ids[..3].to_vec()), "Tom").unwrap();
    assign::reassign(&mut s, &ctx, &Selection::Ids(vec![ids[0]]), "Lewis").unwrap();
    assert_eq!(
        count(&s, "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.name = 'Tom'"),
        3
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.name = 'Lewis'"),
        1
    );
    let quiet = leadrota::core::Ctx { notify_on_assign: false, ..ctx.clone() };
    assign::assign(&mut s, &quiet, &Selection::Ids(vec![ids[5]]), "Tom").unwrap();
    assert_eq!(count(&s, "SELECT count(*) FROM notifications"), 4);
}

#[test]
fn a_filter_selection_covers_all_pages_not_only_the_visible_one() {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    team(&mut s, &ctx, &["Tom"]);
    leads(&mut s, &ctx, 2500);
    let filter = Filter { owner: OwnerFilter::Unassigned, search: "Lead 1".into(), ..Filter::default() };
    let expected = leads::count(s.conn(), &filter).unwrap();
    let r = assign::assign(&mut s, &ctx, &Selection::Filter(filter), "Tom").unwrap();
    assert_eq!(r.changed as i64, expected);
    assert_eq!(expected, 1 + 10 + 100 + 1000);
}
