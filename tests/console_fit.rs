//! The console at 80×24 (and 120×23, 200×60): every key reachable in the
//! help, the hint bar keeping the help key, and the triage queue one key away.

mod common;

use common::console::{app, keys, press, screen};
use common::*;
use leadrota::config::Config;
use leadrota::core::{Ctx, Store};
use leadrota::tui::action::{Action, IntoEnumIterator};
use leadrota::tui::app::App;
use leadrota::tui::keymap::Context;
use leadrota::tui::modal::help::{Row, rows};
use leadrota::tui::worker::Worker;
use ratatui::crossterm::event::KeyCode;

/// The words of a screen's help box, its rows joined, spaces collapsed.
fn help_text(screen: &str) -> String {
    let rows: Vec<&str> = screen
        .lines()
        .filter_map(|l| {
            let start = l.find('│')?;
            let end = l.rfind('│')?;
            (end > start).then(|| &l[start + '│'.len_utf8()..end])
        })
        .collect();
    rows.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Page through the help with PgDn to its end, gathering what is shown.
fn whole_help(a: &mut App) -> String {
    let mut seen = String::new();
    let mut last = String::new();
    for _ in 0..50 {
        let shown = help_text(&screen(a, 80, 24));
        if shown == last {
            break;
        }
        seen.push(' ');
        seen.push_str(&shown);
        last = shown;
        press(a, KeyCode::PageDown);
    }
    seen
}

#[test]
fn every_key_of_every_pane_is_reachable_in_the_help_at_80x24() {
    let (s, ctx) = console_sample(0, 40, 6);
    let mut a = app(s, ctx, 24);
    // Each pane's help, and the drawer's, opened where a user would open it.
    for (pane_key, context) in [
        ("2", Context::Leads),
        ("1", Context::Kanban),
        ("3", Context::Groups),
        ("4", Context::Routing),
        ("5", Context::Workload),
        ("2\n", Context::Detail),
    ] {
        for key in pane_key.chars() {
            if key == '\n' { press(&mut a, KeyCode::Enter) } else { keys(&mut a, &key.to_string()) }
        }
        keys(&mut a, "?");
        let seen = whole_help(&mut a);
        for row in rows(&a.keymap, context) {
            if let Row::Key { keys, desc } = row {
                let wanted = squeeze(&format!("{keys} {desc}"));
                assert!(seen.contains(&wanted), "in the {context:?} help at 80×24, '{wanted}' is never shown");
            }
        }
        press(&mut a, KeyCode::Esc);
        if context == Context::Detail {
            press(&mut a, KeyCode::Esc); // and the drawer under it
        }
        assert!(a.modals.is_empty(), "Esc closes the help");
    }
    // The Users section, reached with t from Groups.
    keys(&mut a, "3t?");
    let seen = whole_help(&mut a);
    for row in rows(&a.keymap, Context::Users) {
        if let Row::Key { keys, desc } = row {
            assert!(seen.contains(&squeeze(&format!("{keys} {desc}"))), "Users help lacks {keys} {desc}");
        }
    }
}

#[test]
fn every_action_of_the_keymap_is_in_some_help() {
    let (s, ctx) = console_sample(0, 4, 1);
    let a = app(s, ctx, 24);
    let contexts =
        [Context::Leads, Context::Kanban, Context::Groups, Context::Users, Context::Routing, Context::Detail];
    let shown: Vec<Row> = contexts.iter().flat_map(|c| rows(&a.keymap, *c)).collect();
    for action in Action::iter() {
        let bound = contexts
            .iter()
            .chain([Context::Global, Context::Confirm, Context::Help].iter())
            .any(|c| a.keymap.key_for(*c, action).is_some());
        assert!(bound, "{} has no key", action.name());
    }
    assert!(shown.iter().any(|r| matches!(r, Row::Key { desc, .. } if desc.starts_with("Triage queue"))));
}

#[test]
fn the_help_finds_a_key_by_what_it_does() {
    let (s, ctx) = console_sample(0, 4, 1);
    let mut a = app(s, ctx, 24);
    keys(&mut a, "?/undo");
    press(&mut a, KeyCode::Enter);
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("Undo your last batch"), "{shown}");
    assert!(!shown.contains("Assign to a user"), "only matching keys stay:\n{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn the_hint_bar_keeps_the_help_key_and_prints_words_not_action_names() {
    let (s, ctx) = console_sample(0, 4, 1);
    let mut a = app(s, ctx, 24);
    for pane in ["1", "2", "3", "4"] {
        keys(&mut a, pane);
        let shown = screen(&a, 80, 24);
        let hints = shown.lines().last().unwrap_or("");
        assert!(hints.trim_end().ends_with("? help"), "pane {pane}: {hints}");
        for identifier in ["move item up", "toggle select", "cycle method", "new item"] {
            assert!(!hints.contains(identifier), "pane {pane} shows an action name: {hints}");
        }
    }
}

#[test]
fn a_notice_sits_on_its_own_line_and_the_hints_stay() {
    let (s, ctx) = console_sample(0, 4, 1);
    let mut a = app(s, ctx, 24);
    a.set_notice("group 'Partners' is the target of rule #1, #7", true);
    let shown = screen(&a, 80, 24);
    let lines: Vec<&str> = shown.lines().collect();
    assert!(lines[21].contains("group 'Partners' is the target"), "{shown}");
    assert!(lines[22].contains("row 1 of 4"), "the status bar stays: {shown}");
    assert!(lines[23].trim_end().ends_with("? help"), "the hints stay: {shown}");
}

#[test]
fn the_triage_key_shows_open_unassigned_leads_waiting_past_the_alert_oldest_first_and_counts_as_waiting() {
    // 40 leads of the last day, the first 6 Lewis's; the first 20 made 3 days older.
    let (s, ctx) = console_sample(0, 40, 6);
    s.conn().execute("UPDATE leads SET created_at = created_at - 3 * 86400 WHERE id <= 20", []).unwrap();
    // Close one old unassigned lead: it is not waiting for anyone.
    let lost = s.conn().query_row("SELECT id FROM stages WHERE name = 'Lost'", [], |r| r.get::<_, i64>(0)).unwrap();
    s.conn()
        .execute("UPDATE leads SET stage_id = ?1 WHERE id = (SELECT MIN(id) FROM leads WHERE owner_id IS NULL)", [lost])
        .unwrap();
    let waiting = leadrota::core::filter::Filter::waiting(&ctx, 24);
    let expected = leadrota::core::leads::count(s.conn(), &waiting).unwrap();
    assert_eq!(expected, 13, "leads 7 to 20 are unassigned and old, one of them closed");
    let mut a = app(s, ctx, 24);
    keys(&mut a, "S"); // reversed first: the queue puts oldest first again
    keys(&mut a, "w");
    let shown = screen(&a, 80, 24);
    assert_eq!(a.counts.waiting, Some(expected));
    assert!(shown.contains(&format!("row 1 of {expected}")), "{shown}");
    assert!(shown.contains(&format!("waiting >24h {expected}")), "{shown}");
    assert!(shown.contains("Sort: oldest first"), "{shown}");
    assert!(shown.contains("Filter: triage queue: open, unassigned, waiting >24h"), "named as what it is:\n{shown}");
    let ages: Vec<i64> = a.leads.window.rows.iter().map(|l| l.created_at).collect();
    assert!(ages.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert!(a.leads.window.rows.iter().all(|l| l.owner.is_none() && l.status != "Lost"));
    keys(&mut a, "w");
    assert!(screen(&a, 80, 24).contains("Filter: all leads"), "the key again shows every lead");
}

#[test]
fn reverse_sort_flips_the_order() {
    let (s, ctx) = console_sample(0, 10, 1);
    let mut a = app(s, ctx, 24);
    let first = a.leads.window.rows[0].id;
    keys(&mut a, "S");
    assert!(screen(&a, 80, 24).contains("Sort: newest first"));
    assert_ne!(a.leads.window.rows[0].id, first, "newest first now");
    // Sorted by time in stage, the age shown is that time, so the order can be seen.
    keys(&mut a, "ssss");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("Sort: newest in stage first") && shown.contains("In stage"), "{shown}");
}

#[test]
fn a_120x23_window_works_and_only_a_tiny_one_is_refused() {
    let (s, ctx) = console_sample(0, 40, 6);
    let a = app(s, ctx, 23);
    let shown = screen(&a, 120, 23);
    assert!(!shown.contains("too small"), "{shown}");
    assert!(shown.contains("row 1 of 40"), "{shown}");
    assert!(screen(&a, 50, 10).contains("too small"));
}

#[test]
fn the_config_chooses_the_leads_columns_and_a_cut_cell_ends_in_an_ellipsis() {
    let (mut s, ctx) = console_sample(0, 3, 1);
    let long = leadrota::core::model::NewLead {
        name: "Elizabeth Esposito-Vanderbilt".into(),
        phone: "+49 30 1234567".into(),
        company: "Northwind Traders International".into(),
        tags: vec!["vip".into(), "berlin".into()],
        ..Default::default()
    };
    leadrota::core::distribute::create_lead(&mut s, &ctx, &long).unwrap();
    let config = Config::parse(
        "[console]\ncolumns = [\"name\", \"phone\", \"tags\", \"company\", \"waiting\"]\n",
        std::path::Path::new("config.toml"),
    )
    .unwrap();
    let a = App::new(s, ctx, config, Worker::inline(), 24).unwrap();
    let shown = screen(&a, 80, 24);
    let header = shown.lines().nth(2).unwrap_or("");
    assert!(squeeze(header) == "Name Phone Tags Company Waiting", "{header}");
    assert!(shown.contains("+49 30 1234567"), "a phone is shown whole:\n{shown}");
    assert!(shown.contains("berlin, vip"), "{shown}");
    assert!(shown.contains("Elizabeth Esposit…"), "a cut name ends in …:\n{shown}");
    insta::assert_snapshot!(shown);
}

/// A group with long names, four-digit limits and deliveries, two pick-up
/// statuses, and a member removed from the middle.
fn groups_office() -> (Store, Ctx) {
    use leadrota::core::groups::{self, GroupChanges, MemberChanges, Method};
    let (mut s, ctx) = console_sample(0, 40, 1);
    add_user(&mut s, &ctx, "Alexandra Konstantinopoulou", leadrota::core::model::Role::Agent);
    group(
        &mut s,
        &ctx,
        "Night shift EMEA partners",
        Method::Sequential,
        1500,
        2000,
        &["Denise", "Alexandra Konstantinopoulou", "Tom", "Stephanie"],
    );
    let pickup = GroupChanges { pickup_statuses: Some(vec!["New".into(), "Contacted".into()]), ..Default::default() };
    groups::set(&mut s, &ctx, "Night shift EMEA partners", &pickup).unwrap();
    let removal = MemberChanges { remove: vec!["Tom".into()], ..Default::default() };
    groups::change_members(&mut s, &ctx, "Night shift EMEA partners", &removal).unwrap();
    leadrota::core::distribute::rotate(&mut s, &ctx, "Night shift EMEA partners", &unassigned(), false).unwrap();
    (s, ctx)
}

#[test]
fn the_groups_pane_shows_whole_counts_named_pick_up_statuses_and_the_order_after_a_removal_at_every_size() {
    for (width, height) in [(80, 24), (120, 23), (200, 60)] {
        let (s, ctx) = groups_office();
        let mut a = app(s, ctx, height);
        keys(&mut a, "3j");
        let shown = screen(&a, width, height);
        for whole in ["13/1,500", "13/2,000"] {
            assert!(shown.contains(whole), "{width}×{height}: '{whole}' is cut:\n{shown}");
        }
        assert!(shown.contains("pick-up: New, Contacted"), "{width}×{height}:\n{shown}");
        let order: Vec<&str> = shown
            .lines()
            .filter(|l| l.contains("/1,500"))
            .filter_map(|l| ["Denise", "Alexandra", "Stephanie", "Tom"].into_iter().find(|n| l.contains(n)))
            .collect();
        assert_eq!(
            order,
            ["Denise", "Alexandra", "Stephanie"],
            "{width}×{height}: the order after a removal:\n{shown}"
        );
        insta::assert_snapshot!(format!("groups_{width}x{height}"), shown);
    }
}

#[test]
fn deleting_a_group_a_rule_sends_to_is_refused_before_any_confirm() {
    let (mut s, ctx) = groups_office();
    let rule = leadrota::core::rules::TargetName::Group("Night shift EMEA partners".into());
    leadrota::core::rules::add(&mut s, &ctx, "Partners", &rule, &[], None).unwrap();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3jx");
    assert!(a.modals.is_empty(), "no confirm is offered");
    assert!(a.notice.text.contains("is the target of rule #1"), "{}", a.notice.text);
}

#[test]
fn limit_prompts_start_empty_and_a_members_own_limit_takes_one_number() {
    let (s, ctx) = console_sample(0, 4, 1);
    let mut s = s;
    group(&mut s, &ctx, "Weekend", leadrota::core::groups::Method::Sequential, 0, 0, &["Tom"]);
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3D");
    let shown = screen(&a, 80, 24);
    assert!(!shown.contains("│0"), "the prompt is not prefilled with 0:\n{shown}");
    keys(&mut a, "7");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.notice.text, "Inbound: daily limit 7 per member");
    keys(&mut a, "lL5");
    press(&mut a, KeyCode::Enter);
    assert!(!a.notice.error, "{}", a.notice.text);
    assert!(screen(&a, 80, 24).contains("0/5"), "Tom's own daily limit");
}

