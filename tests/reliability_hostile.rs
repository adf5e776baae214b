//! SPEC §7, issue 7 suite 4: hostile input. Arbitrary bytes and structured
//! junk — SQL metacharacters, NUL, invalid UTF-8, right-to-left and wide
//! (CJK, emoji) text, 1 MB fields, 100,000 columns — thrown at the CSV
//! importer, the config loader, the filter (CLI flags and the console's
//! search text), the `--now` and date parsers, and the binary's arguments.
//! Nothing panics; a rejected input is a clear one-line error; the database
//! is unchanged after anything rejected (and after any dry run).
//!
//! Case counts are modest so the suite takes seconds; `PROPTEST_CASES`
//! raises them.

mod common;
mod reliability_support;

use std::path::Path;

use chrono_tz::Tz;
use common::*;
use leadrota::config::Config;
use leadrota::core::filter::FilterSpec;
use leadrota::core::groups::Method;
use leadrota::core::import::{self, ImportOptions};
use leadrota::core::model::Role;
use leadrota::core::page::{self, Sort};
use leadrota::core::{Ctx, Error, Store, leads, time};
use leadrota::tui::app::App;
use leadrota::tui::worker::Worker;
use proptest::prelude::*;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const NOW: &str = "2026-03-02T10:00:00Z";

/// Fragments that have broken parsers and SQL before.
const NASTY: &[&str] = &[
    "'",
    "\"",
    "\"\"",
    ";",
    ",",
    "--",
    "/*",
    "*/",
    "%",
    "_",
    "\\",
    "\0",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "?",
    "?1",
    ":name",
    "$1",
    "@x",
    "'); DROP TABLE leads; --",
    "' OR '1'='1",
    "\u{202E}",
    "\u{200F}",
    "مرحبا بالعالم",
    "שלום",
    "李小龍",
    "漢字かなカナ",
    "👩‍👩‍👧‍👦",
    "🦀",
    "\u{FEFF}",
    "\u{200B}",
    "e\u{301}",
    "\u{10FFFF}",
    "Tom",
    "New",
    "Won",
    "me",
    "unassigned",
    "none",
    "2026-03-02",
    "2026-02-30",
    "31/12/2025",
    "+262143-12-31",
    "-262144-01-01",
    "9999-12-31T23:59:59+14:00",
    "1970-01-01T00:00:00Z",
    "sep=;",
    "@",
    "a@b",
];

fn nasty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![3 => prop::sample::select(NASTY).prop_map(String::from), 1 => any::<String>()],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

fn sample() -> (Store, Ctx) {
    let mut s = store();
    let ctx = ctx_at(NOW);
    team(&mut s, &ctx, &["Tom", "Stephanie", "Lewis"]);
    add_user(&mut s, &ctx, "Maria", Role::Manager);
    group(&mut s, &ctx, "Inbound", Method::Sequential, 3, 0, &["Tom", "Stephanie", "Lewis"]);
    leads(&mut s, &ctx, 12);
    leadrota::core::distribute::set_auto_assign(&mut s, &ctx, true).expect("routing on");
    (s, ctx)
}

/// Row counts of every table and a checksum of owners and names.
fn fingerprint(store: &Store) -> Vec<i64> {
    let tables = [
        "leads",
        "lead_tags",
        "users",
        "user_groups",
        "memberships",
        "rules",
        "batches",
        "activity",
        "deliveries",
        "notifications",
        "settings",
    ];
    let mut out: Vec<i64> = tables.iter().map(|t| count(store, &format!("SELECT count(*) FROM {t}"))).collect();
    out.push(count(store, "SELECT coalesce(sum(id * coalesce(owner_id, 7) + length(name)), 0) FROM leads"));
    out.push(count(store, "SELECT coalesce(sum(cursor_position), 0) FROM user_groups"));
    out
}

/// A core error meant for the user, never an SQL fault. (The text may quote
/// the input, line breaks and all; the CLI prints it on one line.)
fn user_error(e: &Error) -> bool {
    !matches!(e, Error::Sql(_) | Error::Migration(_))
}

