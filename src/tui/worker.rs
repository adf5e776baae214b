//! Queries off the keystroke path (T7): a thread with its own connection
//! reads the first pages of a new filter or sort (the screen says "searching…" and
//! typing goes on) and counts its matches and the unassigned queue. Every
//! reply carries the [`Stamp`] it was made for; only the newest job is
//! worked on, and a newer filter interrupts a query still running for an
//! older one.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, InterruptHandle};

use super::shared::Stamp;
use super::window::{Reread, reread};
use crate::core::error::{Error, Result};
use crate::core::filter::Filter;
use crate::core::leads;
use crate::core::model::Lead;
use crate::core::page::{self, Direction, Sort};
use crate::core::report::{self, Chart};
use crate::core::{Ctx, Store};

/// Counts for one stamp; read them through [`Counts::matching_at`] and
/// [`Counts::column_at`], which refuse a stale figure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub stamp: Stamp,
    /// Leads matching the shared filter.
    matching: Option<i64>,
    /// Leads in each Kanban column under the shared filter.
    columns: Vec<i64>,
    /// Unassigned leads, and those older than the alert threshold: they do
    /// not depend on the filter, so the last figures stay up.
    pub unassigned: Option<i64>,
    pub waiting: Option<i64>,
}

impl Counts {
    /// Figures for `stamp` as the worker would send them: the filter's
    /// matches and each board column's. Snapshot tests draw a million-lead
    /// office with these without writing a million leads.
    pub fn of(stamp: Stamp, matching: i64, columns: Vec<i64>) -> Counts {
        Counts { stamp, matching: Some(matching), columns, ..Counts::default() }
    }

    /// Newer figures; column counts of the same stamp are kept when these
    /// come without them.
    pub fn update(&mut self, newer: Counts) {
        let columns = if newer.columns.is_empty() && newer.stamp == self.stamp {
            std::mem::take(&mut self.columns)
        } else {
            newer.columns
        };
        *self = Counts { columns, ..newer };
    }

    pub fn matching_at(&self, stamp: Stamp) -> Option<i64> {
        self.matching.filter(|_| self.stamp == stamp)
    }

    pub fn column_at(&self, column: usize, stamp: Stamp) -> Option<i64> {
        self.columns.get(column).copied().filter(|_| self.stamp == stamp)
    }
}

/// What a job asks for. Pages are read only for the list in view (the other
/// pane asks when it is shown), and pages come before counts.
#[derive(Debug, Clone)]
pub struct Job {
    pub stamp: Stamp,
    pub filter: Filter,
    pub sort: Sort,
    /// One filter per Kanban column.
    pub columns: Vec<Filter>,
    /// First rows of the table, for a new filter or sort.
    pub leads_page: Option<usize>,
    /// First cards of each column.
    pub cards_page: Option<usize>,
    /// After a write: the rows in view read again from where they start
    /// (T6), so that a slow filter never holds the screen.
    pub reread: Option<Rereading>,
    /// Count the filter's matches and the unassigned queue...
    pub count: bool,
    /// ...and each column's cards.
    pub count_columns: bool,
    pub unassigned: Filter,
    /// The triage queue (V1), whose count is the status bar's "waiting".
    pub waiting: Filter,
    /// The Workload pane is showing: read its figures too, as this user at this clock (T9).
    pub workload: Option<Ctx>,
}

impl Job {
    /// Take over what an older job still owes: pages of the same filter,
    /// counts of the same stamp.
    fn absorb(&mut self, older: Job) {
        if older.stamp.filter == self.stamp.filter {
            self.leads_page = self.leads_page.or(older.leads_page);
            self.reread = self.reread.take().or(older.reread);
            self.cards_page = self.cards_page.or(older.cards_page);
        }
        if older.stamp == self.stamp {
            self.count |= older.count;
            self.count_columns |= older.count_columns;
        }
        self.workload = self.workload.take().or(older.workload);
    }

    fn reads_pages(&self) -> bool {
        self.leads_page.is_some() || self.cards_page.is_some()
    }
}

/// The Workload pane's figures for one stamp.
#[derive(Debug, Clone)]
pub struct Workload {
    pub stamp: Stamp,
    pub chart: Chart,
}

/// How many office days the Workload pane's sparkline spans.
pub const INTAKE_DAYS: u32 = 30;

/// Which rows to read again after a write: from each list's first row on.
#[derive(Debug, Clone)]
pub enum Rereading {
    Leads(Option<Box<Lead>>, usize),
    /// One first row per Kanban column.
    Columns(Vec<Option<Lead>>, usize),
}

