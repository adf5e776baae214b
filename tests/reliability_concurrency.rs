//! SPEC §7, issue 7 suite 1: six processes on one database file at once —
//! two rotating through the same limited group, two bulk-reassigning
//! overlapping filters, one importing CSV files with routing on, one undoing —
//! for a bounded number of rounds. Afterwards no limit is exceeded, every
//! owner change has exactly one activity row, deliveries agree with the
//! activity log, and no process saw "locked"/"busy" or any error other than
//! the undo refusals a user can get at any time.
//!
//! `LEADROTA_LONG_TESTS=1` runs ten times the rounds.

mod reliability_support;

use std::sync::Arc;
use std::thread;

use reliability_support::*;

const DAILY_LIMIT: i64 = 12;
const MEMBERS: [&str; 4] = ["Tom", "Stephanie", "Lewis", "Denise"];
const IMPORT_ROWS: usize = 8;

/// Messages `undo` may answer with when the others got there first.
const UNDO_REFUSALS: [&str; 3] = ["has nothing to undo", "cannot undo batch", "was already undone"];

struct Outcome {
    process: &'static str,
    round: usize,
    ok: bool,
    stderr: String,
    stdout: String,
}

fn setup(db: &Db, rounds: usize) {
    db.team();
    db.ok(&["group", "add", "Inbound", "--method", "sequential", "--daily", &DAILY_LIMIT.to_string()]);
    db.ok(&["group", "members", "Inbound", "--add", &MEMBERS.join(",")]);
    db.ok(&["rule", "add", "Imports", "--to-group", "Inbound", "--if", "source=Import"]);
    db.bulk_leads(300);
    // Some owned leads for the reassigners from the start.
    db.ok(&["assign", "--to", "Lewis", "--source", "Facebook"]);
    for round in 0..rounds {
        let mut csv = String::from("Name,Email,Lead Source\n");
        for i in 0..IMPORT_ROWS {
            csv.push_str(&format!("Import {round}-{i},imp{round}x{i}@example.org,Import\n"));
        }
        std::fs::write(db.dir.path().join(format!("import-{round}.csv")), csv).unwrap();
    }
}

