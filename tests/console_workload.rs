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

/// The gauges of a million-lead office's Enterprise group: four- and
/// five-digit open counts against a five-digit cap, a member past it and
/// off shift, one with no limits and thousands of deliveries this month.
fn enterprise_gauges(a: &mut leadrota::tui::app::App) {
    let figures = a.workload.figures.as_mut().expect("figures from the worker");
    for m in &mut figures.chart.groups[0].members {
        match m.name.as_str() {
            "Tom" => (m.month, m.monthly_limit, m.open_leads, m.max_open) = (1_500, 1_500, 9_185, 11_111),
            "Stephanie" => {
                (m.today, m.daily_limit, m.month, m.monthly_limit) = (52, 75, 1_612, 2_000);
                (m.open_leads, m.max_open) = (16_077, 11_111);
                m.unavailable = Some("off shift until Mon 08:30".into());
            }
            "Lewis" => (m.today, m.daily_limit, m.month, m.monthly_limit, m.max_open) = (39, 0, 3_545, 0, 0),
            _ => (m.month, m.monthly_limit, m.open_leads, m.max_open) = (960, 2_000, 7_093, 11_111),
        }
    }
}

/// Where each bar of a line starts: runs of three or more `█`/`·` cells
/// (a reason's ` · ` is a single one).
fn bar_starts(line: &str) -> Vec<usize> {
    let cells: Vec<char> = line.chars().collect();
    let bar = |c: char| c == '█' || c == '·';
    let mut starts = Vec::new();
    let mut at = 0;
    while at < cells.len() {
        let run = cells[at..].iter().take_while(|&&c| bar(c)).count();
        if run >= 3 {
            starts.push(at);
        }
        at += run.max(1);
    }
    starts
}

/// A figure run into the next column's words ("11,111monthly"); an
/// abbreviation (`11k`) is a figure.
fn runs_into_words(line: &str) -> bool {
    let cells: Vec<char> = line.chars().chain([' ']).collect();
    cells.windows(3).any(|w| {
        let abbreviated = (w[1] == 'k' || w[1] == 'M') && !w[2].is_alphabetic();
        w[0].is_ascii_digit() && w[1].is_alphabetic() && !abbreviated
    })
}

#[test]
fn gauges_show_four_and_five_digit_counts_whole_with_their_bars_in_line() {
    for (width, height) in [(60, 20), (80, 24), (120, 23), (200, 60)] {
        let (s, ctx) = office();
        let mut a = app(s, ctx, height);
        keys(&mut a, "5t");
        // A short window shows two members at a time: scroll through them all.
        let mut screens = Vec::new();
        for _ in 0..5 {
            enterprise_gauges(&mut a);
            screens.push(screen(&a, width, height));
            keys(&mut a, "j");
        }
        let shown = screens.join("\n");
        let at = format!("the gauges at {width}×{height}");
        sizes::assert_whole(&shown, &[9_185, 11_111, 16_077, 7_093, 3_545, 2_000], &at);
        let members: Vec<&str> = ["  Tom ", "  Stephanie ", "  Lewis ", "  Denise "]
            .iter()
            // From the name on: beside the gauges (120 columns and more) are the owners' bars.
            .filter_map(|name| shown.lines().find_map(|l| l.find(name).map(|at| &l[at..])))
            .collect();
        assert_eq!(members.len(), 4, "{at}: every member shows:\n{shown}");
        for line in &members {
            assert!(!runs_into_words(line), "{at}: a figure runs into the next column: {line}");
        }
        // Tom, Stephanie and Denise have both limits: their bars start in the same columns.
        let limited: Vec<Vec<usize>> = [members[0], members[1], members[3]].iter().map(|l| bar_starts(l)).collect();
        assert!(limited.windows(2).all(|w| w[0] == w[1]), "{at}: bars out of line {limited:?}:\n{shown}");
        if width >= 80 {
            assert_eq!(limited[0].len(), 2, "{at}: a bar for today and one for the month:\n{shown}");
        }
        insta::assert_snapshot!(format!("enterprise_gauges_{width}x{height}"), screens[0]);
    }
}

#[test]
fn sparkline_totals_give_up_their_words_before_a_figure() {
    let (s, ctx) = office();
    let mut a = app(s, ctx, 20);
    keys(&mut a, "5");
    let days = &mut a.workload.figures.as_mut().expect("figures from the worker").chart.days;
    for (i, day) in days.iter_mut().enumerate() {
        (day.new, day.unassigned) = (2_000 + i as i64, 100 + i as i64);
    }
    let total = |pick: fn(&leadrota::core::report::DayIntake) -> i64| days.iter().map(pick).sum::<i64>();
    let (new, waiting) = (total(|d| d.new), total(|d| d.unassigned));
    let (today_new, today_waiting) = days.last().map_or((0, 0), |d| (d.new, d.unassigned));
    let shown = screen(&a, 60, 20);
    sizes::assert_whole(&shown, &[new, waiting], "the sparklines at 60×20");
    for (sum, today) in [(new, today_new), (waiting, today_waiting)] {
        let sum = leadrota::core::error::thousands(sum as usize);
        let line = shown.lines().find(|l| l.contains(&sum)).unwrap_or_default();
        let rest = line.split_once(sum.as_str()).map_or("", |(_, rest)| rest).trim();
        assert!(rest.is_empty() || rest.ends_with(&format!("today {today}")), "words cut after the total: {line}");
    }
    insta::assert_snapshot!("sparklines_60x20", shown);
}

#[test]
fn a_short_window_shows_the_focused_list_rather_than_empty_boxes() {
    let (s, ctx) = office();
    let mut a = app(s, ctx, 12);
    keys(&mut a, "5");
    let shown = screen(&a, 60, 12);
    let bars = shown.lines().filter(|l| l.contains('█') || l.contains("(unassigned)")).count();
    assert!(bars >= 2, "a couple of owners' bars at 60×12:\n{shown}");
    insta::assert_snapshot!("owners_60x12", shown);
    keys(&mut a, "t");
    let shown = screen(&a, 60, 12);
    assert!(shown.contains("Inbound") && shown.contains("  Tom ") && shown.contains("today"), "{shown}");
    insta::assert_snapshot!("gauges_60x12", shown);
}
