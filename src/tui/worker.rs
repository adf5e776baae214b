//! Counts off the keystroke path: a thread with its own connection counts
//! the filter's matches and the unassigned queue; the screen shows the last
//! figures until new ones arrive.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use rusqlite::Connection;

use crate::core::Store;
use crate::core::error::Result;
use crate::core::filter::Filter;
use crate::core::leads;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Leads matching the current filter.
    pub matching: Option<i64>,
    pub unassigned: Option<i64>,
    /// Unassigned leads older than the alert threshold.
    pub waiting: Option<i64>,
    /// Leads in each Kanban column.
    pub columns: Vec<i64>,
}

pub struct Request {
    filter: Filter,
    columns: Vec<Filter>,
    unassigned: Filter,
    waiting_before: i64,
}

fn count_all(conn: &Connection, req: &Request) -> Result<Counts> {
    let waiting = Filter { created_before: Some(req.waiting_before), ..req.unassigned.clone() };
    Ok(Counts {
        matching: Some(leads::count(conn, &req.filter)?),
        unassigned: Some(leads::count(conn, &req.unassigned)?),
        waiting: Some(leads::count(conn, &waiting)?),
        columns: req.columns.iter().map(|f| leads::count(conn, f)).collect::<Result<_>>()?,
    })
}

pub enum Worker {
    Thread {
        requests: Sender<Request>,
        results: Receiver<Counts>,
    },
    /// Counts on the caller's connection at once (tests, in-memory stores).
    Inline {
        ready: Option<Counts>,
    },
}

impl Worker {
    /// A counting thread on its own connection to `path`.
    pub fn spawn(path: PathBuf) -> Worker {
        let (requests, inbox) = channel::<Request>();
        let (outbox, results) = channel::<Counts>();
        std::thread::spawn(move || {
            let mut opened: Option<Store> = None;
            while let Ok(mut req) = inbox.recv() {
                // Only the newest request matters.
                while let Ok(newer) = inbox.try_recv() {
                    req = newer;
                }
                // Opened on first use and again after a failure (a file busy
                // at start-up), so counts and checkpoints are never lost for
                // the whole session.
                if opened.is_none() {
                    opened = Store::open(&path).map_err(|e| tracing::warn!("counting thread cannot open: {e}")).ok();
                }
                let Some(store) = &opened else { continue };
                match count_all(store.conn(), &req) {
                    Ok(counts) => {
                        if outbox.send(counts).is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!("counting failed: {e}"),
                }
                // Counts follow every change, this seat's or another's: fold
                // the log into the file here, off the keystroke path.
                if let Err(e) = store.checkpoint() {
                    tracing::warn!("checkpoint failed: {e}");
                }
            }
        });
        Worker::Thread { requests, results }
    }

    pub fn inline() -> Worker {
        Worker::Inline { ready: None }
    }

    pub fn request(
        &mut self,
        conn: &Connection,
        filter: Filter,
        columns: Vec<Filter>,
        unassigned: Filter,
        waiting_before: i64,
    ) {
        let req = Request { filter, columns, unassigned, waiting_before };
        match self {
            Worker::Thread { requests, .. } => {
                let _ = requests.send(req);
            }
            Worker::Inline { ready } => *ready = count_all(conn, &req).ok(),
        }
    }

    pub fn try_counts(&mut self) -> Option<Counts> {
        match self {
            Worker::Thread { results, .. } => {
                let mut latest = None;
                while let Ok(c) = results.try_recv() {
                    latest = Some(c);
                }
                latest
            }
            Worker::Inline { ready, .. } => ready.take(),
        }
    }
}
