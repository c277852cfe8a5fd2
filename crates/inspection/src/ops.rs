//! The operations half's web surface (assets, IPAM, inspections, faults, topology, reports):
//! its state, who may do what, its routes and navigation.

use std::sync::Arc;

use axum::response::{Html, IntoResponse, Response};
use yiqiao_core::Role;
use yiqiao_core::time::Clock;
use yiqiao_http::{Access, AppError, NavItem, Routes};
use yiqiao_store::Db;

/// Who reads the device archive and records: 信息科运维 and the contracted engineers.
pub const READ: Access = Access::Roles(&[Role::ItOps, Role::Engineer]);
/// Who changes the device archive, IPAM and contracts: 信息科运维.
pub const MANAGE: Access = Access::Roles(&[Role::ItOps]);

/// What the operations pages need.
#[derive(Clone)]
pub struct OpsState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

/// Every operations route, declared with its roles.
pub fn routes(state: OpsState) -> Routes<()> {
    crate::asset_pages::routes()
        .merge(crate::ipam_pages::routes())
        .merge(crate::inspection_pages::routes())
        .merge(crate::assessment_pages::routes())
        .merge(crate::topology_pages::routes())
        .merge(crate::report_pages::routes())
        .with_state(state)
}

/// The operations navigation entries.
pub fn navigation() -> Vec<NavItem> {
    vec![
        NavItem {
            group: "机房运维",
            label: "设备档案",
            href: "/inspection/assets",
            access: READ,
        },
        NavItem {
            group: "机房运维",
            label: "到期提醒",
            href: "/inspection/expiry",
            access: READ,
        },
        NavItem {
            group: "机房运维",
            label: "地址与VLAN",
            href: "/inspection/ipam",
            access: READ,
        },
        NavItem {
            group: "机房运维",
            label: "网络拓扑",
            href: "/inspection/topology",
            access: READ,
        },
        NavItem {
            group: "机房运维",
            label: "月度巡检",
            href: "/inspection/rounds",
            access: READ,
        },
        NavItem {
            group: "机房运维",
            label: "故障",
            href: "/inspection/faults",
            access: READ,
        },
        NavItem {
            group: "机房运维",
            label: "配置变更",
            href: "/inspection/changes",
            access: READ,
        },
        NavItem {
            group: "机房运维",
            label: "月度运行报告",
            href: "/inspection/reports",
            access: READ,
        },
        NavItem {
            group: "机房运维",
            label: "年度安全评估",
            href: "/inspection/assessment",
            access: READ,
        },
    ]
}

pub(crate) fn html(page: &impl askama::Template) -> Result<Response, AppError> {
    Ok(Html(page.render()?).into_response())
}

/// The operations half's round of scheduled work at `now` (run by `serve`'s jobs): expiry
/// notices for the 90/30/7-day thresholds reached today. Idempotent, safe on several nodes.
/// With no notice address (`[inspection] notice_url` empty) the thresholds reached are marked as
/// noticed and shown on the dashboard, and no message is put in the outbox to be refused there
/// (one warning each) — the operator who set no receiver asked for none. Once an address is set,
/// the next thresholds go out. Returns how many thresholds were reached.
pub async fn tick(
    db: &Db,
    config: &crate::config::InspectionConfig,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, crate::store::OpsError> {
    let send = !config.notice_url.trim().is_empty();
    crate::store::asset::expiry_notices(db, yiqiao_core::time::local_today(now), now, send).await
}
