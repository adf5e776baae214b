//! SPEC §7, files leadrota writes (`export -o`, `backup`): one safe writer
//! refuses every file that is (or leads to) the database, its `-wal`, `-shm`
//! or `-journal`, never replaces a link, device or directory, gives the file
//! the database's permissions, and leaves no temporary behind — not on a
//! refusal, not on SIGINT/SIGTERM/SIGHUP, and not after a `kill -9` once the
//! next run has been.

mod reliability_support;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reliability_support::*;

fn small() -> Db {
    let db = Db::new();
    db.team();
    db.bulk_leads(30);
    db
}

fn fails_with(out: &Output, needle: &str) {
    let stderr = stderr_of(out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(needle), "{stderr:?} should say {needle:?}");
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Temporaries of the safe writer (or anything partial) left in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".leadrota-") || n.contains(".partial-") || n.ends_with("-journal"))
        .collect()
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

/// The database is as it was: it opens and lists its 30 leads.
fn database_intact(db: &Db) {
    let out = db.run(&["--json", "lead", "list"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let leads: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(leads.as_array().map(Vec::len), Some(30));
}

#[test]
fn export_and_backup_refuse_the_database_and_its_companion_files_however_they_are_named() {
    let db = small();
    // Another seat keeps the -wal and -shm in existence while the commands run.
    let reader = db.conn();
    reader.query_row("SELECT count(*) FROM leads", [], |r| r.get::<_, i64>(0)).unwrap();
    let dir = db.dir.path();
    symlink(&db.path, dir.join("link-to-db.db")).unwrap();
    std::fs::hard_link(&db.path, dir.join("hard-link.db")).unwrap();
    symlink(with_suffix(&db.path, "-wal"), dir.join("link-to-wal")).unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (db.path.clone(), "the database itself"),
        (dir.join("hard-link.db"), "the database itself"),
        (dir.join("link-to-db.db"), "the database itself"),
        (dir.join(".").join("team.db"), "the database itself"),
        (with_suffix(&db.path, "-wal"), "write-ahead log"),
        (dir.join("link-to-wal"), "write-ahead log"),
        (with_suffix(&db.path, "-shm"), "shared-memory"),
        // Not there now, but SQLite would take a file of that name for a hot journal.
        (with_suffix(&db.path, "-journal"), "rollback journal"),
    ];
    let before = std::fs::read(&db.path).unwrap();
    for (target, needle) in &cases {
        let t = target.to_str().unwrap();
        fails_with(&db.run(&["export", "-o", t]), needle);
        fails_with(&db.run(&["backup", t, "--force"]), needle);
    }
    drop(reader);
    assert_eq!(std::fs::read(&db.path).unwrap(), before, "a refused write changed the database");
    assert!(!with_suffix(&db.path, "-journal").exists());
    assert!(std::fs::symlink_metadata(dir.join("link-to-db.db")).unwrap().file_type().is_symlink());
    database_intact(&db);
    assert_eq!(leftovers(dir), Vec::<String>::new());
}

#[test]
fn links_devices_directories_and_missing_folders_are_refused_and_left_alone() {
    let db = small();
    let dir = db.dir.path();
    std::fs::write(dir.join("notes.txt"), "keep me").unwrap();
    symlink(dir.join("notes.txt"), dir.join("link.csv")).unwrap();
    symlink("/proc/self/fd/1", dir.join("stdout.csv")).unwrap();
    symlink(dir.join("nowhere.csv"), dir.join("dangling.csv")).unwrap();
    let cases = [
        ("link.csv", "symbolic link"),
        ("stdout.csv", "symbolic link"),
        ("dangling.csv", "symbolic link"),
        ("/dev/null", "not a regular file"),
        (".", "is a directory"),
        ("no-such-folder/x.csv", "does not exist"),
    ];
    for (target, needle) in cases {
        let target = if target.starts_with('/') { PathBuf::from(target) } else { dir.join(target) };
        let t = target.to_str().unwrap();
        fails_with(&db.run(&["export", "-o", t]), needle);
        fails_with(&db.run(&["backup", t, "--force"]), needle);
    }
    for link in ["link.csv", "stdout.csv", "dangling.csv"] {
        assert!(std::fs::symlink_metadata(dir.join(link)).unwrap().file_type().is_symlink(), "{link} replaced");
    }
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "keep me");
    assert!(!dir.join("nowhere.csv").exists());
    assert_eq!(leftovers(dir), Vec::<String>::new());
}

#[test]
fn a_backup_without_force_never_replaces_a_file() {
    let db = small();
    let copy = db.dir.path().join("copy.db");
    std::fs::write(&copy, "precious").unwrap();
    fails_with(&db.run(&["backup", copy.to_str().unwrap()]), "already exists");
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "precious");
    db.ok(&["backup", copy.to_str().unwrap(), "--force"]);
    assert_eq!(integrity(&copy), "ok");
}

