//! Every user intent the console knows, named so keymaps are plain TOML.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    ShowKanban,
    ShowLeads,
    ShowGroups,
    ShowRouting,
    NextPane,
    PrevPane,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    ToggleSelect,
    SelectAll,
    Back,
    Assign,
    Reassign,
    Unassign,
    Rotate,
    Undo,
    Pickup,
    Search,
    FilterPanel,
    ToggleUnassigned,
    CycleSort,
    Open,
    ChangeOwner,
    ChangeStatus,
    AddNote,
    Left,
    Right,
    MovePrev,
    MoveNext,
}

impl Action {
    pub const ALL: [Action; 35] = [
        Action::Quit,
        Action::Help,
        Action::ShowKanban,
        Action::ShowLeads,
        Action::ShowGroups,
        Action::ShowRouting,
        Action::NextPane,
        Action::PrevPane,
        Action::Down,
        Action::Up,
        Action::PageDown,
        Action::PageUp,
        Action::Top,
        Action::Bottom,
        Action::ToggleSelect,
        Action::SelectAll,
        Action::Back,
        Action::Assign,
        Action::Reassign,
        Action::Unassign,
        Action::Rotate,
        Action::Undo,
        Action::Pickup,
        Action::Search,
        Action::FilterPanel,
        Action::ToggleUnassigned,
        Action::CycleSort,
        Action::Open,
        Action::ChangeOwner,
        Action::ChangeStatus,
        Action::AddNote,
        Action::Left,
        Action::Right,
        Action::MovePrev,
        Action::MoveNext,
    ];

    /// The name used in keymap files and the config's `[keys]`.
    pub fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }
}
