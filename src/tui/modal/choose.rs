//! A fuzzy picker whose choice goes to a continuation, a tick list whose set
//! goes to one, and the pickers the panes use (owners, groups, statuses,
//! filter values).

use ratatui::crossterm::event::KeyEvent;

use super::{Modal, Outcome};
use crate::core::error::Result;
use crate::core::schedule::Availability;
use crate::core::{Ctx, Store, groups, rules, stages, users};
use crate::tui::flow::{Answer, FilterField, Pick, Then};
use crate::tui::widgets::picker::{Choice, Picked, Picker};
use crate::tui::widgets::ticks::{Ticked, Ticks};

#[derive(Debug)]
pub struct Choose {
    pub picker: Picker<Pick>,
    pub then: Then,
}

impl Choose {
    pub fn handle(&mut self, key: KeyEvent) -> Outcome {
        match self.picker.handle(key) {
            Picked::Open => Outcome::Keep,
            Picked::Cancelled => Outcome::Close,
            Picked::Chosen(pick) => Outcome::Answer(self.then.clone(), Answer::Pick(pick)),
        }
    }
}

#[derive(Debug)]
pub struct Tick {
    pub list: Ticks<Pick>,
    pub then: Then,
}

impl Tick {
    pub fn handle(&mut self, key: KeyEvent) -> Outcome {
        match self.list.handle(key) {
            Ticked::Open => Outcome::Keep,
            Ticked::Cancelled => Outcome::Close,
            Ticked::Done(picks) => Outcome::Answer(self.then.clone(), Answer::Picks(picks)),
        }
    }
}

/// The stages as a tick list, those in `current` ticked; the answer is
/// their ids ([`Pick::Id`]) in the board's order.
pub fn stage_ticks(store: &Store, title: impl Into<String>, current: &[i64], then: Then) -> Result<Modal> {
    let choices = stage_choices(store)?;
    let current: Vec<Pick> = current.iter().map(|&id| Pick::Id(id)).collect();
    Ok(Modal::Tick(Tick { list: Ticks::new(title, choices, &current), then }))
}

/// `modal` (a picker) with its cursor on `current`, when that is a choice.
pub fn on(modal: Modal, current: &Pick) -> Modal {
    match modal {
        Modal::Choose(Choose { picker, then }) => Modal::Choose(Choose { picker: picker.starting_on(current), then }),
        other => other,
    }
}

fn choice(label: impl Into<String>, detail: impl Into<String>, value: Pick) -> Choice<Pick> {
    Choice { label: label.into(), detail: detail.into(), value }
}

/// A picker of `choices` whose answer goes to `then`.
pub fn choose(title: impl Into<String>, choices: Vec<Choice<Pick>>, then: Then) -> Modal {
    Modal::Choose(Choose { picker: Picker::new(title, choices), then })
}

/// Active users who may own leads; `with_unassigned` puts "Unassigned" on top (T3).
pub fn users(store: &Store, ctx: &Ctx, title: impl Into<String>, with_unassigned: bool, then: Then) -> Result<Modal> {
    users_except(store, ctx, title, with_unassigned, &[], then)
}

/// [`users`] without those named in `except`.
pub fn users_except(
    store: &Store,
    ctx: &Ctx,
    title: impl Into<String>,
    with_unassigned: bool,
    except: &[String],
    then: Then,
) -> Result<Modal> {
    let mut choices = Vec::new();
    if with_unassigned {
        choices.push(choice("Unassigned", "no owner", Pick::Unassigned));
    }
    for u in users::list(store.conn())?.into_iter().filter(|u| u.active && !except.contains(&u.name)) {
        // Whoever would not take a lead now says why, as in the Users pane.
        let away = Availability::from_stored(&u.schedule, &u.away_until).unavailable(ctx.tz, ctx.now());
        let detail = match (u.on_leave, away) {
            (true, _) => format!("{}, on leave", u.role),
            (false, Some(why)) => format!("{}, {why}", u.role),
            (false, None) => u.role.to_string(),
        };
        choices.push(choice(u.name.clone(), detail, Pick::Name(u.name)));
    }
    Ok(choose(title, choices, then))
}

pub fn groups(store: &Store, title: impl Into<String>, then: Then) -> Result<Modal> {
    let choices = groups::list(store.conn())?
        .into_iter()
        .map(|g| choice(g.name.clone(), g.method.to_string(), Pick::Name(g.name)))
        .collect();
    Ok(choose(title, choices, then))
}

/// The stages, closed ones said so; a pick is the stage's id.
fn stage_choices(store: &Store) -> Result<Vec<Choice<Pick>>> {
    Ok(stages::list(store.conn())?
        .into_iter()
        .map(|s| choice(s.name.clone(), if s.closed { "closed" } else { "" }, Pick::Id(s.id)))
        .collect())
}

pub fn statuses(store: &Store, then: Then) -> Result<Modal> {
    Ok(choose("Status", stage_choices(store)?, then))
}

/// The filter's owner choices: any, unassigned, me, each user.
pub fn owner_filter(store: &Store, has_me: bool) -> Result<Modal> {
    let mut choices = vec![choice("Any owner", "", Pick::Any), choice("Unassigned", "", Pick::Unassigned)];
    if has_me {
        choices.push(choice("Me", "", Pick::Me));
    }
    for u in users::list(store.conn())? {
        choices.push(choice(u.name.clone(), u.role.to_string(), Pick::Id(u.id)));
    }
    Ok(choose("Owner", choices, Then::Filter(FilterField::Owner)))
}

/// Distinct sources or tags present in the data, for the filter panel.
pub fn filter_values(store: &Store, field: FilterField) -> Result<Modal> {
    let known = if field == FilterField::Tag { rules::Field::Tag } else { rules::Field::Source };
    let values = rules::known::values(store.conn(), known)?;
    let mut choices = vec![choice(format!("Any {}", field.label().to_lowercase()), "", Pick::Any)];
    choices.extend(values.into_iter().map(|v| choice(v.clone(), "", Pick::Name(v))));
    Ok(choose(field.label(), choices, Then::Filter(field)))
}
