//! The console on ratatui's TestBackend: snapshots of what a user sees, and
//! key sequences checked against the database.

mod common;

use common::console::{app, keys, press, screen};
use common::*;
use leadrota::core::assign;
use leadrota::core::{Ctx, Store};
use leadrota::tui::app::App;
use leadrota::tui::modal::Modal;
use ratatui::crossterm::event::KeyCode;

const NOW: &str = "2026-03-02T10:00:00Z";

fn sample() -> (Store, Ctx) {
    console_sample(0, 40, 6)
}

#[test]
fn leads_pane_shows_the_table_filter_and_status_bar() {
    let (s, ctx) = sample();
    let a = app(s, ctx, 24);
    insta::assert_snapshot!(screen(&a, 100, 24));
}

#[test]
fn lead_detail_drawer_shows_fields_timeline_and_why() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 30);
    press(&mut a, KeyCode::Enter);
    insta::assert_snapshot!(screen(&a, 120, 30));
}

#[test]
fn the_drawer_tells_every_time_in_office_time() {
    let (s, ctx) = sample(); // everything happened at 10:00 UTC, 11:00 in Berlin
    let berlin = Ctx { tz: ctx_in("Europe/Berlin", "2026-03-02T10:00:00Z").tz, ..ctx };
    let mut a = app(s, berlin, 30);
    press(&mut a, KeyCode::Enter);
    let shown = screen(&a, 160, 30);
    assert!(shown.contains("created  2026-03-01 11:00"), "{shown}");
    assert!(shown.contains("at 2026-03-02 11:00 (batch"), "the why, as the timeline tells time:\n{shown}");
    assert!(shown.contains("2026-03-02 11:00 system assigned → Lewis"), "the timeline:\n{shown}");
    assert!(!shown.contains("10:00"), "no UTC time is left:\n{shown}");
}

#[test]
fn a_pane_key_in_the_drawer_closes_it_and_goes_there_as_the_help_says() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "?");
    assert!(screen(&a, 80, 24).contains("Groups pane"), "the drawer's help lists the pane keys");
    press(&mut a, KeyCode::Esc);
    keys(&mut a, "3");
    assert!(a.modals.is_empty(), "the drawer closed");
    assert!(screen(&a, 80, 24).contains("Inbound"), "the Groups pane shows");
}

#[test]
fn a_long_message_wraps_so_its_last_words_stay_at_80_columns() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3nNight shift crew for the very long weekend rota");
    press(&mut a, KeyCode::Enter);
    let shown = screen(&a, 80, 24);
    assert!(a.notice.text.ends_with("add members with +"), "{}", a.notice.text);
    let notice: String = shown.lines().skip_while(|l| !l.contains("created group")).take(2).collect();
    assert!(notice.trim_end().ends_with("add members with+"), "the key to press next is shown:\n{shown}");
    assert!(shown.lines().last().unwrap_or("").contains("? help"), "the hint bar stays:\n{shown}");
    assert!(shown.contains("┌ Night shift crew for the very"), "the new group is the one selected:\n{shown}");
}

#[test]
fn a_new_user_or_rule_is_the_one_selected() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3tnAaron");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.users.users[a.users.cursor].0.name, "Aaron");
    keys(&mut a, "4nFirst");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter); // every lead
    press(&mut a, KeyCode::Enter); // to the first target
    keys(&mut a, "4nSecond");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.routing.rules.len(), 2, "{}", a.notice.text);
    assert_eq!(a.routing.rules[a.routing.cursor].name, "Second");
    keys(&mut a, "KK"); // tried first, then told so
    assert_eq!(a.routing.rules[0].name, "Second");
    assert_eq!(a.notice.text, "rule #2 is tried first already");
    keys(&mut a, "3lG"); // the last member of Inbound
    keys(&mut a, "J");
    assert_eq!(a.notice.text, "Denise is last in Inbound's rotation already");
}

#[test]
fn assign_opens_a_fuzzy_picker_then_a_confirmation_naming_the_count() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "ua"); // unassigned only, select all
    keys(&mut a, "A");
    keys(&mut a, "stph");
    insta::assert_snapshot!("picker", screen(&a, 100, 24));
    press(&mut a, KeyCode::Enter);
    insta::assert_snapshot!("confirm", screen(&a, 100, 24));
}

