//! The console's state and its routing: a key goes to the modal on top,
//! else to the visible pane as an Action; what they ask for comes back as a
//! [`Step`], which only this file applies. It holds the one shared filter
//! (T8), the modal stack, and the worker's replies. Drawing is `view.rs`.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyEvent, KeyEventKind};
use rusqlite::Connection;

use super::action::Action;
use super::flow::{Answer, Env, Look, Pane, Then};
use super::keymap::{Context, Keymap};
use super::modal::{self, Modal, Outcome, Step};
use super::panes::groups::GroupsPane;
use super::panes::kanban::Board;
use super::panes::leads::LeadsPane;
use super::panes::list;
use super::panes::routing::RoutingPane;
use super::panes::users::UsersPane;
use super::panes::workload::WorkloadPane;
use super::run::{Created, thousands};
use super::shared::Shared;
use super::theme::Theme;
use super::window::{Picked, Window};
use super::worker::{Counts, Job, Reply, Rereading, Worker};
use crate::config::Config;
use crate::core::Store;
use crate::core::context::{Actor, Ctx};
use crate::core::error::Result;
use crate::core::filter::Filter;
use crate::core::page::{self, Direction};

/// How long a notice stays on its line (Esc clears it sooner).
const NOTICE_FOR: Duration = Duration::from_secs(10);

/// The most characters a paste puts into a field.
const PASTE_MOST: usize = 2_000;

/// The last thing that happened, shown on its own line over the status bar.
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
    pub shared: Shared,
    pub counts: Counts,
    pub leads: LeadsPane,
    pub board: Board,
    pub groups: GroupsPane,
    pub users: UsersPane,
    pub routing: RoutingPane,
    pub workload: WorkloadPane,
    pub modals: Vec<Modal>,
    pub notice: Notice,
    /// When the notice was set: it goes after [`NOTICE_FOR`].
    notice_at: Option<Instant>,
    pub quit: bool,
    height: u16,
    worker: Worker,
    data_version: i64,
}

/// Borrow what a pane may use, leaving the panes themselves free.
macro_rules! env {
    ($app:expr) => {
        Env {
            store: &mut $app.store,
            ctx: &$app.ctx,
            config: &$app.config,
            keymap: &$app.keymap,
            shared: &$app.shared,
            counts: &$app.counts,
        }
    };
}

impl App {
    /// `height` is the terminal's height in lines.
    pub fn new(mut store: Store, ctx: Ctx, config: Config, worker: Worker, height: u16) -> Result<App> {
        let keymap = Keymap::load(&config.keys)?;
        let shared = Shared::new(store.conn(), Filter::for_actor(&ctx), ctx.tz);
        let counts = Counts::default();
        let board = {
            let env = Env {
                store: &mut store,
                ctx: &ctx,
                config: &config,
                keymap: &keymap,
                shared: &shared,
                counts: &counts,
            };
            Board::new(&env, height)?
        };
        let mut app = App {
            leads: LeadsPane::new(height, config.console.columns.clone()),
            board,
            groups: GroupsPane::default(),
            users: UsersPane::default(),
            routing: RoutingPane::default(),
            workload: WorkloadPane::default(),
            store,
            ctx,
            config,
            keymap,
            pane: Pane::Leads,
            shared,
            counts,
            modals: Vec::new(),
            notice: Notice::default(),
            notice_at: None,
            quit: false,
            height,
            worker,
            data_version: 0,
        };
        // The first page of the default filter is quick: read it here so the
        // first frame has rows; the rest comes from the worker.
        let first = page::page(
            app.store.conn(),
            &app.shared.filter,
            app.shared.sort,
            None,
            Direction::Forward,
            app.leads.window.height,
        )?
        .0;
        app.leads.window.install(app.shared.filter.clone(), app.shared.sort, first, 0);
        app.data_version = data_version(app.store.conn())?;
        app.request(false, true);
        app.poll_worker();
        Ok(app)
    }

    pub fn is_agent(&self) -> bool {
        !self.ctx.actor.is_manager()
    }

