//! yiqiao-booking — 号源 and online number-taking for 安诊儿 through 健康台州, in the
//! "take the number now, pay at the visit" mode (先取号后付费, 医院托收).
//!
//! - [`domain`]: pure rules (schedules, release rule, ticket and receivable states, the
//!   no-show rule, request signing, secret encryption).
//! - [`wire`]: the platform's JSON wire format and its mapping to the domain — the one file to
//!   change when the real platform's field names are adopted.
//! - [`store`]: tables and operations (the database decides every race); [`api`]: the signed
//!   platform API `/platform/v1`; [`pages`]: the hospital's pages; [`notice`]: notices to the
//!   platform through the outbox; [`client`]: our own signing client; [`cli`], [`demo`],
//!   [`bench`]: what the command line, the demo hospital and the benchmark call.

pub mod domain;
pub mod wire;

pub mod api;
pub mod bench;
pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod migrations;
pub mod notice;
pub mod pages;
pub mod store;

pub use api::{BookingState, routes};
pub use config::{BookingConfig, Rules};
pub use domain::BookingError;

/// This crate's schema, to be run after `yiqiao_his::migrations()`.
pub fn migrations() -> Vec<yiqiao_store::Migration> {
    vec![
        Box::new(migrations::m3001_booking_schedule::Up),
        Box::new(migrations::m3002_booking_ticket::Up),
        Box::new(migrations::m3003_booking_platform::Up),
    ]
}
