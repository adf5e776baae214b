//! The filter panel: owner, status, source, tag, created since/until, or
//! clear. Each answer becomes a new shared filter (T8).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use strum::IntoEnumIterator;

use super::typed::Check;
use super::{Outcome, Step, centred, choose, popup, prompt};
use crate::core::error::Result;
use crate::core::filter::{Filter, OwnerFilter};
use crate::core::time;
use crate::tui::flow::{Answer, Env, FilterField, Look, Pick, Then};
use crate::tui::widgets::fit;

#[derive(Debug, Default)]
pub struct FilterPanel {
    pub row: usize,
}

impl FilterPanel {
    pub fn handle(&mut self, key: KeyEvent, env: &mut Env<'_>) -> Result<Outcome> {
        let last = FilterField::iter().count() - 1;
        Ok(match key.code {
            KeyCode::Esc | KeyCode::Char('q') => Outcome::Close,
            KeyCode::Down | KeyCode::Char('j') => {
                self.row = (self.row + 1).min(last);
                Outcome::Keep
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.row = self.row.saturating_sub(1);
                Outcome::Keep
            }
            KeyCode::Enter => {
                let field = FilterField::iter().nth(self.row).unwrap_or(FilterField::Clear);
                let store = &*env.store;
                let modal = match field {
                    FilterField::Owner => choose::owner_filter(store, env.ctx.actor.user_id().is_some())?,
                    FilterField::Status => {
                        choose::stage_ticks(store, "Statuses shown", &env.shared.filter.stage_ids, Then::Filter(field))?
                    }
                    FilterField::Source | FilterField::Tag => choose::filter_values(store, field)?,
                    // Each opens on the date in force and says how it reads as it is typed.
                    FilterField::Since => {
                        let since = env.shared.words.since.clone().unwrap_or_default();
                        prompt::ask_checked("Created since (YYYY-MM-DD)", &since, Then::Filter(field), Check::Since)
                    }
                    FilterField::Until => {
                        let until = until_date(&env.shared.words).unwrap_or_default();
                        prompt::ask_checked("Created until (YYYY-MM-DD)", &until, Then::Filter(field), Check::Until)
                    }
                    FilterField::OpenOnly => {
                        let f = Filter { open_only: !env.shared.filter.open_only, ..env.shared.filter.clone() };
                        return Ok(Outcome::Step(Step::Filter(f)));
                    }
                    FilterField::Clear => return Ok(Outcome::CloseWith(Step::Filter(Filter::for_actor(env.ctx)))),
                };
                Outcome::Step(Step::Open(modal))
            }
            _ => Outcome::Keep,
        })
    }

    pub fn draw(&self, frame: &mut Frame<'_>, main: Rect, look: &Look<'_>) {
        let w = &look.shared.words;
        let any = |v: &Option<String>| v.clone().unwrap_or_else(|| "any".into());
        let mut lines: Vec<Line<'_>> = FilterField::iter()
            .enumerate()
            .map(|(i, f)| {
                let value = match f {
                    FilterField::Owner => any(&w.owner),
                    FilterField::Status => any(&w.status),
                    FilterField::Source => any(&w.source),
                    FilterField::Tag => any(&w.tag),
                    FilterField::Since => any(&w.since),
                    FilterField::Until => until_date(w).or_else(|| w.before.clone()).unwrap_or_else(|| "any".into()),
                    FilterField::OpenOnly => (if w.open_only { "yes" } else { "no" }).to_string(),
                    FilterField::Clear => String::new(),
                };
                let style = if i == self.row { look.theme.selected() } else { Default::default() };
                Line::from(vec![
                    Span::styled(format!(" {:<16}", f.label()), style),
                    Span::styled(fit::clip(&value, 34), look.theme.accent()),
                ])
            })
            .collect();
        lines.push(Line::styled(" Status: a tick list, Space ticks, Enter keeps the ticked ones", look.theme.dim()));
        popup(frame, look.theme, centred(main, 60, 12), "Filter — Enter edits, Esc closes", lines);
    }
}

/// The shared filter with `field` set to the answer.
pub fn resume(field: FilterField, answer: Answer, env: &Env<'_>) -> Result<Option<Step>> {
    let mut f = env.shared.filter.clone();
    match (field, answer) {
        (FilterField::Owner, Answer::Pick(Pick::Unassigned)) => f.owner = OwnerFilter::Unassigned,
        (FilterField::Owner, Answer::Pick(Pick::Me)) => {
            f.owner = env.ctx.actor.user_id().map_or(OwnerFilter::Any, OwnerFilter::User);
        }
        (FilterField::Owner, Answer::Pick(Pick::Id(id))) => f.owner = OwnerFilter::User(id),
        (FilterField::Owner, _) => f.owner = OwnerFilter::Any,
        // The ticked statuses; none ticked is any status.
        (FilterField::Status, Answer::Picks(picks)) => {
            f.stage_ids = picks.iter().filter_map(Pick::id).collect();
        }
        (FilterField::Source, Answer::Pick(Pick::Name(s))) => f.sources = vec![s],
        (FilterField::Source, _) => f.sources.clear(),
        (FilterField::Tag, Answer::Pick(Pick::Name(t))) => f.tags = vec![t],
        (FilterField::Tag, _) => f.tags.clear(),
        (FilterField::Since, Answer::Text(text)) => {
            f.created_from =
                if text.is_empty() { None } else { Some(time::parse_date(env.ctx.tz, &text)?.timestamp()) };
        }
        (FilterField::Until, Answer::Text(text)) => {
            f.created_before =
                if text.is_empty() { None } else { Some(time::parse_until(env.ctx.tz, &text)?.timestamp()) };
        }
        _ => return Ok(None),
    }
    Ok(Some(Step::Filter(f)))
}

/// The date a "created until" bound reads as ("until 2026-03-31"), when it
/// is one; a bound with a time of day (the triage queue's) is not.
fn until_date(words: &crate::tui::shared::Words) -> Option<String> {
    words.before.as_deref().and_then(|b| b.strip_prefix("until ")).map(str::to_string)
}
