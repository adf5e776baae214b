//! CSV import and export (SPEC §6): fixtures written the way real exports
//! are, through the core API, and the real binary for routing, flags and the
//! round trip.

mod common;

use std::path::{Path, PathBuf};

use common::{count, ctx_at, store, team};
use leadrota::core::activity::{self, ActivityQuery};
use leadrota::core::filter::Filter;
use leadrota::core::import::{self, Encoding, ImportOptions, ImportReport};
use leadrota::core::model::{Lead, Role};
use leadrota::core::page::{self, Sort};
use leadrota::core::{Ctx, Store};
use serde_json::Value;

const NOW: &str = "2026-03-02T10:00:00Z";

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv").join(name)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).expect("fixture exists")
}

/// A store with Tom, Stephanie, Lewis and Denise, and the system acting.
fn setup() -> (Store, Ctx) {
    let mut s = store();
    let ctx = ctx_at(NOW);
    team(&mut s, &ctx, &["Tom", "Stephanie", "Lewis", "Denise"]);
    (s, ctx)
}

fn import_bytes(s: &mut Store, ctx: &Ctx, bytes: &[u8]) -> ImportReport {
    import::import(s, ctx, bytes, &ImportOptions::default()).expect("import runs")
}

fn all_leads(s: &Store) -> Vec<Lead> {
    page::all(s.conn(), &Filter::default(), Sort::default(), None).expect("leads")
}

fn lead_named(s: &Store, name: &str) -> Lead {
    all_leads(s).into_iter().find(|l| l.name == name).unwrap_or_else(|| panic!("no lead named {name}"))
}

fn lines(r: &ImportReport) -> Vec<u64> {
    r.rejected.iter().map(|x| x.line).collect()
}

fn notes_of(s: &Store, lead: i64) -> Vec<String> {
    activity::list(s.conn(), &ActivityQuery { lead: Some(lead), ..ActivityQuery::default() })
        .expect("activity")
        .into_iter()
        .filter(|a| a.kind == "note")
        .filter_map(|a| a.note)
        .collect()
}

#[test]
fn bom_crlf_export_with_quotes_owners_and_statuses_imports_every_row() {
    let (mut s, ctx) = setup();
    let r = import_bytes(&mut s, &ctx, &fixture("bom_crlf.csv"));
    assert_eq!((r.created, r.rejected.len(), r.rows), (3, 0, 3));
    assert_eq!(r.encoding, Encoding::Utf8Bom);
    assert!(r.batch.is_some());
    let ann = lead_named(&s, "Ann Lee");
    assert_eq!(ann.email, "ann@acme.com");
    assert_eq!(ann.phone, "+1 (555) 010-2030");
    assert_eq!(ann.company, "Stone, Bauer & Co");
    assert_eq!(ann.source, "Facebook");
    assert_eq!(ann.owner.as_deref(), Some("Tom"));
    assert_eq!(ann.tags, ["hot", "vip"]);
    let bob = lead_named(&s, "Bob Stone");
    assert_eq!(bob.company, "The \"Best\" Bakery");
    assert_eq!((bob.status.as_str(), bob.owner.as_deref()), ("Contacted", None));
    let zoe = lead_named(&s, "Zoë Åberg");
    assert_eq!((zoe.status.as_str(), zoe.owner.as_deref()), ("Qualified", Some("Stephanie")));
    assert_eq!(r.assigned.len(), 2, "owners from the column count as assigned");
    assert!(r.assigned.iter().all(|p| p.rule.is_none()));
    assert!(r.unassigned.is_empty(), "no routing was asked for");
    let rows = activity::list(s.conn(), &ActivityQuery { lead: Some(ann.id), ..ActivityQuery::default() }).unwrap();
    let kinds: Vec<(&str, &str)> = rows.iter().map(|a| (a.kind.as_str(), a.via.as_str())).collect();
    assert_eq!(kinds, [("assigned", "import"), ("created", "import")]);
    assert_eq!(count(&s, "SELECT count(*) FROM deliveries"), 0, "an owner column is not a delivery");
}

