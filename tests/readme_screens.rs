//! The README shows the console as it is: each pane of a demo office at
//! 100×30, drawn by the real renderer. This test fails when a picture in the
//! README is out of date; `LEADROTA_UPDATE_README=1 cargo test --test
//! readme_screens` draws them again.

mod common;

use common::console::{app, keys, screen};
use common::*;
use leadrota::core::demo::{self, DemoOptions};

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
const WIDTH: u16 = 100;
const HEIGHT: u16 = 30;

/// Each pictured pane: its name in the README's markers and the key that shows it.
const PANES: [(&str, &str); 5] =
    [("kanban", "1"), ("leads", "2"), ("groups", "3"), ("routing", "4"), ("workload", "5")];

fn screens() -> Vec<(&'static str, String)> {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    demo::generate(&mut s, &ctx, &DemoOptions { leads: 400, seed: 42 }).expect("a demo office");
    let mut console = app(s, ctx, HEIGHT);
    PANES
        .iter()
        .map(|(name, key)| {
            keys(&mut console, key);
            let text: Vec<String> =
                screen(&console, WIDTH, HEIGHT).lines().map(|line| line.trim_end().to_string()).collect();
            (*name, text.join("\n"))
        })
        .collect()
}

/// The README with each `<!-- screen: NAME -->` block holding `screens`' text.
fn drawn(readme: &str, screens: &[(&str, String)]) -> String {
    let mut out = readme.to_string();
    for (name, text) in screens {
        let open = format!("<!-- screen: {name} -->\n");
        let close = "<!-- /screen -->";
        let Some(start) = out.find(&open).map(|i| i + open.len()) else {
            panic!("the README has no `{}` block", open.trim());
        };
        let end = start + out[start..].find(close).expect("every screen block is closed");
        out.replace_range(start..end, &format!("```text\n{text}\n```\n"));
    }
    out
}

#[test]
fn the_readme_pictures_every_pane_as_the_console_draws_it() {
    let readme = std::fs::read_to_string(README).expect("the README");
    let screens = screens();
    let expected = drawn(&readme, &screens);
    if std::env::var("LEADROTA_UPDATE_README").is_ok_and(|v| v == "1") {
        std::fs::write(README, &expected).expect("write the README");
        return;
    }
    for (name, text) in &screens {
        assert!(
            readme.contains(&format!("<!-- screen: {name} -->\n```text\n{text}\n```\n")),
            "the README's picture of the {name} pane is out of date: \
             run `LEADROTA_UPDATE_README=1 cargo test --test readme_screens` and review the diff"
        );
    }
    assert_eq!(readme, expected);
}
