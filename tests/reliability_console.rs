//! SPEC §7 / T6, issue 7 suite 5: the console on ratatui's TestBackend
//! resized through every size from 1×1 to 300×100 (every size up to 20 in
//! both directions, then in steps; `LEADROTA_LONG_TESTS=1` does all 30,000)
//! in each pane and with each kind of overlay open, and a storm of 10,000
//! seeded random key events. Nothing panics, and after every key the state
//! is consistent: the cursor is on a row (or there are none), no more leads
//! are selected than match the filter, no internal database error surfaced.

mod common;

use common::*;
use leadrota::config::Config;
use leadrota::core::groups::Method;
use leadrota::core::{Ctx, Store, leads};
use leadrota::tui::app::App;
use leadrota::tui::theme::Theme;
use leadrota::tui::view::draw;
use leadrota::tui::window::{Picked, Window};
use leadrota::tui::worker::Worker;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn sample() -> (Store, Ctx) {
    let (mut s, ctx) = console_sample(5, 60, 10);
    group(&mut s, &ctx, "Partners", Method::Balanced, 0, 20, &["Lewis", "Denise"]);
    (s, ctx)
}

fn app() -> App {
    let (s, ctx) = sample();
    App::new(s, ctx, Config::default(), Worker::inline(), 30).unwrap()
}

fn key(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    app.handle_key(KeyEvent::new(code, modifiers));
    app.poll_worker();
}

