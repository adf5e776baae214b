//! Moving in from a hosted CRM (SPEC §6, "Migrating from a hosted CRM"): an
//! export of each of HubSpot, Salesforce, Zoho CRM, Pipedrive and Odoo,
//! shaped the way they write them, goes in through the real binary as it is,
//! with only `--map-status` flags, and every lead is checked field by field.
//! The office is in Paris, so times without a zone are Paris time.

mod common;

use std::path::{Path, PathBuf};

use common::Bin;
use serde_json::{Value, json};

const NOW: &str = "2026-03-02T10:00:00Z";

const TEAM: [(&str, &str); 4] = [
    ("Florent Martin", "florent@acme.test"),
    ("Tom Baker", "tom@acme.test"),
    ("Stephanie Dubois", "stephanie@acme.test"),
    ("Lewis Hall", "lewis@acme.test"),
];

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv").join(name).display().to_string()
}

/// The team above, and a config that puts the office in Paris plus `extra`.
fn office(extra: &str) -> (Bin, PathBuf) {
    let db = Bin::new(NOW);
    for (name, email) in TEAM {
        db.ok(&["user", "add", name, "--email", email]);
    }
    let config = db.dir.path().join("leadrota.toml");
    std::fs::write(&config, format!("timezone = \"Europe/Paris\"\n{extra}")).expect("write config");
    (db, config)
}

fn import(db: &Bin, config: &Path, file: &str, flags: &[&str]) -> Value {
    let mut args = vec!["--config", config.to_str().expect("UTF-8 path"), "import", file];
    args.extend_from_slice(flags);
    db.json(&args)
}

/// Every lead, oldest first, as `[name, email, phone, company, source, status, tags, owner, created_at]`.
fn leads(db: &Bin) -> Vec<Value> {
    let fields = ["name", "email", "phone", "company", "source", "status", "tags", "owner", "created_at"];
    db.json(&["lead", "list"])
        .as_array()
        .expect("an array of leads")
        .iter()
        .map(|l| Value::Array(fields.iter().map(|f| l[*f].clone()).collect()))
        .collect()
}

fn rejected(r: &Value) -> Vec<(i64, String)> {
    r["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|x| (x["line"].as_i64().unwrap_or(0), x["error"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[test]
fn hubspot_contacts_import_with_owners_by_email_and_their_lead_statuses_mapped() {
    let (db, config) = office("");
    let r = import(
        &db,
        &config,
        &fixture("hubspot_contacts.csv"),
        &[
            "--map-status",
            "OPEN_DEAL=Proposal",
            "--map-status",
            "IN_PROGRESS=Contacted",
            "--map-status",
            "ATTEMPTED_TO_CONTACT=Contacted",
            "--map-status",
            "UNQUALIFIED=Lost",
        ],
    );
    assert_eq!(r["created"], 5);
    assert_eq!(r["ignored_columns"], json!(["Record ID", "Country/Region"]));
    let rejected = rejected(&r);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].0, 6, "Eve's owner is nobody here");
    assert!(rejected[0].1.contains("user 'flo.martin@old-crm.test' not found"), "{}", rejected[0].1);
    assert_eq!(
        leads(&db),
        [
            json!([
                "Ann Lee",
                "ann@lee-design.test",
                "+33 6 12 34 56 78",
                "Lee Design",
                "",
                "Proposal",
                [],
                "Florent Martin",
                "2024-03-12T08:14:00Z"
            ]),
            json!([
                "Bob Stone",
                "bob@stone.test",
                "",
                "Stone, Bauer & Co",
                "",
                "Contacted",
                [],
                "Tom Baker",
                "2024-03-28T16:40:00Z"
            ]),
            json!([
                "Chloé Martin",
                "chloe@martin.test",
                "+33 1 44 55 66 77",
                "",
                "",
                "New",
                [],
                "Stephanie Dubois",
                "2024-04-02T06:05:00Z"
            ]),
            json!(["Dan Ode", "dan@ode.test", "", "Ode Ltd", "", "Proposal", [], null, "2024-04-15T09:30:00Z"]),
            json!(["Finn Ray", "finn@ray.test", "", "", "", "Lost", [], "Tom Baker", "2024-05-20T08:00:00Z"]),
        ]
    );
    assert_eq!(
        r["mapped_statuses"],
        json!([
            {"from": "OPEN_DEAL", "to": "Proposal", "rows": 2},
            {"from": "ATTEMPTED_TO_CONTACT", "to": "Contacted", "rows": 1},
            {"from": "IN_PROGRESS", "to": "Contacted", "rows": 1},
            {"from": "UNQUALIFIED", "to": "Lost", "rows": 1},
        ])
    );
}

