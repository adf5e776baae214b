//! Console state and `update`: a key becomes an Action, an Action changes
//! state and may ask for an Effect; effects call the core. Drawing is in
//! `view.rs` and only reads this state.

use rusqlite::Connection;

use super::action::Action;
use super::keymap::{Context, Keymap};
use super::modal::{Modal, Pending, PickFor};
use super::panes::groups::GroupsPane;
use super::panes::kanban::{self, Board};
use super::panes::routing::RoutingPane;
use super::view;
use super::window::{Picked, Window};
use super::worker::{Counts, Worker};
use crate::config::Config;
use crate::core::Store;
use crate::core::assign::Selection;
use crate::core::context::{Actor, Ctx};
use crate::core::error::Result;
use crate::core::filter::{Filter, OwnerFilter};
use crate::core::page::SortKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Kanban,
    Leads,
    Groups,
    Routing,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Kanban, Pane::Leads, Pane::Groups, Pane::Routing];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Kanban => "Kanban",
            Pane::Leads => "Leads",
            Pane::Groups => "Groups",
            Pane::Routing => "Routing",
        }
    }
}

/// The last thing that happened, shown in the status bar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

pub struct App {
    pub store: Store,
    pub ctx: Ctx,
    pub config: Config,
    pub keymap: Keymap,
    pub pane: Pane,
    /// The Leads table; its filter is the one every pane shares.
    pub window: Window,
    pub board: Board,
    pub groups: GroupsPane,
    pub routing: RoutingPane,
    pub modals: Vec<Modal>,
    /// Only the visible pane is kept current; the others catch up when shown.
    leads_filter_stale: bool,
    board_filter_stale: bool,
    pub notice: Notice,
    pub filter_label: String,
    pub counts: Counts,
    pub quit: bool,
    worker: Worker,
    data_version: i64,
}

impl App {
    /// `height` is the terminal's height in lines.
    pub fn new(store: Store, ctx: Ctx, config: Config, worker: Worker, height: u16) -> Result<App> {
        let keymap = Keymap::load(&config.keys)?;
        let filter = Filter::for_actor(&ctx);
        let board = Board::load(store.conn(), &filter, kanban::cards_per_column(height))?;
        let mut app = App {
            window: Window::new(filter, view::table_height(height)),
            board,
            groups: GroupsPane::default(),
            routing: RoutingPane::default(),
            store,
            ctx,
            config,
            keymap,
            pane: Pane::Leads,
            modals: Vec::new(),
            leads_filter_stale: false,
            board_filter_stale: true,
            notice: Notice::default(),
            filter_label: String::new(),
            counts: Counts::default(),
            quit: false,
            worker,
            data_version: 0,
        };
        app.window.load_top(app.store.conn())?;
        app.filter_label = filter_label(&app.store, &app.window.filter);
        app.data_version = data_version(app.store.conn())?;
        app.request_counts();
        app.poll_worker();
        Ok(app)
    }

    pub fn is_agent(&self) -> bool {
        !self.ctx.actor.is_manager()
    }

    pub fn context(&self) -> Context {
        match (self.modals.last(), self.pane) {
            (Some(Modal::Detail(_)), _) => Context::Detail,
            (_, Pane::Kanban) => Context::Kanban,
            (_, Pane::Groups) => Context::Groups,
            (_, Pane::Routing) => Context::Routing,
            _ => Context::Leads,
        }
    }

    fn request_counts(&mut self) {
        let alert = i64::from(self.config.unassigned_alert_hours) * 3600;
        let waiting_before = self.ctx.now_ts() - alert;
        let columns = self.board.columns.iter().map(|c| c.window.filter.clone()).collect();
        let filter = self.window.filter.clone();
        self.worker.request(self.store.conn(), filter, columns, Filter::unassigned(&self.ctx), waiting_before);
    }

    /// Take finished counts from the worker; true when something changed.
    pub fn poll_worker(&mut self) -> bool {
        match self.worker.try_counts() {
            Some(counts) => {
                self.counts = counts;
                true
            }
            None => false,
        }
    }

