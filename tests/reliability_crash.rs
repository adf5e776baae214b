//! SPEC §7, issue 7 suite 2: the real binary is killed with SIGKILL at random
//! moments of a 50,000-lead bulk assign, a 50,000-lead rotation and a CSV
//! import with routing (and of the very first run on a new file). After every
//! kill the file passes `PRAGMA integrity_check`, `leadrota doctor` finds no
//! problem, and the database is exactly as before the command or exactly as
//! after a complete run: every batch is wholly present or wholly absent.
//!
//! Each scenario first runs its command to completion on a copy to learn the
//! "after" state and how long it takes; kill delays are drawn (seeded) from 0
//! to a little beyond that, so kills land before, inside and after the
//! transaction. `LEADROTA_LONG_TESTS=1` kills five times as often.

mod reliability_support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reliability_support::*;

const LEADS: i64 = 50_000;

/// The team, a limited group, a routing rule, and `LEADS` unassigned leads.
fn base() -> Db {
    let db = Db::new();
    db.team();
    db.ok(&["group", "add", "Inbound", "--method", "sequential", "--daily", "10000"]);
    db.ok(&["group", "members", "Inbound", "--add", "Tom,Stephanie,Lewis,Denise"]);
    db.ok(&["rule", "add", "Imports", "--to-group", "Inbound", "--if", "source=Import"]);
    db.bulk_leads(LEADS);
    // A clean file: the last connection closed, the WAL checkpointed away.
    assert!(!db.path.with_extension("db-wal").exists());
    db
}

fn copy_db(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    std::fs::copy(from, to).expect("copy database");
}

struct Tally {
    kills: usize,
    before: usize,
    after: usize,
    /// Kills that left uncommitted frames in the WAL (caught mid-write).
    torn_wal: usize,
}

/// Wait until a child has opened `db` (its `-wal` file appears); that moment.
fn wait_for_open(db: &Path) -> Instant {
    let wal = wal_path(db);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !wal.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(200));
    }
    Instant::now()
}

fn wal_path(db: &Path) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}-wal", db.display()))
}

fn wal_bytes(db: &Path) -> u64 {
    std::fs::metadata(wal_path(db)).map_or(0, |m| m.len())
}

