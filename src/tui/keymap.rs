//! Keys are data: defaults from `assets/keymap.toml`, the user's `[keys]`
//! patched over them; `?` help and the status-bar hints read the same table.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::{Action, IntoEnumIterator};
use crate::core::error::{Error, Result};

const DEFAULTS: &str = include_str!("../../assets/keymap.toml");

/// Where a key is pressed; each is a `[section]` of the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Context {
    Global,
    Leads,
    Kanban,
    Groups,
    Users,
    Routing,
    Workload,
    Detail,
    Confirm,
    Help,
}

impl Context {
    fn section(self) -> &'static str {
        self.into()
    }

    /// Contexts whose keys this one also takes when it has none of its own
    /// for a key (the board takes the table's keys; the global keys apply last).
    fn inherits(self) -> &'static [Context] {
        match self {
            Context::Kanban => &[Context::Leads, Context::Global],
            Context::Confirm | Context::Help => &[],
            _ => &[Context::Global],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    /// Only for keys without a character of their own (shift-up); a
    /// character's shift is in the character itself (`A`).
    pub shift: bool,
}

impl Key {
    /// `x`, `X`, `enter`, `ctrl-x`, `alt-x`, `shift-up`, `ctrl-alt-x`…
    pub fn parse(text: &str) -> Result<Key> {
        let mut rest = text;
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        loop {
            let lower = rest.to_ascii_lowercase();
            let (flag, len) = if lower.starts_with("ctrl-") {
                (&mut ctrl, 5)
            } else if lower.starts_with("alt-") {
                (&mut alt, 4)
            } else if lower.starts_with("shift-") {
                (&mut shift, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            *flag = true;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" if shift => KeyCode::BackTab,
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
                    (Some(c), None) if shift => KeyCode::Char(c.to_uppercase().next().unwrap_or(c)),
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(Error::invalid(format!("unknown key '{text}'"))),
                }
            }
        };
        let shift = shift && !matches!(code, KeyCode::Char(_) | KeyCode::BackTab);
        Ok(Key { code, ctrl, alt, shift })
    }

