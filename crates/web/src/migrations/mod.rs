//! The web crate's schema: people, their sessions, sign-in attempts.

mod m0101_people;

pub fn all() -> Vec<yiqiao_store::Migration> {
    vec![Box::new(m0101_people::Up)]
}