#[test]
fn six_processes_rotating_reassigning_importing_and_undoing_keep_every_invariant() {
    let rounds = if long() { 100 } else { 10 };
    let db = Arc::new(Db::new());
    setup(&db, rounds);

    type Script = fn(usize, &std::path::Path) -> Vec<String>;
    let processes: [(&'static str, Script); 6] = [
        ("rotate-all", |_, _| args(&["--json", "rotate", "--group", "Inbound", "--unassigned"])),
        ("rotate-website", |_, _| {
            args(&["--json", "rotate", "--group", "Inbound", "--unassigned", "--source", "Website"])
        }),
        ("reassign-facebook", |round, _| {
            let to = ["Stephanie", "Tom"][round % 2];
            args(&["--json", "reassign", "--to", to, "--source", "Facebook"])
        }),
        ("reassign-search", |round, _| {
            // Overlaps the Facebook leads and the rotated ones.
            let to = ["Denise", "Lewis"][round % 2];
            args(&["--json", "reassign", "--to", to, "--search", "1"])
        }),
        ("import", |round, dir| {
            let file = dir.join(format!("import-{round}.csv"));
            vec!["--json".into(), "import".into(), file.display().to_string(), "--route".into()]
        }),
        ("undo", |_, _| args(&["--json", "undo"])),
    ];

    let started = std::time::Instant::now();
    let handles: Vec<_> = processes
        .into_iter()
        .map(|(name, script)| {
            let db = Arc::clone(&db);
            thread::spawn(move || {
                (0..rounds)
                    .map(|round| {
                        let argv = script(round, db.dir.path());
                        let out = db.cmd().args(&argv).output().expect("spawn leadrota");
                        Outcome {
                            process: name,
                            round,
                            ok: out.status.success(),
                            stderr: stderr_of(&out),
                            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                        }
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let outcomes: Vec<Outcome> = handles.into_iter().flat_map(|h| h.join().expect("worker thread")).collect();
    let elapsed = started.elapsed();

    // What every process saw.
    let mut undone = 0;
    let mut refused = 0;
    for o in &outcomes {
        let lower = o.stderr.to_lowercase();
        assert!(
            !lower.contains("locked") && !lower.contains("busy") && !lower.contains("panicked"),
            "{} round {}: {}",
            o.process,
            o.round,
            o.stderr
        );
        if o.process == "undo" {
            if o.ok {
                undone += 1;
            } else {
                assert!(UNDO_REFUSALS.iter().any(|m| o.stderr.contains(m)), "undo round {}: {}", o.round, o.stderr);
                refused += 1;
            }
            continue;
        }
        assert!(o.ok, "{} round {} failed: {}", o.process, o.round, o.stderr);
        assert!(serde_json::from_str::<serde_json::Value>(&o.stdout).is_ok(), "{}: {}", o.process, o.stdout);
    }

    // The database afterwards.
    assert_eq!(integrity(&db.path), "ok");
    let report = doctor_ok(&db);
    let q = |sql: &str| db.count(sql);
    // All on one office day: no member over the daily limit.
    assert!(
        q("SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM deliveries GROUP BY group_id, user_id)")
            <= DAILY_LIMIT
    );
    // A lead is handed out by the group at most once while it stays handed out.
    assert_eq!(q("SELECT count(*) FROM (SELECT lead_id FROM deliveries GROUP BY lead_id HAVING count(*) > 1)"), 0);
    // One activity row per lead per batch for owner changes.
    assert_eq!(
        q("SELECT count(*) FROM (SELECT 1 FROM activity WHERE kind IN ('assigned', 'reassigned', 'unassigned') \
           GROUP BY batch_id, lead_id HAVING count(*) > 1)"),
        0
    );
    // Every delivery is a live, matching group hand-out.
    assert_eq!(
        q("SELECT count(*) FROM deliveries d LEFT JOIN activity a ON a.batch_id = d.batch_id \
           AND a.lead_id = d.lead_id AND a.to_owner_id = d.user_id AND a.via IN ('group:1', 'rule:1') \
           WHERE a.id IS NULL"),
        0
    );
    // Every import created its rows.
    assert_eq!(q("SELECT count(*) FROM leads"), 300 + (rounds * IMPORT_ROWS) as i64);
    // Every owner equals the end of its history (doctor checked it too; say it plainly).
    assert_eq!(
        q("SELECT count(*) FROM leads l WHERE l.owner_id IS NOT (SELECT a.to_owner_id FROM activity a \
           WHERE a.lead_id = l.id AND a.kind IN ('assigned', 'reassigned', 'unassigned') ORDER BY a.id DESC LIMIT 1)"),
        0
    );
    eprintln!(
        "6 processes x {rounds} rounds = {} runs in {:.1?}: {undone} undos applied, {refused} refused; \
         {} deliveries, {} activity rows, {} batches",
        outcomes.len(),
        elapsed,
        report["counts"]["deliveries"],
        report["counts"]["activity"],
        report["counts"]["batches"],
    );
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// A seat that holds the whole file for a moment (a checkpoint on close, an
/// exclusive-mode tool) makes the others wait for it, not fail.
#[test]
fn a_seat_holding_the_file_briefly_makes_others_wait_not_fail() {
    let db = Db::new();
    db.team();
    let holder = db.conn();
    holder.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE users SET email = email;").unwrap();
    let children: Vec<_> = [vec!["user", "list"], vec!["lead", "add", "--name", "Waited"]]
        .into_iter()
        .map(|a| {
            db.cmd().args(a).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    thread::sleep(std::time::Duration::from_millis(800));
    holder.execute_batch("COMMIT; PRAGMA locking_mode = NORMAL;").unwrap();
    // The exclusive lock goes with the next read in normal mode, or on close.
    holder.query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0)).unwrap();
    drop(holder);
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    assert_eq!(db.count("SELECT count(*) FROM leads WHERE name = 'Waited'"), 1);
}

/// Another seat's write that holds the lock past the 5 s busy timeout (a huge
/// import on a slow disk): the waiting write retries ("busy, retried") and
/// goes through once the lock is free, instead of failing.
#[test]
fn a_write_waiting_longer_than_the_busy_timeout_is_retried_and_succeeds() {
    let db = Db::new();
    db.team();
    let holder = db.conn();
    holder.execute_batch("BEGIN IMMEDIATE; UPDATE users SET email = email;").unwrap();
    let child = db
        .cmd()
        .args(["lead", "add", "--name", "Patient"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(std::time::Duration::from_millis(6500));
    holder.execute_batch("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(db.count("SELECT count(*) FROM leads WHERE name = 'Patient'"), 1);
}

/// A program that keeps the whole file locked longer than leadrota waits
/// gets a clear "busy" line, not "not a leadrota database" nor "locked".
#[test]
fn a_file_held_exclusively_past_the_wait_is_reported_busy_in_one_line() {
    let db = Db::new();
    db.team();
    let holder = db.conn();
    holder.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE users SET email = email;").unwrap();
    let out = db.run(&["user", "list"]);
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("is busy") && !stderr.contains("not a leadrota"), "{stderr}");
    db.ok(&["user", "list"]);
}