#[test]
fn a_long_rule_condition_ends_in_an_ellipsis_and_prompt_titles_are_never_lost() {
    let (mut s, ctx) = groups_office();
    let conditions = leadrota::core::rules::parse_conditions(
        "source=Referral; tag~enterprise-priority; domain=northwind-traders.example.com",
    )
    .unwrap();
    let target = leadrota::core::rules::TargetName::Group("Night shift EMEA partners".into());
    leadrota::core::rules::add(&mut s, &ctx, "Enterprise referrals from partners", &target, &conditions, None).unwrap();
    let mut a = app(s, ctx, 60);
    keys(&mut a, "4");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("source=Referral and"), "{shown}");
    assert!(shown.lines().any(|l| l.contains("source=Referral") && l.contains('…')), "cut with …:\n{shown}");
    insta::assert_snapshot!("routing_80x24", shown);
    // The edit prompt's title is long: whole in the border at 200×60, wrapped inside at 80×24.
    keys(&mut a, "e");
    let wide = screen(&a, 200, 60);
    let title = "Conditions of #1 Enterprise referrals from partners (; between them)";
    assert!(wide.contains(title), "{wide}");
    let narrow = squeeze(&screen(&a, 80, 24).replace('│', " "));
    assert!(narrow.contains("Conditions of #1 Enterprise referrals from partners"), "{narrow}");
    insta::assert_snapshot!("rule_prompt_200x60", wide);
}

