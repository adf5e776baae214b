//! The pass over the activity log, in id order: each lead's owner history
//! (where it ends, and that each change starts where the previous ended),
//! the deliveries each owner change explains or should have made, reclaims,
//! and the log's references.

use std::collections::HashMap;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::ids::{IdMap, Ids, Ref};
use super::scan::{Delivery, Orphans};
use crate::core::error::Result;

const OWNER_KINDS: [&[u8]; 3] = [b"assigned", b"reassigned", b"unassigned"];

/// The activity pass: what it keeps per lead and what it found.
#[derive(Clone, Copy)]
pub(super) struct LeadLog {
    /// Where its last owner change left it, if it had one.
    pub(super) last: Option<Ref>,
    /// Its first delivery (`NONE`: none); `Log::next` chains the others.
    first: u32,
}

pub(super) struct Log<'d> {
    deliveries: &'d [Delivery],
    /// Per lead slot: all the pass keeps of a lead in one place, so a row
    /// of the log costs one cache miss, not one per array.
    pub(super) leads: Vec<LeadLog>,
    /// The first delivery of leads that are gone (orphans, reported apart).
    first_gone: IdMap<i64, u32>,
    /// The next delivery of the same lead.
    next: Vec<u32>,
    /// Per delivery: an activity row gave that lead to that user in that batch.
    pub(super) explained: Vec<bool>,
    /// The same for activity of leads that are gone (orphans, reported apart).
    gone: IdMap<i64, Option<Ref>>,
    /// (lead, activity id) of owner changes that do not start where the previous one ended.
    pub(super) gaps: Vec<(i64, i64)>,
    /// (batch, lead) of group hand-outs without their delivery.
    pub(super) missing: Vec<(i64, Ref)>,
    /// Per lead: reclaims, and the most its groups allow.
    pub(super) reclaims: IdMap<i64, (i64, i64)>,
}

