//! The real binary in a pseudo-terminal: wait for the table, bulk assign
//! from the keyboard, quit, and check the database and the terminal.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().map(|p| p.screen().contents()).unwrap_or_default()
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {needle:?}; screen:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn bulk_assign_from_the_keyboard_in_a_real_terminal() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("team.db");
    let bin = env!("CARGO_BIN_EXE_leadrota");
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(bin).arg("--db").arg(&db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    cli(&["user", "add", "Tom"]);
    cli(&["user", "add", "Maria", "--role", "manager"]);
    cli(&["routing", "off"]);
    for i in 0..30 {
        cli(&["lead", "add", "--name", &format!("Pty lead {i}")]);
    }

    let pty = native_pty_system().openpty(PtySize { rows: 30, cols: 100, pixel_width: 0, pixel_height: 0 }).unwrap();
    let mut cmd = CommandBuilder::new(bin);
    cmd.args(["--db", db.to_str().unwrap(), "--as", "Maria"]);
    cmd.env("TERM", "xterm-256color");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let parser = Arc::new(Mutex::new(vt100::Parser::new(30, 100, 0)));
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
    let screen = Screen { parser };
    screen.wait_for("row 1 of 30");
    let mut send = |keys: &str| {
        writer.write_all(keys.as_bytes()).unwrap();
        writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    };
    send("u");
    send("a");
    screen.wait_for("selected 30");
    send("A");
    send("tom");
    screen.wait_for("Assign 30 leads to");
    send("\r");
    screen.wait_for("Assign 30 leads to Tom?");
    send("y");
    screen.wait_for("30 assigned to Tom, 0 unchanged");
    send("q");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the console did not quit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    // The alternate screen was left: the shell's screen is back.
    assert!(!screen.parser.lock().unwrap().screen().alternate_screen());

    let conn = rusqlite::Connection::open(&db).unwrap();
    let owned: i64 = conn
        .query_row("SELECT count(*) FROM leads WHERE owner_id = (SELECT id FROM users WHERE name = 'Tom')", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(owned, 30);
    let batches: i64 = conn
        .query_row("SELECT count(DISTINCT batch_id) FROM activity WHERE kind = 'assigned'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(batches, 1);
}
