//! How a domain error tells the one HTTP mapping (in `yiqiao-web`) what it is.
//!
//! Each module keeps its own `thiserror` enum; implementing [`Refusal`] is all it takes for the
//! web layer to answer with the right status and a `{code, message}` body.

use serde::Serialize;

/// The kind of failure, which decides the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The client sent something malformed or not allowed (400).
    BadRequest,
    /// Not signed in, or the credential is wrong (401).
    Unauthenticated,
    /// Signed in, but this role may not do this (403).
    Forbidden,
    /// No such thing (404).
    NotFound,
    /// The request conflicts with the current state (409).
    Conflict,
    /// Well-formed, but a business rule refuses it (422).
    Unprocessable,
    /// Too many attempts (429).
    TooManyRequests,
    /// The body is larger than allowed (413).
    PayloadTooLarge,
    /// Our fault: logged with detail, shown without it (500).
    Internal,
    /// A dependency (database, peer) is unavailable (503).
    Unavailable,
}

/// A domain error the web layer can turn into a response.
pub trait Refusal: std::error::Error {
    fn kind(&self) -> ErrorKind;
    /// A stable machine code, such as `BAD_FIELD` or `SLOT_FULL`.
    fn code(&self) -> &'static str;
    /// The message for people (Chinese). Defaults to the `Display` text.
    fn message(&self) -> String {
        self.to_string()
    }
    /// The bad fields, when the error is about a record's fields.
    fn fields(&self) -> Vec<FieldError> {
        Vec::new()
    }
}

/// One bad field of a record: which field, and why (in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "字段 {}：{}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

impl Refusal for FieldError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        "BAD_FIELD"
    }
}
