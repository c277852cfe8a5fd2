//! yiqiao-http — what every module's pages and JSON endpoints share, so that each module mounts
//! its routes the same way: one error mapping to HTTP, the roles each route admits (declared
//! as data, so a test can walk every route), the signed-in user, CSRF on forms, and the
//! layout pages are drawn in.
//!
//! The web crate fills in the signed-in user (sessions live there); this crate only reads it.

pub mod error;
pub mod form;
pub mod page;
pub mod routes;
pub mod user;

pub use error::{ApiError, AppError};
pub use form::CsrfForm;
pub use page::{NavGroup, NavItem, Shell, Site};
pub use routes::{Access, RouteKind, RouteSpec, Routes};
pub use user::CurrentUser;
#[cfg(feature = "testing")]
pub mod testing;