#[test]
fn semicolons_with_decimal_commas_are_detected_and_extra_columns_reported() {
    let (mut s, ctx) = setup();
    let r = import_bytes(&mut s, &ctx, &fixture("semicolon_decimal.csv"));
    assert_eq!((r.created, r.rejected.len()), (3, 0));
    assert_eq!(r.delimiter, ';');
    assert_eq!(r.ignored_columns, ["Deal value"]);
    let j = lead_named(&s, "Jürgen Weiß");
    assert_eq!((j.company.as_str(), j.source.as_str()), ("Weiß GmbH", "Trade show"));
    assert_eq!(lead_named(&s, "Pablo Ruiz").company, "Ruiz y Asociados, S.L.");
}

#[test]
fn quoted_multi_line_notes_are_kept_and_later_lines_are_physical() {
    let (mut s, ctx) = setup();
    let r = import_bytes(&mut s, &ctx, &fixture("multiline_notes.csv"));
    assert_eq!((r.created, r.rows), (3, 4));
    assert_eq!(lines(&r), [6], "Eve's record starts on line 6");
    assert!(r.rejected[0].error.contains("unknown status 'Maybe'"), "{}", r.rejected[0].error);
    let carla = lead_named(&s, "Carla Diaz");
    assert_eq!(notes_of(&s, carla.id), ["Met at the fair.\nWants a demo, next week.\nBudget: \"tight\""]);
    assert_eq!(lead_named(&s, "Dan Ode").status, "Contacted");
    assert!(notes_of(&s, lead_named(&s, "Finn Ray").id).is_empty());
}

#[test]
fn first_and_last_name_columns_are_joined() {
    let (mut s, ctx) = setup();
    let r = import_bytes(&mut s, &ctx, &fixture("first_last.csv"));
    assert_eq!(r.created, 4);
    assert_eq!(lines(&r), [6]);
    assert!(r.rejected[0].error.contains("needs a name or an email"));
    let names: Vec<String> = all_leads(&s).into_iter().map(|l| l.name).collect();
    assert_eq!(names, ["Grace Hopper", "Lovelace", "Linus", "nameless@example.com"]);
    assert_eq!(lead_named(&s, "Lovelace").company, "Analytical Engines");
}

#[test]
fn unknown_columns_are_ignored_and_named_once() {
    let (mut s, ctx) = setup();
    let r = import_bytes(&mut s, &ctx, &fixture("extra_columns.csv"));
    assert_eq!((r.created, r.rejected.len()), (2, 0));
    assert_eq!(r.ignored_columns, ["Lead ID", "Favourite Colour", "Deal Value", "Last Activity"]);
    let hana = lead_named(&s, "Hana Sato");
    assert_eq!((hana.source.as_str(), hana.tags.clone()), ("LinkedIn", vec!["smb".to_string()]));
}

#[test]
fn blank_trailing_lines_and_empty_rows_are_skipped() {
    let (mut s, ctx) = setup();
    let r = import_bytes(&mut s, &ctx, &fixture("trailing_empty_lines.csv"));
    assert_eq!((r.created, r.rejected.len(), r.rows), (2, 0, 2));
    assert_eq!(lead_named(&s, "Jack Black").phone, "555-0101");
}

#[test]
fn a_latin1_file_is_transcoded_from_windows_1252_and_says_so() {
    let (mut s, ctx) = setup();
    let r = import_bytes(&mut s, &ctx, &fixture("latin1.csv"));
    assert_eq!(r.encoding, Encoding::Windows1252);
    assert_eq!((r.created, r.rejected.len()), (2, 0));
    let jose = lead_named(&s, "José Müller");
    assert_eq!(jose.company, "Café Crème GmbH");
    assert_eq!(notes_of(&s, jose.id), ["Price 5€ – “special”"]);
    assert_eq!(lead_named(&s, "Françoise Dubois").company, "Société Générale");
}