    pub fn matches(&self, event: &KeyEvent) -> bool {
        let m = event.modifiers;
        let code = match event.code {
            // Terminals differ on whether Shift-Tab arrives as BackTab or Tab+Shift.
            KeyCode::Tab if m.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        let shift = m.contains(KeyModifiers::SHIFT) && !matches!(code, KeyCode::Char(_) | KeyCode::BackTab);
        self.code == code
            && self.ctrl == m.contains(KeyModifiers::CONTROL)
            && self.alt == m.contains(KeyModifiers::ALT)
            && self.shift == shift
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
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut label = String::new();
        for (on, prefix) in [(self.ctrl, "C-"), (self.alt, "M-"), (self.shift, "S-")] {
            if on {
                label.push_str(prefix);
            }
        }
        label + &base
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub context: Context,
    pub key: Key,
    pub action: Action,
    pub desc: String,
    /// A word or two for the hint bar; the description when there is none.
    pub hint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

#[derive(Deserialize)]
struct Entry {
    action: Action,
    desc: String,
    #[serde(default)]
    hint: Option<String>,
}

/// Where an action has a key: the context, its description and hint there.
type Home = (Context, String, Option<String>);

/// A `[keys]` entry the console cannot take: the action it names, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyProblem {
    pub action: String,
    pub problem: String,
}

impl Keymap {
    /// The defaults with `overrides` (action name → key) applied.
    pub fn load(overrides: &BTreeMap<String, String>) -> Result<Keymap> {
        Keymap::with_overrides(overrides)
            .map_err(|p| Error::invalid(format!("config [keys] {}: {}", p.action, p.problem)))
    }

    /// [`Keymap::load`], with a problem naming the `[keys]` entry it is in
    /// (the config loader turns that into a line number). An overridden
    /// action loses its default keys; a key that would then do two actions
    /// in one context is a problem naming both, never a silent loss of one.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> std::result::Result<Keymap, KeyProblem> {
        let mut keymap = Keymap::defaults()
            .map_err(|e| KeyProblem { action: "(built-in keymap)".into(), problem: e.to_string() })?;
        let mut parsed = Vec::new();
        for (name, text) in overrides {
            let problem = |problem: String| KeyProblem { action: name.clone(), problem };
            let action = Action::from_name(name)
                .ok_or_else(|| problem(format!("unknown action '{name}' (see `?` in the console)")))?;
            let key = Key::parse(text).map_err(|e| problem(e.to_string()))?;
            parsed.push((name, text, action, key));
        }
        let homes: Vec<Vec<Home>> = parsed.iter().map(|(_, _, action, _)| keymap.homes(*action)).collect();
        for (_, _, action, _) in &parsed {
            keymap.bindings.retain(|b| b.action != *action);
        }
        for ((_, _, action, key), homes) in parsed.iter().zip(homes) {
            for (context, desc, hint) in homes {
                keymap.bindings.push(Binding { context, key: *key, action: *action, desc, hint });
            }
        }
        for (name, text, action, key) in &parsed {
            if let Some((context, other)) = keymap.clash(*action, *key) {
                return Err(KeyProblem {
                    action: name.to_string(),
                    problem: format!(
                        "\"{text}\" would do both {} and {} in the {} keys; choose another key for one of them",
                        action.name(),
                        other.name(),
                        context.section()
                    ),
                });
            }
        }
        Ok(keymap)
    }

    fn defaults() -> Result<Keymap> {
        // Keys keep their place in the file, so the help reads as the file is
        // laid out (moving first, then what acts) rather than in key order.
        let table: BTreeMap<String, BTreeMap<toml::Spanned<String>, Entry>> =
            toml::from_str(DEFAULTS).map_err(|e| Error::invalid(format!("built-in keymap: {}", e.message())))?;
        let mut bindings = Vec::new();
        for context in Context::iter() {
            let mut entries: Vec<_> = table.get(context.section()).into_iter().flatten().collect();
            entries.sort_by_key(|(key, _)| key.span().start);
            for (key, entry) in entries {
                let key = key.get_ref();
                bindings.push(Binding {
                    context,
                    key: Key::parse(key)?,
                    action: entry.action,
                    desc: entry.desc.clone(),
                    hint: entry.hint.clone(),
                });
            }
        }
        Ok(Keymap { bindings })
    }

    /// The contexts `action` has keys in, each once, with its description there.
    fn homes(&self, action: Action) -> Vec<Home> {
        let mut homes: Vec<Home> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.action == action) {
            if !homes.iter().any(|(c, _, _)| *c == b.context) {
                homes.push((b.context, b.desc.clone(), b.hint.clone()));
            }
        }
        homes
    }

    /// Another action that `key` does where `action` has it (in that context
    /// or one it inherits), which one of the two would shadow.
    fn clash(&self, action: Action, key: Key) -> Option<(Context, Action)> {
        self.bindings.iter().filter(|b| b.action == action && b.key == key).find_map(|mine| {
            std::iter::once(mine.context).chain(mine.context.inherits().iter().copied()).find_map(|context| {
                self.bindings
                    .iter()
                    .find(|b| b.context == context && b.key == key && b.action != action)
                    .map(|b| (mine.context, b.action))
            })
        })
    }

