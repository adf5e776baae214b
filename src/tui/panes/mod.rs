//! The panes, each a component that owns its state, its keys
//! (`on_action`), its drawing (`draw(&self)`) and its hints.

pub mod groups;
pub mod import;
pub mod kanban;
pub mod leads;
pub mod list;
pub mod preview;
pub mod routing;
pub mod users;
pub mod workload;

/// A fresh seed for a random plan: the preview and the run that follows it
/// draw with it, so what was previewed is what happens (A14).
pub fn fresh_seed() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    (nanos as u64) ^ ((nanos >> 64) as u64)
}