    /// Another seat changed the database: redraw from it (T6). Cheap enough for every tick.
    pub fn poll_external(&mut self) -> Result<bool> {
        let version = data_version(self.store.conn())?;
        if version == self.data_version {
            return Ok(false);
        }
        self.data_version = version;
        self.after_write()?;
        Ok(true)
    }

    fn after_write(&mut self) -> Result<()> {
        self.reload_pane()?;
        for modal in &mut self.modals {
            if let Modal::Detail(d) = modal {
                d.reload(&self.store, &self.ctx)?;
            }
        }
        self.request_counts();
        Ok(())
    }

    /// Bring the visible pane up to date with the database and the filter.
    fn reload_pane(&mut self) -> Result<()> {
        let conn = self.store.conn();
        match self.pane {
            Pane::Leads if self.leads_filter_stale => self.window.load_top(conn)?,
            Pane::Leads => self.window.refresh(conn)?,
            Pane::Kanban if self.board_filter_stale => self.board.set_filter(conn, &self.window.filter)?,
            Pane::Kanban => self.board.refresh(conn)?,
            Pane::Groups => self.groups.load(&self.store, &self.ctx)?,
            Pane::Routing => self.routing.load(&self.store)?,
        }
        match self.pane {
            Pane::Leads => self.leads_filter_stale = false,
            Pane::Kanban => self.board_filter_stale = false,
            _ => {}
        }
        Ok(())
    }

    fn show(&mut self, pane: Pane) -> Result<()> {
        self.pane = pane;
        self.reload_pane()
    }

    /// The terminal is now `height` lines tall.
    pub fn resize(&mut self, height: u16) -> Result<()> {
        self.window.resize(self.store.conn(), view::table_height(height))?;
        self.board.resize(self.store.conn(), kanban::cards_per_column(height))
    }

    /// The list the cursor keys and bulk actions work on in this pane.
    pub fn active(&self) -> Option<&Window> {
        match self.pane {
            Pane::Leads => Some(&self.window),
            Pane::Kanban => self.board.focused().map(|c| &c.window),
            _ => None,
        }
    }

    fn active_mut(&mut self) -> Option<&mut Window> {
        match self.pane {
            Pane::Leads => Some(&mut self.window),
            Pane::Kanban => self.board.focused_mut().map(|c| &mut c.window),
            _ => None,
        }
    }

    /// How many leads the active list's filter matches, if counted yet.
    pub fn active_matching(&self) -> Option<i64> {
        match self.pane {
            Pane::Kanban => self.counts.columns.get(self.board.focus).copied(),
            _ => self.counts.matching,
        }
    }

    pub fn set_notice(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Notice { text: text.into(), error };
    }

    /// Handle one action. Errors from the core become a one-line notice.
    pub fn update(&mut self, action: Action) {
        if let Err(e) = self.try_update(action) {
            self.set_notice(e.to_string(), true);
        }
    }

