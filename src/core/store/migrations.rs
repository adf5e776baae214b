use rusqlite_migration::{M, Migrations};

/// Versioned schema changes; never edit one that has shipped, add a new one.
const STEPS: &[&str] = &[include_str!("../../../assets/migrations/001_init.sql")];

pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

pub fn all() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up(sql)).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::all().validate().is_ok());
    }
}
