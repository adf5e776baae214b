//! Every pane and dialog at 80×24, 120×23 and 200×60 with real-length data:
//! long names and companies, a long routing rule, and the counts of a
//! million-lead office (a status bar of 1,000,000 leads, a Lost column of
//! 525,552). Besides the snapshot, each screen is checked for its figures:
//! every one shown whole, in full or abbreviated (`525k`), never cut.
//! (The Groups pane at these sizes is in `console_fit.rs`.)

mod common;

use common::console::{app, cursor, keys, press, screen};
use common::sizes::*;
use common::*;
use leadrota::config::Config;
use leadrota::core::model::Role;
use leadrota::core::{Ctx, Store};
use leadrota::tui::app::App;
use leadrota::tui::worker::Worker;
use ratatui::crossterm::event::KeyCode;

#[test]
fn every_pane_shows_a_million_lead_office_whole_at_every_size() {
    for (width, height) in SIZES {
        for (name, pane_keys, figures) in [
            ("leads", "2", &STATUS[..]),
            ("kanban", "1", &[COLUMNS[0], COLUMNS[1], COLUMNS[2], COLUMNS[3], COLUMNS[4], COLUMNS[5], WAITING][..]),
            ("users", "3t", &[WAITING][..]),
            ("routing", "4", &[WAITING][..]),
        ] {
            let (s, ctx) = office();
            let mut a = app(s, ctx, height);
            keys(&mut a, pane_keys);
            million(&mut a);
            let shown = screen(&a, width, height);
            assert_whole(&shown, figures, &format!("{name} at {width}×{height}"));
            if name == "users" {
                // A manager reads who and in which groups, even at 80 columns.
                assert!(shown.contains("Alexandra Konstantino"), "{shown}");
                assert!(shown.contains("Night shift EMEA part"), "{shown}");
            }
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), shown);
        }
    }
}

#[test]
fn the_workload_pane_shows_six_and_seven_digit_figures_whole_at_every_size() {
    for (width, height) in SIZES {
        let (s, ctx) = office();
        let mut a = app(s, ctx, height);
        keys(&mut a, "5");
        let figures = a.workload.figures.as_mut().expect("the worker answered");
        // The backlog and Alexandra's open leads as in a million-lead office.
        for (bar, scale) in figures.chart.owners.iter_mut().zip([100_000, 10_000, 1]) {
            bar.by_stage.iter_mut().for_each(|n| *n *= scale);
        }
        let owners: Vec<i64> = figures.chart.owners.iter().map(|b| b.open()).collect();
        million(&mut a);
        let shown = screen(&a, width, height);
        assert!(owners.iter().any(|n| *n >= 100_000), "{owners:?}");
        assert_whole(&shown, &owners, &format!("workload at {width}×{height}"));
        insta::assert_snapshot!(format!("workload_{width}x{height}"), shown);
    }
}

#[test]
fn the_bulk_assign_picker_and_its_confirm_name_a_million_leads_whole() {
    dialog("assign_picker", &[MATCHING], |a| keys(a, "aA"));
    dialog("assign_confirm", &[MATCHING], |a| {
        keys(a, "aAalex");
        press(a, KeyCode::Enter);
    });
}

#[test]
fn the_drawer_search_filter_panel_and_help_at_every_size() {
    dialog("drawer", &STATUS, |a| press(a, KeyCode::Enter));
    dialog("search", &[WAITING], |a| keys(a, "/north"));
    dialog("help", &STATUS, |a| keys(a, "?"));
    dialog("status_ticks", &STATUS, |a| {
        keys(a, "fj");
        press(a, KeyCode::Enter);
    });
}

#[test]
fn the_routing_dialogs_at_every_size() {
    dialog("rule_target_picker", &[], |a| {
        keys(a, "4e");
        press(a, KeyCode::Enter);
    });
    dialog("rule_unknown_value", &[], |a| {
        keys(a, "4n");
        keys(a, "LinkedIn leads for the night shift");
        press(a, KeyCode::Enter);
        keys(a, "source=LinkdIn; tag=enterprise-priority");
        press(a, KeyCode::Enter); // asked now, before the target is picked
    });
    dialog("routing_preview", &[], |a| keys(a, "4p"));
}

#[test]
fn the_groups_dialogs_at_every_size() {
    dialog("pickup_ticks", &[], |a| keys(a, "3jP"));
    dialog("member_limits_prompt", &[], |a| keys(a, "3jlL"));
}

#[test]
fn the_rotation_offboarding_hours_and_note_dialogs_at_every_size() {
    dialog("rotate_preview", &[], |a| {
        keys(a, "jjjjjjr"); // the first unassigned lead
        press(a, KeyCode::Enter);
    });
    dialog("deactivate_preview", &[], |a| {
        keys(a, "3td");
        press(a, KeyCode::Enter); // reassign all to one user…
        keys(a, "steph");
        press(a, KeyCode::Enter); // …Stephanie: the preview
    });
    dialog("hours_prompt", &[], |a| keys(a, "3tsMon-Fri 09:00-17:30"));
    dialog("note_prompt", &[1_250], |a| {
        press(a, KeyCode::Enter);
        keys(a, "nCalled back, wants a quote for 1,250 seats");
    });
}

