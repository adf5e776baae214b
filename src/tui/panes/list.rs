//! What the Leads table and a Kanban column share: moving over a window of
//! leads, selecting (V3), and starting a bulk change. The number a confirm
//! shows is the count made for the filter in force (T8) and goes to the
//! core as the write's `expect` (A14).

use rusqlite::OptionalExtension;

use crate::core::assign::{Selection, selection_state};
use crate::core::distribute;
use crate::core::error::{Error, Result};
use crate::core::filter::{Filter, OwnerFilter};
use crate::core::page::{Sort, SortKey};
use crate::tui::action::Action;
use crate::tui::flow::{Answer, Env, ListThen, Pending, Pick, Then, plural};
use crate::tui::keymap::Context;
use crate::tui::modal::{Confirm, Detail, FilterPanel, Modal, Search, Step, choose};
use crate::tui::panes::preview;
use crate::tui::run::{changed_since, thousands};
use crate::tui::window::{Picked, Window};

/// Handle `action` on `window`; `matching` is its count for the filter in
/// force, `None` while it is being made.
pub fn on_action(
    window: &mut Window,
    matching: Option<i64>,
    context: Context,
    action: Action,
    env: &mut Env<'_>,
) -> Result<Option<Step>> {
    let current = window.generation == env.shared.generation();
    let conn = env.store.conn();
    match action {
        Action::Down | Action::Up | Action::PageDown | Action::PageUp | Action::Top | Action::Bottom if current => {
            match action {
                Action::Down => window.down(conn)?,
                Action::Up => window.up(conn)?,
                Action::PageDown => window.page_down(conn)?,
                Action::PageUp => window.page_up(conn)?,
                Action::Top => window.load_top(conn)?,
                _ => window.bottom(conn, matching)?,
            }
        }
        Action::ToggleSelect if current => {
            if let Some(id) = window.current().map(|l| l.id) {
                window.picked.toggle(id);
                window.down(conn)?;
            }
        }
        Action::SelectAll if current => window.picked = Picked::AllMatching { except: Default::default() },
        Action::Back => window.picked = Picked::default(),
        Action::ToggleUnassigned => {
            // R5: `u` is the backlog, the open leads without an owner, as the status bar counts them.
            let mut f = env.shared.filter.clone();
            let on = f.owner != OwnerFilter::Unassigned;
            f.owner = if on { OwnerFilter::Unassigned } else { OwnerFilter::Any };
            f.open_only = on;
            return Ok(Some(Step::Filter(f)));
        }
        Action::CycleSort => {
            let keys = SortKey::ALL;
            let i = keys.iter().position(|k| *k == env.shared.sort.key).unwrap_or(0);
            return Ok(Some(Step::Sort(Sort { key: keys[(i + 1) % keys.len()], ..env.shared.sort })));
        }
        Action::ReverseSort => {
            let sort = env.shared.sort;
            return Ok(Some(Step::Sort(Sort { descending: !sort.descending, ..sort })));
        }
        Action::TriageQueue => {
            let f = &env.shared.filter;
            let in_queue = f.owner == OwnerFilter::Unassigned && f.open_only && f.created_before.is_some();
            if in_queue {
                return Ok(Some(Step::Filter(Filter::for_actor(env.ctx))));
            }
            let queue = Filter::waiting(env.ctx, env.config.unassigned_alert_hours);
            let sort = Sort { key: SortKey::Created, descending: false };
            let hours = env.config.unassigned_alert_hours;
            let name = format!("triage queue: open, unassigned, waiting >{hours}h");
            return Ok(Some(Step::Queue { filter: queue, sort, name }));
        }
        Action::Search => return Ok(Some(Step::Open(Modal::Search(Search::new(&env.shared.filter.search))))),
        Action::FilterPanel => return Ok(Some(Step::Open(Modal::FilterPanel(FilterPanel::default())))),
        Action::Open if current => {
            if let Some(lead) = window.current() {
                return Ok(Some(Step::Open(Detail::open(env.store, env.ctx, lead.id)?)));
            }
        }
        Action::Assign | Action::Reassign | Action::Rotate if env.is_agent() => {
            let pickup = env.keymap.label(context, Action::Pickup);
            return Err(Error::invalid(format!("agents cannot assign leads; {pickup} picks up")));
        }
        Action::Assign | Action::Reassign => {
            let Some((selection, count)) = bulk_target(window, matching, env)? else { return Ok(None) };
            let reassign = action == Action::Reassign;
            let count = if reassign { owned(&selection, count, env)? } else { count };
            let verb = if reassign { "Reassign" } else { "Assign" };
            let title = format!("{verb} {} lead{} to", thousands(count), plural(count));
            let then = Then::List(ListThen::Owner { selection, count, reassign });
            return Ok(Some(Step::Open(choose::users(env.store, env.ctx, title, false, then)?)));
        }
        Action::Rotate => {
            let Some((selection, count)) = bulk_target(window, matching, env)? else { return Ok(None) };
            nothing_to_deal(env.store.conn(), &selection)?;
            let title = format!("Rotate {} lead{} through", thousands(count), plural(count));
            let then = Then::List(ListThen::Rotate { selection, count });
            return Ok(Some(Step::Open(choose::groups(env.store, title, then)?)));
        }
        Action::Unassign => {
            let Some((selection, expect)) = bulk_target(window, matching, env)? else { return Ok(None) };
            let title = format!("Unassign {} lead{}?", thousands(expect), plural(expect));
            let state = selection_state(env.store.conn(), &selection)?;
            return Ok(Some(confirm(title, vec![], Pending::Unassign { selection, expect, state })));
        }
        Action::Undo => {
            // A4: the confirm names the batch it will undo, and only that one is undone.
            let target = crate::core::assign::undo_preview(env.store.conn(), env.ctx)?;
            let title = format!("Undo {}?", target.describe(env.ctx.now_ts()));
            return Ok(Some(confirm(title, vec![], Pending::Undo { batch: target.batch })));
        }
        Action::Pickup if current => return pickup(window, context, env),
        _ => {}
    }
    Ok(None)
}

