//! Reports (V4), notifications (V7) and the activity timeline (V5), checked
//! against figures computed by hand on a small database.

mod common;

use common::{at, ctx_at, team};
use leadrota::core::distribute::{self, Handover};
use leadrota::core::model::NewLead;
use leadrota::core::report::{self, OwnerLoad};
use leadrota::core::{Ctx, Store, leads};
use serde_json::{Value, json};

const NOW: &str = "2026-03-20T12:00:00Z";

fn add(store: &mut Store, name: &str, created: &str, owner: Option<&str>) -> i64 {
    let new = NewLead {
        name: name.into(),
        created_at: Some(at(created).timestamp()),
        owner: owner.map(str::to_string),
        ..NewLead::default()
    };
    distribute::create_lead(store, &ctx_at(created), &new).expect("add lead").0.id
}

fn move_at(store: &mut Store, id: i64, status: &str, when: &str) {
    leads::move_status(store, &ctx_at(when), id, status).expect("move");
}

/// The hand-computed scenario, as of NOW (stale after 7 days, alert after 24 h):
///
/// | lead | owner     | created     | status (changed)        | stale 7d | waiting 24h |
/// |------|-----------|-------------|-------------------------|----------|-------------|
/// | 1    | Tom       | 03-01       | New                     | yes      |             |
/// | 2    | Tom       | 03-18       | New                     |          |             |
/// | 3    | Tom       | 03-01       | Contacted (03-19 13:00) |          |             |
/// | 4    | Tom       | 03-01       | Won (03-02)             | closed   |             |
/// | 5    | Stephanie | 03-05       | Qualified (03-10)       | yes      |             |
/// | 6    | —         | 03-19 11:00 | New                     |          | yes (25 h)  |
/// | 7    | —         | 03-20 00:00 | New                     |          | no (12 h)   |
/// | 8    | —         | 03-01       | Lost (03-02)            | closed   | closed      |
/// | 9    | Denise    | 03-01       | Won (03-03)             | closed   |             |
/// | 10   | — (was Denise, offboarded) | 03-10 | New         | yes      | yes         |
fn scenario(store: &mut Store) {
    let ctx = ctx_at("2026-02-01T00:00:00Z");
    team(store, &ctx, &["Tom", "Stephanie", "Lewis", "Denise"]);
    distribute::set_auto_assign(store, &ctx, false).expect("routing off");
    let l1 = add(store, "L1", "2026-03-01T12:00:00Z", Some("Tom"));
    let _l2 = add(store, "L2", "2026-03-18T12:00:00Z", Some("Tom"));
    let l3 = add(store, "L3", "2026-03-01T12:00:00Z", Some("Tom"));
    let l4 = add(store, "L4", "2026-03-01T12:00:00Z", Some("Tom"));
    let l5 = add(store, "L5", "2026-03-05T12:00:00Z", Some("Stephanie"));
    let _l6 = add(store, "L6", "2026-03-19T11:00:00Z", None);
    let _l7 = add(store, "L7", "2026-03-20T00:00:00Z", None);
    let l8 = add(store, "L8", "2026-03-01T12:00:00Z", None);
    let l9 = add(store, "L9", "2026-03-01T12:00:00Z", Some("Denise"));
    let _l10 = add(store, "L10", "2026-03-10T12:00:00Z", Some("Denise"));
    move_at(store, l3, "Contacted", "2026-03-19T13:00:00Z");
    move_at(store, l4, "Won", "2026-03-02T12:00:00Z");
    move_at(store, l5, "Qualified", "2026-03-10T12:00:00Z");
    move_at(store, l8, "Lost", "2026-03-02T12:00:00Z");
    move_at(store, l9, "Won", "2026-03-03T12:00:00Z");
    distribute::deactivate(store, &ctx_at("2026-03-15T12:00:00Z"), "Denise", &Handover::LeaveUnassigned, false)
        .expect("offboard");
    assert_eq!(l1, 1);
}

fn ctx() -> Ctx {
    ctx_at(NOW)
}

fn row<'a>(rows: &'a [OwnerLoad], owner: Option<&str>) -> &'a OwnerLoad {
    rows.iter().find(|r| r.owner.as_deref() == owner).expect("owner row")
}

fn statuses(r: &OwnerLoad) -> Vec<i64> {
    r.by_status.iter().map(|(_, n)| *n).collect()
}

