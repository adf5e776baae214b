//! The office and checks behind the console's size tests: long names and
//! companies, a long routing rule, the counts of a million-lead office, and
//! whether every figure on a screen is whole.

use super::console::{app, screen};
use super::*;
use leadrota::core::error::thousands;
use leadrota::core::groups::{self, GroupChanges, Method};
use leadrota::core::model::{NewLead, Role};
use leadrota::core::rules::{self, TargetName};
use leadrota::core::{Ctx, Store, assign, distribute};
use leadrota::tui::app::App;
use leadrota::tui::widgets::fit::short_count;
use leadrota::tui::worker::Counts;

pub const SIZES: [(u16, u16); 3] = [(80, 24), (120, 23), (200, 60)];

/// Leads matching, per board column (New … Lost), unassigned, waiting.
pub const MATCHING: i64 = 1_000_000;
pub const COLUMNS: [i64; 6] = [85_429, 120_000, 98_765, 45_000, 125_254, 525_552];
pub const UNASSIGNED: i64 = 312_456;
pub const WAITING: i64 = 204_118;

pub const FIRST: [&str; 5] = ["Elizabeth", "Maximilian", "Giovanna", "Bartholomew", "Anastasia"];
pub const LAST: [&str; 4] = ["Esposito-Vanderbilt", "Oberhauser-Lindqvist", "Papadopoulou", "Featherstonehaugh"];
pub const COMPANIES: [&str; 3] =
    ["Northwind Traders International", "Contoso Pharmaceuticals GmbH", "Fabrikam Logistics"];

/// An office with long names everywhere: a member with a long name, a group
/// with a long name and pick-up statuses, a rule with long conditions, and
/// twenty leads (no digits in their names or emails, so a cut name is never
/// taken for a cut number).
pub fn office() -> (Store, Ctx) {
    let mut s = store();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    team(&mut s, &ctx, &["Tom", "Stephanie"]);
    add_user(&mut s, &ctx, "Alexandra Konstantinopoulou", Role::Agent);
    add_user(&mut s, &ctx, "Maria", Role::Manager);
    let group_name = "Night shift EMEA partners";
    group(&mut s, &ctx, group_name, Method::Sequential, 1500, 2000, &["Alexandra Konstantinopoulou", "Tom"]);
    let pickup = GroupChanges { pickup_statuses: Some(vec!["New".into(), "Contacted".into()]), ..Default::default() };
    groups::set(&mut s, &ctx, group_name, &pickup).unwrap();
    let conditions =
        rules::parse_conditions("source=Referral; tag~enterprise-priority; domain=northwind-traders.example.com")
            .unwrap();
    let target = TargetName::Group(group_name.into());
    rules::add(&mut s, &ctx, "Enterprise referrals from partners", &target, &conditions, None).unwrap();
    distribute::set_auto_assign(&mut s, &ctx, false).unwrap();
    let base = ctx.now_ts() - 3 * 86_400;
    let mut ids = Vec::new();
    for (i, (first, last)) in FIRST.iter().flat_map(|f| LAST.iter().map(move |l| (f, l))).enumerate() {
        let lead = NewLead {
            name: format!("{first} {last}"),
            email: format!("{}.{}@northwind-traders.example.com", first.to_lowercase(), last.to_lowercase()),
            phone: "+49 30 1234567".into(),
            company: COMPANIES[i % COMPANIES.len()].into(),
            source: if i % 2 == 0 { "Referral" } else { "LinkedIn" }.into(),
            tags: vec!["enterprise-priority".into(), "berlin".into()],
            created_at: Some(base + i as i64 * 600),
            ..NewLead::default()
        };
        ids.push(distribute::create_lead(&mut s, &ctx, &lead).unwrap().0.id);
    }
    assign::assign(
        &mut s,
        &ctx,
        &leadrota::core::assign::Selection::Ids(ids[..6].to_vec()),
        "Alexandra Konstantinopoulou",
    )
    .unwrap();
    (s, ctx)
}

/// The figures of a million-lead office, as the worker would send them for
/// the filter in force. Keys may bring the office's own: call again after them.
pub fn million(a: &mut App) {
    let mut counts = Counts::of(a.shared.stamp(), MATCHING, COLUMNS.to_vec());
    (counts.unassigned, counts.waiting) = (Some(UNASSIGNED), Some(WAITING));
    a.counts.update(counts);
}

/// Whether `n` is on screen whole: in full (`525,552`) or abbreviated
/// (`525k`), with no digit or separator on either side.
pub fn shows_whole(shown: &str, n: i64) -> bool {
    let forms = [thousands(usize::try_from(n).unwrap_or(0)), short_count(n)];
    forms.iter().any(|form| {
        shown.match_indices(form.as_str()).any(|(at, _)| {
            let before = shown[..at].chars().next_back();
            let after = shown[at + form.len()..].chars().next();
            let joins = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == ',' || c == '.');
            !joins(before) && !joins(after) && !after.is_some_and(|c| c == 'k' || c == 'M')
        })
    })
}

/// Every figure of `figures` whole on the screen, and no number cut short with `…`.
pub fn assert_whole(shown: &str, figures: &[i64], what: &str) {
    for &n in figures {
        assert!(shows_whole(shown, n), "{what}: {} is cut or missing:\n{shown}", thousands(n as usize));
    }
    let cut = shown.lines().find(|l| l.contains(|c: char| c.is_ascii_digit()) && digit_then_ellipsis(l));
    assert!(cut.is_none(), "{what}: a number ends in …: {cut:?}\n{shown}");
}

pub fn digit_then_ellipsis(line: &str) -> bool {
    let chars: Vec<char> = line.chars().collect();
    chars.windows(2).any(|w| (w[0].is_ascii_digit() || w[0] == ',') && w[1] == '…')
}

/// The status bar's figures over the Leads table: its rows and the waiting ones.
pub const STATUS: [i64; 2] = [MATCHING, WAITING];

/// A dialog opened with `open` over the Leads table (or the pane its keys
/// show), checked for `figures` and the status bar's waiting figure, at every size.
pub fn dialog(name: &str, figures: &[i64], open: impl Fn(&mut App)) {
    dialog_in(name, figures, |height| console(office(), height), open);
}

pub fn console((s, ctx): (Store, Ctx), height: u16) -> App {
    app(s, ctx, height)
}

/// [`dialog`] over the console `console` makes for a window `height` lines high.
pub fn dialog_in(name: &str, figures: &[i64], console: impl Fn(u16) -> App, open: impl Fn(&mut App)) {
    for (width, height) in SIZES {
        let mut a = console(height);
        million(&mut a);
        open(&mut a);
        million(&mut a);
        let shown = screen(&a, width, height);
        assert!(!a.modals.is_empty(), "{name} at {width}×{height} is open:\n{shown}");
        let status = shown.lines().nth(usize::from(height) - 2).unwrap_or("");
        assert_whole(status, &[WAITING], &format!("the status bar under {name} at {width}×{height}"));
        assert_whole(&shown, figures, &format!("{name} at {width}×{height}"));
        snapshot(&format!("{name}_{width}x{height}"), &shown);
    }
}

/// A snapshot filed as if the test file had taken it (`tests/snapshots/
/// console_sizes__…`), whichever suite calls this helper.
pub fn snapshot(name: &str, shown: &str) {
    let suite = module_path!().split("::").next().unwrap_or("console");
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_snapshot!(format!("{suite}__{name}"), shown));
}