#[test]
fn salesforce_report_with_bom_crlf_quotes_and_us_dates_imports() {
    let (db, config) = office("");
    let r = import(
        &db,
        &config,
        &fixture("salesforce_leads.csv"),
        &[
            "--map-status",
            "Open - Not Contacted=New",
            "--map-status",
            "Working - Contacted=Contacted",
            "--map-status",
            "Closed - Converted=Won",
            "--map-status",
            "Closed - Not Converted=Lost",
        ],
    );
    assert_eq!((r["created"].as_i64(), rejected(&r)), (Some(4), vec![]));
    assert_eq!(r["encoding"], "utf-8-bom");
    assert_eq!(r["ignored_columns"], json!(["Lead ID", "Title"]));
    assert_eq!(
        leads(&db),
        [
            json!([
                "Jürgen Weiß",
                "juergen@weiss.test",
                "",
                "Weiß GmbH",
                "Trade Show",
                "Lost",
                [],
                "Florent Martin",
                "2023-12-31T22:59:00Z"
            ]),
            json!([
                "Hana Sato",
                "hana@sato.test",
                "",
                "Sato Trading",
                "Partner Referral",
                "Contacted",
                [],
                "Lewis Hall",
                "2024-03-05T08:05:00Z"
            ]),
            json!([
                "Grace Hopper",
                "grace@cobol.test",
                "(555) 010-2030",
                "Cobol Systems, Inc.",
                "Web",
                "New",
                [],
                "Tom Baker",
                "2024-03-15T13:30:00Z"
            ]),
            json!([
                "Ivan Petrov",
                "ivan@petrov.test",
                "+1 555 0199",
                "Petrov LLC",
                "Phone Inquiry",
                "Won",
                [],
                "Lewis Hall",
                "2024-04-01T10:00:00Z"
            ]),
        ]
    );
}

#[test]
fn zoho_leads_import_with_iso_millisecond_dates_and_mobile_as_the_fallback_phone() {
    let (db, config) = office("");
    let r = import(
        &db,
        &config,
        &fixture("zoho_leads.csv"),
        &[
            "--map-status",
            "Not Contacted=New",
            "--map-status",
            "Attempted to Contact=Contacted",
            "--map-status",
            "Junk Lead=Lost",
            "--map-status",
            "Pre-Qualified=Qualified",
        ],
    );
    assert_eq!((r["created"].as_i64(), rejected(&r)), (Some(5), vec![]));
    assert_eq!(r["ignored_columns"], json!(["Record Id"]));
    assert_eq!(
        leads(&db),
        [
            json!([
                "Kim Berg",
                "kim@nordic.test",
                "+46 8 123 456",
                "Nordic AB",
                "Advertisement",
                "New",
                [],
                "Stephanie Dubois",
                "2024-06-03T09:14:33Z"
            ]),
            json!([
                "Leo Ray",
                "leo@harbor.test",
                "+1 555 0142",
                "Harbor Labs",
                "Web Download",
                "Contacted",
                ["vip", "webinar"],
                "Stephanie Dubois",
                "2024-06-04T16:20:00Z"
            ]),
            json!([
                "Mia Ode",
                "mia@ode.test",
                "",
                "Ode Ltd",
                "Cold Call",
                "Contacted",
                [],
                "Lewis Hall",
                "2024-06-05T08:00:00Z"
            ]),
            json!(["Ned Null", "ned@junk.test", "", "Junk Inc", "Chat", "Lost", [], null, "2024-06-06T12:00:00Z"]),
            json!([
                "Oli Peak",
                "oli@peak.test",
                "",
                "Peak Co",
                "Partner",
                "Qualified",
                ["partner"],
                "Tom Baker",
                "2024-06-07T10:00:00Z"
            ]),
        ]
    );
}

#[test]
fn pipedrive_leads_import_with_person_and_organization_columns_and_labels_as_tags() {
    let (db, config) = office("");
    let r = import(&db, &config, &fixture("pipedrive_leads.csv"), &[]);
    assert_eq!((r["created"].as_i64(), rejected(&r)), (Some(3), vec![]));
    assert_eq!(r["ignored_columns"], json!(["Title"]));
    assert_eq!(
        leads(&db),
        [
            json!([
                "Pat Quinn",
                "pat@acme.test",
                "+44 20 7946 0000",
                "Acme",
                "Web forms",
                "New",
                ["Hot"],
                "Florent Martin",
                "2024-07-01T07:00:00Z"
            ]),
            json!([
                "Rae Bolt",
                "rae@bolt.test",
                "",
                "Bolt Ltd",
                "Referral",
                "New",
                ["Referral", "Warm"],
                "Tom Baker",
                "2024-07-02T12:45:10Z"
            ]),
            json!([
                "Sol Cobalt",
                "",
                "+1 555 0100",
                "Cobalt Inc",
                "Prospector",
                "New",
                ["Cold"],
                null,
                "2024-07-03T09:11:11Z"
            ]),
        ]
    );
}

