use rusqlite::Transaction;
use rusqlite_migration::{HookResult, M, Migrations};

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
];

pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

pub fn all() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up_with_hook(sql, stamp)).collect())
}

/// Mark the file as ours in the same transaction that creates or migrates
/// the schema: a process killed right after the migration commits must not
/// leave tables without the application id (which the next run would refuse
/// as another program's file).
fn stamp(tx: &Transaction) -> HookResult {
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::all().validate().is_ok());
    }
}