#[test]
fn a_utf8_file_with_a_stray_latin1_byte_is_refused_naming_the_line() {
    let (mut s, ctx) = setup();
    let bytes = b"Name,Email\nZo\xC3\xAB,zoe@x.se\nJos\xE9,jose@x.es\n";
    let err = import::import(&mut s, &ctx, bytes, &ImportOptions::default()).unwrap_err().to_string();
    assert!(err.contains("line 3") && err.contains("UTF-8"), "{err}");
    assert_eq!(count(&s, "SELECT count(*) FROM leads"), 0);
}

#[test]
fn an_empty_file_is_an_error_and_a_header_only_file_imports_nothing() {
    let (mut s, ctx) = setup();
    let err = import::import(&mut s, &ctx, &fixture("empty.csv"), &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    let r = import_bytes(&mut s, &ctx, &fixture("header_only.csv"));
    assert_eq!((r.created, r.rejected.len(), r.rows, r.batch), (0, 0, 0, None));
    assert_eq!(count(&s, "SELECT count(*) FROM batches WHERE command = 'import'"), 0, "nothing changed, no batch");
}

#[test]
fn a_row_with_more_fields_than_the_header_is_rejected_with_its_line() {
    let (mut s, ctx) = setup();
    let r = import_bytes(&mut s, &ctx, &fixture("too_many_fields.csv"));
    assert_eq!(r.created, 2);
    assert_eq!(lines(&r), [3]);
    assert!(r.rejected[0].error.contains("4 fields where the header has 3"), "{}", r.rejected[0].error);
    assert_eq!(lead_named(&s, "Nia Obi").company, "Obi Ltd");
}

#[test]
fn bad_rows_are_reported_with_line_and_reason_and_the_rest_imported() {
    let (mut s, ctx) = setup();
    let r = import_bytes(&mut s, &ctx, &fixture("bad_rows.csv"));
    assert_eq!(r.created, 2);
    assert_eq!(lines(&r), [3, 4, 5, 6, 7]);
    let errors: Vec<&str> = r.rejected.iter().map(|x| x.error.as_str()).collect();
    assert!(errors[0].contains("needs a name or an email"));
    assert!(errors[1].contains("unknown status 'Negotiating'"));
    assert!(errors[2].contains("user 'Ghost' not found"), "an unknown owner is a row error, not a new user");
    assert!(errors[3].contains("bad created date 'last tuesday'"));
    assert!(errors[4].contains("bad email"));
    assert_eq!(count(&s, "SELECT count(*) FROM users WHERE name = 'Ghost'"), 0);
    let ola = lead_named(&s, "Ola Nordmann");
    assert_eq!((ola.owner.as_deref(), ola.created_at), (Some("Tom"), common::at("2026-01-15T00:00:00Z").timestamp()));
    assert_eq!(ola.status_changed_at, ola.created_at);
    let tia = lead_named(&s, "Tia Vu");
    assert_eq!((tia.status.as_str(), tia.created_at), ("Won", common::at("2026-02-01T14:30:00Z").timestamp()));
}

#[test]
fn created_dates_without_a_zone_are_office_local() {
    let mut s = store();
    let ctx = common::ctx_in("Europe/Berlin", NOW);
    let r = import_bytes(&mut s, &ctx, b"Name,Created at\nA,2026-01-15 09:00\nB,25/03/2025\nC,03/04/2025\n");
    assert_eq!(r.created, 3, "{:?}", r.rejected);
    assert_eq!(lead_named(&s, "A").created_at, common::at("2026-01-15T08:00:00Z").timestamp());
    assert_eq!(lead_named(&s, "C").created_at, common::at("2025-04-02T22:00:00Z").timestamp(), "day first, as B shows");
}

#[test]
fn strict_imports_nothing_when_a_row_is_bad() {
    let (mut s, ctx) = setup();
    let before = count(&s, "SELECT count(*) FROM activity");
    let opts = ImportOptions { strict: true, ..ImportOptions::default() };
    let r = import::import(&mut s, &ctx, &fixture("bad_rows.csv"), &opts).unwrap();
    assert!(r.aborted);
    assert_eq!((r.created, r.rejected.len(), r.batch), (0, 5, None));
    assert_eq!(count(&s, "SELECT count(*) FROM leads"), 0);
    assert_eq!(count(&s, "SELECT count(*) FROM activity"), before);
    let good = import::import(&mut s, &ctx, &fixture("bom_crlf.csv"), &opts).unwrap();
    assert_eq!((good.created, good.aborted), (3, false));
}

#[test]
fn dry_run_reports_exactly_what_a_run_does_and_writes_nothing() {
    let (mut s, ctx) = setup();
    let before = (count(&s, "SELECT count(*) FROM activity"), count(&s, "SELECT count(*) FROM batches"));
    let preview = import::import(
        &mut s,
        &ctx,
        &fixture("bad_rows.csv"),
        &ImportOptions { dry_run: true, ..ImportOptions::default() },
    )
    .unwrap();
    assert_eq!(count(&s, "SELECT count(*) FROM leads"), 0);
    assert_eq!((count(&s, "SELECT count(*) FROM activity"), count(&s, "SELECT count(*) FROM batches")), before);
    assert_eq!(preview.batch, None);
    let real = import_bytes(&mut s, &ctx, &fixture("bad_rows.csv"));
    assert_eq!((preview.created, &preview.rejected, &preview.assigned), (real.created, &real.rejected, &real.assigned));
}

#[test]
fn assignee_gives_every_lead_one_owner_without_counting_as_a_delivery() {
    let (mut s, ctx) = setup();
    let opts = ImportOptions { assignee: Some("lewis".into()), ..ImportOptions::default() };
    let r = import::import(&mut s, &ctx, &fixture("bom_crlf.csv"), &opts).unwrap();
    assert_eq!(r.assigned.len(), 3);
    assert!(all_leads(&s).iter().all(|l| l.owner.as_deref() == Some("Lewis")), "--assignee wins over the column");
    assert_eq!(count(&s, "SELECT count(*) FROM deliveries"), 0);
    assert_eq!(
        count(&s, "SELECT count(*) FROM notifications WHERE user_id = (SELECT id FROM users WHERE name = 'Lewis')"),
        3
    );
    let ghost = ImportOptions { assignee: Some("Ghost".into()), ..ImportOptions::default() };
    assert!(import::import(&mut s, &ctx, &fixture("bom_crlf.csv"), &ghost).unwrap_err().to_string().contains("Ghost"));
}

#[test]
fn agents_cannot_import() {
    let (mut s, ctx) = setup();
    common::add_user(&mut s, &ctx, "Maria", Role::Manager);
    let tom = common::as_user(&s, &ctx, "Tom");
    let err = import::import(&mut s, &tom, &fixture("bom_crlf.csv"), &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    let maria = common::as_user(&s, &ctx, "Maria");
    assert_eq!(import::import(&mut s, &maria, &fixture("bom_crlf.csv"), &ImportOptions::default()).unwrap().created, 3);
}

#[test]
fn workbooks_and_header_without_name_or_email_are_refused() {
    let (mut s, ctx) = setup();
    let err = import::import(&mut s, &ctx, b"PK\x03\x04rest-of-a-zip", &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("workbook"), "{err}");
    let err = import::import(&mut s, &ctx, b"Colour,Size\nred,1\n", &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no name or email column"), "{err}");
}

// ------------------------------------------------------------ the binary

type Db = common::Bin;

impl Db {
    fn team(&self) {
        for name in ["Tom", "Stephanie", "Lewis", "Denise"] {
            self.ok(&["user", "add", name]);
        }
    }

    fn csv(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

/// Every lead's fields that an export carries, oldest first.
fn lead_fields(db: &Db) -> Vec<Vec<Value>> {
    let fields = ["name", "email", "phone", "company", "source", "status", "tags", "owner", "created_at"];
    db.json(&["lead", "list"])
        .as_array()
        .expect("an array of leads")
        .iter()
        .map(|l| fields.iter().map(|f| l[*f].clone()).collect())
        .collect()
}

#[test]
fn import_json_has_the_spec_shape() {
    let db = Db::new(NOW);
    db.team();
    let file = fixture_path("bad_rows.csv");
    let r = db.json(&["import", file.to_str().unwrap()]);
    for key in ["batch", "assigned", "unassigned", "created", "rejected"] {
        assert!(r.get(key).is_some(), "import lacks {key}");
    }
    assert_eq!(r["created"], 2);
    assert_eq!(r["rejected"][0], serde_json::json!({"line": 3, "error": "a lead needs a name or an email"}));
    assert_eq!(r["assigned"][0]["owner"], "Tom");
    assert!(r["batch"].is_i64());
    let batch = r["batch"].to_string();
    let rows = db.json(&["activity", "--batch", &batch, "--limit", "100"]);
    assert!(rows.as_array().unwrap().iter().all(|a| a["via"] == "import"));
    assert_eq!(rows.as_array().unwrap().len(), 3, "two created rows and one assignment");
}

#[test]
fn strict_from_the_binary_prints_the_rejections_and_exits_1() {
    let db = Db::new(NOW);
    db.team();
    let file = fixture_path("bad_rows.csv");
    let out = db.cmd(&["--json", "import", file.to_str().unwrap(), "--strict"]).assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((r["created"].as_i64(), r["rejected"].as_array().map(Vec::len)), (Some(0), Some(5)));
    assert_eq!(db.json(&["lead", "list"]), serde_json::json!([]));
}

#[test]
fn route_sends_each_new_lead_through_the_rules_with_duplicates_in_the_batch() {
    let db = Db::new(NOW);
    db.team();
    db.ok(&["group", "add", "Inbound"]);
    db.ok(&["group", "members", "Inbound", "--add", "Tom,Stephanie"]);
    db.ok(&["rule", "add", "Web", "--to-group", "Inbound", "--if", "source=Website"]);
    db.ok(&["routing", "duplicates", "on"]);
    let file = db.csv(
        "in.csv",
        "Name,Email,Lead Source\nA,a@x.test,Website\nB,b@x.test,Website\nC,A@X.test,Google\nD,d@x.test,Google\n",
    );
    let preview = db.json(&["import", &file, "--route", "--dry-run"]);
    assert_eq!(preview["batch"], Value::Null);
    assert_eq!(db.json(&["lead", "list"]), serde_json::json!([]), "a dry run writes nothing");
    let r = db.json(&["import", &file, "--route"]);
    assert_eq!(r["assigned"], preview["assigned"]);
    let owners: Vec<(&str, &Value)> =
        r["assigned"].as_array().unwrap().iter().map(|a| (a["owner"].as_str().unwrap(), &a["rule"])).collect();
    assert_eq!(owners, [("Tom", &serde_json::json!(1)), ("Stephanie", &serde_json::json!(1)), ("Tom", &Value::Null)]);
    assert_eq!(r["unassigned"][0]["lead"], 4);
    assert_eq!(r["unassigned"][0]["reason"], "no matching rule");
    let group = db.json(&["group", "show", "Inbound"]);
    assert_eq!((group["members"][0]["today"].as_i64(), group["members"][1]["today"].as_i64()), (Some(1), Some(1)));
    assert_eq!(db.json(&["activity", "--lead", "3"])[0]["via"], "duplicate");

    db.ok(&["routing", "off"]);
    let paused = db.json(&["import", &file, "--route"]);
    assert_eq!(paused["assigned"], serde_json::json!([]));
    assert_eq!(paused["unassigned"].as_array().unwrap().len(), 4);
    assert!(paused["unassigned"][0]["reason"].as_str().unwrap().contains("paused"));
}

/// Each assigned lead of an import's JSON report with its owner.
fn placed(report: &Value) -> Vec<(i64, &str)> {
    let assigned = report["assigned"].as_array().map(Vec::as_slice).unwrap_or_default();
    assigned.iter().map(|a| (a["lead"].as_i64().unwrap_or_default(), a["owner"].as_str().unwrap_or_default())).collect()
}

/// R4 against leads already stored: a new lead follows the owner of the
/// oldest lead sharing its email or phone, among active owners only.
#[test]
fn route_sends_new_leads_to_the_owner_of_their_oldest_stored_duplicate() {
    let db = Db::new(NOW);
    db.team();
    db.ok(&["lead", "add", "--name", "Ann", "--email", "ann@x.test", "--owner", "Stephanie"]);
    db.ok(&["lead", "add", "--name", "Ann's phone", "--phone", "+1 555 0100", "--owner", "Tom"]);
    db.ok(&["lead", "add", "--name", "Bo", "--email", "bo@x.test", "--owner", "Lewis"]);
    db.ok(&["lead", "add", "--name", "Bo again", "--email", "bo@x.test", "--owner", "Denise"]);
    db.ok(&["lead", "add", "--name", "Cy", "--phone", "+1 555 0300", "--owner", "Tom"]);
    // A closed lead keeps its owner through the deactivation: Lewis, inactive.
    db.ok(&["lead", "move", "3", "--status", "Won"]);
    db.ok(&["user", "deactivate", "Lewis", "--leave-unassigned"]);
    db.ok(&["routing", "on"]);
    db.ok(&["routing", "duplicates", "on"]);
    let file = db.csv(
        "in.csv",
        "Name,Email,Phone\nNew Ann,ANN@x.test,+1 555 0100\nNew phone,,+1 (555) 0100\nNew Bo,bo@x.test,\n\
         New Cy,,+1 (555) 0300\nNobody,c@x.test,\n",
    );
    let r = db.json(&["import", &file, "--route"]);
    let owners = placed(&r);
    // Lead 1 (Stephanie's, by email) is older than lead 2 (Tom's, by phone);
    // lead 7 shares its phone with lead 6 of this import and with lead 2,
    // the older; Bo's oldest duplicate is owned by Lewis, deactivated, so
    // Denise's counts. As if the rows had been added one by one.
    assert_eq!(owners, [(6, "Stephanie"), (7, "Tom"), (8, "Denise"), (9, "Tom")]);
    assert_eq!(r["unassigned"][0]["lead"], 10);
    let one = db.json(&["lead", "add", "--name", "One more Bo", "--email", "bo@x.test"]);
    assert_eq!(one["owner"], "Denise", "lead add finds the same duplicate: {one}");
}

/// R4 within one file: a row follows only rows above it, as if each were
/// added with `lead add` in turn — not a later row that names its owner,
/// and between two earlier rows sharing its keys, the older.
#[test]
fn duplicates_within_a_file_follow_the_rows_above_them_only() {
    let db = Db::new(NOW);
    db.team();
    db.ok(&["group", "add", "G"]);
    db.ok(&["group", "members", "G", "--add", "Lewis"]);
    db.ok(&["rule", "add", "Web", "--to-group", "G", "--if", "source=Web"]);
    db.ok(&["routing", "duplicates", "on"]);
    db.ok(&["lead", "add", "--name", "Stored", "--phone", "5550001234", "--owner", "Stephanie"]);
    let file = db.csv(
        "in.csv",
        "name,email,phone,source,owner\na,w@x.test,,Web,\nb,w@x.test,,Web,Tom\nc,n@x.test,,Web,\n\
         d,n@x.test,555-000-1234,Web,\n",
    );
    let r = db.json(&["import", &file, "--route"]);
    let owners = placed(&r);
    // a: b below it names Tom, but a comes first: the rule's group. d shares
    // its email with c (routed to Lewis) and its phone with the older stored lead.
    assert_eq!(owners, [(2, "Lewis"), (3, "Tom"), (4, "Lewis"), (5, "Stephanie")]);
}

/// A14 for a routed import: the dry run names its seed, and the run given
/// that seed and the dry run's count hands out exactly the same leads.
#[test]
fn a_routed_import_through_a_random_group_repeats_its_dry_run() {
    let db = Db::new(NOW);
    db.team();
    db.ok(&["group", "add", "R", "--method", "random"]);
    db.ok(&["group", "members", "R", "--add", "Tom,Stephanie,Lewis,Denise"]);
    db.ok(&["rule", "add", "All", "--to-group", "R", "--if", "source=Web"]);
    let rows: String = (0..24).map(|i| format!("Lead {i},l{i}@x.test,Web\n")).collect();
    let file = db.csv("in.csv", &format!("Name,Email,Lead Source\n{rows}"));
    let preview = db.json(&["import", &file, "--route", "--dry-run"]);
    let seed = preview["seed"].as_u64().expect("a routed dry run names its seed");
    let human = db.ok(&["import", &file, "--route", "--dry-run", "--seed", &seed.to_string()]);
    assert!(human.contains(&format!("to import exactly this: add --expect 24 --seed {seed}")), "{human}");
    let run = db.json(&["import", &file, "--route", "--expect", "24", "--seed", &seed.to_string()]);
    assert_eq!(run["assigned"], preview["assigned"]);
    assert_eq!(run["seed"], preview["seed"]);
    let owners: std::collections::BTreeSet<&str> =
        run["assigned"].as_array().unwrap().iter().map(|a| a["owner"].as_str().unwrap()).collect();
    assert!(owners.len() > 1, "a random group deals to several members: {owners:?}");
    let out = db.cmd(&["import", &file, "--seed", "7"]).assert().code(1).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("it goes with --route"));
}

/// Imported and added leads go into the search index in one statement
/// after they are stored; a lead written by another tool still goes in
/// through the trigger, and the trigger is never left standing aside.
#[test]
fn imported_added_and_foreign_leads_are_all_found_by_search() {
    let db = Db::new(NOW);
    db.team();
    let file = db.csv("in.csv", "Name,Email,Company\nAda Quirrell,ada@quill.test,Quillworks\nBo Zeff,bo@zeff.test,\n");
    db.ok(&["import", &file]);
    db.ok(&["lead", "add", "--name", "Cy Marlowe", "--company", "Marlow Labs"]);
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    conn.execute(
        "INSERT INTO leads (name, stage_id, created_at, updated_at, status_changed_at) VALUES ('Dee Foreign', 1, 0, 0, 0)",
        [],
    )
    .unwrap();
    let later: i64 = conn.query_row("SELECT count(*) FROM search_index_later", [], |r| r.get(0)).unwrap();
    assert_eq!(later, 0);
    drop(conn);
    for (text, name) in
        [("quillw", "Ada Quirrell"), ("zeff", "Bo Zeff"), ("marlow la", "Cy Marlowe"), ("foreign", "Dee Foreign")]
    {
        let found = db.json(&["lead", "list", "--search", text]);
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{text}: {found}");
        assert_eq!(found[0]["name"], name);
    }
    // A row left behind would keep new leads out of the index: doctor says so.
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    conn.execute("INSERT INTO search_index_later (id) VALUES (1)", []).unwrap();
    drop(conn);
    let out = db.cmd(&["doctor", "--quick"]).assert().code(1).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains("search_index_later holds a row"));
}

#[test]
fn import_flags_and_files_fail_cleanly() {
    let db = Db::new(NOW);
    db.team();
    let file = fixture_path("bom_crlf.csv");
    let fails = |args: &[&str], needle: &str| {
        let out = db.cmd(args).assert().code(1).get_output().clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(needle), "{stderr:?} should mention {needle:?}");
    };
    fails(&["import", file.to_str().unwrap(), "--route", "--assignee", "Tom"], "cannot be used with");
    fails(&["import", "/nonexistent/leads.csv"], "No such file");
    fails(&["import", fixture_path("empty.csv").to_str().unwrap()], "empty");
    fails(&["import", file.to_str().unwrap(), "--assignee", "Ghost"], "user 'Ghost' not found");
    let human = db.ok(&["import", fixture_path("latin1.csv").to_str().unwrap()]);
    assert!(human.contains("Windows-1252"), "{human}");
    assert!(human.contains("2 of 2 rows imported"), "{human}");
}

#[test]
fn export_is_rfc_4180_and_imports_back_to_the_same_leads() {
    let db = Db::new(NOW);
    db.team();
    db.ok(&["routing", "off"]);
    db.ok(&["lead", "add", "--name", "Ann \"the\" Lee", "--email", "ann@acme.com", "--company", "Stone, Bauer & Co"]);
    db.ok(&["lead", "add", "--name", "Bob", "--phone", "+1 (555) 010-2030", "--tags", "vip,hot", "--owner", "Tom"]);
    db.ok(&["lead", "add", "--name", "Zoë Åberg", "--source", "Trade show", "--status", "Won", "--owner", "Lewis"]);
    db.ok(&["lead", "add", "--name", "Semi;colon", "--company", "Line\nbreak", "--source", "Referral"]);
    let out = db.dir.path().join("out.csv");
    let printed = db.ok(&["export", "-o", out.to_str().unwrap()]);
    assert!(printed.contains("exported 4 leads"), "{printed}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("id,name,email,phone,company,source,status,tags,owner,created_at\r\n"));
    assert!(text.contains("\"Ann \"\"the\"\" Lee\""));
    assert!(text.contains("\"Stone, Bauer & Co\""));
    assert!(text.contains("\"Line\nbreak\""));
    assert_eq!(text.matches("\r\n").count(), 5, "CRLF after each record");
    assert_eq!(db.ok(&["export", "--owner", "Tom"]).lines().count(), 2, "filters apply; stdout by default");

    let fresh = Db::new(NOW);
    fresh.team();
    let r = fresh.json(&["import", out.to_str().unwrap()]);
    assert_eq!((r["created"].as_i64(), r["rejected"].as_array().map(Vec::len)), (Some(4), Some(0)));
    assert_eq!(r["ignored_columns"], serde_json::json!(["id"]));
    assert_eq!(lead_fields(&fresh), lead_fields(&db));
}

#[test]
fn a_huge_header_line_and_an_unclosed_quote_each_fail_in_one_short_line() {
    let db = Db::new(NOW);
    db.team();
    let header = format!("{},Colour\r\nred,1\r\n", "Q".repeat(10 * 1024 * 1024));
    let huge = db.csv("huge.csv", &header);
    let out = db.cmd(&["import", &huge]).assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1);
    assert!(stderr.len() < 300, "a {} byte error line", stderr.len());
    assert!(stderr.contains("no name or email column"), "{stderr}");

    let unclosed = db.csv(
        "unclosed.csv",
        "Name,Company,Email\nAnn,Acme,ann@acme.test\nBob,\"Stone, Bauer,bob@stone.test\nCy,Ray,cy@ray.test\nDee,Ode,dee@ode.test\n",
    );
    let out = db.cmd(&["import", &unclosed]).assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("line 3: the quote (\") before 'Stone, Bauer,bob@stone.test' is never closed"), "{stderr}");
    assert!(stderr.contains("lines 3–5"), "{stderr}");
    assert_eq!(db.json(&["lead", "list"]), serde_json::json!([]), "nothing imported, not even Ann");
}

#[test]
fn formula_looking_values_survive_a_spreadsheet_safe_export_and_import() {
    let db = Db::new(NOW);
    db.team();
    db.ok(&["routing", "off"]);
    let name = "=HYPERLINK(\"http://evil.test\",\"x\")";
    db.ok(&["lead", "add", "--name", name, "--phone", "+1 555 0100", "--company", "@acme", "--owner", "Tom"]);
    db.ok(&["lead", "add", "--name=-2+3", "--source=-cold", "--tags=-hot,@vip", "--company", "O'Brien & Co"]);
    let out = db.dir.path().join("out.csv");
    db.ok(&["export", "-o", out.to_str().unwrap()]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("'+1 555 0100") && text.contains("'@acme") && text.contains("'-cold"), "{text}");

    let fresh = Db::new(NOW);
    fresh.team();
    let r = fresh.json(&["import", out.to_str().unwrap()]);
    assert_eq!((r["created"].as_i64(), r["rejected"].as_array().map(Vec::len)), (Some(2), Some(0)));
    let back = lead_fields(&fresh);
    assert_eq!(back, lead_fields(&db));
    assert_eq!((back[0][0].as_str(), back[0][2].as_str()), (Some(name), Some("+1 555 0100")));
}
