//! The real binary in a pseudo-terminal: wait for what a user would see,
//! type, quit, and check the database and the terminal.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_leadrota");

struct Console {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    /// Dropping the master would hang up the console.
    _master: Box<dyn MasterPty + Send>,
}

impl Console {
    fn start(db: &Path, actor: &str) -> Console {
        let pty =
            native_pty_system().openpty(PtySize { rows: 30, cols: 120, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(["--db", db.to_str().unwrap(), "--as", actor]);
        cmd.env("TERM", "xterm-256color");
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(30, 120, 0)));
        let sink = Arc::clone(&parser);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut p) = sink.lock() {
                    p.process(&buf[..n]);
                }
            }
        });
        Console { parser, writer, child, _master: pty.master }
    }

    fn text(&self) -> String {
        self.parser.lock().map(|p| p.screen().contents()).unwrap_or_default()
    }

    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.text().contains(needle) {
            assert!(Instant::now() < deadline, "timed out waiting for {needle:?}; screen:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Quit with `q` and check the terminal was given back.
    fn quit(mut self) {
        self.send("q");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the console did not quit");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success());
        assert!(!self.parser.lock().unwrap().screen().alternate_screen(), "left the alternate screen");
        assert!(!self.parser.lock().unwrap().screen().hide_cursor(), "cursor shown");
        assert!(!raw_mode(self._master.as_ref()), "raw mode off");
    }
}

/// A database with Tom, a manager and `n` unassigned leads.
fn team_db(n: usize) -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("team.db");
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(BIN).arg("--db").arg(&db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    cli(&["user", "add", "Tom"]);
    cli(&["user", "add", "Maria", "--role", "manager"]);
    cli(&["routing", "off"]);
    for i in 0..n {
        cli(&["lead", "add", "--name", &format!("Pty lead {i}")]);
    }
    (dir, db)
}

fn query(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn bulk_assign_from_the_keyboard_in_a_real_terminal() {
    let (_dir, db) = team_db(30);
    let mut console = Console::start(&db, "Maria");
    console.wait_for("row 1 of 30");
    console.send("u");
    console.send("a");
    console.wait_for("selected 30");
    console.send("A");
    console.send("tom");
    console.wait_for("Assign 30 leads to");
    console.send("\r");
    console.wait_for("Assign 30 leads to Tom?");
    console.send("y");
    console.wait_for("30 assigned to Tom, 0 unchanged");
    console.quit();
    assert_eq!(query(&db, "SELECT count(*) FROM leads WHERE owner_id = (SELECT id FROM users WHERE name = 'Tom')"), 30);
    assert_eq!(query(&db, "SELECT count(DISTINCT batch_id) FROM activity WHERE kind = 'assigned'"), 1);
}

#[test]
fn kanban_moves_a_card_and_bulk_assigns_a_column_in_a_real_terminal() {
    let (_dir, db) = team_db(12);
    let mut console = Console::start(&db, "Maria");
    console.wait_for("row 1 of 12");
    console.send("1");
    console.wait_for("New (12)");
    console.send(">");
    console.wait_for("Contacted (1)");
    console.send("a");
    console.wait_for("selected 11");
    console.send("A");
    console.send("tom");
    console.send("\r");
    console.wait_for("Assign 11 leads to Tom?");
    console.send("y");
    console.wait_for("11 assigned to Tom");
    console.quit();
    assert_eq!(query(&db, "SELECT count(*) FROM leads WHERE stage_id = 2 AND owner_id IS NULL"), 1);
    assert_eq!(query(&db, "SELECT count(*) FROM leads WHERE stage_id = 1 AND owner_id IS NOT NULL"), 11);
    assert_eq!(query(&db, "SELECT count(*) FROM activity WHERE kind = 'status'"), 1);
}

/// Whether the terminal is in the console's raw mode, read from the pty:
/// no line editing, no echo, no signals from keys.
fn raw_mode(master: &dyn MasterPty) -> bool {
    let fd = master.as_raw_fd().expect("a unix pty");
    // SAFETY: tcgetattr fills the zeroed struct for a valid descriptor.
    let mut modes: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut modes) }, 0, "tcgetattr");
    modes.c_lflag & (libc::ICANON | libc::ECHO | libc::ISIG) == 0
}

#[test]
fn sigterm_sighup_and_sigint_restore_the_terminal_as_q_does() {
    let (_dir, db) = team_db(3);
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGHUP, "SIGHUP"), (libc::SIGINT, "SIGINT")] {
        let mut console = Console::start(&db, "Maria");
        console.wait_for("row 1 of 3");
        {
            let screen = console.parser.lock().unwrap();
            assert!(screen.screen().alternate_screen() && screen.screen().hide_cursor(), "{name}: console not up");
        }
        assert!(raw_mode(console._master.as_ref()), "{name}: the console runs in raw mode");
        let pid = console.child.process_id().expect("child pid") as libc::pid_t;
        // SAFETY: sends a signal to the console this test started.
        unsafe { libc::kill(pid, signal) };
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = console.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the console did not end on {name}");
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader thread may still be taking in the last bytes.
        std::thread::sleep(Duration::from_millis(200));
        let screen = console.parser.lock().unwrap();
        assert!(!screen.screen().alternate_screen(), "{name}: still on the alternate screen");
        assert!(!screen.screen().hide_cursor(), "{name}: cursor still hidden");
        drop(screen);
        assert!(!raw_mode(console._master.as_ref()), "{name}: terminal left in raw mode");
        assert!(!status.success(), "{name}: ends by the signal, not as a success: {status:?}");
    }
}