    fn try_update(&mut self, action: Action) -> Result<()> {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.modals.push(Modal::Help),
            Action::ShowKanban => self.show(Pane::Kanban)?,
            Action::ShowLeads => self.show(Pane::Leads)?,
            Action::ShowGroups => self.show(Pane::Groups)?,
            Action::ShowRouting => self.show(Pane::Routing)?,
            Action::NextPane | Action::PrevPane => {
                let i = Pane::ALL.iter().position(|p| *p == self.pane).unwrap_or(1);
                let step = if action == Action::NextPane { 1 } else { Pane::ALL.len() - 1 };
                self.show(Pane::ALL[(i + step) % Pane::ALL.len()])?;
            }
            _ if self.pane == Pane::Groups => self.groups_action(action)?,
            _ if self.pane == Pane::Routing => self.routing_action(action)?,
            _ if self.active().is_none() => {}
            Action::Left => self.board.left(),
            Action::Right => self.board.right(),
            Action::MovePrev | Action::MoveNext => self.move_card(if action == Action::MovePrev { -1 } else { 1 })?,
            Action::Down | Action::Up | Action::PageDown | Action::PageUp | Action::Top | Action::Bottom => {
                let matching = self.active_matching();
                let conn = self.store.conn();
                let Some(w) = (match self.pane {
                    Pane::Leads => Some(&mut self.window),
                    _ => self.board.focused_mut().map(|c| &mut c.window),
                }) else {
                    return Ok(());
                };
                match action {
                    Action::Down => w.down(conn)?,
                    Action::Up => w.up(conn)?,
                    Action::PageDown => w.page_down(conn)?,
                    Action::PageUp => w.page_up(conn)?,
                    Action::Top => w.load_top(conn)?,
                    _ => w.bottom(conn, matching)?,
                }
            }
            Action::ToggleSelect => {
                let conn = self.store.conn();
                let w = match self.pane {
                    Pane::Leads => Some(&mut self.window),
                    _ => self.board.focused_mut().map(|c| &mut c.window),
                };
                if let Some(w) = w
                    && let Some(id) = w.current().map(|l| l.id)
                {
                    w.picked.toggle(id);
                    w.down(conn)?;
                }
            }
            Action::SelectAll => {
                if let Some(w) = self.active_mut() {
                    w.picked = Picked::AllMatching { except: Default::default() };
                }
            }
            Action::Back => {
                if let Some(w) = self.active_mut() {
                    w.picked = Picked::default();
                }
                self.notice = Notice::default();
            }
            Action::ToggleUnassigned => {
                self.window.filter.owner = match self.window.filter.owner {
                    OwnerFilter::Unassigned => OwnerFilter::Any,
                    _ => OwnerFilter::Unassigned,
                };
                self.filter_changed()?;
            }
            Action::CycleSort => {
                let keys = SortKey::ALL;
                let i = keys.iter().position(|k| *k == self.window.sort.key).unwrap_or(0);
                self.window.sort.key = keys[(i + 1) % keys.len()];
                self.window.load_top(self.store.conn())?;
            }
            Action::Search => self.modals.push(Modal::search(&self.window.filter.search)),
            Action::FilterPanel => self.modals.push(Modal::FilterPanel(0)),
            Action::Open => {
                if let Some(lead) = self.active().and_then(Window::current) {
                    self.modals.push(Modal::detail(&self.store, &self.ctx, lead.id)?);
                }
            }
            Action::Assign | Action::Reassign => self.start_assign(action == Action::Reassign)?,
            Action::Rotate => self.start_rotate()?,
            Action::Unassign => {
                if let Some((selection, n)) = self.bulk_target()? {
                    let prompt = format!("Unassign {n} lead{}?", plural(n));
                    self.modals.push(Modal::confirm(prompt, vec![], Pending::Unassign { selection, count: n }));
                }
            }
            Action::Undo => {
                let prompt = "Undo your last batch?".to_string();
                self.modals.push(Modal::confirm(prompt, vec![], Pending::Undo));
            }
            Action::Pickup => self.start_pickup()?,
            // Drawer keys and other panes' keys do nothing in the table.
            _ => {}
        }
        Ok(())
    }

    /// The filter changed: back to the top and recount.
    pub fn filter_changed(&mut self) -> Result<()> {
        self.window.picked = Picked::default();
        self.filter_label = filter_label(&self.store, &self.window.filter);
        self.leads_filter_stale = true;
        self.board_filter_stale = true;
        self.reload_pane()?;
        self.counts.matching = None;
        self.counts.columns.clear();
        self.request_counts();
        Ok(())
    }

    /// The picked leads, else the highlighted one, with their count.
    fn bulk_target(&mut self) -> Result<Option<(Selection, i64)>> {
        let Some(w) = self.active() else { return Ok(None) };
        if w.picked.is_empty() {
            return Ok(w.current().map(|l| (Selection::Ids(vec![l.id]), 1)));
        }
        let matching = match self.active_matching() {
            Some(m) => m,
            // Never act on a count we have not shown: count now.
            None => crate::core::leads::count(self.store.conn(), &w.filter)?,
        };
        let n = w.picked.count(matching);
        let selection = w.picked.selection(&w.filter);
        if n == 0 {
            self.set_notice("nothing selected", true);
            return Ok(None);
        }
        Ok(Some((selection, n)))
    }

    /// Move the highlighted card to the previous or next stage (A13: the owner stays).
    fn move_card(&mut self, step: isize) -> Result<()> {
        let (Some(lead), Some(stage)) =
            (self.active().and_then(Window::current).map(|l| l.id), self.board.neighbour(step).map(|s| s.name.clone()))
        else {
            return Ok(());
        };
        self.run(Pending::LeadStatus { lead, status: stage });
        Ok(())
    }

    fn start_assign(&mut self, reassign: bool) -> Result<()> {
        if self.is_agent() {
            self.set_notice("agents cannot assign leads; press p to pick up", true);
            return Ok(());
        }
        if let Some((selection, count)) = self.bulk_target()? {
            let for_ = PickFor::Owner { selection, count, reassign };
            self.modals.push(Modal::user_picker(&self.store, for_, false)?);
        }
        Ok(())
    }

    fn start_rotate(&mut self) -> Result<()> {
        if self.is_agent() {
            self.set_notice("agents cannot rotate leads", true);
            return Ok(());
        }
        if let Some((selection, count)) = self.bulk_target()? {
            self.modals.push(Modal::group_picker(&self.store, PickFor::Group { selection, count })?);
        }
        Ok(())
    }

    fn start_pickup(&mut self) -> Result<()> {
        let Some(w) = self.active() else { return Ok(()) };
        let ids: Vec<i64> = match &w.picked {
            Picked::Ids(ids) if !ids.is_empty() => ids.iter().copied().collect(),
            Picked::Ids(_) => w.current().map(|l| vec![l.id]).unwrap_or_default(),
            Picked::AllMatching { .. } => {
                self.set_notice("pick-up takes leads one by one or ticked with Space", true);
                return Ok(());
            }
        };
        if ids.is_empty() {
            return Ok(());
        }
        let n = ids.len() as i64;
        let prompt = format!("Pick up {n} lead{}?", plural(n));
        self.modals.push(Modal::confirm(prompt, vec![], Pending::Pickup { ids }));
        Ok(())
    }

    /// Carry out a confirmed action through the core, then redraw from the database.
    pub fn run(&mut self, pending: Pending) {
        let result = pending.execute(&mut self.store, &self.ctx);
        match result {
            Ok(message) => {
                self.set_notice(message, false);
                self.window.picked = Picked::default();
                for column in &mut self.board.columns {
                    column.window.picked = Picked::default();
                }
                self.data_version = data_version(self.store.conn()).unwrap_or(self.data_version);
                if let Err(e) = self.after_write() {
                    self.set_notice(e.to_string(), true);
                }
            }
            Err(e) => self.set_notice(e.to_string(), true),
        }
    }

    pub fn actor_label(&self) -> String {
        match &self.ctx.actor {
            Actor::System => "system".into(),
            Actor::User(u) => format!("{} ({})", u.name, u.role),
        }
    }
}