pub enum Reply {
    Leads { stamp: Stamp, rows: Vec<Lead> },
    Reread { stamp: Stamp, again: Reread },
    RereadColumns { stamp: Stamp, again: Vec<Reread> },
    Columns { stamp: Stamp, columns: Vec<Vec<Lead>> },
    Counts(Counts),
    Workload(Box<Workload>),
}

fn first_page(conn: &Connection, filter: &Filter, sort: Sort, n: usize) -> Result<Vec<Lead>> {
    Ok(page::page(conn, filter, sort, None, Direction::Forward, n)?.0)
}

/// Work one job, sending each part as soon as it is read: pages, then counts.
fn work(conn: &Connection, job: &Job, send: &mut dyn FnMut(Reply) -> bool) -> Result<()> {
    if let Some(n) = job.leads_page
        && !send(Reply::Leads { stamp: job.stamp, rows: first_page(conn, &job.filter, job.sort, n)? })
    {
        return Ok(());
    }
    let reply = match &job.reread {
        Some(Rereading::Leads(first, n)) if job.leads_page.is_none() => {
            Some(Reply::Reread { stamp: job.stamp, again: reread(conn, &job.filter, job.sort, first.as_deref(), *n)? })
        }
        Some(Rereading::Columns(firsts, n)) if job.cards_page.is_none() => {
            let again = job
                .columns
                .iter()
                .zip(firsts)
                .map(|(filter, first)| reread(conn, filter, job.sort, first.as_ref(), *n))
                .collect::<Result<_>>()?;
            Some(Reply::RereadColumns { stamp: job.stamp, again })
        }
        _ => None,
    };
    if let Some(reply) = reply
        && !send(reply)
    {
        return Ok(());
    }
    if let Some(n) = job.cards_page {
        let columns = job.columns.iter().map(|f| first_page(conn, f, job.sort, n)).collect::<Result<_>>()?;
        if !send(Reply::Columns { stamp: job.stamp, columns }) {
            return Ok(());
        }
    }
    if job.count {
        let columns = if job.count_columns {
            job.columns.iter().map(|f| leads::count(conn, f)).collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        let counts = Counts {
            stamp: job.stamp,
            matching: Some(leads::count(conn, &job.filter)?),
            columns,
            unassigned: Some(leads::count(conn, &job.unassigned)?),
            waiting: Some(leads::count(conn, &job.waiting)?),
        };
        if !send(Reply::Counts(counts)) {
            return Ok(());
        }
    }
    if let Some(ctx) = &job.workload {
        let chart = report::chart(conn, ctx, &job.filter, INTAKE_DAYS)?;
        send(Reply::Workload(Box::new(Workload { stamp: job.stamp, chart })));
    }
    Ok(())
}

/// The filter generation being worked on, and how to stop it.
#[derive(Default)]
pub struct Running {
    generation: AtomicU64,
    interrupt: Mutex<Option<InterruptHandle>>,
    /// The console is gone: a job not yet begun is not begun.
    closed: AtomicBool,
}

pub enum Worker {
    Thread {
        jobs: Sender<Job>,
        replies: Receiver<Reply>,
        running: Arc<Running>,
    },
    /// Works each job at once on the caller's connection (tests, in-memory stores).
    Inline {
        ready: Vec<Reply>,
    },
}

impl Worker {
    /// A thread on its own connection to `path`.
    pub fn spawn(path: PathBuf) -> Worker {
        let (jobs, inbox) = channel::<Job>();
        let (outbox, replies) = channel::<Reply>();
        let running = Arc::new(Running::default());
        let shared = Arc::clone(&running);
        std::thread::spawn(move || {
            let mut opened: Option<Store> = None;
            let mut released = 0;
            while let Ok(mut job) = inbox.recv() {
                // Only the newest job matters, but a page read asked for by
                // an older job of the same filter is still owed.
                while let Ok(mut newer) = inbox.try_recv() {
                    newer.absorb(job);
                    job = newer;
                }
                if shared.closed.load(Ordering::SeqCst) {
                    break;
                }
                // Opened on first use and again after a failure (a file busy
                // at start-up), so counts and checkpoints are never lost for
                // the whole session.
                if opened.is_none() {
                    opened = Store::open(&path).map_err(|e| tracing::warn!("worker cannot open: {e}")).ok();
                    if let (Some(store), Ok(mut slot)) = (&opened, shared.interrupt.lock()) {
                        *slot = Some(store.conn().get_interrupt_handle());
                    }
                    // Closed while opening: the handle came too late for the interrupt.
                    if shared.closed.load(Ordering::SeqCst) {
                        break;
                    }
                }
                let Some(store) = &opened else { continue };
                shared.generation.store(job.stamp.filter, Ordering::SeqCst);
                let mut send = |reply| outbox.send(reply).is_ok();
                match work(store.conn(), &job, &mut send) {
                    // A newer key stopped it: routine, not a database problem.
                    Err(Error::Sql(e)) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) => {
                        tracing::debug!("worker job for generation {} stopped by a newer one", job.stamp.filter);
                    }
                    Err(e) => tracing::warn!("worker job for generation {} failed: {e}", job.stamp.filter),
                    Ok(()) => {}
                }
                // Counts follow every change, this seat's or another's: fold
                // the log into the file here, off the keystroke path, and
                // after a write give back the memory the reads used (not
                // after each search: trimming the heap holds the allocator).
                if let Err(e) = store.checkpoint() {
                    tracing::warn!("checkpoint failed: {e}");
                }
                if job.stamp.data != released {
                    super::memory::release(store.conn());
                    released = job.stamp.data;
                }
            }
        });
        Worker::Thread { jobs, replies, running }
    }

    pub fn inline() -> Worker {
        Worker::Inline { ready: Vec::new() }
    }

    pub fn request(&mut self, conn: &Connection, job: Job) {
        match self {
            Worker::Thread { jobs, running, .. } => {
                // A query still running for an older filter is of no use now.
                if job.reads_pages()
                    && running.generation.load(Ordering::SeqCst) < job.stamp.filter
                    && let Ok(slot) = running.interrupt.lock()
                    && let Some(handle) = slot.as_ref()
                {
                    handle.interrupt();
                }
                let _ = jobs.send(job);
            }
            Worker::Inline { ready } => {
                let mut send = |reply| {
                    ready.push(reply);
                    true
                };
                if let Err(e) = work(conn, &job, &mut send) {
                    tracing::warn!("inline job failed: {e}");
                }
            }
        }
    }

    /// Replies that arrived since the last call, oldest first.
    pub fn replies(&mut self) -> Vec<Reply> {
        match self {
            Worker::Thread { replies, .. } => replies.try_iter().collect(),
            Worker::Inline { ready } => std::mem::take(ready),
        }
    }
}

