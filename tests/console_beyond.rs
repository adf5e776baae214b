//! Beyond round-robin in the console (A15–A19): the Groups pane shows and
//! edits weights, open-lead caps and reclaim settings with the leads due;
//! the Users pane edits working hours (checked as they are typed) and away
//! dates; every eligibility reason shows where eligibility is shown.

mod common;

use common::console::{app, keys, press, screen};
use common::*;
use leadrota::core::{Ctx, Store, groups, users};
use leadrota::tui::modal::Modal;
use ratatui::crossterm::event::KeyCode;

fn sample() -> (Store, Ctx) {
    console_sample(0, 40, 6)
}

fn clear(a: &mut leadrota::tui::app::App) {
    for _ in 0..40 {
        press(a, KeyCode::Backspace);
    }
}

fn member(store: &Store, group: &str, user: &str) -> groups::Member {
    let g = groups::find(store.conn(), group).unwrap();
    groups::members(store.conn(), g.id).unwrap().into_iter().find(|m| m.user.name == user).unwrap()
}

#[test]
fn groups_pane_sets_weights_caps_and_reclaim_and_shows_why_members_are_skipped() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3c");
    clear(&mut a);
    keys(&mut a, "5");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.notice.text, "Inbound: open-lead cap 5");
    keys(&mut a, "H");
    clear(&mut a);
    keys(&mut a, "24 2");
    press(&mut a, KeyCode::Enter);
    let g = groups::find(a.store.conn(), "Inbound").unwrap();
    assert_eq!((g.max_open, g.reclaim_after_hours, g.reclaim_max), (5, 24, 2));
    keys(&mut a, "l"); // focus the members: Tom
    keys(&mut a, "w");
    clear(&mut a);
    keys(&mut a, "101");
    press(&mut a, KeyCode::Enter);
    assert!(matches!(a.modals.last(), Some(Modal::Prompt(p)) if p.error.is_some()), "101 is refused in the prompt");
    assert_eq!(member(&a.store, "Inbound", "Tom").weight, 1, "nothing written");
    clear(&mut a);
    keys(&mut a, "3");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.notice.text, "Tom weighs 3 in Inbound");
    assert_eq!(member(&a.store, "Inbound", "Tom").weight, 3);
    keys(&mut a, "jj"); // Lewis: 6 open leads, his own cap 4
    keys(&mut a, "o4");
    press(&mut a, KeyCode::Enter);
    assert_eq!(member(&a.store, "Inbound", "Lewis").max_open, Some(4));
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("at open-lead cap (6/4)"), "{shown}");
    assert!(shown.contains("open-lead cap 5 · reclaim after 24 h, ≤ 2×: 0 due"), "{shown}");
    insta::assert_snapshot!("groups_beyond_80x24", shown);
    // His cap opens as it is; Backspace empties it, which gives him the group's back.
    keys(&mut a, "o");
    assert!(matches!(a.modals.last(), Some(Modal::Prompt(p)) if p.input.value() == "4"), "opens on his cap");
    press(&mut a, KeyCode::Backspace);
    press(&mut a, KeyCode::Enter);
    assert_eq!(member(&a.store, "Inbound", "Lewis").max_open, None);
    assert!(screen(&a, 80, 24).contains("at open-lead cap (6/5)"));
}

#[test]
fn working_hours_are_checked_as_they_are_typed_and_saved_in_their_canonical_form() {
    let (s, ctx) = sample(); // Monday 2026-03-02 10:00 UTC
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3t");
    let stephanie = a.users.users.iter().position(|(u, _)| u.name == "Stephanie").unwrap();
    keys(&mut a, &"j".repeat(stephanie));
    keys(&mut a, "s");
    keys(&mut a, "mon-fri 13:00-");
    let typed = screen(&a, 80, 24);
    assert!(
        matches!(a.modals.last(), Some(Modal::Prompt(p)) if p.error.is_some()),
        "a half-typed time is flagged before Enter:\n{typed}"
    );
    press(&mut a, KeyCode::Enter);
    assert!(matches!(a.modals.last(), Some(Modal::Prompt(_))), "Enter waits for a good text");
    assert_eq!(users::find(a.store.conn(), "Stephanie").unwrap().schedule, "");
    keys(&mut a, "17:30");
    assert!(screen(&a, 80, 24).contains("reads as Mon-Fri 13:00-17:30"));
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.notice.text, "Stephanie works Mon-Fri 13:00-17:30");
    assert_eq!(users::find(a.store.conn(), "Stephanie").unwrap().schedule, "Mon-Fri 13:00-17:30");
    keys(&mut a, "j"); // the next user: away for a week
    let next = a.users.users[a.users.cursor].0.name.clone();
    keys(&mut a, "w2026-03-09");
    press(&mut a, KeyCode::Enter);
    assert_eq!(users::find(a.store.conn(), &next).unwrap().away_until, "2026-03-09");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("off shift until Mon 13:00"), "{shown}");
    assert!(shown.contains("away until 2026-03-09"), "{shown}");
    insta::assert_snapshot!("users_hours_80x24", shown);
    // Back: an empty date clears it.
    keys(&mut a, "w");
    clear(&mut a);
    press(&mut a, KeyCode::Enter);
    assert_eq!(users::find(a.store.conn(), &next).unwrap().away_until, "");
}

