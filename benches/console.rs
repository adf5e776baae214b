//! SPEC §8 for the console on the 1,000,000-lead demo database:
//! - start to first frame (open the store, build the App, draw 200×60);
//! - each keystroke to its next frame (state update + query + render into a
//!   200×60 TestBackend): page down, jump to end, toggle the unassigned
//!   filter, type a search character. Criterion reports the medians; the
//!   99th percentiles are printed after a separate run of 500 keystrokes each;
//! - the worst search × sort keystroke: every sort with texts that few or
//!   many leads contain, typed letter by letter — the keystroke's frame, and
//!   apart from it how long until the worker's rows arrive;
//! - resident memory across a scripted session on a copy of the fixture:
//!   previews, bulk changes, undo and searches (SPEC §8: ≤ 64 MB after it).
//!
//! `LEADROTA_CONSOLE_BENCH=session` runs only the last two reports.

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
    if std::env::var("LEADROTA_CONSOLE_BENCH").is_ok_and(|v| v == "session") {
        report_search_by_sort(&path);
        report_session_memory(&path);
        return;
    }
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
    report_search_by_sort(&path);
    report_session_memory(&path);
}

/// Resident memory of this process, from /proc (Linux), in MB.
fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Poll the worker until the list in view has its rows and count for the
/// filter in force; the time it took.
fn settle(app: &mut App) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        app.poll_worker();
        if app.active().is_none_or(|(w, n)| w.generation == app.shared.generation() && n.is_some()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    started.elapsed()
}

fn press_all(app: &mut App, keys: &[KeyEvent]) {
    for k in keys {
        app.handle_key(*k);
    }
}

fn text(s: &str) -> Vec<KeyEvent> {
    s.chars().map(key).collect()
}

fn special(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// SPEC T7: with each sort, type texts that few leads contain (`qx`, the
/// slowest of all without an index to use) and common ones; the keystroke's
/// own frame never waits for the rows, which come from the worker.
fn report_search_by_sort(path: &std::path::Path) {
    let mut terminal = Terminal::new(TestBackend::new(W, H)).expect("terminal");
    let mut app = open_app(path);
    settle(&mut app);
    let mut worst_key = (Duration::ZERO, String::new());
    let mut worst_rows = (Duration::ZERO, String::new());
    for _sort in leadrota::core::page::SortKey::ALL {
        for word in ["qx", "zzq", "an", "Müller", "305 557"] {
            press_all(&mut app, &[key('/')]);
            for c in word.chars() {
                let started = Instant::now();
                app.handle_key(key(c));
                frame(&app, &mut terminal);
                let took = started.elapsed();
                let label = format!("{word:?} typed to {c:?}, sort {}", app.shared.sort.key.as_str());
                if took > worst_key.0 {
                    worst_key = (took, label.clone());
                }
                let rows = settle(&mut app);
                if rows > worst_rows.0 {
                    worst_rows = (rows, label);
                }
            }
            press_all(&mut app, &[special(KeyCode::Esc)]);
            settle(&mut app);
        }
        press_all(&mut app, &[key('s')]);
        settle(&mut app);
    }
    println!("console/search_by_sort: worst keystroke to frame {:?} ({})", worst_key.0, worst_key.1);
    println!(
        "console/search_by_sort: worst wait for the rows, off the UI thread {:?} ({})",
        worst_rows.0, worst_rows.1
    );
}

/// SPEC §8: the console's resident memory across previews, bulk changes,
/// undo and searches on a copy of the fixture, after each step and at the end.
fn report_session_memory(path: &std::path::Path) {
    let (_dir, copy) = common::copy(path);
    let started = rss_mb();
    let mut app = open_app(&copy);
    let mut terminal = Terminal::new(TestBackend::new(W, H)).expect("terminal");
    settle(&mut app);
    let enter = special(KeyCode::Enter);
    let esc = special(KeyCode::Esc);
    let session: Vec<(&str, Vec<KeyEvent>)> = vec![
        ("first frame", vec![]),
        ("routing preview of the backlog, cancelled", vec![key('4'), key('p'), esc, key('2')]),
        (
            "rotation preview of the unassigned, cancelled",
            [vec![key('u'), key('a'), key('r')], text("inb"), vec![enter, esc, esc]].concat(),
        ),
        (
            "bulk assign of every unassigned lead",
            [vec![key('a'), key('A')], text("tom"), vec![enter, key('y')]].concat(),
        ),
        ("undo of it", vec![key('z'), key('y')]),
        ("board, filter off", vec![key('u'), key('1'), key('2')]),
        ("searches", SEARCHES.iter().flat_map(|w| [vec![key('/')], text(w), vec![esc]].concat()).collect()),
        ("sort by name, search qx", [vec![key('s'), key('/')], text("qx"), vec![esc]].concat()),
    ];
    let mut peak = started;
    for (name, keys) in session {
        for k in keys {
            app.handle_key(k);
            settle(&mut app);
            peak = peak.max(rss_mb());
        }
        frame(&app, &mut terminal);
        let now = rss_mb();
        peak = peak.max(now);
        println!("console/session_rss: after {name}: {now:.1} MB ({})", app.notice.text);
    }
    std::thread::sleep(Duration::from_millis(500));
    app.poll_worker();
    println!(
        "console/session_rss: before the console {started:.1} MB, peak {peak:.1} MB, at the end {:.1} MB (SPEC §8: ≤ 64 MB)",
        rss_mb()
    );
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