fn confirm(title: impl Into<String>, lines: Vec<String>, pending: Pending) -> Step {
    Step::Open(Modal::Confirm(Confirm::new(title, lines, pending)))
}

/// The ticked leads (or all that match, but those unticked), else the
/// highlighted one, with how many they are for the filter in force.
fn bulk_target(window: &Window, matching: Option<i64>, env: &Env<'_>) -> Result<Option<(Selection, usize)>> {
    if window.generation != env.shared.generation() {
        return Err(Error::invalid("still searching: act on these leads once they are shown"));
    }
    if window.picked.is_empty() {
        return Ok(window.current().map(|l| (Selection::Ids(vec![l.id]), 1)));
    }
    let count = match (&window.picked, matching) {
        (Picked::Ids(ids), _) => ids.len(),
        (Picked::AllMatching { .. }, Some(m)) => usize::try_from(window.picked.count(m)).unwrap_or(0),
        // T8: never act on a count that has not been shown.
        (Picked::AllMatching { .. }, None) => {
            return Err(Error::invalid("still counting the selection: act once its number is shown"));
        }
    };
    if count == 0 {
        return Err(Error::invalid("nothing selected"));
    }
    Ok(Some((window.picked.selection(&window.filter), count)))
}

/// A2: a reassign of "every matching lead" takes the owned ones only, so
/// its confirm counts those (the core checks the same number).
fn owned(selection: &Selection, count: usize, env: &Env<'_>) -> Result<usize> {
    let Selection::Filter(f) = selection else { return Ok(count) };
    match f.owner {
        OwnerFilter::User(_) => return Ok(count),
        OwnerFilter::Unassigned => {
            let assign = env.keymap.label(Context::Leads, Action::Assign);
            return Err(Error::invalid(format!("reassign acts on owned leads; {assign} assigns unassigned ones")));
        }
        OwnerFilter::Any => {}
    }
    let unowned = Filter { owner: OwnerFilter::Unassigned, ..f.clone() };
    let unowned = usize::try_from(crate::core::leads::count(env.store.conn(), &unowned)?).unwrap_or(0);
    let owned = count.saturating_sub(unowned);
    if owned == 0 {
        return Err(Error::invalid("none of these leads has an owner to reassign from"));
    }
    Ok(owned)
}

fn pickup(window: &Window, context: Context, env: &Env<'_>) -> Result<Option<Step>> {
    crate::core::assign::may_pick_up(env.ctx)?;
    let ids: Vec<i64> = match &window.picked {
        Picked::Ids(ids) if !ids.is_empty() => ids.iter().copied().collect(),
        Picked::Ids(_) => window.current().map(|l| vec![l.id]).unwrap_or_default(),
        Picked::AllMatching { .. } => {
            let tick = env.keymap.label(context, Action::ToggleSelect);
            return Err(Error::invalid(format!("pick-up takes leads one by one or ticked with {tick}")));
        }
    };
    if ids.is_empty() {
        return Ok(None);
    }
    let n = ids.len();
    Ok(Some(confirm(format!("Pick up {n} lead{}?", plural(n)), vec![], Pending::Pickup { ids })))
}

