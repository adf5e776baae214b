//! Keys are data: defaults from `assets/keymap.toml`, the user's `[keys]`
//! patched over them; `?` help and the status-bar hints read the same table.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;
use crate::core::error::{Error, Result};

const DEFAULTS: &str = include_str!("../../assets/keymap.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    Leads,
    Kanban,
    Groups,
    Routing,
    Detail,
}

impl Context {
    fn section(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Leads => "leads",
            Context::Kanban => "kanban",
            Context::Groups => "groups",
            Context::Routing => "routing",
            Context::Detail => "detail",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub fn parse(text: &str) -> Result<Key> {
        let (ctrl, rest) = match text.strip_prefix("ctrl-") {
            Some(rest) if !rest.is_empty() => (true, rest),
            _ => (false, text),
        };
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(Error::invalid(format!("unknown key '{text}'"))),
                }
            }
        };
        Ok(Key { code, ctrl })
    }

    pub fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let code = match event.code {
            // Terminals differ on whether Shift-Tab arrives as BackTab or Tab+Shift.
            KeyCode::Tab if event.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        self.code == code && self.ctrl == ctrl
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl { format!("C-{base}") } else { base }
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub context: Context,
    pub key: Key,
    pub action: Action,
    pub desc: String,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

#[derive(Deserialize)]
struct Entry {
    action: Action,
    desc: String,
}

impl Keymap {
    /// The defaults with `overrides` (action name → key) applied.
    pub fn load(overrides: &BTreeMap<String, String>) -> Result<Keymap> {
        let table: BTreeMap<String, BTreeMap<String, Entry>> =
            toml::from_str(DEFAULTS).map_err(|e| Error::invalid(format!("built-in keymap: {}", e.message())))?;
        let mut bindings = Vec::new();
        for context in
            [Context::Global, Context::Leads, Context::Kanban, Context::Groups, Context::Routing, Context::Detail]
        {
            for (key, entry) in table.get(context.section()).into_iter().flatten() {
                bindings.push(Binding {
                    context,
                    key: Key::parse(key)?,
                    action: entry.action,
                    desc: entry.desc.clone(),
                });
            }
        }
        let mut keymap = Keymap { bindings };
        for (action_name, key) in overrides {
            let action = Action::ALL
                .into_iter()
                .find(|a| a.name() == *action_name)
                .ok_or_else(|| Error::invalid(format!("config [keys]: unknown action '{action_name}'")))?;
            let key = Key::parse(key).map_err(|e| Error::invalid(format!("config [keys] {action_name}: {e}")))?;
            keymap.rebind(action, key);
        }
        Ok(keymap)
    }

    /// Give `action` the key `key` in every context that has the action,
    /// replacing its default keys there (and whatever else used that key).
    fn rebind(&mut self, action: Action, key: Key) {
        let contexts: Vec<(Context, String)> =
            self.bindings.iter().filter(|b| b.action == action).map(|b| (b.context, b.desc.clone())).collect();
        let mut seen = Vec::new();
        for (context, desc) in contexts {
            if seen.contains(&context) {
                continue;
            }
            seen.push(context);
            self.bindings.retain(|b| !(b.context == context && (b.action == action || b.key == key)));
            self.bindings.push(Binding { context, key, action, desc });
        }
    }

    /// The action for a key press in `context`; the board also takes the
    /// table's keys, and every context falls back to the global keys.
    pub fn lookup(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        let find =
            |ctx: Context| self.bindings.iter().find(|b| b.context == ctx && b.key.matches(event)).map(|b| b.action);
        let inherited = if context == Context::Kanban { find(Context::Leads) } else { None };
        find(context).or(inherited).or_else(|| find(Context::Global))
    }

    /// Keys of a context, one line per action: ("j/↓", "Next lead").
    pub fn help(&self, context: Context) -> Vec<(String, String)> {
        let mut out: Vec<(Action, String, Vec<String>)> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.context == context) {
            match out.iter_mut().find(|(a, _, _)| *a == b.action) {
                Some((_, _, keys)) => keys.push(b.key.label()),
                None => out.push((b.action, b.desc.clone(), vec![b.key.label()])),
            }
        }
        out.into_iter().map(|(_, desc, keys)| (keys.join("/"), desc)).collect()
    }

    /// The first key that does `action` in `context`, inherited keys included (for hints).
    pub fn key_for(&self, context: Context, action: Action) -> Option<String> {
        let find =
            |ctx: Context| self.bindings.iter().find(|b| b.context == ctx && b.action == action).map(|b| b.key.label());
        let inherited = if context == Context::Kanban { find(Context::Leads) } else { None };
        find(context).or(inherited).or_else(|| find(Context::Global))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn defaults_load_and_context_keys_win_over_global() {
        let km = Keymap::load(&BTreeMap::new()).unwrap();
        assert_eq!(km.lookup(Context::Leads, &press(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(km.lookup(Context::Leads, &press(KeyCode::Char('q'))), Some(Action::Quit));
        assert_eq!(km.lookup(Context::Detail, &press(KeyCode::Esc)), Some(Action::Back));
    }

    #[test]
    fn overrides_replace_the_default_key() {
        let overrides = BTreeMap::from([("assign".to_string(), "ctrl-a".to_string())]);
        let km = Keymap::load(&overrides).unwrap();
        assert_eq!(km.lookup(Context::Leads, &press(KeyCode::Char('A'))), None);
        let ctrl_a = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL);
        assert_eq!(km.lookup(Context::Leads, &ctrl_a), Some(Action::Assign));
        assert_eq!(km.key_for(Context::Leads, Action::Assign).as_deref(), Some("C-a"));
    }

    #[test]
    fn unknown_actions_and_keys_are_errors() {
        assert!(Keymap::load(&BTreeMap::from([("fly".to_string(), "x".to_string())])).is_err());
        assert!(Keymap::load(&BTreeMap::from([("quit".to_string(), "hyper-x".to_string())])).is_err());
    }

    #[test]
    fn every_action_has_a_name() {
        assert!(Action::ALL.iter().all(|a| !a.name().is_empty()));
    }
}