#[test]
fn help_lists_every_key_from_the_keymap() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 40);
    keys(&mut a, "?");
    insta::assert_snapshot!(screen(&a, 100, 40));
}

#[test]
fn a_long_find_in_the_help_keeps_its_end_and_the_cursor_in_view() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "?/");
    let long = format!("{}unassign", "x".repeat(110));
    keys(&mut a, &long);
    let shown = screen(&a, 80, 24);
    let find = shown.lines().find(|l| l.contains("find:")).expect("the find line");
    assert!(find.contains("find: …xxx"), "the start is marked as hidden: {find}");
    assert!(find.contains("xunassign   Enter done"), "the end is shown beside the cursor: {find}");
    assert!(shown.contains("no key matches 'xxx"), "the answer stays on one row above it");
    assert!(shown.lines().all(|l| l.chars().count() <= 80));
}

#[test]
fn agents_see_their_own_leads_and_pick_up_instead_of_assign() {
    let (s, ctx) = sample();
    let lewis = as_user(&s, &ctx, "Lewis");
    let mut a = app(s, lewis, 24);
    keys(&mut a, "A");
    insta::assert_snapshot!(screen(&a, 100, 24));
}

#[test]
fn someone_who_may_not_pick_up_is_told_so_before_any_confirm() {
    let (mut s, ctx) = sample();
    leadrota::core::users::set_can_pickup(&mut s, &ctx, "Maria", false).unwrap();
    let maria = as_user(&s, &ctx, "Maria");
    let mut a = app(s, maria, 24);
    keys(&mut a, "p");
    assert!(a.modals.is_empty(), "no confirm is offered: {}", screen(&a, 80, 24));
    assert!(a.notice.error && a.notice.text.contains("Maria may not pick up leads"), "{}", a.notice.text);
}

#[test]
fn a_rotation_that_would_hand_out_nothing_says_why_instead_of_asking() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx.clone(), 24);
    keys(&mut a, "r"); // the first lead is Lewis's already: refused before a group is picked
    assert!(a.modals.is_empty(), "no group picker: {}", screen(&a, 80, 24));
    assert_eq!(a.notice.text, "rotation hands out open unassigned leads; this lead is owned by Lewis");
    // Every member on leave: the whole backlog, and nobody would take any of it.
    for member in ["Tom", "Stephanie", "Lewis", "Denise"] {
        leadrota::core::users::set_leave(&mut a.store, &ctx, member, true).unwrap();
    }
    keys(&mut a, "uar");
    press(&mut a, KeyCode::Enter);
    assert!(a.modals.is_empty(), "no confirm of nothing: {}", screen(&a, 80, 24));
    assert!(a.notice.text.starts_with("Inbound would hand out none of these: 34 × "), "{}", a.notice.text);
}

#[test]
fn a_paste_is_text_in_a_text_field_and_never_keys_elsewhere() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "/");
    a.paste("Lead 1\r\nzy\t2");
    let Some(Modal::Search(search)) = a.modals.last() else { panic!("the search line stays open") };
    assert_eq!(search.input.value(), "Lead 1  zy 2", "line breaks and tabs became spaces");
    press(&mut a, KeyCode::Esc);
    // Over a confirm, a pasted "y" or line break answers nothing.
    keys(&mut a, "jjjjjjjU");
    assert!(matches!(a.modals.last(), Some(Modal::Confirm(_))));
    a.paste("y\n");
    assert!(matches!(a.modals.last(), Some(Modal::Confirm(_))), "the confirm still waits");
    assert!(a.notice.text.contains("a paste goes into a text field"), "{}", a.notice.text);
    press(&mut a, KeyCode::Esc);
    // A huge paste goes in whole up to a bound, in one go, and says it was cut.
    keys(&mut a, "/");
    a.paste(&"x".repeat(100_000));
    let Some(Modal::Search(search)) = a.modals.last() else { panic!("the search line stays open") };
    assert_eq!(search.input.value().chars().count(), 2_000);
    assert_eq!(a.notice.text, "the paste was cut to its first 2,000 characters");
    press(&mut a, KeyCode::Esc);
    // Into a prompt, a paste replaces the value it opened with, as typing does.
    keys(&mut a, "3D");
    a.paste("25");
    let Some(Modal::Prompt(prompt)) = a.modals.last() else { panic!("the limit prompt stays open") };
    assert_eq!(prompt.input.value(), "25");
}

