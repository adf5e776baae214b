pub mod groups;
pub mod kanban;
pub mod routing;