fn try_import(bytes: &[u8], opts: &ImportOptions) {
    let (mut s, ctx) = sample();
    let before = fingerprint(&s);
    match import::import(&mut s, &ctx, bytes, opts) {
        Ok(report) => {
            let after = fingerprint(&s);
            if opts.dry_run || report.aborted || report.created == 0 {
                assert_eq!(after, before, "nothing may change: {report:?}");
            } else {
                assert_eq!(after[0], before[0] + report.created as i64, "leads created");
            }
        }
        Err(e) => {
            assert!(user_error(&e), "{e:?}");
            assert_eq!(fingerprint(&s), before, "a rejected file changed the database: {e}");
        }
    }
}

const HEADERS: &[&str] = &[
    "Name",
    "Full Name",
    "First Name",
    "Last Name",
    "E-mail",
    "Email",
    "Phone Number",
    "Company Name",
    "Lead Source",
    "Lead Status",
    "Assigned To",
    "Owner",
    "Tags",
    "Created",
    "Notes",
    "Deal value",
    "",
    "名前",
    "'; DROP TABLE leads; --",
];

/// A CSV of junk under plausible headers, well quoted or not.
fn structured_csv() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(prop::sample::select(HEADERS), 1..8),
        prop::collection::vec(prop::collection::vec(nasty(), 0..9), 0..12),
        prop::sample::select(vec![b',', b';', b'\t']),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(header, rows, delimiter, quoted, bom)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            if quoted {
                let mut w = csv::WriterBuilder::new().delimiter(delimiter).flexible(true).from_writer(&mut out);
                w.write_record(&header).unwrap();
                for row in &rows {
                    w.write_record(row).unwrap();
                }
                w.flush().unwrap();
            } else {
                let sep = (delimiter as char).to_string();
                out.extend(header.join(&sep).into_bytes());
                for row in &rows {
                    out.push(b'\n');
                    out.extend(row.join(&sep).into_bytes());
                }
            }
            out
        })
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn import_of_arbitrary_bytes_never_panics_and_a_rejection_changes_nothing(
        bytes in prop::collection::vec(any::<u8>(), 0..1500),
        route in any::<bool>(),
        strict in any::<bool>(),
        dry_run in any::<bool>(),
    ) {
        try_import(&bytes, &ImportOptions { route, strict, dry_run, ..ImportOptions::default() });
    }

    #[test]
    fn import_of_structured_junk_never_panics_and_a_rejection_changes_nothing(
        bytes in structured_csv(),
        route in any::<bool>(),
        strict in any::<bool>(),
        dry_run in any::<bool>(),
    ) {
        try_import(&bytes, &ImportOptions { route, strict, dry_run, ..ImportOptions::default() });
    }

    #[test]
    fn config_text_of_any_kind_parses_or_names_the_problem_on_one_line(
        text in prop_oneof![
            any::<String>(),
            prop::collection::vec(
                (prop::sample::select(vec![
                    "database", "acting_user", "timezone", "notify_on_assign", "unassigned_alert_hours",
                    "stale_days", "[keys]", "assign", "colour", "'quoted key'",
                ]), nasty()),
                0..6,
            ).prop_map(|lines| lines.iter().map(|(k, v)| format!("{k} = {v:?}\n{k} = {v}\n")).collect::<String>()),
        ],
    ) {
        if let Err(e) = Config::parse(&text, Path::new("hostile.toml")) {
            let msg = e.to_string();
            prop_assert!(user_error(&e), "{msg}");
            prop_assert!(msg.contains("hostile.toml"), "{msg}");
        }
    }

    #[test]
    fn the_now_and_date_parsers_take_anything(
        text in prop_oneof![
            nasty(),
            (-300_000i32..300_000, 0u32..14, 0u32..33, 0u32..25, -1500i32..1500).prop_map(|(y, m, d, h, off)| {
                format!("{y:04}-{m:02}-{d:02}T{h:02}:00:00{:+03}:{:02}", off / 60, (off % 60).abs())
            }),
            (-300_000i32..300_000, 0u32..14, 0u32..33).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        ],
        zone in prop::sample::select(vec!["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Santiago", "Europe/Berlin"]),
    ) {
        let tz: Tz = zone.parse().unwrap();
        // --now: a time, whose office day and month hold it, or a one-line refusal.
        match time::parse_now(&text) {
            Ok(now) => {
                let day = time::day_start(tz, now);
                let month = time::month_start(tz, now);
                prop_assert!(day <= now && now - day <= chrono::Duration::hours(26), "{text:?}: day {day} for {now}");
                prop_assert!(month <= day && day - month <= chrono::Duration::days(31), "{text:?}: month {month}");
            }
            Err(e) => prop_assert!(matches!(e, Error::Invalid(_)) && e.to_string().starts_with("bad time"), "{e}"),
        }
        // --since and --until read the same texts, and until never comes before since.
        match (time::parse_date(tz, &text), time::parse_until(tz, &text)) {
            (Ok(since), Ok(until)) => prop_assert!(
                since <= until && until - since <= chrono::Duration::hours(26),
                "{text:?}: since {since}, until {until}"
            ),
            (Err(a), Err(b)) => {
                for e in [a, b] {
                    prop_assert!(matches!(e, Error::Invalid(_)) && e.to_string().starts_with("bad date"), "{e}");
                }
            }
            (a, b) => prop_assert!(false, "since and until disagree on {text:?}: {a:?} / {b:?}"),
        }
        if let Err(e) = time::parse_tz(&text) {
            prop_assert!(e.to_string().starts_with("unknown time zone"), "{e}");
        }
    }

    #[test]
    fn any_filter_resolves_to_a_query_or_a_user_error(
        owner in prop::option::of(nasty()),
        unassigned in any::<bool>(),
        statuses in prop::collection::vec(nasty(), 0..3),
        sources in prop::collection::vec(nasty(), 0..3),
        tags in prop::collection::vec(nasty(), 0..3),
        since in prop::option::of(nasty()),
        until in prop::option::of(nasty()),
        search in prop::option::of(nasty()),
        open_only in any::<bool>(),
    ) {
        let (s, ctx) = sample();
        let before = fingerprint(&s);
        let spec = FilterSpec { unassigned, owner, statuses, sources, tags, since, until, search, open_only, older_than_hours: None };
        match spec.resolve(s.conn(), &ctx) {
            Ok(filter) => {
                let n = leads::count(s.conn(), &filter).expect("count of a resolved filter");
                let rows = page::all(s.conn(), &filter, Sort::default(), Some(100)).expect("page of a resolved filter");
                prop_assert_eq!(rows.len() as i64, n.min(100));
            }
            Err(e) => prop_assert!(user_error(&e), "{e:?}"),
        }
        prop_assert_eq!(fingerprint(&s), before);
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn the_console_search_box_takes_any_text(text in nasty()) {
        let (s, ctx) = sample();
        let before = fingerprint(&s);
        let mut app = App::new(s, ctx, Config::default(), Worker::inline(), 30).unwrap();
        app.handle_key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE));
        for c in text.chars() {
            app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            app.poll_worker();
        }
        app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        prop_assert!(!app.notice.text.contains("database refused"), "{}", app.notice.text);
        let matching = leads::count(app.store.conn(), &app.leads.window.filter).unwrap();
        prop_assert!(app.leads.window.rows.len() as i64 <= matching);
        prop_assert_eq!(fingerprint(&app.store), before);
    }
}

