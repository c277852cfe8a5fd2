//! 机房巡检 — the data-centre operations and inspection service.
//!
//! This round holds the pure domain core (no I/O): interface rates, alert thresholds,
//! availability and vendor profiles. The poller, storage and pages build on it.

pub mod domain;
