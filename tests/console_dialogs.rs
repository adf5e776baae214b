//! The dialogs `console_sizes.rs` does not open, at 80×24, 120×23 and
//! 200×60 over the same million-lead office: the filter panel, the drawer's
//! pickers, the bulk confirms, the Kanban column's picker, every typed prompt
//! of Groups, Users and Routing, the rule delete and an agent's pick-up.
//! Each screen is snapshotted and checked for whole figures.

mod common;

use common::console::{app, keys, press};
use common::sizes::*;
use common::*;
use leadrota::core::Store;
use ratatui::crossterm::event::KeyCode;

#[test]
fn the_filter_panel_and_the_drawers_pickers_at_every_size() {
    dialog("filter_panel", &STATUS, |a| keys(a, "f"));
    dialog("drawer_status_picker", &STATUS, |a| {
        press(a, KeyCode::Enter);
        keys(a, "S");
    });
    dialog("drawer_owner_picker", &STATUS, |a| {
        press(a, KeyCode::Enter);
        keys(a, "o");
    });
}

#[test]
fn the_bulk_dialogs_name_a_million_leads_whole_at_every_size() {
    dialog("reassign_picker", &[MATCHING], |a| keys(a, "aR"));
    dialog("unassign_confirm", &[MATCHING], |a| keys(a, "aU"));
    // The board's column: every card of New that matches, 85,429 of them.
    dialog("kanban_column_picker", &[COLUMNS[0]], |a| keys(a, "1aA"));
}

#[test]
fn the_groups_and_users_prompts_at_every_size() {
    dialog("group_name_prompt", &[], |a| keys(a, "3nNight shift APAC partners"));
    dialog("group_daily_prompt", &[], |a| keys(a, "3D"));
    dialog("group_monthly_prompt", &[], |a| keys(a, "3M"));
    dialog("group_cap_prompt", &[], |a| keys(a, "3c"));
    dialog("group_reclaim_prompt", &[], |a| keys(a, "3H"));
    dialog("member_weight_prompt", &[], |a| keys(a, "3lw"));
    dialog("add_member_picker", &[], |a| keys(a, "3+"));
    dialog("user_name_prompt", &[], |a| keys(a, "3tnBartholomew Featherstonehaugh"));
    dialog("user_away_prompt", &[], |a| keys(a, "3tw2026-03-16"));
}

#[test]
fn the_rule_prompts_and_the_rule_delete_at_every_size() {
    dialog("rule_name_prompt", &[], |a| keys(a, "4nLinkedIn leads for the night shift"));
    dialog("rule_conditions_prompt", &[], |a| {
        keys(a, "4nLinkedIn leads for the night shift");
        press(a, KeyCode::Enter);
        keys(a, "source=LinkedIn; tag~enterprise-priority; domain=northwind-traders.example.com");
    });
    dialog("rule_delete_confirm", &[], |a| keys(a, "4x"));
}

#[test]
fn an_agents_pick_up_confirm_at_every_size() {
    let agent = |height| {
        let (s, ctx): (Store, _) = office();
        let tom = as_user(&s, &ctx, "Tom");
        app(s, tom, height)
    };
    dialog_in("pickup_confirm", &[], agent, |a| keys(a, "jjjjjjp"));
}
