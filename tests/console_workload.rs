//! The Workload pane (T9): bars, gauges and sparklines drawn from figures the
//! worker made, checked as a user sees them at 80×24 and 200×60.

mod common;

use common::console::{app, keys, press, screen};
use common::*;
use leadrota::core::model::NewLead;
use leadrota::core::{Ctx, Store, distribute, groups, leads as lead_ops, users};
use leadrota::tui::flow::Pane;
use ratatui::crossterm::event::KeyCode;

/// The console sample with a working office: Inbound (daily 5, open-lead cap
/// 8) has handed out 17 leads this morning (Lewis, holding 6 already, only
/// 2), Tom weighs 2, Stephanie starts at 13:00, Denise is away for a week;
/// leads came in over the last two weeks and some have moved on.
fn office() -> (Store, Ctx) {
    let (mut s, ctx) = console_sample(5, 40, 6);
    let changes = groups::GroupChanges { max_open: Some(8), ..Default::default() };
    groups::set(&mut s, &ctx, "Inbound", &changes).unwrap();
    groups::set_weight(&mut s, &ctx, "Inbound", "Tom", 2).unwrap();
    distribute::rotate(&mut s, &ctx, "Inbound", &unassigned(), false).unwrap();
    users::set_hours(&mut s, &ctx, "Stephanie", Some("Mon-Fri 13:00-17:30")).unwrap();
    users::set_away(&mut s, &ctx, "Denise", Some("2026-03-09")).unwrap();
    for day in 1..14 {
        for i in 0..(day % 5) {
            let new = NewLead {
                name: format!("Day {day} lead {i}"),
                created_at: Some(ctx.now_ts() - day * 86_400),
                ..NewLead::default()
            };
            distribute::create_lead(&mut s, &ctx, &new).unwrap();
        }
    }
    for (id, status) in [(1, "Contacted"), (2, "Contacted"), (3, "Qualified"), (7, "Proposal"), (8, "Won")] {
        lead_ops::move_status(&mut s, &ctx, id, status).unwrap();
    }
    (s, ctx)
}

#[test]
fn workload_pane_draws_bars_by_stage_gauges_against_limits_and_daily_sparklines() {
    let (s, ctx) = office();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "5");
    assert_eq!(a.pane, Pane::Workload);
    insta::assert_snapshot!("workload_80x24", screen(&a, 80, 24));
    let mut wide = app(a.store, a.ctx.clone(), 60);
    keys(&mut wide, "5");
    insta::assert_snapshot!("workload_200x60", screen(&wide, 200, 60));
}

#[test]
fn the_figures_are_the_cores_and_follow_the_filter_in_force() {
    let (s, ctx) = office();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "5");
    let chart = &a.workload.figures.as_ref().expect("figures from the worker").chart;
    let inbound = &chart.groups[0];
    let today: Vec<(&str, i64)> = inbound.members.iter().map(|m| (m.name.as_str(), m.today)).collect();
    assert_eq!(today, [("Tom", 5), ("Stephanie", 5), ("Lewis", 2), ("Denise", 5)], "Lewis stopped at his cap");
    let owners: i64 = chart.owners.iter().map(|o| o.open()).sum();
    let open = count(&a.store, "SELECT count(*) FROM leads WHERE stage_id IN (SELECT id FROM stages WHERE closed = 0)");
    assert_eq!(owners, open, "every open lead is in one bar");
    // Only unassigned leads: one bar, and a new generation's figures.
    keys(&mut a, "2u5");
    let figures = a.workload.figures.as_ref().unwrap();
    assert_eq!(figures.stamp.filter, a.shared.generation());
    let bars: Vec<Option<&str>> = figures.chart.owners.iter().map(|o| o.owner.as_deref()).collect();
    assert_eq!(bars, [None]);
    assert!(screen(&a, 80, 24).contains("(unassigned)"));
}

#[test]
fn figures_of_another_filter_are_never_shown_as_current() {
    let (s, ctx) = office();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "5");
    if let Some(f) = a.workload.figures.as_mut() {
        f.stamp.filter += 1;
    }
    let shown = screen(&a, 80, 24);
    assert!(!shown.contains("(unassigned)"), "no bar of an old filter:\n{shown}");
    assert!(shown.contains("…"), "{shown}");
    assert!(shown.contains("Tom"), "the gauges do not depend on the filter:\n{shown}");
}

#[test]
fn keys_scroll_the_focused_list_and_t_moves_between_them() {
    let (s, ctx) = office();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "5jj");
    assert_eq!((a.workload.owner_offset, a.workload.member_offset), (2, 0));
    keys(&mut a, "tj");
    assert_eq!((a.workload.owner_offset, a.workload.member_offset), (2, 1));
    keys(&mut a, &"j".repeat(50));
    assert_eq!(a.workload.member_offset, 4, "stops at the last member");
    assert!(screen(&a, 80, 24).contains("▶ Deliveries"), "the focused list is marked without colour");
}

#[test]
fn agents_are_told_the_workload_is_for_managers() {
    let (s, ctx) = office();
    let tom = as_user(&s, &ctx, "Tom");
    let mut a = app(s, tom, 24);
    keys(&mut a, "5");
    assert!(a.workload.figures.is_none(), "nothing about other people's leads is read for an agent");
    assert!(screen(&a, 80, 24).contains("the workload is for admins and managers"));
}

#[test]
fn a_rotation_made_in_the_leads_pane_shows_in_the_gauges() {
    let (mut s, ctx) = office();
    groups::set(&mut s, &ctx, "Inbound", &groups::GroupChanges { daily_limit: Some(0), ..Default::default() }).unwrap();
    let mut a = app(s, ctx, 24);
    let delivered = |a: &leadrota::tui::app::App| -> i64 {
        a.workload.figures.as_ref().unwrap().chart.groups[0].members.iter().map(|m| m.today).sum()
    };
    keys(&mut a, "5");
    let before = delivered(&a);
    keys(&mut a, "2u ");
    keys(&mut a, "r");
    keys(&mut a, "inbound");
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "y");
    keys(&mut a, "5");
    assert_eq!(delivered(&a), before + 1, "{}", a.notice.text);
}
