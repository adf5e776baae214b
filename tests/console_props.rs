//! SPEC T8 and A14 as a property: random sequences of pane switches, filter
//! changes, selections, another seat's writes and bulk changes on the
//! console (TestBackend). Every confirm's number is what the write then
//! covers — its changed plus unchanged leads — or the write is refused with
//! "the selection changed" and nothing is written.

mod common;

use common::*;
use leadrota::config::Config;
use leadrota::core::assign::{self, Selection};
use leadrota::core::model::NewLead;
use leadrota::core::{Ctx, Store, distribute};
use leadrota::tui::app::App;
use leadrota::tui::modal::Modal;
use leadrota::tui::theme::Theme;
use leadrota::tui::view::draw;
use leadrota::tui::worker::Worker;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a manager does at the console.
#[derive(Debug, Clone)]
enum Step {
    Pane(char),
    ToggleUnassigned,
    /// Filter panel row (2 = source, 3 = tag), then the n-th choice.
    FilterBy(usize, usize),
    ClearFilter,
    Down(usize),
    Tick,
    SelectAll,
    /// Assign (A), reassign (R) or unassign (U) to the n-th user, and confirm.
    Bulk(char, usize),
    /// Another seat takes the oldest unassigned lead between preview and confirm.
    OtherSeatThenBulk(char, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => prop::sample::select(vec!['1', '2']).prop_map(Step::Pane),
        2 => Just(Step::ToggleUnassigned),
        2 => (prop::sample::select(vec![2usize, 3]), 0usize..4).prop_map(|(row, n)| Step::FilterBy(row, n)),
        1 => Just(Step::ClearFilter),
        2 => (1usize..4).prop_map(Step::Down),
        2 => Just(Step::Tick),
        3 => Just(Step::SelectAll),
        3 => (prop::sample::select(vec!['A', 'R', 'U']), 0usize..3).prop_map(|(k, n)| Step::Bulk(k, n)),
        1 => (prop::sample::select(vec!['A', 'U']), 0usize..3).prop_map(|(k, n)| Step::OtherSeatThenBulk(k, n)),
    ]
}

const SOURCES: [&str; 3] = ["Website", "Facebook", "Referral"];
const TAGS: [&str; 3] = ["vip", "hot", "smb"];
const OWNERS: [&str; 3] = ["Tom", "Stephanie", "Lewis"];

/// An office on a file (so another seat can write to it) with leads of
/// several sources, tags, stages and owners.
fn office() -> (tempfile::TempDir, Store, Ctx) {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("office.db");
    let mut s = Store::open(&path).unwrap();
    let ctx = ctx_at("2026-03-02T10:00:00Z");
    team(&mut s, &ctx, &OWNERS);
    distribute::set_auto_assign(&mut s, &ctx, false).unwrap();
    for i in 0..48usize {
        let new = NewLead {
            name: format!("Lead {i}"),
            source: SOURCES[i % 3].into(),
            tags: vec![TAGS[(i / 3) % 3].into()],
            status: Some(["New", "Contacted", "Won"][(i / 9) % 3].into()),
            owner: (i % 4 != 0).then(|| OWNERS[i % 3].to_string()),
            created_at: Some(ctx.now_ts() - 86_400 + i as i64 * 60),
            ..NewLead::default()
        };
        distribute::create_lead(&mut s, &ctx, &new).unwrap();
    }
    (dir, s, ctx)
}

fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    app.poll_worker();
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn batches(app: &App) -> i64 {
    count(&app.store, "SELECT count(*) FROM batches")
}

/// The number in the confirm dialog on top, as the screen shows it.
fn confirm_number(app: &App) -> Option<usize> {
    let Some(Modal::Confirm(c)) = app.modals.last() else { return None };
    let digits: String =
        c.title.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit() || *c == ',').collect();
    digits.replace(',', "").parse().ok()
}

/// "12 assigned to Tom, 3 unchanged" → 15 leads covered.
fn covered(notice: &str) -> Option<usize> {
    let numbers: Vec<usize> = notice.split(|c: char| !c.is_ascii_digit()).filter_map(|w| w.parse().ok()).collect();
    match numbers.as_slice() {
        [changed, unchanged] => Some(changed + unchanged),
        _ => None,
    }
}

fn run(steps: &[Step]) -> Result<(), TestCaseError> {
    let (dir, s, ctx) = office();
    let mut app = App::new(s, ctx.clone(), Config::default(), Worker::inline(), 30).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    for step in steps {
        // The event loop looks for other seats' changes between keys.
        app.poll_external().unwrap();
        match step {
            Step::Pane(c) => keys(&mut app, &c.to_string()),
            Step::ToggleUnassigned => keys(&mut app, "u"),
            Step::FilterBy(row, n) => {
                keys(&mut app, "f");
                keys(&mut app, &"j".repeat(*row));
                press(&mut app, KeyCode::Enter);
                for _ in 0..*n {
                    press(&mut app, KeyCode::Down);
                }
                press(&mut app, KeyCode::Enter);
                press(&mut app, KeyCode::Esc);
            }
            Step::ClearFilter => {
                keys(&mut app, "f");
                keys(&mut app, &"j".repeat(6));
                press(&mut app, KeyCode::Enter);
                press(&mut app, KeyCode::Esc);
            }
            Step::Down(n) => keys(&mut app, &"j".repeat(*n)),
            Step::Tick => keys(&mut app, " "),
            Step::SelectAll => keys(&mut app, "a"),
            Step::Bulk(key, who) | Step::OtherSeatThenBulk(key, who) => {
                keys(&mut app, &key.to_string());
                if *key != 'U' {
                    if !matches!(app.modals.last(), Some(Modal::Choose(_))) {
                        continue; // nothing to act on: the notice says why
                    }
                    keys(&mut app, &OWNERS[*who].to_lowercase());
                    press(&mut app, KeyCode::Enter);
                }
                let Some(shown) = confirm_number(&app) else {
                    while !app.modals.is_empty() {
                        press(&mut app, KeyCode::Esc);
                    }
                    continue;
                };
                let mut changed_elsewhere = false;
                if matches!(step, Step::OtherSeatThenBulk(..)) {
                    let mut other = Store::open(&dir.path().join("office.db")).unwrap();
                    let oldest = count(&other, "SELECT coalesce(min(id), 0) FROM leads WHERE owner_id IS NULL");
                    if oldest > 0 {
                        assign::assign(&mut other, &ctx, &Selection::Ids(vec![oldest]), "Lewis").unwrap();
                        changed_elsewhere = true;
                    }
                }
                let before = batches(&app);
                keys(&mut app, "y");
                let notice = app.notice.text.clone();
                if notice.starts_with("the selection changed") {
                    prop_assert!(changed_elsewhere, "refused with nothing changed elsewhere: {notice}");
                    prop_assert_eq!(batches(&app), before, "a refused write writes nothing");
                } else {
                    prop_assert_eq!(covered(&notice), Some(shown), "confirmed {} but: {}", shown, notice);
                }
            }
        }
        terminal.draw(|f| draw(f, &app, &Theme { color: false })).unwrap();
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_confirm_is_what_the_write_covers_or_the_write_is_refused(
        steps in prop::collection::vec(step(), 1..30)
    ) {
        run(&steps)?;
    }
}
