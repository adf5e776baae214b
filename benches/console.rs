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

/// What a manager types into the search box, one character at a time from an
/// empty box: names, a company, an email, phone numbers as people write them
/// (digits first, then with a country code), and a name that is not there.
const SEARCHES: [&str; 10] = [
    "Müller",
    "sanders",
    "Foxglove Group",
    "linda.s",
    "305 557",
    "+49 30 4963",
    "Østergaard",
    "gmbh",
    "Zuzanna Nowak",
    "Hannah",
];

/// p50/p99 per keystroke kind over 500 presses each (every character of
/// [`SEARCHES`] for search), printed for the note.
fn report_percentiles(path: &std::path::Path) {
    let mut terminal = Terminal::new(TestBackend::new(W, H)).expect("terminal");
    let mut app = open_app(path);
    for (name, keys) in strokes() {
        let presses: Vec<Vec<KeyEvent>> = if name == "type_search_character" {
            let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
            // Each word starts from a fresh box; the Esc and '/' are not timed.
            SEARCHES
                .iter()
                .flat_map(|w| std::iter::once(vec![esc, key('/')]).chain(w.chars().map(|c| vec![key(c)])))
                .collect()
        } else {
            vec![keys; 500]
        };
        let mut samples: Vec<Duration> = Vec::with_capacity(presses.len());
        for press in &presses {
            let timed = press.first().is_none_or(|k| k.code != KeyCode::Esc);
            let started = Instant::now();
            for e in press {
                app.handle_key(*e);
            }
            frame(&app, &mut terminal);
            if timed {
                samples.push(started.elapsed() / press.len() as u32);
                if started.elapsed() > Duration::from_millis(16) {
                    println!(
                        "  over 16 ms: {name} with search {:?}: {:?}",
                        app.leads.window.filter.search,
                        started.elapsed()
                    );
                }
            }
        }
        app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        samples.sort();
        let p = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
        println!(
            "console/keystroke/{name}: p50 {:?}  p99 {:?}  max {:?}  ({} presses)",
            p(0.50),
            p(0.99),
            p(1.0),
            samples.len()
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = bench_console
}
criterion_main!(benches);