    /// The action for a key press in `context`, else in the contexts it inherits.
    pub fn lookup(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        std::iter::once(context)
            .chain(context.inherits().iter().copied())
            .find_map(|ctx| self.bindings.iter().find(|b| b.context == ctx && b.key.matches(event)).map(|b| b.action))
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

    /// The first key that does `action` in `context`, inherited keys included:
    /// every hint and message names keys through this, never a typed letter.
    pub fn key_for(&self, context: Context, action: Action) -> Option<String> {
        // A plain key reads better in a hint than its Ctrl or Alt twin (q, not C-c).
        std::iter::once(context).chain(context.inherits().iter().copied()).find_map(|ctx| {
            self.bindings
                .iter()
                .filter(|b| b.context == ctx && b.action == action)
                .min_by_key(|b| b.key.ctrl || b.key.alt)
                .map(|b| b.key.label())
        })
    }

    /// The first key for `action` in `context` (inherited keys included) and
    /// its words for the hint bar: the keymap's hint, else its description.
    pub fn hint(&self, context: Context, action: Action) -> Option<(String, String)> {
        std::iter::once(context).chain(context.inherits().iter().copied()).find_map(|ctx| {
            self.bindings
                .iter()
                .filter(|b| b.context == ctx && b.action == action)
                .min_by_key(|b| b.key.ctrl || b.key.alt)
                .map(|b| (b.key.label(), b.hint.clone().unwrap_or_else(|| b.desc.clone())))
        })
    }

    /// Every key of `action` in `context` alone, as help shows them ("y / Enter").
    pub fn help_keys(&self, context: Context, action: Action) -> String {
        let keys: Vec<String> = self
            .bindings
            .iter()
            .filter(|b| b.context == context && b.action == action)
            .map(|b| b.key.label())
            .collect();
        keys.join(" / ")
    }

    /// [`Keymap::key_for`] for a message: the key, or the action's name when unbound.
    pub fn label(&self, context: Context, action: Action) -> String {
        self.key_for(context, action).unwrap_or_else(|| action.name().replace('_', " "))
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
    fn a_key_that_would_do_two_actions_is_an_error_naming_both() {
        let overrides = BTreeMap::from([("assign".to_string(), "a".to_string())]);
        let problem = Keymap::with_overrides(&overrides).unwrap_err();
        assert_eq!(problem.action, "assign");
        assert!(problem.problem.contains("assign and select_all in the leads keys"), "{}", problem.problem);
        // Two overrides on one key clash too; swapping two keys does not.
        let twice =
            BTreeMap::from([("assign".to_string(), "x".to_string()), ("unassign".to_string(), "x".to_string())]);
        assert!(Keymap::with_overrides(&twice).is_err());
        let swap = BTreeMap::from([("assign".to_string(), "U".to_string()), ("unassign".to_string(), "A".to_string())]);
        let km = Keymap::with_overrides(&swap).unwrap();
        assert_eq!(km.lookup(Context::Leads, &press(KeyCode::Char('U'))), Some(Action::Assign));
    }

    #[test]
    fn unknown_actions_and_keys_are_errors() {
        assert!(Keymap::load(&BTreeMap::from([("fly".to_string(), "x".to_string())])).is_err());
        assert!(Keymap::load(&BTreeMap::from([("quit".to_string(), "hyper-x".to_string())])).is_err());
    }

    #[test]
    fn every_action_has_a_default_key_so_help_lists_it() {
        let km = Keymap::load(&BTreeMap::new()).unwrap();
        for action in Action::iter() {
            assert!(
                km.bindings.iter().any(|b| b.action == action),
                "{} has no key in assets/keymap.toml",
                action.name()
            );
        }
    }

    #[test]
    fn the_help_lists_a_context_in_the_order_of_the_keymap_file() {
        let km = Keymap::load(&BTreeMap::new()).unwrap();
        let leads: Vec<String> = km.help(Context::Leads).into_iter().map(|(_, desc)| desc).collect();
        assert_eq!(leads[..3], ["Next lead", "Previous lead", "Page down"]);
        let at = |desc: &str| leads.iter().position(|d| d == desc).unwrap();
        assert!(at("Select / unselect lead") < at("Assign to a user"));
        assert!(at("Assign to a user") < at("Reassign to a user"));
        assert!(at("Reassign to a user") < at("Unassign"));
    }

    #[test]
    fn alt_and_shift_are_part_of_a_key() {
        let alt_x = Key::parse("alt-x").unwrap();
        assert!(alt_x.matches(&KeyEvent::new(KeyCode::Char('x'), KeyModifiers::ALT)));
        assert!(!alt_x.matches(&press(KeyCode::Char('x'))));
        assert!(!Key::parse("x").unwrap().matches(&KeyEvent::new(KeyCode::Char('x'), KeyModifiers::ALT)));
        let shift_up = Key::parse("shift-up").unwrap();
        assert!(shift_up.matches(&KeyEvent::new(KeyCode::Up, KeyModifiers::SHIFT)));
        assert!(!shift_up.matches(&press(KeyCode::Up)));
        assert_eq!(shift_up.label(), "S-↑");
        assert_eq!(Key::parse("shift-a").unwrap(), Key::parse("A").unwrap());
        let upper_a = KeyEvent::new(KeyCode::Char('A'), KeyModifiers::SHIFT);
        assert!(Key::parse("A").unwrap().matches(&upper_a), "a capital letter arrives with Shift");
        assert_eq!(Key::parse("ctrl-alt-d").unwrap().label(), "C-M-d");
        assert!(Key::parse("shift-tab").unwrap().matches(&KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)));
    }
}
