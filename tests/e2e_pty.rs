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
        Console::start_with(db, &["--as", actor])
    }

    /// The console on `db` with these global options (`--as`, `--config`…).
    fn start_with(db: &Path, options: &[&str]) -> Console {
        let pty =
            native_pty_system().openpty(PtySize { rows: 30, cols: 120, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(["--db", db.to_str().unwrap()]);
        cmd.args(options);
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

    /// Wait until `test` holds for the screen; returns that screen.
    fn wait_until(&self, what: &str, test: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text();
            if test(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Wait until the list in view has its count for the filter in force.
    fn settled(&self) -> String {
        self.wait_until("the count of the filter in force", |t| {
            let status = status_line(t);
            // A board title waiting for its count reads "New (…)", or "New …" when narrow.
            let counting = t.contains("(…)") || t.contains(" …─") || t.contains(" …┐");
            (status.contains(" of ") || status.contains("no rows")) && !counting && !t.contains("searching…")
        })
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

/// The status bar: the screen's last line but one.
fn status_line(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines.iter().rev().nth(1).map_or_else(String::new, |l| l.to_string())
}

/// The number after `prefix` on the screen ("Assign 1,234 leads" → 1234).
fn number_after(screen: &str, prefix: &str) -> usize {
    let at = screen.find(prefix).unwrap_or_else(|| panic!("{prefix:?} not on screen:\n{screen}")) + prefix.len();
    let digits: String =
        screen[at..].chars().take_while(|c| c.is_ascii_digit() || *c == ',').filter(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| panic!("no number after {prefix:?}:\n{screen}"))
}

/// "  Name      12" lines under "per member:" in a confirm dialog.
fn per_member(screen: &str) -> std::collections::BTreeMap<String, usize> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let head: Vec<char> = "per member:".chars().collect();
    let found = lines
        .iter()
        .enumerate()
        .find_map(|(y, line)| (0..line.len()).find(|&x| line[x..].starts_with(&head)).map(|x| (y, x)));
    let Some((y, x)) = found else { panic!("no per-member preview on screen:\n{screen}") };
    let mut out = std::collections::BTreeMap::new();
    for line in &lines[y + 1..] {
        let body: String = line.iter().skip(x).take_while(|c| **c != '│').collect();
        let words: Vec<&str> = body.split_whitespace().collect();
        match words.as_slice() {
            [name, n] if body.starts_with("  ") && n.chars().all(|c| c.is_ascii_digit()) => {
                out.insert(name.to_string(), n.parse().unwrap_or(0));
            }
            _ => break,
        }
    }
    out
}

/// The demo office: 2,000 leads with sources, tags, 20 users, 5 groups.
fn demo_db() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("demo.db");
    let out = std::process::Command::new(BIN)
        .args(["demo", "--leads", "2000", "--seed", "7", "--no-tui", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
    (dir, db)
}

fn cli_count(db: &Path, args: &[&str]) -> usize {
    let out = std::process::Command::new(BIN).arg("--db").arg(db).arg("--json").args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    listed.as_array().map_or(0, Vec::len)
}

/// Deliveries of the newest batch, per member, as the database has them.
fn last_batch_per_member(db: &Path) -> std::collections::BTreeMap<String, usize> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT u.name, count(*) FROM activity a JOIN users u ON u.id = a.to_owner_id \
             WHERE a.batch_id = (SELECT max(id) FROM batches) GROUP BY u.name",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

const ALL: &[&str] = &["lead", "list", "--limit", "100000"];

fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    ALL.iter().copied().chain(extra.iter().copied()).collect()
}

/// Issue 13, first reproduction: after `1 2 u 1` the board's columns are the
/// unassigned ones, and select-all + assign confirms the number it writes.
#[test]
fn the_board_after_a_filter_change_elsewhere_confirms_what_it_writes() {
    let (_dir, db) = demo_db();
    let new_unassigned = cli_count(&db, &with(&["--unassigned", "--status", "New"]));
    let mut console = Console::start(&db, "Marcus");
    console.settled();
    console.send("1");
    console.send("2");
    console.send("u");
    console.settled();
    console.send("1");
    let screen = console.settled();
    assert!(screen.contains("Filter: open · unassigned"), "{screen}");
    assert_eq!(number_after(&screen, "New ("), new_unassigned, "the column counts the filter in force");
    console.send("a");
    console.send("A");
    console.send("marc");
    console.send("\r");
    let screen = console.wait_until("the confirm", |t| t.contains("to Marcus?"));
    let confirmed = number_after(&screen, "Assign ");
    console.send("y");
    console.wait_for("assigned to Marcus");
    console.quit();
    assert_eq!(confirmed, new_unassigned);
    assert_eq!(cli_count(&db, &with(&["--owner", "Marcus"])), confirmed, "what the confirm said is what changed");
}

/// Second reproduction: a filter narrowed on the board, widened on Leads,
/// then select-all on the board — and the same with a tag and unassign.
#[test]
fn a_filter_widened_in_another_pane_never_lets_a_stale_count_through() {
    let (_dir, db) = demo_db();
    let mut console = Console::start(&db, "Marcus");
    console.settled();
    console.send("1");
    console.send("u");
    console.send("f");
    console.send("jj\r");
    console.send("facebook");
    console.send("\r");
    console.send("\x1b");
    console.wait_for("Filter: open · unassigned · source Facebook");
    console.settled();
    console.send("2");
    console.send("u");
    console.wait_for("Filter: source Facebook");
    console.settled();
    console.send("1");
    let screen = console.settled();
    let facebook_new = cli_count(&db, &with(&["--source", "Facebook", "--status", "New"]));
    assert_eq!(number_after(&screen, "New ("), facebook_new);
    console.send("a");
    console.send("A");
    console.send("marc");
    console.send("\r");
    let screen = console.wait_until("the confirm", |t| t.contains("to Marcus?"));
    let confirmed = number_after(&screen, "Assign ");
    console.send("y");
    console.wait_for("assigned to Marcus");
    assert_eq!(confirmed, facebook_new);
    assert_eq!(cli_count(&db, &with(&["--owner", "Marcus"])), confirmed);

    // The tag vip instead of the source; unassign the New column.
    console.send("f");
    console.send("jjj\r");
    console.send("vip");
    console.send("\r");
    console.send("k");
    console.send("\r");
    console.send("\r"); // "Any source" is on top
    console.send("\x1b");
    console.wait_for("Filter: tag vip");
    let screen = console.settled();
    let vip_new = cli_count(&db, &with(&["--tag", "vip", "--status", "New"]));
    assert_eq!(number_after(&screen, "New ("), vip_new);
    console.send("a");
    console.send("U");
    let screen = console.wait_until("the confirm", |t| t.contains("Unassign "));
    let confirmed = number_after(&screen, "Unassign ");
    console.send("y");
    console.wait_for("unassigned,");
    console.quit();
    assert_eq!(confirmed, vip_new);
    assert_eq!(cli_count(&db, &with(&["--tag", "vip", "--status", "New", "--unassigned"])), confirmed);
}

/// Fourth and sixth reproductions: a random rotation gives each member what
/// its preview said, and `z` names the batch it undoes.
#[test]
fn a_random_rotation_runs_as_previewed_and_undo_names_its_batch() {
    let (_dir, db) = demo_db();
    let mut console = Console::start(&db, "Marcus");
    console.settled();
    console.send("u");
    console.settled();
    console.send("a");
    console.send("r");
    console.send("web");
    console.send("\r");
    let screen = console.wait_until("the rotation preview", |t| t.contains("through Web leads?"));
    let previewed = per_member(&screen);
    assert!(!previewed.is_empty(), "someone gets leads:\n{screen}");
    console.send("y");
    console.wait_for("assigned through Web leads");
    assert_eq!(last_batch_per_member(&db), previewed, "the batch is the preview");
    let batch: i64 =
        rusqlite::Connection::open(&db).unwrap().query_row("SELECT max(id) FROM batches", [], |r| r.get(0)).unwrap();
    console.send("z");
    let screen = console.wait_until("the undo confirm", |t| t.contains("Undo batch"));
    assert_eq!(number_after(&screen, "Undo batch "), batch as usize);
    assert!(screen.contains("rotation of"), "{screen}");
    console.send("y");
    console.wait_for(&format!("undid batch {batch}"));
    console.quit();
}

/// Fifth reproduction: deactivating with a redistribution is previewed per
/// member, and the batch gives each what the preview said.
#[test]
fn offboarding_is_previewed_and_runs_as_previewed() {
    let (_dir, db) = demo_db();
    let open = cli_count(&db, &with(&["--owner", "Zoë", "--open-only"]));
    let mut console = Console::start(&db, "Marcus");
    console.settled();
    console.send("3");
    console.send("t");
    console.wait_for("Pick-up");
    console.send(&"j".repeat(19));
    console.send("d");
    console.wait_for("Deactivate Zoë");
    console.send("redis");
    console.send("\r");
    console.send("inbound");
    console.send("\r");
    let screen = console.wait_until("the offboarding preview", |t| t.contains("leads)?"));
    assert_eq!(number_after(&screen, "through Inbound ("), open);
    let previewed = per_member(&screen);
    let staying = if screen.contains("stay unassigned: ") { number_after(&screen, "stay unassigned: ") } else { 0 };
    assert_eq!(previewed.values().sum::<usize>() + staying, open, "every open lead is accounted for:\n{screen}");
    console.send("y");
    console.wait_for("Zoë deactivated");
    console.quit();
    assert_eq!(last_batch_per_member(&db), previewed);
}

#[test]
fn import_maps_an_unknown_status_with_the_picker_saves_it_and_confirms_the_count() {
    let (dir, db) = team_db(1);
    let csv = dir.path().join("hubspot.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,Email,Lead Status,Contact owner\nAnn,Lee,ann@lee.test,OPEN_DEAL,tom\n\
         Bob,Stone,bob@stone.test,New,\nCy,Ray,cy@ray.test,open_deal,TOM\n",
    )
    .unwrap();
    let config = dir.path().join("leadrota.toml");
    std::fs::write(&config, "timezone = \"UTC\"\n").unwrap();
    let mut console = Console::start_with(&db, &["--as", "Maria", "--config", config.to_str().unwrap()]);
    console.wait_for("row 1 of 1");
    console.send("i");
    console.wait_for("Import a CSV file");
    console.send(csv.to_str().unwrap());
    console.send("\r");
    console.wait_for("Map 'OPEN_DEAL' (2 rows");
    console.send("propo");
    console.send("\r");
    console.wait_for("Save the 1 status mapping to ");
    console.wait_for("/leadrota.toml?");
    console.send("\r");
    console.wait_for("Import 3 leads from hubspot.csv?");
    console.wait_for("status OPEN_DEAL → Proposal (2 rows)");
    console.send("y");
    console.wait_for("imported 3 leads");
    console.quit();
    let proposal = "SELECT count(*) FROM leads WHERE stage_id = (SELECT id FROM stages WHERE name = 'Proposal') \
                    AND owner_id = (SELECT id FROM users WHERE name = 'Tom')";
    assert_eq!(query(&db, proposal), 2);
    assert_eq!(query(&db, "SELECT count(*) FROM leads"), 4);
    let saved = std::fs::read_to_string(&config).unwrap();
    assert_eq!(saved, "timezone = \"UTC\"\n\n[import.status_map]\n\"OPEN_DEAL\" = \"Proposal\"\n");
}

/// V1's morning: one key shows the triage queue, as many rows as the status
/// bar's "waiting" and as the CLI's `--unassigned --open-only --older-than 24`.
#[test]
fn the_triage_key_shows_the_waiting_queue_the_cli_counts() {
    let (_dir, db) = demo_db();
    let waiting = cli_count(&db, &with(&["--unassigned", "--open-only", "--older-than", "24"]));
    assert!(waiting > 0, "the demo office has leads waiting");
    let mut console = Console::start(&db, "Marcus");
    console.settled();
    console.send("w");
    let screen = console.wait_until("the triage queue", |t| t.contains(&format!("row 1 of {}", thousands(waiting))));
    assert!(screen.contains(&format!("waiting >24h {}", thousands(waiting))), "{screen}");
    assert!(screen.contains("Sort: oldest first"), "oldest first: {screen}");
    console.send("w");
    console.wait_for("Filter: all leads");
    console.quit();
}

/// A picker opens on the value in force: the status picker of a Lost lead
/// starts on Lost, so Enter keeps it.
#[test]
fn the_status_picker_opens_on_the_leads_status() {
    let (_dir, db) = team_db(3);
    let out = std::process::Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["lead", "move", "1", "--status", "Lost"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut console = Console::start(&db, "Maria");
    console.wait_for("row 1 of 3");
    console.send("\r");
    console.wait_for("Lost");
    console.send("S");
    let screen = console.wait_until("the status picker", |t| t.contains("C-n/C-p move"));
    assert!(screen.contains("▶ Lost"), "the cursor starts on the lead's status:\n{screen}");
    console.send("\r");
    console.wait_for("status");
    console.quit();
    assert_eq!(
        query(&db, "SELECT stage_id FROM leads WHERE id = 1"),
        query(&db, "SELECT id FROM stages WHERE name = 'Lost'")
    );
}

fn thousands(n: usize) -> String {
    leadrota::tui::run::thousands(n)
}

/// A paste arrives bracketed: over a confirm its "y" and line break answer
/// nothing, and nothing is written; in the search line it is text.
#[test]
fn a_pasted_line_never_answers_a_confirm_in_a_real_terminal() {
    let (_dir, db) = demo_db();
    let activity_before = cli_count(&db, &["activity", "--limit", "100000"]);
    let mut console = Console::start(&db, "Marcus");
    console.settled();
    console.send("U");
    console.wait_for("Unassign 1 lead?");
    console.send("\x1b[200~Kimberly\ry\r\x1b[201~");
    let screen = console.wait_until("the refusal", |t| t.contains("a paste goes into a text field"));
    assert!(screen.contains("Unassign 1 lead?"), "the confirm still waits: {screen}");
    console.send("n");
    console.settled();
    console.send("/");
    console.send("\x1b[200~Kimberly\r\x1b[201~");
    console.wait_for("/ Kimberly");
    console.send("\x1b");
    console.settled();
    console.quit();
    assert_eq!(cli_count(&db, &["activity", "--limit", "100000"]), activity_before, "nothing was written");
}
