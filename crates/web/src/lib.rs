//! yiqiao-web — the axum application: sign-in, sessions, roles, the layout and dashboard,
//! administration pages, the OpenAPI document; it mounts each module's routes.

pub mod admin;
pub mod app;
pub mod auth;
pub mod config;
pub mod dashboard;
pub mod demo;
pub mod errors;
pub mod jobs;
pub mod migrations;
pub mod openapi;
pub mod server;
pub mod state;

pub use app::{App, all_migrations};
pub use config::Config;
pub use state::AppState;