impl Drop for Worker {
    /// A console that closes stops its worker's query at once: the thread
    /// would otherwise finish counting a large file (seconds on ten million
    /// leads) on a core the next console, or the shell, is waiting for.
    fn drop(&mut self) {
        if let Worker::Thread { running, .. } = self {
            running.closed.store(true, Ordering::SeqCst);
            if let Ok(slot) = running.interrupt.lock()
                && let Some(handle) = slot.as_ref()
            {
                handle.interrupt();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(filter: u64, data: u64) -> Job {
        Job {
            stamp: Stamp { filter, data },
            filter: Filter::default(),
            sort: Sort::default(),
            columns: Vec::new(),
            leads_page: None,
            cards_page: None,
            reread: None,
            count: false,
            count_columns: false,
            unassigned: Filter::default(),
            waiting: Filter::default(),
            workload: None,
        }
    }

    #[test]
    fn a_newer_job_keeps_what_an_older_one_of_its_filter_still_owes() {
        // Pages asked for a filter are still owed after a write's recount.
        let mut newer = Job { count: true, ..job(3, 2) };
        newer.absorb(Job { leads_page: Some(40), ..job(3, 1) });
        assert_eq!((newer.leads_page, newer.count), (Some(40), true));
        // A pages-only job (a pane shown) still counts what its stamp owes.
        let mut shown = Job { cards_page: Some(8), ..job(3, 2) };
        shown.absorb(Job { count: true, count_columns: true, ..job(3, 2) });
        assert!(shown.count && shown.count_columns);
        // Nothing of another filter is worth reading.
        let mut next = job(4, 2);
        next.absorb(Job { leads_page: Some(40), count: true, ..job(3, 2) });
        assert_eq!((next.leads_page, next.count), (None, false));
        // The Workload pane's figures are owed whatever the filter: they are read for the newest.
        let mut later = job(5, 2);
        later.absorb(Job { workload: Some(crate::core::Ctx::new(chrono_tz::Tz::UTC)), ..job(4, 2) });
        assert!(later.workload.is_some());
    }

    #[test]
    fn counts_refuse_a_figure_of_another_stamp_and_keep_the_columns_of_their_own() {
        let stamp = Stamp { filter: 2, data: 5 };
        let mut counts = Counts { stamp, matching: Some(10), columns: vec![4, 6], ..Counts::default() };
        assert_eq!(counts.matching_at(stamp), Some(10));
        assert_eq!(counts.matching_at(Stamp { filter: 3, data: 5 }), None, "a new filter: …");
        assert_eq!(counts.column_at(1, Stamp { filter: 2, data: 6 }), None, "a write since: …");
        counts.update(Counts { stamp, matching: Some(10), unassigned: Some(1), ..Counts::default() });
        assert_eq!(counts.column_at(0, stamp), Some(4), "the same stamp keeps its column counts");
    }
}
