//! Putting the application together: every crate's routes, navigation, outbox handlers and
//! migrations in one place.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing;
use axum::{Json, middleware};
use yiqiao_core::Role;
use yiqiao_core::time::Clock;
use yiqiao_http::{Access, NavItem, RouteSpec, Routes, Site};
use yiqiao_store::Db;
use yiqiao_store::outbox::Registry;

use crate::config::Config;
use crate::state::AppState;

/// Every migration of every crate, in dependency order.
pub fn all_migrations() -> Vec<yiqiao_store::Migration> {
    let mut m = yiqiao_store::migrations();
    m.extend(yiqiao_his::migrations());
    m.extend(yiqiao_booking::migrations());
    m.extend(yiqiao_tracecode::migrations());
    m.extend(yiqiao_drg::migrations());
    m.extend(yiqiao_visitpage::migrations());
    m.extend(yiqiao_inspection::migrations());
    m.extend(crate::migrations::all());
    m
}

/// The navigation, by module. A module adds its entries here when it gains pages.
pub fn navigation() -> Vec<NavItem> {
    const ADMIN: Access = Access::Roles(&[Role::Admin]);
    vec![
        NavItem {
            group: "系统管理",
            label: "用户与角色",
            href: "/admin/users",
            access: ADMIN,
        },
        NavItem {
            group: "系统管理",
            label: "HIS 接口客户端",
            href: "/admin/his-clients",
            access: ADMIN,
        },
        NavItem {
            group: "系统管理",
            label: "对外消息",
            href: "/admin/outbox",
            access: Access::Roles(&[Role::Admin, Role::ItOps, Role::Insurance]),
        },
        NavItem {
            group: "系统管理",
            label: "审计日志",
            href: "/admin/audit",
            access: ADMIN,
        },
        NavItem {
            group: "药品追溯",
            label: "药品目录对照",
            href: "/tracecode/catalogue",
            access: yiqiao_tracecode::api::CATALOGUE_READ,
        },
        NavItem {
            group: "药品追溯",
            label: "导入标识码",
            href: "/tracecode/import",
            access: yiqiao_tracecode::api::CATALOGUE_WRITE,
        },
        NavItem {
            group: "药品追溯",
            label: "采购入库",
            href: "/tracecode/receipts",
            access: yiqiao_tracecode::api::RECEIPTS,
        },
        NavItem {
            group: "药品追溯",
            label: "门诊发药扫码",
            href: "/tracecode/dispensing",
            access: yiqiao_tracecode::api::DISPENSERS,
        },
        NavItem {
            group: "药品追溯",
            label: "采购退货",
            href: "/tracecode/supplier-returns",
            access: yiqiao_tracecode::api::RECEIPTS,
        },
        NavItem {
            group: "药品追溯",
            label: "库存盘存与变更",
            href: "/tracecode/stock",
            access: yiqiao_tracecode::api::STOCK,
        },
        NavItem {
            group: "药品追溯",
            label: "住院病区发药扫码",
            href: "/tracecode/ward",
            access: yiqiao_tracecode::api::WARD,
        },
        NavItem {
            group: "药品追溯",
            label: "追溯码查询",
            href: "/tracecode/trace",
            access: yiqiao_tracecode::api::TRACERS,
        },
        NavItem {
            group: "药品追溯",
            label: "采集统计",
            href: "/tracecode/figures",
            access: yiqiao_tracecode::api::FIGURES,
        },
        NavItem {
            group: "药品追溯",
            label: "医保进销存上传",
            href: "/tracecode/nhsa",
            access: yiqiao_tracecode::api::UPLOADS,
        },
    ]
    .into_iter()
    .chain(yiqiao_booking::pages::navigation())
    .chain(yiqiao_drg::pages::navigation())
    .chain(yiqiao_inspection::ops::navigation())
    .chain(yiqiao_inspection::monitor_pages::navigation())
    .chain(yiqiao_visitpage::pages::navigation())
    .collect()
}

/// The outbox handlers of every module.
pub fn outbox_registry(config: &Config, db: &Db, clock: &Arc<dyn Clock>) -> Registry {
    let mut r = Registry::new();
    r.register(Arc::new(
        yiqiao_booking::notice::NoticeHandler::from_config(
            db.clone(),
            clock.clone(),
            &config.booking,
            &config.data_dir,
        ),
    ));
    for h in yiqiao_tracecode::NhsaHandler::all(&config.tracecode, clock) {
        r.register(h);
    }
    r.register(yiqiao_inspection::ops_notice::expiry_handler(
        &config.inspection,
    ));
    r.register(yiqiao_inspection::ops_notice::alert_handler(
        &config.inspection,
    ));
    r
}

/// The assembled application.
pub struct App {
    pub router: Router,
    pub routes: Vec<RouteSpec>,
    pub state: AppState,
}

