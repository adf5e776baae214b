//! leadrota: a terminal admin console in which a sales manager triages leads
//! and decides who owns each one. `core` holds every rule of assignment and
//! all SQL; `cli` is a thin shell over it.

pub mod cli;
pub mod config;
pub mod config_edit;
pub mod core;
pub mod tui;