    /// The key context: the modal on top if it has one, else the pane.
    pub fn context(&self) -> Context {
        self.modals.last().and_then(Modal::context).unwrap_or_else(|| self.pane_context())
    }

    /// The visible pane's key context.
    pub fn pane_context(&self) -> Context {
        match self.pane {
            Pane::Kanban => Context::Kanban,
            Pane::Leads => Context::Leads,
            Pane::Groups => Context::Groups,
            Pane::Users => Context::Users,
            Pane::Routing => Context::Routing,
            Pane::Workload => Context::Workload,
        }
    }

    /// What drawing may read.
    pub fn look<'a>(&'a self, theme: &'a Theme) -> Look<'a> {
        Look { theme, keymap: &self.keymap, shared: &self.shared, counts: &self.counts, now: self.ctx.now_ts() }
    }

    /// Ask the worker for the first pages of the list in view (after a new
    /// filter or sort) and for counts.
    fn request(&mut self, pages: bool, count: bool) {
        self.request_with(pages, count, None);
    }

    /// [`App::request`], with the table's rows read again from `reread` on.
    fn request_with(&mut self, pages: bool, count: bool, reread: Option<Rereading>) {
        let columns = { self.board.filters(&env!(self)) };
        let board = self.pane == Pane::Kanban;
        let job = Job {
            stamp: self.shared.stamp(),
            filter: self.shared.filter.clone(),
            sort: self.shared.sort,
            columns,
            leads_page: (pages && self.pane == Pane::Leads).then_some(self.leads.window.height),
            cards_page: (pages && board).then(|| super::panes::kanban::cards_per_column(self.height)),
            reread,
            count,
            count_columns: board,
            unassigned: Filter::unassigned(&self.ctx),
            waiting: Filter::waiting(&self.ctx, self.config.unassigned_alert_hours),
            workload: (self.pane == Pane::Workload && !self.is_agent()).then(|| self.ctx.clone()),
        };
        self.worker.request(self.store.conn(), job);
    }

