//! The visible window over a filtered, sorted lead list. Only the rows on
//! screen are ever loaded; moving asks the store for the next few rows by
//! keyset, so a million leads cost what a hundred do.

use std::collections::BTreeSet;

use rusqlite::Connection;

use crate::core::assign::Selection;
use crate::core::error::Result;
use crate::core::filter::Filter;
use crate::core::model::Lead;
use crate::core::page::{self, Direction, Sort};

/// Which leads are picked for a bulk action (V3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    Ids(BTreeSet<i64>),
    /// Every lead matching the filter, all pages, minus some unticked by hand.
    AllMatching {
        except: BTreeSet<i64>,
    },
}

impl Default for Picked {
    fn default() -> Self {
        Picked::Ids(BTreeSet::new())
    }
}

impl Picked {
    pub fn contains(&self, id: i64) -> bool {
        match self {
            Picked::Ids(ids) => ids.contains(&id),
            Picked::AllMatching { except } => !except.contains(&id),
        }
    }

    pub fn toggle(&mut self, id: i64) {
        let set = match self {
            Picked::Ids(ids) => ids,
            Picked::AllMatching { except } => except,
        };
        if !set.remove(&id) {
            set.insert(id);
        }
    }

    /// How many are picked, given how many match the filter.
    pub fn count(&self, matching: i64) -> i64 {
        match self {
            Picked::Ids(ids) => ids.len() as i64,
            Picked::AllMatching { except } => (matching - except.len() as i64).max(0),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Picked::Ids(ids) if ids.is_empty())
    }

    /// The core selection this stands for under `filter`.
    pub fn selection(&self, filter: &Filter) -> Selection {
        match self {
            Picked::Ids(ids) => Selection::Ids(ids.iter().copied().collect()),
            Picked::AllMatching { except } => {
                Selection::Filter(Filter { exclude_ids: except.iter().copied().collect(), ..filter.clone() })
            }
        }
    }
}

/// A window's rows read again after a change: from its first row on, topped
/// up from above when fewer remain; from the top when none do.
#[derive(Debug, Clone, Default)]
pub struct Reread {
    pub rows: Vec<Lead>,
    /// Rows taken from above the old first row.
    pub before: usize,
    /// Nothing remained from the first row on: these are the list's top rows.
    pub from_top: bool,
}

pub fn reread(conn: &Connection, filter: &Filter, sort: Sort, first: Option<&Lead>, height: usize) -> Result<Reread> {
    let mut rows = Vec::new();
    let anchor = first.map(|lead| page::cursor_at(conn, sort, lead)).transpose()?;
    if let Some(anchor) = &anchor {
        rows = page::page_from(conn, filter, sort, anchor, height)?;
    }
    let Some(anchor) = anchor.filter(|_| !rows.is_empty()) else {
        let (top, _) = page::page(conn, filter, sort, None, Direction::Forward, height)?;
        return Ok(Reread { rows: top, before: 0, from_top: true });
    };
    let mut before = 0;
    if rows.len() < height {
        let (above, _) = page::page(conn, filter, sort, Some(&anchor), Direction::Backward, height - rows.len())?;
        before = above.len();
        rows.splice(0..0, above);
    }
    Ok(Reread { rows, before, from_top: false })
}

#[derive(Debug, Clone, Default)]
pub struct Window {
    pub filter: Filter,
    pub sort: Sort,
    pub rows: Vec<Lead>,
    /// Index of the highlighted row within `rows`.
    pub cursor: usize,
    /// Position of `rows[0]` in the whole list (for "row N of M").
    pub offset: i64,
    /// Rows that fit on screen.
    pub height: usize,
    pub picked: Picked,
    /// The filter generation (T8) these rows and this selection belong to.
    pub generation: u64,
}

impl Window {
    pub fn new(filter: Filter, height: usize) -> Window {
        Window { filter, height: height.max(1), ..Window::default() }
    }

    /// A window that has no rows for any filter yet: it waits for its first page.
    pub fn unloaded(height: usize) -> Window {
        Window { height: height.max(1), generation: u64::MAX, ..Window::default() }
    }

    /// The first page of a new filter or sort, read by the worker: the
    /// selection of the old one goes with it.
    pub fn install(&mut self, filter: Filter, sort: Sort, rows: Vec<Lead>, generation: u64) {
        self.filter = filter;
        self.sort = sort;
        self.rows = rows;
        self.rows.truncate(self.height);
        self.cursor = 0;
        self.offset = 0;
        self.picked = Picked::default();
        self.generation = generation;
    }

    pub fn current(&self) -> Option<&Lead> {
        self.rows.get(self.cursor)
    }

    /// Load from the top of the list.
    pub fn load_top(&mut self, conn: &Connection) -> Result<()> {
        let (rows, _) = page::page(conn, &self.filter, self.sort, None, Direction::Forward, self.height)?;
        self.rows = rows;
        self.cursor = 0;
        self.offset = 0;
        Ok(())
    }

    /// Reload the same place (after a change elsewhere), keeping the cursor row if it still matches.
    pub fn refresh(&mut self, conn: &Connection) -> Result<()> {
        let again = reread(conn, &self.filter, self.sort, self.rows.first(), self.height)?;
        self.take_reread(again);
        Ok(())
    }

    /// What the rows from the first one on look like now (see [`reread`]),
    /// keeping the highlighted lead where it still is.
    pub fn take_reread(&mut self, again: Reread) {
        if again.rows.is_empty() {
            self.rows.clear();
            self.cursor = 0;
            self.offset = 0;
            return;
        }
        let keep = self.current().map(|l| l.id);
        self.offset = if again.from_top { 0 } else { (self.offset - again.before as i64).max(0) };
        self.cursor = keep
            .and_then(|id| again.rows.iter().position(|l| l.id == id))
            .unwrap_or(self.cursor.min(again.rows.len() - 1));
        self.rows = again.rows;
    }