fn chars(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn render(terminal: &mut Terminal<TestBackend>, app: &App, width: u16, height: u16, theme: &Theme) {
    terminal.backend_mut().resize(width, height);
    terminal.autoresize().unwrap();
    terminal.draw(|f| draw(f, app, theme)).unwrap();
}

/// Every size up to 20 in both directions, then steps up to 300×100.
fn sizes() -> Vec<(u16, u16)> {
    if reliability_long() {
        return (1..=300).flat_map(|w| (1..=100).map(move |h| (w, h))).collect();
    }
    let widths: Vec<u16> = (1..=20).chain((23..300).step_by(9)).chain([79, 80, 81, 120, 300]).collect();
    let heights: Vec<u16> = (1..=20).chain((22..100).step_by(6)).chain([23, 24, 25, 100]).collect();
    widths.iter().flat_map(|&w| heights.iter().map(move |&h| (w, h))).collect()
}

fn reliability_long() -> bool {
    std::env::var_os("LEADROTA_LONG_TESTS").is_some_and(|v| v != "0" && !v.is_empty())
}

fn window_ok(w: &Window, conn: &rusqlite::Connection, what: &str) {
    assert!(w.rows.is_empty() || w.cursor < w.rows.len(), "{what}: cursor {} of {} rows", w.cursor, w.rows.len());
    assert!(w.rows.len() <= w.height.max(1), "{what}: {} rows in a window of {}", w.rows.len(), w.height);
    let matching = leads::count(conn, &w.filter).unwrap();
    let selected = w.picked.count(matching);
    assert!(selected <= matching, "{what}: {selected} selected of {matching} matching");
    if let Picked::Ids(ids) = &w.picked {
        let filter = leadrota::core::filter::Filter { ids: Some(ids.iter().copied().collect()), ..w.filter.clone() };
        if !ids.is_empty() {
            assert_eq!(
                leads::count(conn, &filter).unwrap(),
                ids.len() as i64,
                "{what}: picked leads outside the filter"
            );
        }
    }
}

fn consistent(app: &App) {
    let conn = app.store.conn();
    window_ok(&app.leads.window, conn, "leads table");
    for (i, column) in app.board.columns.iter().enumerate() {
        window_ok(&column.window, conn, &format!("kanban column {i}"));
    }
    assert!(app.board.columns.is_empty() || app.board.focus < app.board.columns.len());
    assert!(!app.notice.text.contains("database refused"), "internal error surfaced: {}", app.notice.text);
}

#[test]
fn every_size_from_1x1_to_300x100_draws_in_every_pane_and_overlay() {
    let theme_plain = Theme { color: false };
    let theme_colour = Theme { color: true };
    let mut terminal = Terminal::new(TestBackend::new(1, 1)).unwrap();
    // Each state: keys typed from a fresh app, then Enter or not.
    let states: [(&str, &str, bool); 9] = [
        ("leads", "", false),
        ("kanban", "1", false),
        ("groups", "3", false),
        ("routing", "4", false),
        ("help", "?", false),
        ("detail", "", true),
        ("picker", "aAst", false),
        ("filter panel", "f", false),
        ("search", "/李小龍 👩‍👩‍👧", false),
    ];
    let mut drawn = 0;
    for (name, typed, enter) in states {
        let mut app = app();
        chars(&mut app, typed);
        if enter {
            key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        }
        for (i, &(w, h)) in sizes().iter().enumerate() {
            app.resize(h).unwrap_or_else(|e| panic!("{name}: resize to {w}x{h}: {e}"));
            let theme = if i % 2 == 0 { &theme_plain } else { &theme_colour };
            render(&mut terminal, &app, w, h, theme);
            drawn += 1;
        }
        consistent(&app);
    }
    eprintln!("{drawn} frames drawn without a panic");
}

/// Keys a user can press: every default binding, text, and the odd ones.
fn random_key(rng: &mut ChaCha8Rng) -> (KeyCode, KeyModifiers) {
    const BOUND: &str = "qjkgGaARUrzp/fusoSnhl<>tnexmDMP+-KJ1234? ";
    const TEXT: &str = "TomLewis 0123456789;'\"%_\\李小龍👩‍👧مرحبا";
    let none = KeyModifiers::NONE;
    match rng.random_range(0..100) {
        0..=49 => {
            let c = BOUND.chars().nth(rng.random_range(0..BOUND.chars().count())).unwrap();
            let shift = if c.is_uppercase() { KeyModifiers::SHIFT } else { none };
            (KeyCode::Char(c), shift)
        }
        50..=64 => (KeyCode::Char(TEXT.chars().nth(rng.random_range(0..TEXT.chars().count())).unwrap()), none),
        65..=89 => {
            let codes = [
                KeyCode::Enter,
                KeyCode::Esc,
                KeyCode::Tab,
                KeyCode::BackTab,
                KeyCode::Up,
                KeyCode::Down,
                KeyCode::Left,
                KeyCode::Right,
                KeyCode::PageUp,
                KeyCode::PageDown,
                KeyCode::Home,
                KeyCode::End,
                KeyCode::Backspace,
                KeyCode::Delete,
            ];
            (codes[rng.random_range(0..codes.len())], none)
        }
        90..=95 => {
            let c = ['c', 'd', 'u', 'a', 'w', 'h'][rng.random_range(0..6)];
            (KeyCode::Char(c), KeyModifiers::CONTROL)
        }
        _ => {
            let odd =
                [KeyCode::F(1), KeyCode::F(12), KeyCode::Insert, KeyCode::Null, KeyCode::CapsLock, KeyCode::Char('\0')];
            (odd[rng.random_range(0..odd.len())], KeyModifiers::ALT)
        }
    }
}

#[test]
fn a_storm_of_10000_random_keys_never_panics_and_keeps_the_state_consistent() {
    let seed = std::env::var("LEADROTA_STORM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let keys = if reliability_long() { 100_000 } else { 10_000 };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut app = app();
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let theme = Theme { color: false };
    let mut height = 30;
    for n in 0..keys {
        let (code, modifiers) = random_key(&mut rng);
        app.handle_key(KeyEvent::new(code, modifiers));
        app.poll_worker();
        consistent(&app);
        if n % 25 == 0 {
            if rng.random_range(0..4) == 0 {
                height = rng.random_range(1..=80);
                app.resize(height).unwrap();
            }
            let width = rng.random_range(1..=200);
            render(&mut terminal, &app, width, height, &theme);
        }
    }
    render(&mut terminal, &app, 80, 24, &theme);
    eprintln!(
        "{keys} keys (seed {seed}): {} leads, {} batches, {} assigned",
        count(&app.store, "SELECT count(*) FROM leads"),
        count(&app.store, "SELECT count(*) FROM batches"),
        count(&app.store, "SELECT count(*) FROM leads WHERE owner_id IS NOT NULL"),
    );
}
