//! SPEC §7, issue 7 suite 6: a read-only database and a full disk give a
//! clear one-line error, no panic, and nothing half-written.
//!
//! - Read-only: the file (0444) or its folder (0555). Tests run as root in
//!   CI, and root may write anyway, so leadrota honours the permission bits
//!   itself (`Store::open` refuses a file or folder that allows no writing);
//!   for anyone else SQLite's own read-only open is caught the same way.
//! - Disk full, in the core: `PRAGMA max_page_count` on the store's own
//!   connection caps the file a few pages above its size, then a bulk
//!   assign, a rotation and an import run out of room.
//! - Disk full, in the real binary: the child runs under `ulimit -f` (a file
//!   size limit that binds root too) with SIGXFSZ ignored, so its writes fail
//!   with EFBIG exactly as on a full disk.

mod common;
mod reliability_support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::*;
use leadrota::core::assign::{self, Selection};
use leadrota::core::doctor::{self, DoctorOptions};
use leadrota::core::filter::{Filter, OwnerFilter};
use leadrota::core::groups::Method;
use leadrota::core::import::{self, ImportOptions};
use leadrota::core::{Error, Store, distribute};
use reliability_support::*;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Exit 1, one line naming the problem, nothing else.
fn fails_cleanly(out: &std::process::Output, needle: &str) {
    let stderr = stderr_of(out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(needle), "{stderr:?} should mention {needle:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn populated() -> Db {
    let db = Db::new();
    db.team();
    db.bulk_leads(200);
    db
}

#[test]
fn a_read_only_database_file_is_refused_with_one_line_and_left_as_it_was() {
    let db = populated();
    let before = std::fs::read(&db.path).unwrap();
    chmod(&db.path, 0o444);
    for args in [&["lead", "list"][..], &["assign", "--to", "Tom", "--unassigned"], &["doctor"], &[]] {
        fails_cleanly(&db.run(args), "is read-only");
    }
    assert!(matches!(Store::open(&db.path), Err(Error::Invalid(m)) if m.contains("read-only")));
    chmod(&db.path, 0o644);
    assert!(std::fs::read(&db.path).unwrap() == before, "the read-only database was changed");
    // Writable again, it works as before.
    db.ok(&["assign", "--to", "Tom", "--unassigned"]);
    assert_eq!(db.count("SELECT count(*) FROM leads WHERE owner_id IS NOT NULL"), 200);
}

#[test]
fn a_database_in_a_read_only_folder_is_refused_with_one_line_and_left_as_it_was() {
    let db = populated();
    let before = std::fs::read(&db.path).unwrap();
    chmod(db.dir.path(), 0o555);
    let out = db.run(&["assign", "--to", "Tom", "--unassigned"]);
    // A new database in that folder is refused the same way.
    let fresh = leadrota(&db.dir.path().join("new.db"), db.dir.path()).args(["user", "list"]).output().unwrap();
    chmod(db.dir.path(), 0o755);
    fails_cleanly(&out, "allows no writing");
    fails_cleanly(&fresh, "allows no writing");
    assert!(!db.dir.path().join("new.db").exists());
    assert!(std::fs::read(&db.path).unwrap() == before, "the read-only database was changed");
}

/// A store on a file whose connection may grow it by only a few pages.
fn cramped() -> (tempfile::TempDir, Store, leadrota::core::Ctx) {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("team.db");
    let mut s = Store::open(&path).unwrap();
    let ctx = ctx_at(NOW);
    team(&mut s, &ctx, &["Tom", "Stephanie", "Lewis"]);
    group(&mut s, &ctx, "Inbound", Method::Sequential, 0, 0, &["Tom", "Stephanie", "Lewis"]);
    s.conn()
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
             INSERT INTO leads (name, email, email_key, source, stage_id, created_at, updated_at, status_changed_at) \
             SELECT 'Lead ' || i, 'l' || i || '@x.com', 'l' || i || '@x.com', 'Website', 1, \
                1772000000 + i, 1772000000 + i, 1772000000 + i FROM n;",
        )
        .unwrap();
    let pages: i64 = s.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    let cap: i64 = s.conn().query_row(&format!("PRAGMA max_page_count = {}", pages + 4), [], |r| r.get(0)).unwrap();
    assert_eq!(cap, pages + 4);
    (dir, s, ctx)
}

