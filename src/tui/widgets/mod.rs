pub mod fit;
pub mod picker;
pub mod ticks;