#[test]
fn odoo_export_resaved_by_a_german_excel_imports_semicolons_latin1_and_dotted_dates() {
    let (db, config) = office("");
    let r = import(&db, &config, &fixture("odoo_leads_excel_de.csv"), &["--map-status", "Proposition=Proposal"]);
    assert_eq!((r["created"].as_i64(), rejected(&r)), (Some(4), vec![]));
    assert_eq!((r["delimiter"].as_str(), r["encoding"].as_str()), (Some(";"), Some("windows-1252")));
    assert_eq!(r["ignored_columns"], json!(["Opportunity", "Sales Team"]));
    assert_eq!(
        leads(&db),
        [
            json!([
                "Uma Roy",
                "uma@roy.test",
                "+49 30 1234567",
                "Roy & Partner GmbH",
                "",
                "New",
                ["Design"],
                "Stephanie Dubois",
                "2024-03-15T13:30:00Z"
            ]),
            json!([
                "Vic Lang",
                "vic@lang.test",
                "",
                "Lang AG",
                "",
                "Qualified",
                ["ERP", "Services"],
                "Lewis Hall",
                "2024-04-02T07:00:00Z"
            ]),
            json!(["Wes Kay", "wes@kay.test", "", "Kay KG", "", "Proposal", [], "Tom Baker", "2024-04-20T14:15:00Z"]),
            json!(["Xia Li", "xia@li.test", "", "Li Möbel", "", "Won", ["Furniture"], null, "2024-04-30T08:00:00Z"]),
        ]
    );
}