#[test]
fn workload_matches_hand_computed_counts() {
    let mut s = common::store();
    scenario(&mut s);
    let w = report::workload(s.conn(), &ctx(), 7, 24).unwrap();
    let order: Vec<Option<&str>> = w.owners.iter().map(|o| o.owner.as_deref()).collect();
    assert_eq!(order, [None, Some("Denise"), Some("Lewis"), Some("Stephanie"), Some("Tom")]);
    let stages: Vec<&str> = w.owners[0].by_status.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(stages, ["New", "Contacted", "Qualified", "Proposal", "Won", "Lost"]);
    //                                      New Con Qua Pro Won Lost
    let tom = row(&w.owners, Some("Tom"));
    assert_eq!((statuses(tom), tom.open, tom.stale), (vec![2, 1, 0, 0, 1, 0], 3, 1));
    let steph = row(&w.owners, Some("Stephanie"));
    assert_eq!((statuses(steph), steph.open, steph.stale), (vec![0, 0, 1, 0, 0, 0], 1, 1));
    let lewis = row(&w.owners, Some("Lewis"));
    assert_eq!((statuses(lewis), lewis.open, lewis.stale, lewis.active), (vec![0; 6], 0, 0, true));
    let denise = row(&w.owners, Some("Denise"));
    assert_eq!((statuses(denise), denise.open, denise.active), (vec![0, 0, 0, 0, 1, 0], 0, false));
    let none = row(&w.owners, None);
    assert_eq!((statuses(none), none.open, none.stale), (vec![3, 0, 0, 0, 0, 1], 3, 1));
    assert_eq!((w.unassigned, w.unassigned_over_threshold), (3, 2));

    let w1 = report::workload(s.conn(), &ctx(), 1, 12).unwrap();
    assert_eq!(row(&w1.owners, Some("Tom")).stale, 2, "L1 and L2; L3 moved 23 h ago");
    assert_eq!(row(&w1.owners, None).stale, 2, "L6 and L10");
    assert_eq!(w1.unassigned_over_threshold, 2, "L7 waited exactly 12 h: not more");
    assert_eq!(report::workload(s.conn(), &ctx(), 7, 0).unwrap().unassigned_over_threshold, 3);
}

#[test]
fn workload_is_for_managers() {
    let mut s = common::store();
    scenario(&mut s);
    let tom = common::as_user(&s, &ctx(), "Tom");
    assert!(report::workload(s.conn(), &tom, 7, 24).unwrap_err().to_string().contains("permission denied"));
}

#[test]
fn waiting_lists_open_unassigned_leads_oldest_first() {
    let mut s = common::store();
    scenario(&mut s);
    let w = report::waiting(s.conn(), &ctx(), 24, None).unwrap();
    let names: Vec<&str> = w.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["L10", "L6"]);
    assert_eq!((w.unassigned, w.waiting), (3, 2));
    let all = report::waiting(s.conn(), &ctx(), 0, Some(2)).unwrap();
    assert_eq!((all.waiting, all.leads.len()), (3, 2), "the limit caps the list, not the count");
}

// ------------------------------------------------------------ the binary

type Db = common::Bin;

impl Db {
    fn with_scenario() -> Db {
        let db = Db::new(NOW);
        let mut store = Store::open(&db.path).unwrap();
        scenario(&mut store);
        drop(store);
        db
    }