    fn after_last(&self, conn: &Connection, n: usize) -> Result<Vec<Lead>> {
        let Some(last) = self.rows.last() else { return Ok(Vec::new()) };
        let cursor = page::cursor_at(conn, self.sort, last)?;
        Ok(page::page(conn, &self.filter, self.sort, Some(&cursor), Direction::Forward, n)?.0)
    }

    fn before_first(&self, conn: &Connection, n: usize) -> Result<Vec<Lead>> {
        let Some(first) = self.rows.first() else { return Ok(Vec::new()) };
        let cursor = page::cursor_at(conn, self.sort, first)?;
        Ok(page::page(conn, &self.filter, self.sort, Some(&cursor), Direction::Backward, n)?.0)
    }

    pub fn down(&mut self, conn: &Connection) -> Result<()> {
        if self.cursor + 1 < self.rows.len() {
            self.cursor += 1;
        } else if let Some(next) = self.after_last(conn, 1)?.pop() {
            if self.rows.len() >= self.height {
                self.rows.remove(0);
                self.offset += 1;
            }
            self.rows.push(next);
            self.cursor = self.rows.len() - 1;
        }
        Ok(())
    }

    pub fn up(&mut self, conn: &Connection) -> Result<()> {
        if self.cursor > 0 {
            self.cursor -= 1;
        } else if let Some(prev) = self.before_first(conn, 1)?.pop() {
            self.rows.insert(0, prev);
            self.rows.truncate(self.height);
            self.offset = (self.offset - 1).max(0);
        }
        Ok(())
    }

    pub fn page_down(&mut self, conn: &Connection) -> Result<()> {
        let more = self.after_last(conn, self.height)?;
        if more.is_empty() {
            self.cursor = self.rows.len().saturating_sub(1);
            return Ok(());
        }
        self.rows.extend(more);
        let drop = self.rows.len().saturating_sub(self.height);
        self.rows.drain(..drop);
        self.offset += drop as i64;
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
        Ok(())
    }

    pub fn page_up(&mut self, conn: &Connection) -> Result<()> {
        let before = self.before_first(conn, self.height)?;
        if before.is_empty() {
            self.cursor = 0;
            return Ok(());
        }
        self.offset = (self.offset - before.len() as i64).max(0);
        self.rows.splice(0..0, before);
        self.rows.truncate(self.height);
        Ok(())
    }

    /// Jump to the last rows; `matching` (if known) keeps "row N of M" right.
    pub fn bottom(&mut self, conn: &Connection, matching: Option<i64>) -> Result<()> {
        let (rows, _) = page::page(conn, &self.filter, self.sort, None, Direction::Backward, self.height)?;
        self.cursor = rows.len().saturating_sub(1);
        self.offset = matching.map_or(0, |m| (m - rows.len() as i64).max(0));
        self.rows = rows;
        Ok(())
    }

    /// The terminal changed size: keep the top row, fill or trim below.
    pub fn resize(&mut self, conn: &Connection, height: usize) -> Result<()> {
        let height = height.max(1);
        if height == self.height {
            return Ok(());
        }
        self.height = height;
        if self.rows.len() > height {
            let excess = self.rows.len() - height;
            let drop_front = excess.min(self.cursor.saturating_sub(height - 1));
            self.rows.drain(..drop_front);
            self.offset += drop_front as i64;
            self.cursor -= drop_front;
            self.rows.truncate(height);
        } else if self.rows.len() < height {
            let more = self.after_last(conn, height - self.rows.len())?;
            self.rows.extend(more);
        }
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picking_all_then_unticking_counts_down_from_the_match_count() {
        let mut p = Picked::AllMatching { except: BTreeSet::new() };
        p.toggle(5);
        assert_eq!(p.count(312), 311);
        assert!(!p.contains(5) && p.contains(6));
        p.toggle(5);
        assert_eq!(p.count(312), 312);
    }

    #[test]
    fn a_window_whose_rows_all_left_the_filter_starts_again_from_the_top() {
        use crate::core::filter::OwnerFilter;
        use crate::core::model::{NewLead, Role};
        use crate::core::{Ctx, Store, assign, distribute, users};
        let mut store = Store::open_in_memory().unwrap();
        let ctx = Ctx::new(chrono_tz::Tz::UTC);
        let tom = users::NewUser { name: "Tom".into(), email: String::new(), role: Role::Agent, can_pickup: false };
        users::add(&mut store, &ctx, &tom).unwrap();
        distribute::set_auto_assign(&mut store, &ctx, false).unwrap();
        let ids: Vec<i64> = (0..10)
            .map(|i| {
                let new = NewLead { name: format!("Lead {i}"), created_at: Some(i * 60), ..NewLead::default() };
                distribute::create_lead(&mut store, &ctx, &new).unwrap().0.id
            })
            .collect();
        let mut w = Window::new(Filter { owner: OwnerFilter::Unassigned, ..Filter::default() }, 4);
        w.load_top(store.conn()).unwrap();
        w.page_down(store.conn()).unwrap();
        w.page_down(store.conn()).unwrap();
        assert_eq!((w.offset, w.rows.len()), (6, 4));
        // Another seat takes the last four: nothing is left from the first row on.
        assign::assign(&mut store, &ctx, &Selection::Ids(ids[6..].to_vec()), "Tom").unwrap();
        w.refresh(store.conn()).unwrap();
        let names: Vec<&str> = w.rows.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Lead 0", "Lead 1", "Lead 2", "Lead 3"]);
        assert_eq!((w.offset, w.cursor), (0, 0), "\"row N of M\" counts from the top again");
    }
}
