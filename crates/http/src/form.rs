//! Forms with CSRF protection: every form carries the session's token in a hidden `_csrf`
//! field, and [`CsrfForm`] refuses the request without it.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::{AppError, CurrentUser};

/// An `application/x-www-form-urlencoded` body, accepted only with the right `_csrf` field.
pub struct CsrfForm<T>(pub T);

/// The largest form body accepted (a form is small; files go elsewhere).
const MAX_FORM: usize = 256 * 1024;

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<CurrentUser>()
            .map(|u| u.csrf.clone())
            .ok_or_else(AppError::unauthenticated)?;
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM)
            .await
            .map_err(|_| {
                AppError::new(
                    yiqiao_core::ErrorKind::PayloadTooLarge,
                    "BODY_TOO_LARGE",
                    "提交的内容过大",
                )
            })?;
        check_token(&bytes, &expected)?;
        let value = serde_urlencoded::from_bytes::<T>(&bytes)
            .map_err(|e| AppError::bad_request("BAD_FORM", format!("表单内容有误：{e}")))?;
        Ok(CsrfForm(value))
    }
}

/// Is the `_csrf` field of this urlencoded body equal to `expected`?
pub fn check_token(body: &[u8], expected: &str) -> Result<(), AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let given = pairs
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if !given.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::new(
            yiqiao_core::ErrorKind::Forbidden,
            "CSRF",
            "表单已过期或来源不明，请刷新页面后重新提交",
        ))
    }
}
