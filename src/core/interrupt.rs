//! SIGINT, SIGTERM and SIGHUP: what a run leaves behind when it is told to stop.
//!
//! Nothing is installed until a run needs it ([`watch`]): a plain CLI write
//! keeps the default action (the process ends; SQLite's transaction makes
//! the write all or nothing). Once watched, a signal is handled on a thread
//! of its own (signal-hook's handler only wakes it), so the clean-up may do
//! ordinary work: it removes the temporary files registered with
//! [`TempRegistration`], and then either ends the process by the same signal
//! or, while a console [holds](hold) the run, lets the console restore the
//! terminal and end it with [`finish`].

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

/// Files to remove if a signal ends the run (temporaries of the safe writer).
static TEMP_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// The termination signal received, 0 while none.
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// A console ends the run itself after restoring the terminal.
static HELD: AtomicBool = AtomicBool::new(false);
/// What to run if the console does not end the run in time (restore the terminal).
static FALLBACK: Mutex<Option<fn()>> = Mutex::new(None);

/// How long a holding console has to end the run after a signal before the
/// signal thread runs its fallback and ends the process itself.
const GRACE: Duration = Duration::from_secs(2);

/// Start handling SIGINT, SIGTERM and SIGHUP (once per process).
pub fn watch() {
    #[cfg(unix)]
    unix::watch();
}

/// A console holds the run: on a signal it is told through [`received`] and
/// ends the run with [`finish`] once the terminal is restored; `fallback`
/// restores it from the signal thread if the console is stuck for longer
/// than a moment.
pub fn hold(fallback: fn()) {
    if let Ok(mut slot) = FALLBACK.lock() {
        *slot = Some(fallback);
    }
    HELD.store(true, Ordering::SeqCst);
    watch();
}

/// The termination signal this run received, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// End the process by the signal it received, as the signal's default action
/// would have (the parent sees "killed by SIGTERM", not a normal exit).
/// Without a received signal this returns.
pub fn finish() {
    #[cfg(unix)]
    if let Some(signal) = received() {
        let _ = signal_hook::low_level::emulate_default_handler(signal);
    }
}

/// While alive, `path` (and SQLite's `-journal` beside it) is removed if a
/// signal ends the run. Dropping it forgets the path (removing the file on
/// failure is its owner's job).
pub struct TempRegistration {
    paths: Vec<PathBuf>,
}

impl TempRegistration {
    pub fn new(path: &Path) -> TempRegistration {
        let paths = vec![path.to_path_buf(), journal_of(path)];
        if let Ok(mut files) = TEMP_FILES.lock() {
            files.extend(paths.iter().cloned());
        }
        watch();
        TempRegistration { paths }
    }
}

impl Drop for TempRegistration {
    fn drop(&mut self) {
        if let Ok(mut files) = TEMP_FILES.lock() {
            files.retain(|f| !self.paths.contains(f));
        }
    }
}

/// SQLite's rollback journal beside a database file being written.
pub fn journal_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push("-journal");
    PathBuf::from(name)
}

fn remove_temp_files() {
    if let Ok(files) = TEMP_FILES.lock() {
        for f in files.iter() {
            let _ = std::fs::remove_file(f);
        }
    }
}

#[cfg(unix)]
mod unix {
    use std::sync::Once;
    use std::sync::atomic::Ordering;
    use std::time::Instant;

    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    use super::{FALLBACK, GRACE, HELD, RECEIVED, remove_temp_files};

    static WATCH: Once = Once::new();

    pub(super) fn watch() {
        WATCH.call_once(|| {
            let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
            let _ = std::thread::Builder::new().name("signals".into()).spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    on_signal(signal);
                }
            });
        });
    }

    fn on_signal(signal: i32) {
        RECEIVED.store(signal, Ordering::SeqCst);
        remove_temp_files();
        if HELD.load(Ordering::SeqCst) {
            // The console sees `received()` within a frame, restores the
            // terminal and calls `finish`; this is only for a stuck one.
            let deadline = Instant::now() + GRACE;
            while Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            if let Some(fallback) = FALLBACK.lock().ok().and_then(|f| *f) {
                fallback();
            }
        }
        let _ = signal_hook::low_level::emulate_default_handler(signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_is_forgotten_when_dropped() {
        let path = PathBuf::from("/nonexistent/leadrota-registration-test");
        {
            let _guard = TempRegistration::new(&path);
            let files = TEMP_FILES.lock().map(|f| f.clone()).unwrap_or_default();
            assert!(files.contains(&path) && files.contains(&journal_of(&path)));
        }
        let files = TEMP_FILES.lock().map(|f| f.clone()).unwrap_or_default();
        assert!(!files.contains(&path));
    }
}