#[test]
fn the_filter_panel_shows_what_is_set_takes_several_statuses_and_open_only() {
    let (s, ctx) = console_sample(0, 10, 1);
    let mut a = app(s, ctx, 24);
    keys(&mut a, "fj"); // the panel, on Status
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "jjjj jx"); // the tick list: Won, then Lost (Space or x ticks)
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter); // opened again: Won and Lost are ticked
    assert!(screen(&a, 80, 24).contains("[x] Won"), "{}", screen(&a, 80, 24));
    press(&mut a, KeyCode::Esc);
    keys(&mut a, "jjjjj"); // Open leads only
    press(&mut a, KeyCode::Enter);
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("Status          Won|Lost"), "{shown}");
    assert!(shown.contains("Open leads only yes"), "{shown}");
    assert!(shown.contains("Owner           any"), "{shown}");
    assert!(shown.contains("Filter: open · status Won|Lost"), "{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn the_filter_panels_dates_are_checked_as_typed_and_read_back_as_typed() {
    let (s, ctx) = console_sample(0, 10, 1);
    let mut a = app(s, ctx, 24);
    keys(&mut a, "fjjjjj"); // Created until
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "2026-13-45");
    assert!(screen(&a, 80, 24).contains("'2026-13-45' is not a date"), "{}", screen(&a, 80, 24));
    press(&mut a, KeyCode::Enter);
    assert!(matches!(a.modals.last(), Some(leadrota::tui::modal::Modal::Prompt(_))), "Enter waits for a date");
    for _ in 0..10 {
        press(&mut a, KeyCode::Backspace);
    }
    keys(&mut a, "2026-03-31");
    assert!(screen(&a, 80, 24).contains("leads created on 2026-03-31 or earlier"));
    press(&mut a, KeyCode::Enter);
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("Created until   2026-03-31"), "once, not 'until until':\n{shown}");
    assert!(shown.contains("Filter: until 2026-03-31"), "{shown}");
    // Opened again, the prompt holds the date in force.
    press(&mut a, KeyCode::Enter);
    assert!(matches!(a.modals.last(), Some(leadrota::tui::modal::Modal::Prompt(p)) if p.input.value() == "2026-03-31"));
}