impl App {
    pub async fn new(db: Db, config: Config, clock: Arc<dyn Clock>) -> Result<App, sea_orm::DbErr> {
        let demo = crate::dashboard::is_demo(&db).await?;
        let registry = Arc::new(outbox_registry(&config, &db, &clock));
        let booking = yiqiao_booking::BookingState::from_config(
            db.clone(),
            clock.clone(),
            &config.booking,
            &config.data_dir,
        )
        .map_err(sea_orm::DbErr::Custom)?;
        let site = Site {
            hospital: config.hospital.name.clone(),
            demo,
            nav: Arc::new(navigation()),
        };
        let state = AppState {
            db: db.clone(),
            config: Arc::new(config),
            clock: clock.clone(),
            outbox: registry,
            site,
        };
        let own: Routes<()> = Routes::<AppState>::new()
            .page_get(
                "/",
                Access::AnyUser,
                routing::get(crate::dashboard::dashboard),
            )
            .api(
                axum::http::Method::GET,
                "/health",
                Access::Public,
                routing::get(health),
            )
            .api(
                axum::http::Method::GET,
                "/api/openapi.json",
                Access::Public,
                routing::get(openapi),
            )
            .page_get("/static/site.css", Access::Public, routing::get(css))
            .merge(crate::auth::handlers::routes())
            .merge(crate::admin::routes())
            .with_state(state.clone());
        let his = yiqiao_his::routes(yiqiao_his::HisState {
            db: db.clone(),
            clock: clock.clone(),
        });
        let drg = yiqiao_drg::pages::routes(yiqiao_drg::pages::DrgState::new(
            db.clone(),
            clock.clone(),
            state.config.drg.version.clone(),
        ));
        let org = visitpage_org(&state.config.hospital, demo);
        // Said once at start, not on every page: each page would fail VP-R01/VP-R32 on it.
        if let Some(w) = org.config_warning(demo) {
            tracing::warn!("{w}");
        }
        let visitpage = yiqiao_visitpage::routes(yiqiao_visitpage::VisitPageState::new(
            db.clone(),
            clock.clone(),
            org,
        ));
        let inspection_ops = yiqiao_inspection::ops::routes(yiqiao_inspection::ops::OpsState {
            db: db.clone(),
            clock: clock.clone(),
        });
        let inspection_monitor = yiqiao_inspection::monitor_pages::routes(
            yiqiao_inspection::monitor_pages::MonitorState {
                db: db.clone(),
                clock: clock.clone(),
                config: state.config.inspection.monitor.clone(),
                key: Arc::new(state.config.inspection.key_provider(&state.config.data_dir)),
            },
        );
        let tracecode = yiqiao_tracecode::routes(yiqiao_tracecode::TraceState {
            db: db.clone(),
            clock,
            ward_upload: state.config.tracecode.ward_upload,
            split_policy: state.config.tracecode.split_policy,
        });
        let (router, routes) = own
            .merge(his)
            .merge(tracecode)
            .merge(yiqiao_booking::routes(booking.clone()))
            .merge(yiqiao_booking::pages::routes(booking))
            .merge(drg)
            .merge(visitpage)
            .merge(inspection_ops)
            .merge(inspection_monitor)
            .into_parts();
        let router = router
            .layer(middleware::from_fn(crate::errors::finish_errors))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                crate::auth::session_layer,
            ))
            .layer(DefaultBodyLimit::max(state.config.http.max_body_bytes))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                std::time::Duration::from_secs(state.config.http.request_timeout_secs),
            ))
            .layer(tower_http::catch_panic::CatchPanicLayer::new());
        Ok(App {
            router,
            routes,
            state,
        })
    }
}

/// The hospital as the information page names it; the demo hospital, whose configuration
/// usually leaves the credit code empty, uses the demo's code.
pub fn visitpage_org(h: &crate::config::HospitalConfig, demo: bool) -> yiqiao_visitpage::Org {
    let credit_code = if h.credit_code.is_empty() && demo {
        yiqiao_visitpage::DEMO_CREDIT_CODE.to_string()
    } else {
        h.credit_code.clone()
    };
    yiqiao_visitpage::Org {
        name: h.name.clone(),
        credit_code,
    }
}

/// The health check's documentation (the handler is `health`).
#[utoipa::path(get, path = "/health", tag = "server",
    responses((status = 200, description = "{\"status\":\"ok\",\"database\":\"sqlite\"|\"postgres\",\"version\":…}"),
               (status = 503, description = "数据库不可用")))]
pub fn health_doc() {}

async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let ok = state.db.ping().await.is_ok();
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "unavailable" },
        "database": state.db.backend().as_str(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    let status = if ok {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

async fn openapi() -> impl IntoResponse {
    Json(crate::openapi::document())
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/site.css"),
    )
}
