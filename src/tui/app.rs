//! Console state and `update`: a key becomes an Action, an Action changes
//! state and may ask for an Effect; effects call the core. Drawing is in
//! `view.rs` and only reads this state.

use rusqlite::Connection;

use super::action::Action;
use super::keymap::{Context, Keymap};
use super::modal::{Modal, Pending, PickFor};
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
    pub window: Window,
    pub modals: Vec<Modal>,
    pub notice: Notice,
    pub counts: Counts,
    pub quit: bool,
    worker: Worker,
    data_version: i64,
}

impl App {
    pub fn new(store: Store, ctx: Ctx, config: Config, worker: Worker, height: usize) -> Result<App> {
        let keymap = Keymap::load(&config.keys)?;
        let filter = Filter::for_actor(&ctx);
        let mut app = App {
            window: Window::new(filter, height),
            store,
            ctx,
            config,
            keymap,
            pane: Pane::Leads,
            modals: Vec::new(),
            notice: Notice::default(),
            counts: Counts::default(),
            quit: false,
            worker,
            data_version: 0,
        };
        app.window.load_top(app.store.conn())?;
        app.data_version = data_version(app.store.conn())?;
        app.request_counts();
        app.poll_worker();
        Ok(app)
    }

    pub fn is_agent(&self) -> bool {
        !self.ctx.actor.is_manager()
    }

    pub fn context(&self) -> Context {
        match self.modals.last() {
            Some(Modal::Detail(_)) => Context::Detail,
            _ => Context::Leads,
        }
    }

    fn request_counts(&mut self) {
        let alert = i64::from(self.config.unassigned_alert_hours) * 3600;
        let waiting_before = self.ctx.now_ts() - alert;
        self.worker.request(
            self.store.conn(),
            self.window.filter.clone(),
            Filter::unassigned(&self.ctx),
            waiting_before,
        );
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
        self.window.refresh(self.store.conn())?;
        for modal in &mut self.modals {
            if let Modal::Detail(d) = modal {
                d.reload(&self.store, &self.ctx)?;
            }
        }
        self.request_counts();
        Ok(())
    }

    pub fn resize(&mut self, table_height: usize) -> Result<()> {
        self.window.resize(self.store.conn(), table_height)
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
        let conn = self.store.conn();
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.modals.push(Modal::Help),
            Action::ShowKanban => self.pane = Pane::Kanban,
            Action::ShowLeads => self.pane = Pane::Leads,
            Action::ShowGroups => self.pane = Pane::Groups,
            Action::ShowRouting => self.pane = Pane::Routing,
            Action::NextPane | Action::PrevPane => {
                let i = Pane::ALL.iter().position(|p| *p == self.pane).unwrap_or(1);
                let step = if action == Action::NextPane { 1 } else { Pane::ALL.len() - 1 };
                self.pane = Pane::ALL[(i + step) % Pane::ALL.len()];
            }
            _ if self.pane != Pane::Leads => {}
            Action::Down => self.window.down(conn)?,
            Action::Up => self.window.up(conn)?,
            Action::PageDown => self.window.page_down(conn)?,
            Action::PageUp => self.window.page_up(conn)?,
            Action::Top => self.window.load_top(conn)?,
            Action::Bottom => self.window.bottom(conn, self.counts.matching)?,
            Action::ToggleSelect => {
                if let Some(id) = self.window.current().map(|l| l.id) {
                    self.window.picked.toggle(id);
                    self.window.down(self.store.conn())?;
                }
            }
            Action::SelectAll => self.window.picked = Picked::AllMatching { except: Default::default() },
            Action::Back => {
                self.window.picked = Picked::default();
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
                if let Some(lead) = self.window.current() {
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
            Action::ChangeOwner | Action::ChangeStatus | Action::AddNote => {}
        }
        Ok(())
    }

    /// The filter changed: back to the top and recount.
    pub fn filter_changed(&mut self) -> Result<()> {
        self.window.picked = Picked::default();
        self.window.load_top(self.store.conn())?;
        self.counts.matching = None;
        self.request_counts();
        Ok(())
    }

    /// The picked leads, else the highlighted one, with their count.
    fn bulk_target(&mut self) -> Result<Option<(Selection, i64)>> {
        if self.window.picked.is_empty() {
            return Ok(self.window.current().map(|l| (Selection::Ids(vec![l.id]), 1)));
        }
        let matching = match self.counts.matching {
            Some(m) => m,
            // Never act on a count we have not shown: count now.
            None => crate::core::leads::count(self.store.conn(), &self.window.filter)?,
        };
        let n = self.window.picked.count(matching);
        if n == 0 {
            self.set_notice("nothing selected", true);
            return Ok(None);
        }
        Ok(Some((self.window.picked.selection(&self.window.filter), n)))
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
        let ids: Vec<i64> = match &self.window.picked {
            Picked::Ids(ids) if !ids.is_empty() => ids.iter().copied().collect(),
            Picked::Ids(_) => self.window.current().map(|l| vec![l.id]).unwrap_or_default(),
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