#[test]
fn a_confirm_over_ticked_leads_names_whom_it_takes_them_from_and_refuses_them_changed() {
    let (s, ctx) = sample(); // leads 1–6 are Lewis's
    let mut a = app(s, ctx.clone(), 24);
    keys(&mut a, " j j "); // leads 1 and 2 (Lewis's) and 3
    keys(&mut a, "Atom");
    press(&mut a, KeyCode::Enter);
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("Assign 3 leads to Tom?") && shown.contains("taken from: Lewis 3"), "{shown}");
    let row = |i: usize| a.leads.window.rows[i].id;
    let (first, second, unticked) = (row(0), row(1), row(4));
    // Another seat gives an unticked lead to Denise: nothing changes for this confirm…
    assign::assign(&mut a.store, &ctx, &assign::Selection::Ids(vec![unticked]), "Denise").unwrap();
    // …and then a ticked one to Stephanie: the confirm's promise no longer holds.
    assign::assign(&mut a.store, &ctx, &assign::Selection::Ids(vec![second]), "Stephanie").unwrap();
    keys(&mut a, "y");
    assert!(a.notice.error && a.notice.text.starts_with("the selection changed: another seat"), "{}", a.notice.text);
    let owner = |id: i64| leadrota::core::leads::get(a.store.conn(), &ctx, id).unwrap().owner;
    assert_eq!(owner(second).as_deref(), Some("Stephanie"), "Stephanie keeps the lead she was given");
    assert_eq!(owner(first).as_deref(), Some("Lewis"), "nothing was written");
}

#[test]
fn a_tiny_terminal_says_so_and_never_panics() {
    let (s, ctx) = sample();
    let a = app(s, ctx, 5);
    insta::assert_snapshot!(screen(&a, 30, 5));
    for (w, h) in [(1, 1), (2, 1), (1, 3), (79, 23), (80, 24)] {
        screen(&a, w, h);
    }
}

#[test]
fn filter_unassigned_select_all_assign_to_tom_gives_tom_every_matching_lead_in_one_batch() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "ua");
    assert_eq!(
        a.leads.window.picked.count(a.counts.matching_at(a.shared.stamp()).unwrap()),
        34,
        "all pages, not only the visible rows"
    );
    keys(&mut a, "Atom");
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "y");
    assert_eq!(a.notice.text, "34 assigned to Tom, 0 unchanged");
    let s = &a.store;
    assert_eq!(count(s, "SELECT count(*) FROM leads WHERE owner_id IS NULL"), 0);
    assert_eq!(count(s, "SELECT count(*) FROM leads l JOIN users u ON u.id = l.owner_id WHERE u.name = 'Tom'"), 34);
    assert_eq!(
        count(
            s,
            "SELECT count(DISTINCT batch_id) FROM activity WHERE to_owner_id = (SELECT id FROM users WHERE name = 'Tom')"
        ),
        1
    );
    keys(&mut a, "z");
    keys(&mut a, "y");
    assert_eq!(count(&a.store, "SELECT count(*) FROM leads WHERE owner_id IS NULL"), 34, "undo restores");
}

#[test]
fn rotate_shows_the_preview_before_anything_is_written() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "u");
    for _ in 0..4 {
        press(&mut a, KeyCode::Char(' '));
    }
    keys(&mut a, "r");
    press(&mut a, KeyCode::Enter);
    insta::assert_snapshot!(screen(&a, 100, 24));
    assert_eq!(count(&a.store, "SELECT count(*) FROM deliveries"), 0, "a preview writes nothing");
    keys(&mut a, "y");
    assert_eq!(count(&a.store, "SELECT count(*) FROM deliveries"), 4);
}

#[test]
fn scrolling_past_the_window_loads_the_next_rows_and_keeps_the_position() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    let height = a.leads.window.height;
    for _ in 0..height + 3 {
        keys(&mut a, "j");
    }
    assert_eq!(a.leads.window.offset + a.leads.window.cursor as i64, height as i64 + 3);
    keys(&mut a, "G");
    assert_eq!(a.leads.window.current().map(|l| l.name.as_str()), Some("Lead 39"));
    keys(&mut a, "g");
    assert_eq!(a.leads.window.current().map(|l| l.name.as_str()), Some("Lead 0"));
    press(&mut a, KeyCode::PageDown);
    press(&mut a, KeyCode::PageUp);
    assert_eq!(a.leads.window.rows[0].name, "Lead 0");
}

