//! Driving the console on ratatui's TestBackend: an app over a store, a
//! screen as text, and keys pressed as a user would.

use leadrota::config::Config;
use leadrota::core::{Ctx, Store};
use leadrota::tui::app::App;
use leadrota::tui::theme::Theme;
use leadrota::tui::view::draw;
use leadrota::tui::worker::Worker;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The console over `store`, its worker answering at once.
pub fn app(store: Store, ctx: Ctx, height: u16) -> App {
    App::new(store, ctx, Config::default(), Worker::inline(), height).expect("the console starts")
}

/// What the user sees at `width`×`height`, without colours (as with `NO_COLOR`).
pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal.draw(|f| draw(f, app, &Theme { color: false })).expect("a frame");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        for x in 0..width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Where the terminal cursor sits after a frame at `width`×`height`:
/// (column, row), or `None` when no prompt shows it.
pub fn cursor(app: &App, width: u16, height: u16) -> Option<(u16, u16)> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal.draw(|f| draw(f, app, &Theme { color: false })).expect("a frame");
    let backend = terminal.backend();
    backend.cursor_visible().then(|| backend.cursor_position().into())
}

/// Type each character of `text` as a key.
pub fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        app.poll_worker();
    }
}

pub fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    app.poll_worker();
}
