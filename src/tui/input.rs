//! Keys to actions: the open modal gets the key first, else the keymap.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind};
use tui_input::backend::crossterm::EventHandler;

use super::action::Action;
use super::app::{App, plural};
use super::keymap::Context;
use super::modal::{FilterField, Modal, Pending, Pick, PickFor, PromptFor, Step};
use super::widgets::picker::Picked;
use crate::core::distribute;
use crate::core::error::Result;
use crate::core::filter::OwnerFilter;
use crate::core::time;

impl App {
    pub fn handle_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let result = match self.modals.pop() {
            Some(modal) => self.modal_key(modal, key),
            None => {
                if let Some(action) = self.keymap.lookup(self.context(), &key) {
                    self.update(action);
                }
                Ok(())
            }
        };
        if let Err(e) = result {
            self.set_notice(e.to_string(), true);
        }
    }

    /// `modal` has been taken off the stack; put it back unless the key closed it.
    fn modal_key(&mut self, modal: Modal, key: KeyEvent) -> Result<()> {
        match modal {
            Modal::Help => {
                if !matches!(key.code, KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter) {
                    self.modals.push(Modal::Help);
                }
            }
            Modal::Confirm { title, lines, pending } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => self.run(pending),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => self.set_notice("cancelled", false),
                _ => self.modals.push(Modal::Confirm { title, lines, pending }),
            },
            Modal::Picker { mut picker, purpose } => match picker.handle(key) {
                Picked::Open => self.modals.push(Modal::Picker { picker, purpose }),
                Picked::Cancelled => {}
                Picked::Chosen(pick) => self.picked(purpose, pick)?,
            },
            Modal::Search(mut input) => match key.code {
                KeyCode::Enter => {}
                KeyCode::Esc => {
                    self.window.filter.search.clear();
                    self.filter_changed()?;
                }
                _ => {
                    if input.handle_event(&Event::Key(key)).is_some_and(|c| c.value) {
                        self.window.filter.search = input.value().trim().to_string();
                        self.filter_changed()?;
                    }
                    self.modals.push(Modal::Search(input));
                }
            },
            Modal::FilterPanel(row) => self.filter_panel_key(row, key)?,
            Modal::Prompt { title, mut input, purpose, .. } => match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => {
                    if let Err(e) = self.prompt_done(purpose.clone(), input.value()) {
                        self.modals.push(Modal::Prompt { title, input, purpose, error: Some(e.to_string()) });
                    }
                }
                _ => {
                    input.handle_event(&Event::Key(key));
                    self.modals.push(Modal::Prompt { title, input, purpose, error: None });
                }
            },
            Modal::Detail(mut detail) => {
                let action = self.keymap.lookup(Context::Detail, &key);
                let lead = detail.lead.id;
                match action {
                    Some(Action::Back) => return Ok(()),
                    Some(Action::Quit) => self.quit = true,
                    Some(Action::Down) => {
                        detail.scroll = (detail.scroll + 1).min(detail.activity.len().saturating_sub(1))
                    }
                    Some(Action::Up) => detail.scroll = detail.scroll.saturating_sub(1),
                    _ => {}
                }
                self.modals.push(Modal::Detail(detail));
                match action {
                    Some(Action::ChangeOwner) if self.is_agent() => {
                        self.set_notice("agents cannot assign leads", true);
                    }
                    Some(Action::ChangeOwner) => {
                        let picker = Modal::user_picker(&self.store, PickFor::LeadOwner { lead }, true)?;
                        self.modals.push(picker);
                    }
                    Some(Action::ChangeStatus) => {
                        self.modals.push(Modal::status_picker(&self.store, PickFor::LeadStatus { lead }, false)?);
                    }
                    Some(Action::AddNote) => self.modals.push(Modal::prompt("Note", PromptFor::Note { lead })),
                    Some(Action::Help) => self.modals.push(Modal::Help),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn picked(&mut self, purpose: PickFor, pick: Pick) -> Result<()> {
        match (purpose, pick) {
            (PickFor::Owner { selection, count, reassign }, Pick::Name(to)) => {
                let verb = if reassign { "Reassign" } else { "Assign" };
                let title = format!("{verb} {count} lead{} to {to}?", plural(count));
                self.modals.push(Modal::confirm(title, vec![], Pending::Assign { selection, to, reassign }));
            }
            (PickFor::Group { selection, count }, Pick::Name(group)) => {
                // Preview first: the same rotation, rolled back (R5).
                let preview = distribute::rotate(&mut self.store, &self.ctx, &group, &selection, true)?;
                let mut lines: Vec<String> = Vec::new();
                let mut per: Vec<(String, usize)> = Vec::new();
                for p in &preview.assigned {
                    match per.iter_mut().find(|(o, _)| *o == p.owner) {
                        Some((_, n)) => *n += 1,
                        None => per.push((p.owner.clone(), 1)),
                    }
                }
                lines.extend(per.into_iter().map(|(owner, n)| format!("{owner:<20} {n}")));
                if !preview.unassigned.is_empty() {
                    let reason = &preview.unassigned[0].reason;
                    lines.push(format!("{} stay unassigned: {reason}", preview.unassigned.len()));
                }
                let title = format!("Rotate {count} lead{} through {group}?", plural(count));
                self.modals.push(Modal::confirm(title, lines, Pending::Rotate { selection, group }));
            }
            (PickFor::LeadOwner { lead }, Pick::Unassigned) => {
                self.modals.push(Modal::confirm(
                    format!("Unassign lead #{lead}?"),
                    vec![],
                    Pending::LeadOwner { lead, to: None },
                ));
            }
            (PickFor::LeadOwner { lead }, Pick::Name(to)) => {
                let title = format!("Assign lead #{lead} to {to}?");
                self.modals.push(Modal::confirm(title, vec![], Pending::LeadOwner { lead, to: Some(to) }));
            }
            (PickFor::LeadStatus { lead }, Pick::Id(stage)) => {
                let status = crate::core::stages::list(self.store.conn())?
                    .into_iter()
                    .find(|s| s.id == stage)
                    .map(|s| s.name)
                    .unwrap_or_default();
                self.run(Pending::LeadStatus { lead, status });
            }
            (PickFor::Custom(then), pick) => {
                let step = then(&self.store, &self.ctx, pick)?;
                self.step(step);
            }
            (PickFor::Filter(field), pick) => {
                let f = &mut self.window.filter;
                match (field, pick) {
                    (FilterField::Owner, Pick::Any) => f.owner = OwnerFilter::Any,
                    (FilterField::Owner, Pick::Unassigned) => f.owner = OwnerFilter::Unassigned,
                    (FilterField::Owner, Pick::Me) => {
                        f.owner = self.ctx.actor.user_id().map_or(OwnerFilter::Any, OwnerFilter::User);
                    }
                    (FilterField::Owner, Pick::Id(id)) => f.owner = OwnerFilter::User(id),
                    (FilterField::Status, Pick::Id(id)) => f.stage_ids = vec![id],
                    (FilterField::Status, _) => f.stage_ids.clear(),
                    (FilterField::Source, Pick::Name(s)) => f.sources = vec![s],
                    (FilterField::Source, _) => f.sources.clear(),
                    (FilterField::Tag, Pick::Name(t)) => f.tags = vec![t],
                    (FilterField::Tag, _) => f.tags.clear(),
                    _ => {}
                }
                self.filter_changed()?;
            }
            _ => {}
        }
        Ok(())
    }

    fn filter_panel_key(&mut self, row: usize, key: KeyEvent) -> Result<()> {
        let last = FilterField::ALL.len() - 1;
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => {}
            KeyCode::Down | KeyCode::Char('j') => self.modals.push(Modal::FilterPanel((row + 1).min(last))),
            KeyCode::Up | KeyCode::Char('k') => self.modals.push(Modal::FilterPanel(row.saturating_sub(1))),
            KeyCode::Enter => {
                self.modals.push(Modal::FilterPanel(row));
                let field = FilterField::ALL.get(row).copied().unwrap_or(FilterField::Clear);
                match field {
                    FilterField::Owner => {
                        let has_me = self.ctx.actor.user_id().is_some();
                        self.modals.push(Modal::owner_filter_picker(&self.store, has_me)?);
                    }
                    FilterField::Status => {
                        self.modals.push(Modal::status_picker(
                            &self.store,
                            PickFor::Filter(FilterField::Status),
                            true,
                        )?);
                    }
                    FilterField::Source | FilterField::Tag => {
                        self.modals.push(Modal::values_picker(&self.store, field)?)
                    }
                    FilterField::Since => {
                        self.modals.push(Modal::prompt("Created since (YYYY-MM-DD, empty for any)", PromptFor::Since))
                    }
                    FilterField::Until => {
                        self.modals.push(Modal::prompt("Created until (YYYY-MM-DD, empty for any)", PromptFor::Until))
                    }
                    FilterField::Clear => {
                        self.window.filter = crate::core::filter::Filter::for_actor(&self.ctx);
                        self.filter_changed()?;
                    }
                }
            }
            _ => self.modals.push(Modal::FilterPanel(row)),
        }
        Ok(())
    }

    /// Carry out the next step a pane asked for.
    pub fn step(&mut self, step: Step) {
        match step {
            Step::Run(pending) => self.run(pending),
            Step::Confirm(title, lines, pending) => self.modals.push(Modal::confirm(title, lines, pending)),
            Step::Open(modal) => self.modals.push(modal),
        }
    }

    fn prompt_done(&mut self, purpose: PromptFor, text: &str) -> Result<()> {
        let text = text.trim();
        match purpose {
            PromptFor::Custom(then) => {
                let step = then(&self.store, &self.ctx, text)?;
                self.step(step);
            }
            PromptFor::Note { lead } => self.run(Pending::Note { lead, text: text.to_string() }),
            PromptFor::Since => {
                self.window.filter.created_from =
                    if text.is_empty() { None } else { Some(time::parse_date(self.ctx.tz, text)?.timestamp()) };
                self.filter_changed()?;
            }
            PromptFor::Until => {
                self.window.filter.created_before =
                    if text.is_empty() { None } else { Some(time::parse_until(self.ctx.tz, text)?.timestamp()) };
                self.filter_changed()?;
            }
        }
        Ok(())
    }
}
