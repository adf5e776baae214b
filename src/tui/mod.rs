//! The terminal console (SPEC §5): panes over the same core the CLI uses.
//!
//! Modules depend one way: `action`, `keymap`, `theme`, `shared`, `window`,
//! `worker` → `flow` (data passed around) → `modal` → `panes` → `app` →
//! `view`; `run` carries out writes for `app`.

pub mod action;
pub mod app;
pub mod flow;
pub mod keymap;
mod memory;
pub mod modal;
pub mod panes;
pub mod run;
pub mod shared;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod window;
pub mod worker;

use std::time::{Duration, Instant};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event};

use crate::config::Config;
use crate::core::Store;
use crate::core::context::Ctx;
use crate::core::error::Result;
use crate::core::interrupt;
use app::App;
use theme::Theme;
use worker::Worker;

/// How often to look for changes made by other seats (T6: within a second).
const EXTERNAL_POLL: Duration = Duration::from_millis(400);

/// Run the console until the user quits. The terminal is restored on every
/// exit: normal, error, panic (ratatui's hook), and SIGTERM, SIGHUP or SIGINT
/// (a lost SSH session sends SIGHUP), which end the loop as `q` does; the
/// process then ends by that signal.
pub fn run(store: Store, ctx: Ctx, config: Config) -> Result<()> {
    if !has_terminal() {
        return Err(crate::core::Error::invalid(
            "the console needs a terminal on its input and output; run a command instead (leadrota --help)",
        ));
    }
    init_logging(&store);
    let theme = Theme::from_env();
    let worker = Worker::spawn(store.path().to_path_buf());
    interrupt::hold(restore_terminal);
    let result = ratatui::try_init().map_err(crate::core::Error::from).and_then(|mut terminal| {
        // A paste arrives as one event, not as keys: a pasted line break
        // must never answer a confirm.
        ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::event::EnableBracketedPaste)?;
        terminal
            .size()
            .map_err(crate::core::Error::from)
            .and_then(|size| App::new(store, ctx, config, worker, size.height))
            .and_then(|mut app| event_loop(&mut terminal, &mut app, &theme))
    });
    restore_terminal();
    interrupt::finish();
    result
}

/// Whether a person can see and type into the console: both ends a terminal.
pub fn has_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Raw mode off, the alternate screen left, the cursor shown: the terminal
/// as it was before the console, whichever way it ends.
fn restore_terminal() {
    let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::cursor::Show);
}

fn event_loop(terminal: &mut DefaultTerminal, app: &mut App, theme: &Theme) -> Result<()> {
    let mut dirty = true;
    let mut last_poll = Instant::now();
    loop {
        if dirty {
            terminal.draw(|frame| view::draw(frame, app, theme))?;
            dirty = false;
        }
        if app.quit || interrupt::received().is_some() {
            return Ok(());
        }
        if event::poll(Duration::from_millis(100))? {
            match event::read()? {
                Event::Key(key) => {
                    app.handle_key(key);
                    dirty = true;
                }
                Event::Paste(text) => {
                    app.paste(&text);
                    dirty = true;
                }
                Event::Resize(_, height) => {
                    app.resize(height)?;
                    dirty = true;
                }
                _ => {}
            }
        }
        dirty |= app.poll_worker();
        dirty |= app.expire_notice();
        if last_poll.elapsed() >= EXTERNAL_POLL {
            last_poll = Instant::now();
            dirty |= app.poll_external()?;
        }
    }
}

/// Logs go to `leadrota.log` beside the database, never to the screen.
fn init_logging(store: &Store) {
    let Some(dir) = store.path().parent().filter(|d| d.is_dir()) else { return };
    let appender = tracing_appender::rolling::never(dir, "leadrota.log");
    let _ = tracing_subscriber::fmt().with_writer(appender).with_ansi(false).try_init();
}
