pub mod fit;
pub mod picker;