/// Send `signal` to `args` on copies of `db` at `kills` random moments; check each result.
fn kill_at_random_moments(db: &Db, args: &[&str], kills: usize, seed: u64, signal: i32) -> Tally {
    let before = state(&db.conn());
    // The complete run, on a copy: what "wholly present" looks like, and how long it takes.
    let reference = db.dir.path().join("reference.db");
    copy_db(&db.path, &reference);
    let mut child = leadrota(&reference, db.dir.path()).args(args).stdout(Stdio::null()).spawn().expect("run");
    let opened = wait_for_open(&reference);
    let status = child.wait().expect("reap");
    let full = opened.elapsed();
    assert!(status.success(), "{args:?} failed on the reference copy");
    let after = state(&rusqlite::Connection::open(&reference).expect("open reference"));
    assert_ne!(before, after, "{args:?} changed nothing");

    let work = db.dir.path().join("work.db");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tally = Tally { kills: 0, before: 0, after: 0, torn_wal: 0 };
    let horizon = full.as_micros() as u64 * 5 / 4;
    for round in 0..kills {
        copy_db(&db.path, &work);
        let delay = Duration::from_micros(rng.random_range(0..=horizon));
        let mut child = leadrota(&work, db.dir.path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        // Count from the moment it opened the file, not from process start-up.
        wait_for_open(&work);
        std::thread::sleep(delay);
        // SIGKILL: no destructor, no rollback, no checkpoint runs. The others
        // keep their default action in a CLI write: the process ends the same way.
        // SAFETY: signals the child this test started.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        child.wait().expect("reap");
        tally.kills += 1;

        let torn = wal_bytes(&work);
        assert_eq!(integrity(&work), "ok", "{args:?} killed after {delay:?} (round {round})");
        let now = state(&rusqlite::Connection::open(&work).expect("open after kill"));
        if now == before {
            tally.before += 1;
            // Frames written but never committed: the kill landed inside the write.
            if torn > 32 {
                tally.torn_wal += 1;
            }
        } else if now == after {
            tally.after += 1;
        } else {
            panic!(
                "{args:?} killed after {delay:?} left a half-applied batch: {} leads owned (before {}, after {}), \
                 {} activity rows (before {}, after {})",
                now.owners.iter().filter(|o| o.1.is_some()).count(),
                before.owners.iter().filter(|o| o.1.is_some()).count(),
                after.owners.iter().filter(|o| o.1.is_some()).count(),
                now.activity,
                before.activity,
                after.activity
            );
        }
        // The next seat opens it (recovering the WAL); doctor, slower, on the last round.
        let next: &[&str] = if round + 1 == kills { &["--json", "doctor", "--quick"] } else { &["routing", "status"] };
        let out = leadrota(&work, db.dir.path()).args(next).output().expect("next run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{next:?} after kill: {}\n{stdout}", stderr_of(&out));
    }
    eprintln!(
        "{args:?}: full run {full:?}; {} kills: {} left it as before ({} of them mid-write), {} as after, 0 half-done",
        tally.kills, tally.before, tally.torn_wal, tally.after
    );
    tally
}

fn kills() -> usize {
    if long() { 40 } else { 8 }
}

#[test]
fn bulk_assign_of_50000_leads_killed_at_random_moments_is_all_or_nothing() {
    let db = base();
    let tally = kill_at_random_moments(&db, &["assign", "--to", "Tom", "--unassigned"], kills(), 1, libc::SIGKILL);
    assert_eq!(tally.kills, kills());
}

#[test]
fn rotation_of_50000_leads_killed_at_random_moments_is_all_or_nothing() {
    let db = base();
    let tally =
        kill_at_random_moments(&db, &["rotate", "--group", "Inbound", "--unassigned"], kills(), 2, libc::SIGKILL);
    assert_eq!(tally.kills, kills());
}

#[test]
fn import_with_routing_killed_at_random_moments_is_all_or_nothing() {
    let db = base();
    let csv = db.dir.path().join("incoming.csv");
    let mut text = String::from("Name,Email,Phone,Company,Lead Source,Tags\n");
    for i in 0..5_000 {
        text.push_str(&format!("Import {i},imp{i}@example.org,+1 555 {i:04},Acme {i},Import,\"vip,new\"\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let csv = csv.display().to_string();
    let tally = kill_at_random_moments(&db, &["import", &csv, "--route"], kills(), 3, libc::SIGKILL);
    assert_eq!(tally.kills, kills());
}

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP (a lost SSH session) at random moments
/// of a bulk assign: all or nothing, like a kill.
#[test]
fn bulk_assign_interrupted_by_sigint_sigterm_or_sighup_is_all_or_nothing() {
    let db = base();
    for (seed, signal) in [(5, libc::SIGINT), (6, libc::SIGTERM), (7, libc::SIGHUP)] {
        let rounds = kills().div_ceil(2);
        let tally = kill_at_random_moments(&db, &["assign", "--to", "Tom", "--unassigned"], rounds, seed, signal);
        assert_eq!(tally.kills, rounds);
    }
}

/// Killed during its very first run, leadrota leaves either no database or
/// one the next run opens: never a file it then refuses as "not leadrota".
#[test]
fn a_first_run_killed_at_any_moment_leaves_a_file_the_next_run_opens() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let rounds = if long() { 60 } else { 12 };
    let dir = tempfile::TempDir::new().unwrap();
    // How long a first run takes, to spread the kills over it.
    let probe = dir.path().join("probe.db");
    let started = Instant::now();
    assert!(leadrota(&probe, dir.path()).args(["user", "add", "Tom"]).output().unwrap().status.success());
    let full = started.elapsed().as_micros() as u64;
    for round in 0..rounds {
        let path = dir.path().join(format!("first-{round}.db"));
        let mut child = leadrota(&path, dir.path())
            .args(["user", "add", "Tom"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.random_range(0..=full)));
        child.kill().unwrap();
        child.wait().unwrap();
        let out = leadrota(&path, dir.path()).args(["--json", "user", "list"]).output().unwrap();
        assert!(out.status.success(), "round {round}: {}", stderr_of(&out));
        let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(users.as_array().is_some_and(|u| u.len() <= 1), "{users}");
    }
}
