//! SPEC §8 for the console on the 1,000,000-lead demo database:
//! - start to first frame (open the store, build the App, draw 200×60);
//! - each keystroke to its next frame (state update + query + render into a
//!   200×60 TestBackend): page down, jump to end, toggle the unassigned
//!   filter, type a search character. Criterion reports the medians; the
//!   99th percentiles are printed after a separate run of 500 keystrokes each.

mod common;

use std::time::{Duration, Instant};

use common::{ctx, fixture};
use criterion::{Criterion, criterion_group, criterion_main};
use leadrota::config::Config;
use leadrota::core::Store;
use leadrota::tui::app::App;
use leadrota::tui::theme::Theme;
use leadrota::tui::view::draw;
use leadrota::tui::worker::Worker;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const W: u16 = 200;
const H: u16 = 60;

fn open_app(path: &std::path::Path) -> App {
    let store = Store::open(path).expect("open");
    App::new(store, ctx(), Config::default(), Worker::spawn(path.to_path_buf()), H).expect("app")
}

fn frame(app: &App, terminal: &mut Terminal<TestBackend>) {
    terminal.draw(|f| draw(f, app, &Theme { color: true })).expect("draw");
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

/// The keystrokes measured, each with what undoes it so the state stays comparable.
fn strokes() -> Vec<(&'static str, Vec<KeyEvent>)> {
    vec![
        ("page_down", vec![KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)]),
        ("jump_to_end_and_back", vec![key('G'), key('g')]),
        ("toggle_unassigned", vec![key('u')]),
        ("switch_to_board_and_back", vec![key('1'), key('2')]),
        ("board_next_column_and_back", vec![key('1'), key('l'), key('h'), key('2')]),
        // Last: a search over a million leads is the slowest keystroke.
        ("type_search_character", vec![key('a'), KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)]),
    ]
}

fn bench_console(c: &mut Criterion) {
    let path = fixture();
    let mut terminal = Terminal::new(TestBackend::new(W, H)).expect("terminal");
    c.bench_function("console/start_to_first_frame", |b| {
        b.iter(|| {
            let app = open_app(&path);
            frame(&app, &mut terminal);
        })
    });
    let mut app = open_app(&path);
    for (name, keys) in strokes() {
        if name == "type_search_character" {
            app.handle_key(key('/'));
        }
        c.bench_function(&format!("console/keystroke/{name}"), |b| {
            b.iter(|| {
                for k in &keys {
                    app.handle_key(*k);
                }
                frame(&app, &mut terminal);
            })
        });
        if name == "type_search_character" {
            app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        }
    }
    report_percentiles(&path);
}

/// p50/p99 per keystroke kind over 500 presses each (60 for search), printed for the note.
fn report_percentiles(path: &std::path::Path) {
    let mut terminal = Terminal::new(TestBackend::new(W, H)).expect("terminal");
    let mut app = open_app(path);
    for (name, keys) in strokes() {
        let searching = name == "type_search_character";
        let rounds = if searching { 60 } else { 500 };
        let mut samples: Vec<Duration> = Vec::with_capacity(rounds);
        for i in 0..rounds {
            if searching && i % 4 == 0 {
                // Type a fresh word each time: "a", "ab", … up to 4 letters, then start again.
                app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
                app.handle_key(key('/'));
            }
            let k: Vec<KeyEvent> = if searching { vec![key(char::from(b'a' + (i % 4) as u8))] } else { keys.clone() };
            let started = Instant::now();
            for e in &k {
                app.handle_key(*e);
            }
            frame(&app, &mut terminal);
            samples.push(started.elapsed() / k.len() as u32);
        }
        app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        samples.sort();
        let p = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
        println!("console/keystroke/{name}: p50 {:?}  p99 {:?}  max {:?}", p(0.50), p(0.99), p(1.0));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = bench_console
}
criterion_main!(benches);