pub fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Changes whenever another connection commits (SQLite's `data_version`).
fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// The active filter in words, for the filter bar; built when the filter
/// changes so that drawing never reads the database.
fn filter_label(store: &Store, f: &Filter) -> String {
    let mut parts: Vec<String> = Vec::new();
    match f.owner {
        OwnerFilter::Any => {}
        OwnerFilter::Unassigned => parts.push("unassigned".into()),
        OwnerFilter::User(id) => {
            let name = crate::core::users::get(store.conn(), id).map(|u| u.name).unwrap_or_else(|_| format!("#{id}"));
            parts.push(format!("owner {name}"));
        }
    }
    if !f.stage_ids.is_empty() {
        let names: Vec<String> = crate::core::stages::list(store.conn())
            .unwrap_or_default()
            .into_iter()
            .filter(|s| f.stage_ids.contains(&s.id))
            .map(|s| s.name)
            .collect();
        parts.push(format!("status {}", names.join("|")));
    }
    if !f.sources.is_empty() {
        parts.push(format!("source {}", f.sources.join("|")));
    }
    if !f.tags.is_empty() {
        parts.push(format!("tag {}", f.tags.join("|")));
    }
    if let Some(from) = f.created_from {
        parts.push(format!("since {}", &crate::core::time::to_rfc3339(from)[..10]));
    }
    if let Some(before) = f.created_before {
        parts.push(format!("before {}", &crate::core::time::to_rfc3339(before)[..10]));
    }
    if !f.search.is_empty() {
        parts.push(format!("search \"{}\"", f.search));
    }
    if parts.is_empty() { "all leads".into() } else { parts.join(" · ") }
}
