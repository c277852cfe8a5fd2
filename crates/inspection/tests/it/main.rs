#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The domain core used the way the poller will use it, through the public API only.

mod domain_flow;