#[test]
fn sql_metacharacters_rtl_and_wide_text_round_trip_exactly() {
    let (mut s, ctx) = sample();
    let names = [
        "'); DROP TABLE leads; --",
        "Robert\"); DELETE FROM users; --",
        "مرحبا بالعالم",
        "\u{202E}gnp.exe",
        "李小龍 👩‍👩‍👧‍👦 🦀",
        "100% _real_ \\escape",
    ];
    let mut csv = String::from("Name,Email,Company\n");
    for (i, n) in names.iter().enumerate() {
        csv.push_str(&format!("\"{}\",x{i}@example.com,\"{}\"\n", n.replace('"', "\"\""), n.replace('"', "\"\"")));
    }
    let report = import::import(&mut s, &ctx, csv.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(report.created, names.len(), "{report:?}");
    for n in names {
        assert_eq!(count(&s, "SELECT count(*) FROM users"), 4);
        let found: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM leads WHERE name = ?1 AND company = ?1", [n], |r| r.get(0))
            .unwrap();
        assert_eq!(found, 1, "{n}");
        // Searching for it finds it, literally (no LIKE wildcards leak).
        let spec = FilterSpec { search: Some(n.to_string()), ..FilterSpec::default() };
        let filter = spec.resolve(s.conn(), &ctx).unwrap();
        assert_eq!(leads::count(s.conn(), &filter).unwrap(), 1, "{n}");
    }
    let spec = FilterSpec { search: Some("%".into()), ..FilterSpec::default() };
    assert_eq!(leads::count(s.conn(), &spec.resolve(s.conn(), &ctx).unwrap()).unwrap(), 1);
}

#[test]
fn a_1_mb_field_and_100000_columns_are_handled_without_panic() {
    // One row with a 1 MB name and a 1 MB note.
    let big = "x".repeat(1 << 20);
    let csv = format!("Name,Email,Notes\n{big},big@example.com,{big}\n");
    let (mut s, ctx) = sample();
    let report = import::import(&mut s, &ctx, csv.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(report.created, 1);
    assert_eq!(count(&s, "SELECT max(length(name)) FROM leads"), 1 << 20);

    // 100,000 columns: junk names with an email at the end, then every column named "name".
    let mut wide = (0..100_000).map(|i| format!("col{i}")).collect::<Vec<_>>().join(",");
    wide.push_str(",Email\n");
    wide.push_str(&"v,".repeat(100_000));
    wide.push_str("wide@example.com\n");
    let started = std::time::Instant::now();
    let report = import::import(&mut s, &ctx, wide.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!((report.created, report.ignored_columns.len()), (1, 100_000));
    let dup = format!("{}\n{}\n", vec!["Name"; 100_000].join(","), vec!["Ann"; 100_000].join(","));
    let report = import::import(&mut s, &ctx, dup.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(report.created, 1);
    // Ragged: a row with 100,000 fields under a two-column header is one rejected row.
    let ragged = format!("Name,Email\n{}\n", vec!["a"; 100_000].join(","));
    let before = fingerprint(&s);
    let report = import::import(&mut s, &ctx, ragged.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!((report.created, report.rejected.len()), (0, 1));
    assert_eq!(fingerprint(&s), before);
    assert!(started.elapsed().as_secs() < 30, "wide files took {:?}", started.elapsed());
}

#[test]
fn nul_bytes_and_invalid_utf8_are_refused_with_the_line_and_change_nothing() {
    for (bytes, needle) in [
        (&b"Name,Email\nAnn,ann@x.com\nB\0b,b@x.com\n"[..], "line 3"),
        (&b"Name,Email\nZo\xC3\xAB,z@x.com\nJos\xE9\xFF\xFE,j@x.com\n"[..], "line 3"),
        (&b"\xEF\xBB\xBFName\nok\n\xC3(\n"[..], "line 3"),
        (&b"\xFF\xFEN\0a\0m\0e\0\n\0\x00\xD8x\0"[..], "UTF-16"),
        (&b"PK\x03\x04 workbook"[..], "workbook"),
        (&b""[..], "empty"),
    ] {
        let (mut s, ctx) = sample();
        let before = fingerprint(&s);
        let err = import::import(&mut s, &ctx, bytes, &ImportOptions { route: true, ..ImportOptions::default() })
            .expect_err("refused");
        let msg = err.to_string();
        assert!(msg.contains(needle) && !msg.contains('\n'), "{msg:?} should mention {needle:?}");
        assert_eq!(fingerprint(&s), before);
    }
}

#[test]
fn a_config_file_that_is_not_utf8_is_an_error_naming_the_file() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, b"stale_days = 3\nacting_user = \"\xFF\xFE\"\n").unwrap();
    let err = Config::load(Some(&path)).unwrap_err().to_string();
    assert!(err.contains("config.toml") && err.contains("UTF-8"), "{err}");
}

/// Hostile command lines to the real binary: exit 0 or 1, one line on
/// failure, never a panic, and the database as it was.
#[test]
fn hostile_command_lines_fail_cleanly_and_change_nothing() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    let db = reliability_support::Db::new();
    db.team();
    db.bulk_leads(20);
    let before = reliability_support::state(&db.conn());
    let long = "é".repeat(50_000);
    let cases: Vec<Vec<OsString>> = vec![
        vec!["--now".into(), "yesterday".into(), "lead".into(), "list".into()],
        vec!["--now".into(), "+262143-12-31T23:59:59-14:00".into(), "report".into(), "workload".into()],
        vec!["--now".into(), "-262143-01-01T00:00:00+14:00".into(), "group".into(), "list".into()],
        vec!["lead".into(), "list".into(), "--since".into(), "+262143-12-31".into()],
        vec!["lead".into(), "list".into(), "--until".into(), "+262143-12-31".into()],
        vec!["lead".into(), "list".into(), "--since".into(), "2026-02-30".into()],
        vec!["lead".into(), "list".into(), "--search".into(), "'); DROP TABLE leads; --".into()],
        vec!["lead".into(), "list".into(), "--search".into(), long.clone().into()],
        vec!["lead".into(), "list".into(), "--owner".into(), "\u{202E}moT".into()],
        vec!["lead".into(), "list".into(), "--status".into(), "New'; --".into()],
        vec!["lead".into(), "list".into(), "--sort".into(), "-'".into()],
        vec!["lead".into(), "list".into(), "--limit".into(), "99999999999999999999999".into()],
        vec!["lead".into(), "show".into(), "-9223372036854775808".into()],
        vec!["lead".into(), "show".into(), "9223372036854775807".into()],
        vec![
            "assign".into(),
            "--to".into(),
            "Tom".into(),
            "--search".into(),
            "%".into(),
            "--unassigned".into(),
            "--owner".into(),
            "Tom".into(),
        ],
        vec!["assign".into(), "--to".into(), "' OR 1=1 --".into(), "1".into()],
        vec!["assign".into(), "--to".into(), "Tom".into(), "99999".into()],
        vec!["rule".into(), "add".into(), "x".into(), "--to-user".into(), "Tom".into(), "--if".into(), "source".into()],
        vec![
            "rule".into(),
            "add".into(),
            "x".into(),
            "--to-user".into(),
            "Nobody".into(),
            "--if".into(),
            "nothing=1".into(),
        ],
        vec!["group".into(), "add".into(), "".into(), "--daily".into(), "-5".into()],
        vec!["user".into(), "add".into(), "".into()],
        vec!["user".into(), "add".into(), long.into()],
        vec!["lead".into(), "list".into(), "--search".into(), OsString::from_vec(b"\xFF\xFEabc".to_vec())],
        vec![OsString::from_vec(b"\xC3\x28".to_vec())],
        vec!["--config".into(), "/nonexistent/config.toml".into(), "lead".into(), "list".into()],
        vec!["import".into(), "/dev/null".into()],
        vec!["import".into(), "/".into()],
        vec!["backup".into(), "".into()],
        vec!["doctor".into(), "--quick".into(), "--json".into()],
    ];
    for args in &cases {
        let out = db.cmd().args(args).output().unwrap();
        // Short enough to read in a failure message.
        let args: Vec<String> = args.iter().map(|a| a.to_string_lossy().chars().take(60).collect()).collect();
        let stderr = reliability_support::stderr_of(&out);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{args:?}: {stderr}");
        let stderr: String = stderr.chars().take(300).collect();
        if !out.status.success() {
            assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: one line: {stderr}");
            assert!(!stderr.contains("database refused"), "{args:?}: {stderr}");
        }
    }
    let after = reliability_support::state(&db.conn());
    // `user add` of the long name may legitimately succeed; leads and owners may not move.
    assert_eq!((after.owners, after.leads, after.deliveries), (before.owners, before.leads, before.deliveries));
}