#[test]
fn search_narrows_live_and_the_drawer_changes_status_and_owner() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "/Lead 39");
    assert_eq!(a.leads.window.rows.len(), 1);
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "S");
    keys(&mut a, "qual");
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "o");
    press(&mut a, KeyCode::Enter); // "Unassigned" is on top; the lead has no owner: a no-op assignment
    keys(&mut a, "y");
    keys(&mut a, "o");
    keys(&mut a, "denise");
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "y");
    let lead = leadrota::core::leads::get(a.store.conn(), &a.ctx, a.leads.window.rows[0].id).unwrap();
    assert_eq!((lead.status.as_str(), lead.owner.as_deref()), ("Qualified", Some("Denise")));
}

#[test]
fn kanban_shows_a_column_per_stage_with_counts_and_owner_initials() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "1");
    insta::assert_snapshot!("kanban_80x24", screen(&a, 80, 24));
    let (s, ctx) = sample();
    let mut big = app(s, ctx, 48);
    keys(&mut big, "1");
    insta::assert_snapshot!("kanban_160x48", screen(&big, 160, 48));
}

#[test]
fn kanban_moves_a_card_to_the_next_stage_keeping_its_owner() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "1>");
    let lead = leadrota::core::leads::get(a.store.conn(), &a.ctx, 1).unwrap();
    assert_eq!((lead.status.as_str(), lead.owner.as_deref()), ("Contacted", Some("Lewis")));
    let stamp = a.shared.stamp();
    assert_eq!([a.counts.column_at(0, stamp), a.counts.column_at(1, stamp)], [Some(39), Some(1)]);
    keys(&mut a, "l<");
    let lead = leadrota::core::leads::get(a.store.conn(), &a.ctx, 1).unwrap();
    assert_eq!(lead.status, "New");
}

#[test]
fn kanban_select_all_in_a_column_then_assign_takes_every_matching_card() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "1ua");
    assert_eq!(a.active().map(|(w, matching)| w.picked.count(matching.unwrap())), Some(34));
    keys(&mut a, "Adenise");
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "y");
    assert_eq!(a.notice.text, "34 assigned to Denise, 0 unchanged");
    assert_eq!(count(&a.store, "SELECT count(*) FROM leads WHERE owner_id IS NULL"), 0);
}

#[test]
fn ticks_in_several_board_columns_are_all_counted_and_all_acted_on() {
    let (mut s, ctx) = sample();
    let moved = 40; // an unassigned lead, moved to Contacted
    leadrota::core::leads::move_status(&mut s, &ctx, moved, "Contacted").unwrap();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "1 l "); // a card in New, then the one in Contacted
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("selected 2"), "both ticks on screen are counted:\n{shown}");
    keys(&mut a, "Atom");
    assert!(screen(&a, 80, 24).contains("Assign 2 leads to"), "{}", screen(&a, 80, 24));
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "y");
    assert_eq!(a.notice.text, "2 assigned to Tom, 0 unchanged");
    assert_eq!(count(&a.store, &format!("SELECT count(*) FROM leads WHERE id = {moved} AND owner_id IS NOT NULL")), 1);
}

fn enter(app: &mut App) {
    press(app, KeyCode::Enter);
}

