//! The session layer: turns the session cookie into a [`CurrentUser`] in the request's
//! extensions. Machine paths never look at cookies.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Duration;

use crate::state::AppState;

pub const SESSION_COOKIE: &str = "yiqiao_session";

/// Paths only machines use: a person's cookie is not even read there.
pub const MACHINE_PREFIXES: &[&str] = &["/his/", "/platform/"];

/// Marks a request whose cookie named a session that has run out.
#[derive(Debug, Clone, Copy)]
pub struct SessionExpired;

pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    req.extensions_mut().insert(state.site.clone());
    let path = req.uri().path();
    if MACHINE_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return next.run(req).await;
    }
    let jar = CookieJar::from_headers(req.headers());
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        let idle = Duration::minutes(state.config.session.idle_minutes);
        match super::store::lookup_session(&*state.db, &token, state.now(), idle).await {
            Ok(super::store::Lookup::Valid(user)) => {
                req.extensions_mut().insert(user);
            }
            Ok(super::store::Lookup::Expired) => {
                req.extensions_mut().insert(SessionExpired);
            }
            Ok(super::store::Lookup::Unknown) => {}
            Err(e) => {
                return axum::response::IntoResponse::into_response(yiqiao_http::AppError::from(e));
            }
        }
    }
    next.run(req).await
}

/// The session cookie: HttpOnly, SameSite=Strict, Secure when configured.
pub fn session_cookie(token: String, secure: bool, max_hours: i64) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .max_age(time::Duration::hours(max_hours))
        .build()
}

pub fn removal_cookie() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(time::Duration::ZERO)
        .build()
}