fn full_disk_error(e: &Error) {
    let msg = e.to_string();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    assert!(msg.contains("disk is full") && msg.contains("nothing was written") && !msg.contains('\n'), "{msg}");
}

#[test]
fn a_full_disk_fails_bulk_assign_rotation_and_import_cleanly_and_writes_nothing() {
    let (_dir, mut s, ctx) = cramped();
    let before = state(s.conn());
    let all = Selection::Filter(Filter { owner: OwnerFilter::Unassigned, ..Filter::default() });

    full_disk_error(&assign::assign(&mut s, &ctx, &all, "Tom").unwrap_err());
    assert_eq!(state(s.conn()), before, "bulk assign left something behind");

    full_disk_error(&distribute::rotate(&mut s, &ctx, "Inbound", &all, false).unwrap_err());
    assert_eq!(state(s.conn()), before, "rotation left something behind");

    let mut csv = String::from("Name,Email\n");
    for i in 0..3000 {
        csv.push_str(&format!("Imported {i},imp{i}@example.org\n"));
    }
    full_disk_error(&import::import(&mut s, &ctx, csv.as_bytes(), &ImportOptions::default()).unwrap_err());
    assert_eq!(state(s.conn()), before, "import left something behind");

    // Room again: the same work goes through and the file is sound.
    s.conn().query_row("PRAGMA max_page_count = 1073741823", [], |r| r.get::<_, i64>(0)).unwrap();
    let done = assign::assign(&mut s, &ctx, &all, "Tom").unwrap();
    assert_eq!(done.changed, 5000);
    let report = doctor::check(&s, ctx.tz, DoctorOptions::default()).unwrap();
    assert!(report.is_healthy(), "{:?}", report.problems);
}

#[test]
fn the_binary_on_a_full_disk_says_so_on_one_line_and_writes_nothing() {
    let db = Db::new();
    db.team();
    db.bulk_leads(20_000);
    db.ok(&["group", "add", "Inbound"]);
    db.ok(&["group", "members", "Inbound", "--add", "Tom,Stephanie"]);
    let before = state(&db.conn());
    let limited = |args: &[&str]| {
        // ~600 KB (or 1.2 MB, depending on the shell's block size): far less
        // than these transactions write to the WAL, more than opening needs.
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg("ulimit -f 1200; trap '' XFSZ; exec \"$0\" \"$@\"");
        let base = leadrota(&db.path, db.dir.path());
        cmd.arg(base.get_program());
        cmd.args(base.get_args());
        for (k, v) in base.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.args(args).output().unwrap()
    };
    for args in [&["assign", "--to", "Tom", "--unassigned"][..], &["rotate", "--group", "Inbound", "--unassigned"]] {
        let out = limited(args);
        fails_cleanly(&out, "nothing was written");
        assert_eq!(integrity(&db.path), "ok");
        assert_eq!(state(&db.conn()), before, "{args:?} left something behind");
    }
    // A backup or an export that runs out of room leaves no file and no temporary.
    let (copy, csv) = (db.dir.path().join("copy.db"), db.dir.path().join("all.csv"));
    for args in [&["backup", copy.to_str().unwrap()][..], &["export", "-o", csv.to_str().unwrap()]] {
        fails_cleanly(&limited(args), "nothing was written");
        let left: Vec<_> = std::fs::read_dir(db.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".leadrota-") || n.starts_with("copy") || n.starts_with("all"))
            .collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
    // With room, the same command works and the file is sound.
    db.ok(&["assign", "--to", "Tom", "--unassigned"]);
    doctor_ok(&db);
}
