//! Every user intent the console knows, named so keymaps are plain TOML.

use serde::{Deserialize, Serialize};
pub use strum::{EnumCount, IntoEnumIterator};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Deserialize,
    Serialize,
    strum::EnumIter,
    strum::EnumCount,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    ShowKanban,
    ShowLeads,
    ShowGroups,
    ShowRouting,
    ShowWorkload,
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
    ReverseSort,
    TriageQueue,
    Open,
    ChangeOwner,
    ChangeStatus,
    AddNote,
    Left,
    Right,
    MovePrev,
    MoveNext,
    SwitchSection,
    NewItem,
    Rename,
    Delete,
    CycleMethod,
    SetDaily,
    SetMonthly,
    SetPickupStatuses,
    AddMember,
    RemoveMember,
    MoveItemUp,
    MoveItemDown,
    MemberLimits,
    SetWeight,
    SetOpenCap,
    MemberOpenCap,
    SetReclaim,
    EditHours,
    SetAway,
    CycleRole,
    ToggleLeave,
    ToggleCanPickup,
    Deactivate,
    Activate,
    ToggleAutoAssign,
    ToggleDuplicates,
    EditItem,
    Preview,
    Confirm,
    Cancel,
    Import,
}

impl Action {
    /// The name used in keymap files and the config's `[keys]`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The action a keymap name stands for.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::iter().find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Entry {
        action: Action,
    }

    #[test]
    fn every_action_has_a_distinct_name_that_a_keymap_file_reads_back() {
        let mut names = std::collections::BTreeSet::new();
        for action in Action::iter() {
            let name = action.name();
            assert!(names.insert(name), "two actions are named {name}");
            let read: Entry = toml::from_str(&format!("action = \"{name}\"")).expect("the name parses");
            assert_eq!(read.action, action, "{name} reads back as another action");
            assert_eq!(Action::from_name(name), Some(action));
        }
        assert_eq!(names.len(), Action::COUNT);
    }
}