#[test]
fn the_rotation_preview_names_the_members_it_passes_over_and_why() {
    let (mut s, ctx) = sample();
    users::set_away(&mut s, &ctx, "Denise", Some("2026-03-09")).unwrap();
    users::set_hours(&mut s, &ctx, "Stephanie", Some("Mon-Fri 13:00-17:30")).unwrap();
    let mut a = app(s, ctx, 30);
    keys(&mut a, "u ");
    keys(&mut a, "rinbound");
    press(&mut a, KeyCode::Enter);
    let shown = screen(&a, 100, 30);
    assert!(shown.contains("not eligible now:"), "{shown}");
    assert!(shown.contains("Denise") && shown.contains("away until 2026-03-09"), "{shown}");
    assert!(shown.contains("off shift until Mon 13:00"), "{shown}");
}

#[test]
fn agents_cannot_change_weights_caps_or_hours() {
    let (s, ctx) = sample();
    let lewis = as_user(&s, &ctx, "Lewis");
    let mut a = app(s, lewis, 24);
    keys(&mut a, "3lw");
    assert!(a.modals.is_empty(), "no prompt for an agent");
    assert!(a.notice.error);
    keys(&mut a, "ts");
    assert!(a.modals.is_empty());
    assert_eq!(member(&a.store, "Inbound", "Tom").weight, 1);
}

#[test]
fn a_members_own_limits_open_as_they_are_and_are_checked_as_typed() {
    let (s, ctx) = sample();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "3lL"); // Tom's own limits: none yet
    keys(&mut a, "- 1000");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("daily the group's, monthly 1,000 (own)"), "read back as typed:\n{shown}");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.notice.text, "Tom in Inbound: daily the group's, monthly 1,000 (own)");
    let tom = member(&a.store, "Inbound", "Tom");
    assert_eq!((tom.daily_limit, tom.monthly_limit), (None, Some(1000)));
    // Opened again, the prompt holds them: Enter keeps them rather than wiping them.
    keys(&mut a, "L");
    assert!(matches!(a.modals.last(), Some(Modal::Prompt(p)) if p.input.value() == "- 1000"));
    press(&mut a, KeyCode::Enter);
    let tom = member(&a.store, "Inbound", "Tom");
    assert_eq!((tom.daily_limit, tom.monthly_limit), (None, Some(1000)));
    // A typo is named while typing and Enter waits.
    keys(&mut a, "L5x");
    assert!(screen(&a, 80, 24).contains("'5x' is not a whole number"));
    press(&mut a, KeyCode::Enter);
    assert!(matches!(a.modals.last(), Some(Modal::Prompt(_))), "Enter waits for a good text");
}

#[test]
fn a_picker_says_who_is_away_or_off_shift_as_the_users_pane_does() {
    let (mut s, ctx) = sample();
    users::set_away(&mut s, &ctx, "Stephanie", Some("2026-03-16")).unwrap();
    users::set_hours(&mut s, &ctx, "Denise", Some("Sat 09:00-12:00")).unwrap();
    let mut a = app(s, ctx, 24);
    keys(&mut a, "A");
    let shown = screen(&a, 80, 24);
    assert!(shown.contains("Stephanie  agent, away until 2026-03-16"), "{shown}");
    assert!(shown.contains("Denise  agent, off shift until Sat 09:00"), "{shown}");
    assert!(shown.contains("Tom  agent "), "{shown}");
}