/// The owner or group picked for a bulk change: its confirm, with the plan's token.
pub fn resume(then: ListThen, answer: Answer, env: &mut Env<'_>) -> Result<Option<Step>> {
    Ok(match (then, answer) {
        (ListThen::Owner { selection, count, reassign }, Answer::Pick(Pick::Name(to))) => {
            let verb = if reassign { "Reassign" } else { "Assign" };
            let title = format!("{verb} {} lead{} to {to}?", thousands(count), plural(count));
            let state = selection_state(env.store.conn(), &selection)?;
            let lines = taken_from(env.store.conn(), &selection, &to)?;
            Some(confirm(title, lines, Pending::Assign { selection, to, reassign, expect: count, state }))
        }
        (ListThen::Rotate { selection, count }, Answer::Pick(Pick::Name(group))) => {
            // Preview first: the same rotation with the same seed, rolled back (R5, A14).
            let seed = env.ctx.seed.unwrap_or_else(super::fresh_seed);
            let ctx = crate::core::Ctx { seed: Some(seed), ..env.ctx.clone() };
            let plan = distribute::rotate(env.store, &ctx, &group, &selection, true)?;
            changed_since(count, plan.selected)?;
            if plan.assigned.is_empty() {
                // A confirm that would write nothing is no question: say why instead.
                let why = preview::why_nobody(&plan);
                return Err(Error::invalid(format!("{group} would hand out none of these: {why}")));
            }
            let seed = plan.seed.unwrap_or(seed);
            let mut lines = preview::per_member(&plan);
            lines.extend(preview::passed_over(env.store.conn(), env.ctx, &group)?);
            lines.extend(preview::staying(&plan));
            lines.extend(preview::skipped(&plan));
            let title = format!("Rotate {} lead{} through {group}?", thousands(count), plural(count));
            let state = selection_state(env.store.conn(), &selection)?;
            Some(confirm(title, lines, Pending::Rotate { selection, group, expect: count, seed, state }))
        }
        _ => None,
    })
}

/// Ticked leads of which rotation would deal none (R5: it deals open,
/// unassigned leads) are refused before a group is picked, saying why.
fn nothing_to_deal(conn: &rusqlite::Connection, selection: &Selection) -> Result<()> {
    let Selection::Ids(ids) = selection else { return Ok(()) };
    let mut read = conn.prepare_cached(
        "SELECT s.closed, u.name FROM leads l JOIN stages s ON s.id = l.stage_id \
         LEFT JOIN users u ON u.id = l.owner_id WHERE l.id = ?1",
    )?;
    let mut why = std::collections::BTreeSet::new();
    for id in ids {
        let Some((closed, owner)) =
            read.query_row([id], |r| Ok((r.get::<_, bool>(0)?, r.get::<_, Option<String>>(1)?))).optional()?
        else {
            continue;
        };
        match (closed, owner) {
            (false, None) => return Ok(()),
            (true, _) => why.insert("closed".to_string()),
            (false, Some(owner)) => why.insert(format!("owned by {owner}")),
        };
    }
    let what = if ids.len() == 1 { "this lead is" } else { "these leads are" };
    let mut why: Vec<String> = why.into_iter().collect();
    if why.len() > 3 {
        why.truncate(3);
        why.push("…".into());
    }
    Err(Error::invalid(format!("rotation hands out open unassigned leads; {what} {}", why.join(", "))))
}

/// For ticked leads, whom an assign takes them from ("taken from Lewis 1"),
/// so a confirm never hides that a lead has an owner already.
fn taken_from(conn: &rusqlite::Connection, selection: &Selection, to: &str) -> Result<Vec<String>> {
    let Selection::Ids(ids) = selection else { return Ok(Vec::new()) };
    let mut owners: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut read =
        conn.prepare_cached("SELECT u.name FROM leads l JOIN users u ON u.id = l.owner_id WHERE l.id = ?1")?;
    for id in ids {
        if let Some(owner) = read.query_row([id], |r| r.get::<_, String>(0)).optional()?
            && owner != to
        {
            *owners.entry(owner).or_default() += 1;
        }
    }
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    let from: Vec<String> = owners.iter().map(|(name, n)| format!("{name} {}", thousands(*n))).collect();
    Ok(vec![format!("taken from: {}", from.join(", "))])
}

/// The shared filter narrowed to one stage: a Kanban column. A status
/// filter that leaves the stage out makes the column empty rather than hiding it.
pub fn column_filter(base: &Filter, stage_id: i64) -> Filter {
    let stage_ids =
        if base.stage_ids.is_empty() || base.stage_ids.contains(&stage_id) { vec![stage_id] } else { vec![-1] };
    Filter { stage_ids, ..base.clone() }
}
