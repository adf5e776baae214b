use rusqlite::Transaction;
use rusqlite_migration::{HookError, HookResult, M, Migrations};

use super::APPLICATION_ID;

/// Versioned schema changes; never edit one that has shipped, add a new one.
const STEPS: &[&str] = &[
    include_str!("../../../assets/migrations/001_init.sql"),
    include_str!("../../../assets/migrations/002_unassigned_by_stage.sql"),
    include_str!("../../../assets/migrations/003_open_leads_by_owner.sql"),
    include_str!("../../../assets/migrations/004_search_index.sql"),
    include_str!("../../../assets/migrations/005_limit_history.sql"),
    include_str!("../../../assets/migrations/006_beyond_round_robin.sql"),
    include_str!("../../../assets/migrations/007_lean_activity.sql"),
    include_str!("../../../assets/migrations/008_short_search.sql"),
    include_str!("../../../assets/migrations/009_search_index_in_bulk.sql"),
];

/// The step that lists the search pieces: it collects those of the leads
/// already there (about a second on the 1,000,000-lead demo, once).
const SEARCH_PIECES_STEP: usize = 8;

pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

pub fn all() -> Migrations<'static> {
    Migrations::new(
        STEPS
            .iter()
            .enumerate()
            .map(|(i, sql)| {
                if i + 1 == SEARCH_PIECES_STEP {
                    M::up_with_hook(sql, stamp_and_collect_pieces)
                } else {
                    M::up_with_hook(sql, stamp)
                }
            })
            .collect(),
    )
}

/// Mark the file as ours in the same transaction that creates or migrates
/// the schema: a process killed right after the migration commits must not
/// leave tables without the application id (which the next run would refuse
/// as another program's file).
fn stamp(tx: &Transaction) -> HookResult {
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    Ok(())
}

fn stamp_and_collect_pieces(tx: &Transaction) -> HookResult {
    stamp(tx)?;
    crate::core::search::pieces::collect(tx).map_err(|e| HookError::Hook(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::all().validate().is_ok());
    }
}