#[test]
fn the_status_bar_of_a_long_named_manager_keeps_every_figure_whole_at_80_columns() {
    let (mut s, ctx) = office();
    add_user(&mut s, &ctx, "Maximilian Oberhauser-Lindqvist", Role::Manager);
    let max = as_user(&s, &ctx, "Maximilian Oberhauser-Lindqvist");
    let mut a = app(s, max, 24);
    million(&mut a);
    keys(&mut a, "a"); // every lead selected: a 7-digit selection too
    million(&mut a);
    let shown = screen(&a, 80, 24);
    let status = shown.lines().nth(22).unwrap_or("");
    assert_whole(status, &[WAITING, MATCHING], "the status bar");
    assert!(status.contains("row 1 of 1,000,000"), "the name is cut before a figure is abbreviated: {status}");
    assert!(status.contains("Maximilian"), "who acts stays, cut if need be: {status}");
    insta::assert_snapshot!("status_bar_of_a_long_name_80x24", status);
}

/// The office, its latest batch (the six leads assigned to Alexandra)
/// grown to 1,234,567 leads as a million-lead office's rotation would be.
/// The extra rows stand for leads this test does not need to hold.
fn office_after_a_big_batch() -> (Store, Ctx) {
    let (s, ctx) = office();
    s.conn()
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1234561)
             INSERT INTO activity (lead_id, at, actor_id, kind, to_owner_id, via, batch_id)
             SELECT 10000000 + n.i, a.at, a.actor_id, a.kind, a.to_owner_id, a.via, a.batch_id
             FROM n, (SELECT * FROM activity WHERE kind = 'assigned' ORDER BY id DESC LIMIT 1) AS a;
             PRAGMA foreign_keys = ON;",
        )
        .unwrap();
    (s, ctx)
}

#[test]
fn the_undo_confirm_names_a_seven_digit_batch_whole_at_every_size() {
    dialog_in("undo_confirm", &[BIG_BATCH], |height| console(office_after_a_big_batch(), height), |a| keys(a, "z"));
}

/// Leads in the batch undo takes back.
const BIG_BATCH: i64 = 1_234_567;

/// A CRM export with long status names, rows by the thousand, a known
/// owner and one nobody here has, in a folder of its own; its path.
fn crm_export() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("leadrota-console-sizes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(IMPORT_FILE);
    let mut csv = String::from("Name,Email,Status,Owner\n");
    for (status, rows, owner) in [
        ("Qualified – awaiting procurement sign-off", AWAITING, "Alexandra Konstantinopoulou"),
        ("Negotiating contract terms with legal", NEGOTIATING, "Tom"),
        ("New", 3, "Bartholomew Featherstonehaugh"),
    ] {
        for i in 0..rows {
            let who = format!("Lead {}", name_of(i));
            csv.push_str(&format!("{who},{}@example.com,{status},{owner}\n", who.replace(' ', ".").to_lowercase()));
        }
    }
    std::fs::write(&file, csv).unwrap();
    file
}

/// A name without digits for `i` (a cut name is never taken for a cut number).
fn name_of(i: i64) -> String {
    let letters = |mut n: i64| {
        let mut s = String::new();
        for _ in 0..4 {
            s.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
        }
        s
    };
    letters(i)
}

const IMPORT_FILE: &str = "HubSpot contacts export, EMEA and DACH partners, March 2026 (final).csv";
const AWAITING: i64 = 1_250;
const NEGOTIATING: i64 = 1_042;

/// The console of a manager whose config file has a long path, where a
/// mapping would be saved.
fn importer(height: u16) -> App {
    let (s, ctx) = office();
    let file = "/home/maria.konstantinopoulou/.config/leadrota/config.toml";
    let config = Config { file: Some(file.into()), ..Config::default() };
    App::new(s, ctx, config, Worker::inline(), height).unwrap()
}

#[test]
fn the_import_dialogs_at_every_size() {
    let file = crm_export();
    let path = file.to_string_lossy().into_owned();
    dialog("import_path_prompt", &[], |a| {
        keys(a, "i");
        keys(a, "~/Documents/Quarterly exports from the old CRM/2026-03/");
        keys(a, IMPORT_FILE);
    });
    let typed = |a: &mut App| {
        keys(a, "i");
        keys(a, &path);
        press(a, KeyCode::Enter);
    };
    dialog("import_stage_picker", &[AWAITING], typed);
    let mapped = |a: &mut App| {
        typed(a);
        keys(a, "Qualified");
        press(a, KeyCode::Enter);
    };
    dialog("import_second_stage_picker", &[NEGOTIATING], mapped);
    let both = |a: &mut App| {
        mapped(a);
        keys(a, "Proposal");
        press(a, KeyCode::Enter);
    };
    dialog_in("import_save_mapping", &[], importer, both);
    for (width, height) in SIZES {
        let mut a = importer(height);
        both(&mut a);
        let shown = screen(&a, width, height);
        let at = format!("the save question at {width}×{height}");
        assert!(shown.contains("Save to the config file  the next export needs no mapping"), "{at}:\n{shown}");
        assert!(shown.contains("Only for this import"), "{at}:\n{shown}");
        // The path gives up its start, never its file name or the question.
        assert!(
            shown.contains("Save the 2 status mappings to …") && shown.contains("/leadrota/config.toml? "),
            "{at}:\n{shown}"
        );
    }
    let rows = AWAITING + NEGOTIATING + 3;
    dialog_in("import_confirm", &[AWAITING + NEGOTIATING, rows, AWAITING, NEGOTIATING], importer, |a| {
        both(a);
        keys(a, "only");
        press(a, KeyCode::Enter);
    });
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}

