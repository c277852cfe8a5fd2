//! People who log in: users with roles, argon2 passwords, database-backed sessions,
//! sign-in throttling.

pub mod handlers;
pub mod password;
pub mod session;
pub mod store;

pub use session::{SESSION_COOKIE, session_layer};
