//! The web crate's schema: people, their sessions, sign-in attempts.

mod m0101_people;
mod m0102_user_staff;

pub fn all() -> Vec<yiqiao_store::Migration> {
    vec![Box::new(m0101_people::Up), Box::new(m0102_user_staff::Up)]
}