    fn config(&self, text: &str) -> String {
        let path = self.dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

#[test]
fn report_workload_json_has_the_spec_shape_and_config_defaults() {
    let db = Db::with_scenario();
    let w = db.json(&["report", "workload"]);
    for key in ["owners", "unassigned", "unassigned_over_threshold"] {
        assert!(w.get(key).is_some(), "workload lacks {key}");
    }
    let tom = w["owners"].as_array().unwrap().iter().find(|o| o["owner"] == "Tom").unwrap();
    for key in ["owner", "open", "by_status", "stale"] {
        assert!(tom.get(key).is_some(), "owner row lacks {key}");
    }
    assert_eq!(tom["by_status"], json!({"New": 2, "Contacted": 1, "Qualified": 0, "Proposal": 0, "Won": 1, "Lost": 0}));
    assert_eq!((tom["open"].as_i64(), tom["stale"].as_i64()), (Some(3), Some(1)));
    assert_eq!(w["owners"][0]["owner"], Value::Null);
    assert_eq!((w["unassigned"].as_i64(), w["unassigned_over_threshold"].as_i64()), (Some(3), Some(2)));

    let config = db.config("stale_days = 1\nunassigned_alert_hours = 0\n");
    let w = db.json(&["--config", &config, "report", "workload"]);
    assert_eq!((w["stale_days"].as_i64(), w["unassigned_over_threshold"].as_i64()), (Some(1), Some(3)));
    let w = db.json(&["--config", &config, "report", "workload", "--stale-days", "7"]);
    assert_eq!(w["owners"].as_array().unwrap().iter().find(|o| o["owner"] == "Tom").unwrap()["stale"], 1);

    let human = db.ok(&["report", "workload"]);
    assert!(human.contains("STALE >7d") && human.contains("Denise (deactivated)"), "{human}");
    assert!(human.contains("unassigned: 3 (2 waiting more than 24 h"), "{human}");
}

#[test]
fn report_unassigned_lists_the_waiting_leads_oldest_first() {
    let db = Db::with_scenario();
    let r = db.json(&["report", "unassigned"]);
    let names: Vec<&str> = r["leads"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["L10", "L6"]);
    assert_eq!((r["waiting"].as_i64(), r["unassigned"].as_i64()), (Some(2), Some(3)));
    assert_eq!(r["leads"][1]["waiting_hours"], 25);
    let r = db.json(&["report", "unassigned", "--older-than", "0"]);
    assert_eq!(r["leads"].as_array().unwrap().len(), 3);
    let human = db.ok(&["report", "unassigned"]);
    assert!(human.contains("2 of 3 unassigned leads have waited more than 24 h"), "{human}");
    let out = db.cmd(&["--as", "Tom", "report", "workload"]).assert().code(1).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("permission denied"));
}

#[test]
fn notifications_list_newest_first_and_listing_marks_them_read() {
    let db = Db::with_scenario();
    // Tom was given L1–L4 by the system: four notifications.
    let first = db.json(&["--as", "Tom", "notifications", "--unread", "--limit", "3"]);
    let texts: Vec<&str> = first.as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["Lead #4 L4 is now yours", "Lead #3 L3 is now yours", "Lead #2 L2 is now yours"]);
    assert!(first.as_array().unwrap().iter().all(|n| n["read"] == false));
    for key in ["id", "at", "lead", "text", "read"] {
        assert!(first[0].get(key).is_some(), "notification lacks {key}");
    }
    let second = db.json(&["--as", "Tom", "notifications", "--unread"]);
    assert_eq!(second.as_array().unwrap().len(), 1);
    assert_eq!(second[0]["lead"], 1);
    assert_eq!(db.json(&["--as", "Tom", "notifications", "--unread"]), json!([]));
    let all = db.json(&["--as", "Tom", "notifications"]);
    assert_eq!(all.as_array().unwrap().len(), 4);
    assert!(all.as_array().unwrap().iter().all(|n| n["read"] == true));
    assert!(db.ok(&["--as", "Tom", "notifications", "--unread"]).contains("no unread notifications"));
    let out = db.cmd(&["notifications"]).assert().code(1).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as"));
    // Stephanie's are untouched by Tom's reading.
    assert_eq!(db.json(&["--as", "Stephanie", "notifications", "--unread"]).as_array().unwrap().len(), 1);
    // Reading is not a lead change: no batch, no activity row.
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let batches: i64 =
        conn.query_row("SELECT count(*) FROM batches WHERE command = 'notifications'", [], |r| r.get(0)).unwrap();
    assert_eq!(batches, 0);
}

#[test]
fn activity_shows_who_when_what_from_to_and_via() {
    let db = Db::with_scenario();
    let rows = db.json(&["activity", "--lead", "10"]);
    let got: Vec<(&str, &Value, &Value, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), &a["from"], &a["to"], a["via"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("unassigned", &json!("Denise"), &Value::Null, "offboard"),
            ("assigned", &Value::Null, &json!("Denise"), "manual"),
            ("created", &Value::Null, &json!("New"), "manual"),
        ]
    );
    assert_eq!(rows[0]["at"], "2026-03-15T12:00:00Z");
    let toms = db.json(&["activity", "--user", "Tom", "--limit", "2"]);
    assert_eq!(toms.as_array().unwrap().len(), 2);
    assert_eq!((toms[0]["kind"].as_str(), toms[0]["lead"].as_i64()), (Some("assigned"), Some(4)), "newest first");
    let human = db.ok(&["activity", "--lead", "3"]);
    assert!(human.contains("status New → Contacted"), "{human}");
}