#[test]
fn written_files_get_the_database_files_permissions() {
    let db = small();
    for db_mode in [0o600, 0o640, 0o664] {
        std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(db_mode)).unwrap();
        let csv = db.dir.path().join(format!("leads-{db_mode:o}.csv"));
        let copy = db.dir.path().join(format!("copy-{db_mode:o}.db"));
        // An existing, more open file is replaced by one with the database's mode.
        std::fs::write(&csv, "old").unwrap();
        std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o666)).unwrap();
        db.ok(&["export", "-o", csv.to_str().unwrap()]);
        db.ok(&["backup", copy.to_str().unwrap()]);
        assert_eq!(mode(&csv), db_mode, "export of a {db_mode:o} database");
        assert_eq!(mode(&copy), db_mode, "backup of a {db_mode:o} database");
        assert!(std::fs::read_to_string(&csv).unwrap().starts_with("id,name,email"));
    }
}

#[test]
fn export_to_dash_writes_standard_output_and_creates_no_file() {
    let db = small();
    let out = db.ok(&["export", "-o", "-"]);
    assert_eq!(out.lines().count(), 31, "header and 30 leads");
    assert!(!db.dir.path().join("-").exists());
}

/// A database large enough that a backup or an export takes a while.
fn big() -> Db {
    let db = Db::new();
    db.team();
    db.bulk_leads(150_000);
    db
}

/// Start `args`, wait until its temporary file exists, and return it running.
fn started_writing(db: &Db, args: &[&str]) -> Option<Child> {
    let mut child = db.cmd().args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if leftovers(db.dir.path()).iter().any(|n| n.contains(".leadrota-")) {
            return Some(child);
        }
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_micros(300));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{args:?} never created its temporary file");
}

#[test]
fn sigint_sigterm_and_sighup_remove_the_temporary_at_once() {
    use std::os::unix::process::ExitStatusExt;
    let db = big();
    let copy = db.dir.path().join("copy.db");
    let csv = db.dir.path().join("all.csv");
    for (signal, name) in [(libc::SIGINT, "SIGINT"), (libc::SIGTERM, "SIGTERM"), (libc::SIGHUP, "SIGHUP")] {
        for args in [vec!["backup", copy.to_str().unwrap()], vec!["export", "-o", csv.to_str().unwrap()]] {
            let Some(mut child) = started_writing(&db, &args) else {
                panic!("{args:?} finished before {name} could be sent; make the database bigger");
            };
            // SAFETY: sends a signal to the child this test started.
            unsafe { libc::kill(child.id() as libc::pid_t, signal) };
            let status = child.wait().unwrap();
            assert_eq!(status.signal(), Some(signal), "{args:?} should end by {name}: {status:?}");
            assert_eq!(leftovers(db.dir.path()), Vec::<String>::new(), "{args:?} after {name}");
            assert!(!copy.exists() && !csv.exists(), "{args:?} left a target after {name}");
        }
    }
}

#[test]
fn backup_and_export_killed_at_random_moments_leave_nothing_partial_after_the_next_run() {
    let db = big();
    let copy = db.dir.path().join("copy.db");
    let csv = db.dir.path().join("all.csv");
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let rounds = if long() { 20 } else { 4 };
    for args in [vec!["backup", copy.to_str().unwrap(), "--force"], vec!["export", "-o", csv.to_str().unwrap()]] {
        let target = PathBuf::from(args[if args[0] == "backup" { 1 } else { 2 }]);
        let mut caught = 0;
        for _ in 0..rounds {
            let Some(mut child) = started_writing(&db, &args) else { continue };
            std::thread::sleep(Duration::from_millis(rng.random_range(0..40)));
            // SIGKILL: no handler runs, the temporary stays behind.
            child.kill().unwrap();
            child.wait().unwrap();
            if !leftovers(db.dir.path()).is_empty() {
                caught += 1;
            }
            // A target from an earlier round is whole: never a partial file.
            if target.exists() && args[0] == "backup" {
                assert_eq!(integrity(&target), "ok");
            }
            // The next run removes the stale temporary and writes the file.
            db.ok(&args);
            assert_eq!(leftovers(db.dir.path()), Vec::<String>::new(), "{args:?}");
        }
        assert!(caught > 0, "{args:?}: no kill landed while the temporary existed");
        if args[0] == "export" {
            assert_eq!(std::fs::read_to_string(&target).unwrap().lines().count(), 150_001);
        } else {
            assert_eq!(integrity(&target), "ok");
        }
    }
}