    /// Take what the worker finished; true when the screen changed.
    pub fn poll_worker(&mut self) -> bool {
        let replies = self.worker.replies();
        let changed = !replies.is_empty();
        let generation = self.shared.generation();
        for reply in replies {
            let env = env!(self);
            match reply {
                Reply::Leads { stamp, rows } if stamp.filter == generation => self.leads.install(rows, &env),
                Reply::Reread { stamp, again } if stamp.filter == generation && self.leads.is_current(&env) => {
                    self.leads.window.take_reread(again);
                }
                Reply::RereadColumns { stamp, again } if stamp.filter == generation => {
                    self.board.take_reread(again, &env)
                }
                Reply::Columns { stamp, columns } if stamp.filter == generation => self.board.install(columns, &env),
                // The unassigned figures hold whatever the filter; the
                // filter's own only for its stamp (Counts::matching_at).
                Reply::Counts(counts) => self.counts.update(counts),
                Reply::Workload(figures) => self.workload.install(*figures),
                _ => {}
            }
        }
        changed
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

    /// The database changed: counts are stale, the visible pane re-reads.
    fn after_write(&mut self) -> Result<()> {
        self.shared.data_changed();
        // The lists in view are read again on the worker: a slow filter (a
        // rare search in name order) must not hold the screen (T7).
        let generation = self.shared.generation();
        let reread = match self.pane {
            Pane::Leads if self.leads.window.generation == generation => {
                Some(Rereading::Leads(self.leads.window.rows.first().cloned().map(Box::new), self.leads.window.height))
            }
            Pane::Kanban if self.board.columns.iter().all(|c| c.window.generation == generation) => {
                Some(Rereading::Columns(
                    self.board.columns.iter().map(|c| c.window.rows.first().cloned()).collect(),
                    super::panes::kanban::cards_per_column(self.height),
                ))
            }
            _ => None,
        };
        if reread.is_none() {
            self.reload_pane()?;
        }
        self.request_with(false, true, reread);
        self.poll_worker();
        for modal in &mut self.modals {
            if let Modal::Detail(d) = modal {
                d.reload(&self.store, &self.ctx)?;
            }
        }
        Ok(())
    }

    /// Bring the visible pane up to date with the database.
    fn reload_pane(&mut self) -> Result<()> {
        let env = env!(self);
        match self.pane {
            Pane::Leads => self.leads.load(&env),
            Pane::Kanban => self.board.load(&env),
            Pane::Groups => self.groups.load(&env),
            Pane::Users => self.users.load(&env),
            Pane::Routing => self.routing.load(&env),
            // Its figures are the worker's: asked for with the counts.
            Pane::Workload => Ok(()),
        }
    }

    /// Show `pane`: what it lacks for the filter in force (rows made while
    /// another pane was in view, the board's counts) is asked for now.
    fn show(&mut self, pane: Pane) -> Result<()> {
        self.pane = pane;
        let generation = self.shared.generation();
        let stale_rows = match pane {
            Pane::Leads => self.leads.window.generation != generation,
            Pane::Kanban => self.board.columns.iter().any(|c| c.window.generation != generation),
            _ => false,
        };
        let uncounted = pane == Pane::Kanban && self.counts.column_at(0, self.shared.stamp()).is_none();
        // The Workload pane's figures are the worker's: asked for each time it is shown.
        if stale_rows || uncounted || pane == Pane::Workload {
            self.request(stale_rows, uncounted);
            self.poll_worker();
        }
        self.reload_pane()
    }

    /// The terminal is now `height` lines tall.
    pub fn resize(&mut self, height: u16) -> Result<()> {
        self.height = height;
        let env = env!(self);
        self.leads.resize(&env, height)?;
        self.board.resize(&env, height)
    }

    pub fn set_notice(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Notice { text: text.into(), error };
        self.notice_at = Some(Instant::now());
    }

    /// Clear a notice shown long enough; true when the screen changed.
    pub fn expire_notice(&mut self) -> bool {
        match self.notice_at {
            Some(at) if at.elapsed() >= NOTICE_FOR => {
                self.notice = Notice::default();
                self.notice_at = None;
                true
            }
            _ => false,
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let result = if self.modals.is_empty() {
            match self.keymap.lookup(self.context(), &key) {
                Some(action) => self.on_action(action),
                None => Ok(()),
            }
        } else {
            self.modal_key(key)
        };
        if let Err(e) = result {
            self.set_notice(e.to_string(), true);
        }
    }

    /// Pasted text goes into the text field on top as if typed, line breaks
    /// and tabs as spaces; anywhere else it is refused, so that no pasted
    /// letter or line break acts as a key.
    pub fn paste(&mut self, text: &str) {
        let typed: String =
            text.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).filter(|c| !c.is_control()).collect();
        let typed = typed.trim();
        // No field here takes a book: a huge paste is cut, and says so.
        let kept: String = typed.chars().take(PASTE_MOST).collect();
        let env = env!(self);
        let Some(outcome) = self.modals.last_mut().and_then(|top| top.paste(&kept, &env)) else {
            let search = self.keymap.label(Context::Leads, Action::Search);
            self.set_notice(format!("a paste goes into a text field ({search} searches); nothing was done"), true);
            return;
        };
        if kept.len() < typed.len() {
            self.set_notice(format!("the paste was cut to its first {} characters", thousands(PASTE_MOST)), true);
        } else {
            self.notice = Notice::default();
        }
        if let Outcome::Step(step) = outcome
            && let Err(e) = self.apply(step)
        {
            self.set_notice(e.to_string(), true);
        }
    }

    /// The modal on top takes the key; it stays unless it says it is done.
    fn modal_key(&mut self, key: KeyEvent) -> Result<()> {
        let mut env = env!(self);
        let Some(top) = self.modals.last_mut() else { return Ok(()) };
        match top.handle(key, &mut env)? {
            Outcome::Keep => Ok(()),
            Outcome::Close => {
                self.modals.pop();
                Ok(())
            }
            Outcome::Step(step) => self.apply(step),
            Outcome::CloseWith(step) => {
                self.modals.pop();
                self.apply(step)
            }
            Outcome::Answer(then, answer) => match self.resume(then, answer) {
                Ok(step) => {
                    self.modals.pop();
                    step.map_or(Ok(()), |s| self.apply(s))
                }
                Err(e) => {
                    let message = e.to_string();
                    if self.modals.last_mut().is_some_and(|m| m.refuse(message.clone())) {
                        return Ok(());
                    }
                    self.modals.pop();
                    Err(e)
                }
            },
        }
    }

    /// Hand an answer to the continuation of the pane that asked.
    fn resume(&mut self, then: Then, answer: Answer) -> Result<Option<Step>> {
        let mut env = env!(self);
        match then {
            Then::List(then) => list::resume(then, answer, &mut env),
            Then::Detail(then) => modal::detail::resume(then, answer, &env),
            Then::Filter(field) => modal::filter_panel::resume(field, answer, &env),
            Then::Groups(then) => GroupsPane::resume(then, answer, &env),
            Then::Users(then) => UsersPane::resume(then, answer, &mut env),
            Then::Routing(then) => RoutingPane::resume(then, answer, &env),
            Then::Import(then) => super::panes::import::resume(then, answer, &mut env),
        }
    }

    /// Handle one action of the visible pane (or a global one).
    pub fn on_action(&mut self, action: Action) -> Result<()> {
        let step = match action {
            Action::Quit => Some(Step::Quit),
            Action::Help => Some(Step::Open(Modal::Help(modal::Help::new(self.context())))),
            Action::ShowKanban => Some(Step::Show(Pane::Kanban)),
            Action::ShowLeads => Some(Step::Show(Pane::Leads)),
            Action::ShowGroups => Some(Step::Show(Pane::Groups)),
            Action::ShowRouting => Some(Step::Show(Pane::Routing)),
            Action::ShowWorkload => Some(Step::Show(Pane::Workload)),
            Action::NextPane | Action::PrevPane => {
                let tabs = Pane::TABS;
                let i = tabs.iter().position(|p| *p == self.pane.tab()).unwrap_or(1);
                let step = if action == Action::NextPane { 1 } else { tabs.len() - 1 };
                Some(Step::Show(tabs[(i + step) % tabs.len()]))
            }
            _ => {
                if action == Action::Back {
                    self.notice = Notice::default();
                }
                let mut env = env!(self);
                match self.pane {
                    Pane::Leads => self.leads.on_action(action, &mut env)?,
                    Pane::Kanban => self.board.on_action(action, &mut env)?,
                    Pane::Groups => self.groups.on_action(action, &mut env)?,
                    Pane::Users => self.users.on_action(action, &mut env)?,
                    Pane::Routing => self.routing.on_action(action, &mut env)?,
                    Pane::Workload => self.workload.on_action(action, &mut env)?,
                }
            }
        };
        step.map_or(Ok(()), |s| self.apply(s))
    }

    /// Carry out what a pane or a modal asked for.
    pub fn apply(&mut self, step: Step) -> Result<()> {
        match step {
            Step::Open(modal) => {
                // What the last step said is about what came before this dialog.
                self.notice = Notice::default();
                // A confirm follows a preview (a rolled-back write): give back what it used (§8).
                if matches!(modal, Modal::Confirm(_)) {
                    super::memory::release(self.store.conn());
                }
                self.modals.push(modal);
            }
            Step::Run(pending) => self.run(pending),
            Step::Filter(filter) => {
                self.shared.set_filter(self.store.conn(), filter);
                self.request(true, true);
                self.poll_worker();
            }
            Step::Sort(sort) => {
                self.shared.set_sort(sort);
                self.request(true, true);
                self.poll_worker();
            }
            Step::Queue { filter, sort, name } => {
                self.shared.set_filter(self.store.conn(), filter);
                self.shared.label = name;
                self.shared.set_sort(sort);
                self.request(true, true);
                self.poll_worker();
            }
            Step::Show(pane) => self.show(pane)?,
            Step::Global(action) => self.on_action(action)?,
            Step::Say(text) => self.set_notice(text, false),
            Step::Quit => self.quit = true,
        }
        Ok(())
    }

    /// Carry out a confirmed write through the core, then redraw from the database.
    fn run(&mut self, pending: super::flow::Pending) {
        let created = pending.created();
        let result = pending.execute(&mut self.store, &self.ctx);
        // A bulk write or a preview leaves pages and statements behind (§8).
        super::memory::release(self.store.conn());
        match result {
            Ok(message) => {
                self.set_notice(message, false);
                self.leads.window.picked = Picked::default();
                for column in &mut self.board.columns {
                    column.window.picked = Picked::default();
                }
                self.data_version = data_version(self.store.conn()).unwrap_or(self.data_version);
                if let Err(e) = self.after_write().and_then(|()| self.select_created(created)) {
                    self.set_notice(e.to_string(), true);
                }
            }
            Err(e) => {
                // A14 refused: another seat changed the selection. Count it
                // again so that the next preview shows what is there now.
                if matches!(e, crate::core::Error::SelectionChanged { .. } | crate::core::Error::LeadsChanged { .. }) {
                    self.data_version = data_version(self.store.conn()).unwrap_or(self.data_version);
                    if let Err(e) = self.after_write() {
                        tracing::warn!("reload after a refused write: {e}");
                    }
                }
                self.set_notice(e.to_string(), true);
            }
        }
    }

    /// A new group, user or rule is shown selected, so that what the user
    /// does next (add members, set a role, move the rule) is done to it.
    fn select_created(&mut self, created: Option<Created>) -> Result<()> {
        match created {
            Some(Created::Group(name)) => {
                let Some(i) = self.groups.groups.iter().position(|g| g.name == name) else { return Ok(()) };
                (self.groups.group_cursor, self.groups.focus_members) = (i, false);
            }
            Some(Created::User(name)) => {
                let Some(i) = self.users.users.iter().position(|(u, _)| u.name == name) else { return Ok(()) };
                self.users.cursor = i;
            }
            Some(Created::Rule(name)) => {
                let Some(i) = self.routing.rules.iter().rposition(|r| r.name == name) else { return Ok(()) };
                self.routing.cursor = i;
            }
            None => return Ok(()),
        }
        self.reload_pane()
    }

    pub fn actor_label(&self) -> String {
        match &self.ctx.actor {
            Actor::System => "system".into(),
            Actor::User(u) => format!("{} ({})", u.name, u.role),
        }
    }

    /// The list the cursor keys work on in this pane, with its count for
    /// the filter in force (`None` while it is being made).
    pub fn active(&self) -> Option<(&Window, Option<i64>)> {
        let stamp = self.shared.stamp();
        match self.pane {
            Pane::Leads => Some((&self.leads.window, self.leads.matching(&self.counts, stamp))),
            Pane::Kanban => {
                let column = self.board.focused()?;
                Some((&column.window, self.board.matching(self.board.focus, &self.counts, stamp)))
            }
            _ => None,
        }
    }

    /// The hints of what is on top: the drawer's, or the visible pane's.
    pub fn hints(&self) -> &'static [Action] {
        if matches!(self.modals.last(), Some(Modal::Detail(_))) {
            return &[Action::ChangeOwner, Action::ChangeStatus, Action::AddNote, Action::Back];
        }
        match self.pane {
            Pane::Leads => LeadsPane::hints(self.is_agent()),
            Pane::Kanban => Board::hints(self.is_agent()),
            Pane::Groups => self.groups.hint_bar(self.is_agent()),
            // An agent changes no user and no rule: the bar does not offer it.
            Pane::Users if self.is_agent() => &[Action::SwitchSection, Action::Help],
            Pane::Users => super::panes::users::UsersPane::hints(),
            Pane::Routing if self.is_agent() => &[Action::Down, Action::Up, Action::Help],
            Pane::Routing => RoutingPane::hints(),
            Pane::Workload => WorkloadPane::hints(),
        }
    }
}

/// Changes whenever another connection commits (SQLite's `data_version`).
fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}
