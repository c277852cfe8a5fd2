//! Jobs that run by themselves while the server runs, so nobody has to remember them:
//! booking's end-of-day sweep (爽约: tickets past their check-in deadline, the suspension rule,
//! visits and settlements taken over from the HIS) and schedule generation over the release
//! horizon. Both are idempotent — every change they make is conditional — so a second node
//! running them at the same moment does no harm.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use yiqiao_core::time::Clock;
use yiqiao_store::Db;

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub no_shows: usize,
    pub suspended: usize,
    pub schedules_created: usize,
    pub expiry_notices: usize,
}

/// One round of every job, at `now`.
pub async fn tick(
    db: &Db,
    rules: &yiqiao_booking::config::Rules,
    inspection: &yiqiao_inspection::config::InspectionConfig,
    now: DateTime<Utc>,
) -> anyhow::Result<Round> {
    let eod = yiqiao_booking::cli::end_of_day(db, rules, now).await?;
    // Generate one day past the release horizon so tomorrow's release finds its schedules.
    let created =
        yiqiao_booking::cli::generate(db, rules, rules.release.days_ahead + 1, now).await?;
    // 机房运维: expiry notices at 90/30/7 days (each threshold once; sent only when a notice
    // address is configured, otherwise shown on the dashboard alone).
    let expiry_notices = yiqiao_inspection::ops::tick(db, inspection, now).await?;
    Ok(Round {
        no_shows: eod.no_shows,
        suspended: eod.suspended,
        schedules_created: created,
        expiry_notices,
    })
}

/// 机房运维: the previous month's report (月度运行报告), kept once on the 1st (or the first
/// round after it). The unique month lets exactly one node keep it. Returns whether this call did.
pub async fn monthly_report(db: &Db, hospital: &str, now: DateTime<Utc>) -> anyhow::Result<bool> {
    Ok(yiqiao_inspection::report_print::scheduled(db, hospital, now).await?)
}

/// Run a round every `every` until `stop` turns true.
pub async fn run(
    db: Db,
    rules: yiqiao_booking::config::Rules,
    inspection: yiqiao_inspection::config::InspectionConfig,
    hospital: String,
    clock: Arc<dyn Clock>,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            break;
        }
        match tick(&db, &rules, &inspection, clock.now()).await {
            Ok(r) if r != Round::default() => tracing::info!(?r, "scheduled jobs"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduled jobs failed; will try again"),
        }
        match monthly_report(&db, &hospital, clock.now()).await {
            Ok(true) => tracing::info!("monthly operations report kept"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "monthly report failed; will try again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
    }
}