#[test]
fn groups_pane_creates_a_group_adds_members_sets_limits_and_shows_who_is_next() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3n");
    keys(&mut a, "Weekend");
    enter(&mut a);
    assert_eq!(a.notice.text, "created group Weekend; add members with +");
    keys(&mut a, "j"); // Inbound, then Weekend
    assert_eq!(a.groups.groups[a.groups.group_cursor].name, "Weekend");
    for who in ["tom", "denise"] {
        keys(&mut a, "+");
        keys(&mut a, who);
        enter(&mut a);
    }
    keys(&mut a, "D");
    press(&mut a, KeyCode::Backspace);
    keys(&mut a, "-3");
    enter(&mut a);
    assert!(
        matches!(
            a.modals.last(),
            Some(leadrota::tui::modal::Modal::Prompt(leadrota::tui::modal::Prompt { error: Some(_), .. }))
        ),
        "bad limit stays in the prompt"
    );
    press(&mut a, KeyCode::Backspace);
    press(&mut a, KeyCode::Backspace);
    keys(&mut a, "3");
    enter(&mut a);
    keys(&mut a, "m"); // sequential → random
    keys(&mut a, "m"); // → balanced
    keys(&mut a, "lJ"); // focus members, move Tom below Denise
    insta::assert_snapshot!("groups_80x24", screen(&a, 80, 24));
    insta::assert_snapshot!("groups_160x48", screen(&a, 160, 48));
    let g = leadrota::core::groups::find(a.store.conn(), "Weekend").unwrap();
    assert_eq!((g.method.as_str(), g.daily_limit), ("balanced", 3));
    let order: Vec<String> =
        leadrota::core::groups::members(a.store.conn(), g.id).unwrap().into_iter().map(|m| m.user.name).collect();
    assert_eq!(order, ["Denise", "Tom"]);
}

#[test]
fn users_section_puts_on_leave_and_deactivates_with_a_handover() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3t");
    let lewis = a.users.users.iter().position(|(u, _)| u.name == "Lewis").unwrap();
    for _ in 0..lewis {
        keys(&mut a, "j");
    }
    keys(&mut a, "d");
    insta::assert_snapshot!("deactivate_choice", screen(&a, 80, 24));
    enter(&mut a); // reassign all to one user
    keys(&mut a, "stephanie");
    enter(&mut a);
    keys(&mut a, "y");
    assert_eq!(a.notice.text, "Lewis deactivated: 6 handed over, 0 left unassigned");
    assert_eq!(
        count(&a.store, "SELECT count(*) FROM leads l JOIN users u ON u.id = l.owner_id WHERE u.name = 'Stephanie'"),
        6
    );
}

#[test]
fn routing_pane_adds_a_rule_previews_the_backlog_and_runs_it() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "4n");
    keys(&mut a, "Web to Inbound");
    enter(&mut a);
    keys(&mut a, "source=Nowhere; colour=red");
    enter(&mut a);
    assert!(matches!(
        a.modals.last(),
        Some(leadrota::tui::modal::Modal::Prompt(leadrota::tui::modal::Prompt { error: Some(_), .. }))
    ));
    for _ in 0.."source=Nowhere; colour=red".len() {
        press(&mut a, KeyCode::Backspace);
    }
    keys(&mut a, "source=website");
    enter(&mut a);
    keys(&mut a, "inbound");
    enter(&mut a);
    assert_eq!(a.routing.rules.len(), 1);
    insta::assert_snapshot!("routing_80x24", screen(&a, 80, 24));
    keys(&mut a, "p");
    insta::assert_snapshot!("routing_preview", screen(&a, 100, 30));
    assert_eq!(count(&a.store, "SELECT count(*) FROM leads WHERE owner_id IS NULL"), 34, "preview writes nothing");
    keys(&mut a, "y");
    assert_eq!(count(&a.store, "SELECT count(*) FROM leads WHERE owner_id IS NULL"), 0);
    keys(&mut a, "o");
    assert!(a.routing.auto_assign, "the sample pauses routing; o switches it back on");
    insta::assert_snapshot!("routing_160x48", screen(&a, 160, 48));
}

#[test]
fn a_change_made_by_another_process_shows_up_without_a_key_press() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("team.db");
    let mut s = Store::open(&path).unwrap();
    let ctx = ctx_at(NOW);
    team(&mut s, &ctx, &["Tom"]);
    leads(&mut s, &ctx, 3);
    let mut a = app(s, ctx.clone(), 24);
    assert!(!a.poll_external().unwrap(), "nothing changed yet");
    // Another seat assigns every lead.
    let mut other = Store::open(&path).unwrap();
    assign::assign(&mut other, &ctx, &unassigned(), "Tom").unwrap();
    assert!(a.poll_external().unwrap());
    a.poll_worker();
    assert!(a.leads.window.rows.iter().all(|l| l.owner.as_deref() == Some("Tom")));
    assert_eq!(a.counts.unassigned, Some(0));
}
