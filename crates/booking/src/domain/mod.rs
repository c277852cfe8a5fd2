//! Pure rules of booking: no I/O, no database, no HTTP.
//!
//! - [`schedule`]: sessions, levels, the release rule (放号规则), slot windows (分时段).
//! - [`ticket`]: channels, the ticket state machine (取号记录) and the receivable (托收).
//! - [`patient`]: the patient identity of a request (ID number checked, GB 11643).
//! - [`noshow`]: the 爽约 suspension rule and the daily limit.
//! - [`rate`]: the request budget of a platform app (限流).
//! - [`signing`]: the canonical string and HMAC-SM3 signature of the platform API.
//! - [`secret`]: SM4 encryption of app secrets at rest.
//! - [`error`]: every refusal with the contract's error code.

pub mod error;
pub mod noshow;
pub mod patient;
pub mod rate;
pub mod schedule;
pub mod secret;
pub mod signing;
pub mod ticket;

pub use error::BookingError;