/// Where a prompt's text and cursor are at 80×24: the line holding the
/// cursor, and the cursor's column in it.
fn prompt_line(a: &App) -> (String, usize, String) {
    let shown = screen(a, 80, 24);
    let (x, y) = cursor(a, 80, 24).unwrap_or_else(|| panic!("a prompt shows the cursor:\n{shown}"));
    let line = shown.lines().nth(usize::from(y)).unwrap_or("").to_string();
    (line, usize::from(x), shown)
}

/// The text of a line before column `x`.
fn before(line: &str, x: usize) -> String {
    line.chars().take(x).collect()
}

#[test]
fn a_long_path_scrolls_so_its_file_name_and_the_cursor_stay_in_view_at_80x24() {
    let folders = "~/Documents/Quarterly exports from the old CRM/2026-03/EMEA and DACH partners/";
    let path =
        format!("{folders}{}", "x".repeat(150 - folders.len() - "contacts-final.csv".len()) + "contacts-final.csv");
    assert_eq!(path.chars().count(), 150);
    for (width, height) in SIZES {
        let mut a = console(office(), height);
        million(&mut a);
        keys(&mut a, "i");
        keys(&mut a, &path);
        let shown = screen(&a, width, height);
        let (x, y) = cursor(&a, width, height).unwrap_or_else(|| panic!("the cursor shows:\n{shown}"));
        let line = shown.lines().nth(usize::from(y)).unwrap_or("");
        assert!(
            before(line, usize::from(x)).ends_with("contacts-final.csv"),
            "at {width}×{height} the cursor follows the file name:\n{shown}"
        );
        if width == 80 {
            assert!(line.contains("│…"), "the hidden start is marked: {line}");
            insta::assert_snapshot!("import_long_path_prompt_80x24", shown);
        }
    }
    // Back to the start: the start shows and the hidden end is marked.
    let mut a = console(office(), 24);
    keys(&mut a, "i");
    keys(&mut a, &path);
    press(&mut a, KeyCode::Home);
    let (line, x, shown) = prompt_line(&a);
    assert!(line[line.find('│').unwrap_or(0)..].starts_with("│~/Documents/Quarterly"), "{shown}");
    assert!(line.contains("…│"), "the hidden end is marked: {line}");
    assert_eq!(before(&line, x).chars().last(), Some('│'), "the cursor on the first character: {line}");
}

#[test]
fn a_long_note_keeps_its_last_words_and_the_cursor_in_view_at_80x24() {
    let mut a = console(office(), 24);
    press(&mut a, KeyCode::Enter);
    keys(&mut a, "n");
    let note = "Called back on Monday: wants a quote for 1,250 seats across the EMEA and DACH offices, \
                procurement signs off by the end of March, call Giovanna again on Friday";
    keys(&mut a, note);
    let (line, x, shown) = prompt_line(&a);
    assert!(before(&line, x).ends_with("call Giovanna again on Friday"), "{shown}");
    assert!(!shown.contains("1,250 seats across"), "the start scrolled out of the one line:\n{shown}");
    // Enter saves the whole note, not what the line shows.
    press(&mut a, KeyCode::Enter);
    let shown = screen(&a, 200, 60);
    assert!(shown.contains("Called back on Monday"), "{shown}");
}

/// A refused answer's error is shown whole: the box grows by the rows the
/// error takes as it wraps word by word, which for many words carried over
/// is more than its length divided by the width.
#[test]
fn a_long_error_under_a_prompt_is_shown_to_its_last_word() {
    // Words of 20 letters: two to a row of 58, where the length alone counts almost three.
    let words: Vec<String> = (0..20).map(|i| format!("folder{i:02}abcdefghijkl")).collect();
    let path = format!("/nonexistent/{}/contacts-final.csv", words.join(" "));
    for (width, height) in SIZES {
        let mut a = console(office(), height);
        keys(&mut a, "i");
        keys(&mut a, &path);
        press(&mut a, KeyCode::Enter);
        let shown = screen(&a, width, height);
        assert!(shown.contains("cannot open /nonexistent/folder00abcdefghijkl"), "at {width}×{height}:\n{shown}");
        assert!(shown.contains("directory (os error 2)"), "at {width}×{height}:\n{shown}");
    }
}
