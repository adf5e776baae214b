//! The README's keys are the console's: every key the help (`?`) shows for a
//! pane is named in the README's part about that pane, and every key the
//! README's Leads table names is one the help shows.

use std::collections::BTreeMap;

use leadrota::tui::keymap::{Context, Keymap};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("the README")
}

/// From the line holding `start` to the next blank line.
fn part<'a>(text: &'a str, start: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("the README has no '{start}'"));
    let rest = &text[from..];
    &rest[..rest.find("\n\n").unwrap_or(rest.len())]
}

/// The console's part of the README: from its heading to the next one.
fn console_part(text: &str) -> &str {
    let from = text.find("## The console").expect("a console section");
    let rest = &text[from + 2..];
    &text[from..from + 2 + rest.find("\n## ").unwrap_or(rest.len())]
}

/// Keys the help shows for `context`, each on its own ("G/End" is G and End).
fn help_keys(km: &Keymap, context: Context) -> Vec<String> {
    km.help(context)
        .into_iter()
        .flat_map(
            |(keys, _)| {
                if keys == "/" { vec![keys] } else { keys.split('/').map(str::to_string).collect::<Vec<_>>() }
            },
        )
        .collect()
}

/// Named keys (Space, Enter, PgDn, ↑) may stand bare; letters and signs stand in backticks.
fn mentions(text: &str, key: &str) -> bool {
    if text.contains(&format!("`{key}`")) {
        return true;
    }
    let named = key.chars().count() > 1 || !key.is_ascii();
    named
        && text.match_indices(key).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + key.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
}

#[test]
fn every_key_of_the_help_is_in_the_readme_where_a_user_would_look() {
    let km = Keymap::load(&BTreeMap::new()).expect("the default keymap");
    let text = readme();
    let leads_table = part(&text, "| key | in the Leads table |");
    let places = [
        (Context::Leads, leads_table, "the Leads table"),
        (Context::Detail, leads_table, "the Leads table's drawer row"),
        (Context::Confirm, leads_table, "the Leads table's confirmation row"),
        (Context::Help, leads_table, "the Leads table's ? row"),
        (Context::Kanban, part(&text, "**Kanban** (`1`)"), "the Kanban paragraph"),
        (Context::Groups, part(&text, "**Groups** (`3`)"), "the Groups paragraph"),
        (Context::Users, part(&text, "**Groups** (`3`)"), "the Groups paragraph (Users)"),
        (Context::Routing, part(&text, "**Routing** (`4`)"), "the Routing paragraph"),
        (Context::Workload, part(&text, "**Workload** (`5`)"), "the Workload paragraph"),
        (Context::Global, console_part(&text), "the console section"),
    ];
    let mut missing = Vec::new();
    for (context, place, name) in places {
        for key in help_keys(&km, context) {
            if !mentions(place, &key) {
                missing.push(format!("{key} ({context:?}) is not in {name}"));
            }
        }
    }
    assert!(missing.is_empty(), "the README lacks keys the help shows:\n{}", missing.join("\n"));
}

#[test]
fn every_key_the_readme_table_names_is_one_the_help_shows() {
    let km = Keymap::load(&BTreeMap::new()).expect("the default keymap");
    let shown: Vec<String> = [Context::Leads, Context::Detail, Context::Confirm, Context::Help, Context::Global]
        .into_iter()
        .flat_map(|c| help_keys(&km, c))
        .collect();
    let text = readme();
    for row in part(&text, "| key | in the Leads table |").lines().skip(2) {
        let keys = row.split('|').nth(1).unwrap_or("");
        for key in keys.split('`').skip(1).step_by(2) {
            assert!(shown.iter().any(|k| k == key), "the README's '{key}' ({}) is no key of the help", keys.trim());
        }
    }
}
