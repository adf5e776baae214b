//! Sets are ticked, not typed, and a routing rule's value that no lead has
//! is asked about before it is saved, with the known values closest to it.

mod common;

use common::console::{app, keys, press, screen};
use common::*;
use leadrota::core::groups;
use leadrota::core::rules;
use ratatui::crossterm::event::KeyCode;

/// The console on Routing with a new rule's conditions typed: a question
/// about a value no lead has comes now, before the target is picked. The
/// sample's leads all come from "Website".
fn new_rule(conditions: &str) -> leadrota::tui::app::App {
    let (s, ctx) = console_sample(0, 4, 1);
    let mut a = app(s, ctx, 24);
    keys(&mut a, "4n");
    keys(&mut a, "Web leads");
    press(&mut a, KeyCode::Enter);
    keys(&mut a, conditions);
    press(&mut a, KeyCode::Enter);
    a
}

/// Pick Inbound in the target picker, which saves the rule.
fn to_inbound(a: &mut leadrota::tui::app::App) {
    assert!(screen(a, 80, 24).contains("Send matching leads to"), "the target picker: {}", screen(a, 80, 24));
    keys(a, "inbound");
    press(a, KeyCode::Enter);
}

fn saved(a: &leadrota::tui::app::App) -> Vec<String> {
    rules::list(a.store.conn()).unwrap().iter().flat_map(|r| r.conditions.iter().map(ToString::to_string)).collect()
}

#[test]
fn a_value_no_lead_has_is_asked_about_and_enter_puts_the_closest_known_one() {
    let mut a = new_rule("source=Websit; status=New");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("No lead has source 'Websit'. Did you mean Website?"), "{shown}");
    assert!(shown.contains("y save anyway · Enter pick · Esc back"), "{shown}");
    assert!(saved(&a).is_empty(), "nothing is saved while it asks");
    press(&mut a, KeyCode::Enter);
    to_inbound(&mut a);
    assert!(a.modals.is_empty(), "{}", screen(&a, 80, 24));
    assert_eq!(saved(&a), ["source=Website", "status=New"]);
}

#[test]
fn y_saves_the_value_as_typed_and_esc_goes_back_to_the_conditions() {
    let mut a = new_rule("source=Billboard");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("No lead has source 'Billboard'."), "{shown}");
    assert!(!shown.contains("Enter pick"), "nothing close to pick:\n{shown}");
    keys(&mut a, "y");
    to_inbound(&mut a);
    assert_eq!(saved(&a), ["source=Billboard"]);

    let mut a = new_rule("source=Website; tag=vipp");
    assert!(screen(&a, 80, 24).contains("No lead has tag 'vipp'."));
    press(&mut a, KeyCode::Esc);
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("source=Website; tag=vipp"), "back in the prompt, as typed:\n{shown}");
    assert!(saved(&a).is_empty());
}

#[test]
fn editing_a_rule_asks_too_and_a_known_value_is_saved_without_a_question() {
    let mut a = new_rule("status=new");
    to_inbound(&mut a);
    assert!(a.modals.is_empty(), "a known status in any case: {}", screen(&a, 80, 24));
    keys(&mut a, "e");
    press(&mut a, KeyCode::End);
    keys(&mut a, "; status=Qualifed");
    press(&mut a, KeyCode::Enter);
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("No status is called 'Qualifed'. Did you mean Qualified?"), "{shown}");
    // No lead will ever have a status that is no stage: it cannot be kept as typed.
    assert!(!shown.contains("save anyway"), "{shown}");
    keys(&mut a, "y");
    assert!(matches!(a.modals.last(), Some(leadrota::tui::modal::Modal::Ask(_))), "y does nothing here");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter); // the target picker starts on Inbound
    assert_eq!(saved(&a), ["status=new", "status=Qualified"]);
}

#[test]
fn pick_up_statuses_are_a_tick_list_that_opens_on_the_current_set() {
    let (s, ctx) = console_sample(0, 4, 1);
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3P");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("[ ] New") && shown.contains("Space ticks"), "{shown}");
    keys(&mut a, " j ");
    press(&mut a, KeyCode::Enter);
    let inbound = groups::find(a.store.conn(), "Inbound").unwrap();
    assert_eq!(inbound.pickup_stage_ids.len(), 2, "{}", a.notice.text);
    assert!(screen(&a, 80, 24).contains("pick-up: New, Contacted"));
    keys(&mut a, "P");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("[x] New") && shown.contains("[x] Contacted") && shown.contains("[ ] Won"), "{shown}");
    keys(&mut a, " ");
    press(&mut a, KeyCode::Esc);
    assert_eq!(groups::find(a.store.conn(), "Inbound").unwrap().pickup_stage_ids.len(), 2, "Esc changes nothing");
}

#[test]
fn a_rules_conditions_are_checked_as_they_are_typed() {
    let (s, ctx) = console_sample(0, 4, 1);
    let mut a = app(s, ctx, 24);
    keys(&mut a, "4nTypos");
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "foo=bar");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("unknown rule field 'foo'"), "named while typing:\n{shown}");
    press(&mut a, KeyCode::Enter);
    assert!(matches!(a.modals.last(), Some(leadrota::tui::modal::Modal::Prompt(_))), "Enter waits for good conditions");
    for _ in 0..7 {
        press(&mut a, KeyCode::Backspace);
    }
    keys(&mut a, "source=Website; tag~vip");
    assert!(screen(&a, 80, 24).contains("reads as: source=Website and tag~vip"), "{}", screen(&a, 80, 24));
}
