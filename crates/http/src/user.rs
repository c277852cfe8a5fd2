//! The person behind a request, put into the request's extensions by the web crate's session
//! layer and read here.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use yiqiao_core::Role;

use crate::AppError;

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// The HIS staff member (工号) this account is linked to: who the person is in the HIS,
    /// and so whose practice licence goes into messages that must name one (NHSA 3505).
    pub his_staff_code: Option<String>,
    /// This session's token for forms.
    pub csrf: String,
}

impl CurrentUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }
    /// How audit rows name this person.
    pub fn actor(&self) -> String {
        self.username.clone()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or_else(AppError::unauthenticated)
    }
}