#[test]
fn the_dry_run_groups_unknown_statuses_and_owners_and_its_flags_finish_the_job() {
    let (db, config) = office("");
    let file = fixture("hubspot_contacts.csv");
    let dry = import(&db, &config, &file, &["--dry-run"]);
    assert_eq!(db.json(&["lead", "list"]), json!([]), "a dry run writes nothing");
    assert_eq!((dry["created"].as_i64(), dry["rows"].as_i64()), (Some(1), Some(6)), "only Chloé is NEW");
    assert_eq!(
        dry["unknown_statuses"],
        json!([
            {"status": "OPEN_DEAL", "rows": 2, "first_line": 2, "suggested": "Proposal", "flag": "--map-status OPEN_DEAL=Proposal"},
            {"status": "IN_PROGRESS", "rows": 1, "first_line": 3, "suggested": "Contacted", "flag": "--map-status IN_PROGRESS=Contacted"},
            {"status": "ATTEMPTED_TO_CONTACT", "rows": 1, "first_line": 6, "suggested": "Contacted", "flag": "--map-status ATTEMPTED_TO_CONTACT=Contacted"},
            {"status": "UNQUALIFIED", "rows": 1, "first_line": 7, "suggested": "Lost", "flag": "--map-status UNQUALIFIED=Lost"},
        ])
    );
    assert_eq!(
        dry["unknown_owners"],
        json!([{
            "owner": "flo.martin@old-crm.test", "rows": 1, "first_line": 6, "closest": ["Florent Martin"],
            "flag": "--map-owner 'flo.martin@old-crm.test=Florent Martin'"
        }])
    );
    assert_eq!(dry["owners"], json!([{"owner": "Stephanie Dubois", "leads": 1}]));

    let human = db.ok(&["--config", config.to_str().unwrap(), "import", &file, "--dry-run"]);
    for needle in [
        "1 of 6 rows would be imported (dry run: nothing written), 5 rejected",
        "OPEN_DEAL (2 rows)",
        "--map-status OPEN_DEAL=Proposal",
        "all of them: --map-status OPEN_DEAL=Proposal --map-status IN_PROGRESS=Contacted \
         --map-status ATTEMPTED_TO_CONTACT=Contacted --map-status UNQUALIFIED=Lost",
        "flo.martin@old-crm.test (1 row)",
        "closest: Florent Martin; --map-owner 'flo.martin@old-crm.test=Florent Martin'",
    ] {
        assert!(human.contains(needle), "{needle:?} not in:\n{human}");
    }

    // The manager adds the printed flags (the suggestions taken as they are).
    let mut flags: Vec<String> = Vec::new();
    for s in dry["unknown_statuses"].as_array().unwrap() {
        flags.extend(["--map-status".to_string(), format!("{}={}", s["status"], s["suggested"]).replace('"', "")]);
    }
    flags.extend(["--map-owner".to_string(), "flo.martin@old-crm.test=Florent Martin".to_string()]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let r = import(&db, &config, &file, &flags);
    assert_eq!((r["created"].as_i64(), rejected(&r)), (Some(6), vec![]));
    assert_eq!(r["unknown_statuses"], json!([]));
    assert_eq!(
        r["owners"],
        json!([
            {"owner": "Florent Martin", "leads": 2},
            {"owner": "Tom Baker", "leads": 2},
            {"owner": "Stephanie Dubois", "leads": 1},
        ])
    );
    let eve = &leads(&db)[4];
    assert_eq!((&eve[0], &eve[5], &eve[7]), (&json!("Eve Park"), &json!("Contacted"), &json!("Florent Martin")));
}

#[test]
fn the_config_status_map_applies_and_a_flag_wins_over_it() {
    let (db, config) = office(
        "[import.status_map]\n\"Not Contacted\" = \"New\"\n\"Attempted to Contact\" = \"Contacted\"\n\
         \"Junk Lead\" = \"Lost\"\n\"Pre-Qualified\" = \"Contacted\"\n",
    );
    let r = import(&db, &config, &fixture("zoho_leads.csv"), &["--map-status", "pre-qualified=Qualified"]);
    assert_eq!((r["created"].as_i64(), rejected(&r)), (Some(5), vec![]));
    let statuses: Vec<Value> = leads(&db).iter().map(|l| l[5].clone()).collect();
    assert_eq!(statuses, [json!("New"), json!("Contacted"), json!("Contacted"), json!("Lost"), json!("Qualified")]);
}

#[test]
fn a_map_onto_a_stage_that_does_not_exist_fails_in_one_line_and_imports_nothing() {
    let (db, config) = office("");
    let file = fixture("hubspot_contacts.csv");
    let cfg = config.to_str().unwrap();
    let fails = |args: &[&str], needle: &str| {
        let out = db.cmd(args).assert().code(1).get_output().clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(needle), "{stderr:?} should mention {needle:?}");
    };
    fails(
        &["--config", cfg, "import", &file, "--map-status", "OPEN_DEAL=Deal"],
        "cannot map status 'OPEN_DEAL' to 'Deal': there is no such stage",
    );
    fails(&["--config", cfg, "import", &file, "--map-status", "OPEN_DEAL"], "expected FROM=TO");
    fails(&["--config", cfg, "import", &file, "--map-owner", "x@y.test=Ghost"], "no such user");
    assert_eq!(db.json(&["lead", "list"]), json!([]));
}

#[test]
fn save_mapping_puts_the_flags_in_the_config_so_the_next_export_needs_none() {
    let (db, config) = office("# the office's own comment\n");
    let cfg = config.to_str().unwrap();
    let file = fixture("odoo_leads_excel_de.csv");
    let first = db.ok(&["--config", cfg, "import", &file, "--map-status", "Proposition=Proposal", "--save-mapping"]);
    assert!(first.contains(&format!("saved 1 mapping to {cfg}")), "{first}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.starts_with("timezone = \"Europe/Paris\"\n# the office's own comment\n"), "{text}");
    assert!(text.ends_with("[import.status_map]\n\"Proposition\" = \"Proposal\"\n"), "{text}");
    let again = import(&db, &config, &file, &[]);
    assert_eq!((again["created"].as_i64(), rejected(&again)), (Some(4), vec![]));
    assert_eq!(again["mapped_statuses"], json!([{"from": "Proposition", "to": "Proposal", "rows": 1}]));
}

#[test]
fn expect_imports_exactly_the_rows_a_dry_run_counted_or_nothing() {
    let (db, config) = office("");
    let file = fixture("zoho_leads.csv");
    let cfg = config.to_str().unwrap();
    let dry = import(&db, &config, &file, &["--dry-run"]);
    assert_eq!(dry["created"], 1, "only Leo's status is one of ours");
    let mut out = db.cmd(&["--config", cfg, "import", &file, "--map-status", "Junk Lead=Lost", "--expect", "1"]);
    let stderr = String::from_utf8(out.assert().code(1).get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("2 leads match now, not 1"), "{stderr}");
    assert_eq!(db.json(&["lead", "list"]), json!([]));
    let r = import(&db, &config, &file, &["--expect", "1"]);
    assert_eq!(r["created"], 1);
}