impl<'d> Log<'d> {
    pub(super) fn new(deliveries: &'d [Delivery], leads: &Ids) -> Log<'d> {
        let mut per_lead = vec![LeadLog { last: None, first: NONE }; leads.slots()];
        let mut first_gone: IdMap<i64, u32> = IdMap::default();
        let mut next = vec![NONE; deliveries.len()];
        for (i, d) in deliveries.iter().enumerate() {
            let head = match leads.slot(d.lead) {
                Some(slot) => &mut per_lead[slot].first,
                None => first_gone.entry(d.lead).or_insert(NONE),
            };
            next[i] = *head;
            *head = i as u32;
        }
        Log {
            deliveries,
            leads: per_lead,
            first_gone,
            next,
            explained: vec![false; deliveries.len()],
            gone: IdMap::default(),
            gaps: Vec::new(),
            missing: Vec::new(),
            reclaims: IdMap::default(),
        }
    }

    /// The first delivery of `lead` (`NONE`: none); `next` chains the others.
    fn head(&self, leads: &Ids, lead: i64) -> u32 {
        match leads.slot(lead) {
            Some(slot) => self.leads[slot].first,
            None => self.first_gone.get(&lead).copied().unwrap_or(NONE),
        }
    }

    pub(super) fn pass(
        &mut self,
        conn: &Connection,
        own: bool,
        orphans: &mut Orphans,
        [users, leads, groups, batches, stages]: [&Ids; 5],
        undone_batch: &dyn Fn(Ref) -> Option<bool>,
        reclaim_max: &[i64],
    ) -> Result<()> {
        // The group a `group:<id>` hand-out names, by SQLite's own CAST, once per distinct `via`.
        let mut group_of: HashMap<Vec<u8>, Option<usize>> = HashMap::new();
        let mut cast = conn.prepare("SELECT CAST(substr(?1, 7) AS INTEGER)")?;
        let mut stmt = conn.prepare(
            "SELECT id, lead_id, kind, from_owner_id, to_owner_id, batch_id, via, actor_id, from_stage_id, \
             to_stage_id FROM activity",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let lead = Ref::of(row.get_ref(1)?);
            let kind = text(row.get_ref(2)?);
            let (from, to, batch) = (Ref::of(row.get_ref(3)?), Ref::of(row.get_ref(4)?), Ref::of(row.get_ref(5)?));
            let via = text(row.get_ref(6)?);
            if own {
                orphans.check("activity", "leads", Some(id), lead, leads);
                orphans.check("activity", "users", Some(id), Ref::of(row.get_ref(7)?), users);
                orphans.check("activity", "users", Some(id), from, users);
                orphans.check("activity", "users", Some(id), to, users);
                orphans.check("activity", "stages", Some(id), Ref::of(row.get_ref(8)?), stages);
                orphans.check("activity", "stages", Some(id), Ref::of(row.get_ref(9)?), stages);
                orphans.check("activity", "batches", Some(id), batch, batches);
            }
            let owner_change = OWNER_KINDS.contains(&kind);
            if owner_change && let Ref::Id(l) = lead {
                let last = match leads.slot(l) {
                    Some(slot) => &mut self.leads[slot].last,
                    None => self.gone.entry(l).or_insert(None),
                };
                if from.is_not(last.unwrap_or(Ref::Null)) {
                    self.gaps.push((l, id));
                }
                *last = Some(to);
            }
            let (Ref::Id(l), Ref::Id(b)) = (lead, batch) else {
                if owner_change && to != Ref::Null && is_group(via) && undone_batch(batch) == Some(false) {
                    // A hand-out of no lead has no delivery.
                    if self.group_named(&mut group_of, &mut cast, via, groups)?.is_some() {
                        self.missing.push((batch.id().unwrap_or_default(), lead));
                    }
                }
                continue;
            };
            // Most rows (creations, status changes) give no lead to anyone: no look-up.
            let delivered = owner_change || to != Ref::Null;
            let head = if delivered { self.head(leads, l) } else { NONE };
            if let Ref::Id(u) = to {
                for d in chain(&self.next, self.deliveries, head, b) {
                    self.explained[d] |= self.deliveries[d].user == u;
                }
            }
            if owner_change
                && to != Ref::Null
                && is_group(via)
                && undone_batch(batch) == Some(false)
                && self.group_named(&mut group_of, &mut cast, via, groups)?.is_some()
                && chain(&self.next, self.deliveries, head, b).next().is_none()
            {
                self.missing.push((b, lead));
            }
            if owner_change && via == b"reclaim" && kind != b"unassigned" {
                for d in chain(&self.next, self.deliveries, head, b) {
                    if let Some(slot) = groups.slot(self.deliveries[d].group) {
                        let entry = self.reclaims.entry(l).or_insert((0, i64::MIN));
                        entry.0 += 1;
                        entry.1 = entry.1.max(reclaim_max[slot]);
                    }
                }
            }
        }
        Ok(())
    }

    fn group_named(
        &self,
        cache: &mut HashMap<Vec<u8>, Option<usize>>,
        cast: &mut rusqlite::Statement<'_>,
        via: &[u8],
        groups: &Ids,
    ) -> Result<Option<usize>> {
        if let Some(found) = cache.get(via) {
            return Ok(*found);
        }
        let id: Option<i64> = cast.query_row([String::from_utf8_lossy(via)], |r| r.get(0))?;
        let found = id.and_then(|id| groups.slot(id));
        cache.insert(via.to_vec(), found);
        Ok(found)
    }
}

/// End of a chain of deliveries.
const NONE: u32 = u32::MAX;

/// The deliveries of one lead (from `head`) made in `batch`.
fn chain<'a>(next: &'a [u32], deliveries: &'a [Delivery], head: u32, batch: i64) -> impl Iterator<Item = usize> + 'a {
    // `successors` asks for the link after the last one too: `NONE` has none.
    std::iter::successors(Some(head), |i| next.get(*i as usize).copied())
        .take_while(|i| *i != NONE)
        .map(|i| i as usize)
        .filter(move |d| deliveries[*d].batch == batch)
}

/// `via LIKE 'group:%'` (LIKE ignores ASCII case).
fn is_group(via: &[u8]) -> bool {
    via.len() >= 6 && via[..6].eq_ignore_ascii_case(b"group:")
}

fn text(value: ValueRef<'_>) -> &[u8] {
    match value {
        ValueRef::Text(t) => t,
        _ => b"",
    }
}
