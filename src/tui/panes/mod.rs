pub mod kanban;
