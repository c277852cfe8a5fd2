//! Running the server: open and migrate the database, optionally load the demo hospital, start
//! the outbox worker, serve until SIGTERM/SIGINT, then stop in order.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use yiqiao_core::time::{Clock, SystemClock};
use yiqiao_store::outbox::{Policy, Worker};
use yiqiao_store::{Db, DbConfig};

use crate::{App, Config};

pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&DbConfig {
        url: config.database_url(),
        max_connections: config.database.max_connections,
    })
    .await?;
    yiqiao_store::migrate::run(&db, &crate::all_migrations()).await?;
    Ok(db)
}

/// A started server, for tests and for `serve`.
pub struct Running {
    pub addr: SocketAddr,
    pub app_routes: Vec<yiqiao_http::RouteSpec>,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    worker: Option<tokio::task::JoinHandle<()>>,
    jobs: Option<tokio::task::JoinHandle<()>>,
    /// 机房运维: the SNMP/ICMP poller.
    monitor: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stop taking requests, finish those in flight, stop the worker at a safe point.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
        join_all([self.worker, self.jobs, self.monitor]).await;
    }

    /// Wait until the server ends by itself (after a signal).
    pub async fn wait(self) {
        let _ = self.server.await;
        let _ = self.stop.send(true);
        join_all([self.worker, self.jobs, self.monitor]).await;
    }
}

/// Wait for the background workers to reach their safe point and end.
async fn join_all<const N: usize>(workers: [Option<tokio::task::JoinHandle<()>>; N]) {
    for w in workers.into_iter().flatten() {
        let _ = w.await;
    }
}

/// Start serving `db` on `bind`. `signals`: end on SIGTERM/SIGINT.
pub async fn start(
    db: Db,
    config: Config,
    clock: Arc<dyn Clock>,
    bind: &str,
    signals: bool,
) -> anyhow::Result<Running> {
    let outbox_cfg = config.outbox.clone();
    let jobs_cfg = config.jobs.clone();
    let rules = config.booking.rules().map_err(anyhow::Error::msg)?;
    let monitor_cfg = config.inspection.monitor.clone();
    let inspection_cfg = config.inspection.clone();
    let monitor_key = Arc::new(config.inspection.key_provider(&config.data_dir));
    let hospital = config.hospital.name.clone();
    let app = App::new(db.clone(), config, clock.clone()).await?;
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let monitor = yiqiao_inspection::monitor::poller::spawn(
        db.clone(),
        clock.clone(),
        monitor_cfg,
        monitor_key,
        stop_rx.clone(),
    );
    let jobs = jobs_cfg.enabled.then(|| {
        tokio::spawn(crate::jobs::run(
            db.clone(),
            rules,
            inspection_cfg,
            hospital,
            clock.clone(),
            Duration::from_secs(jobs_cfg.interval_minutes.max(1) * 60),
            stop_rx.clone(),
        ))
    });
    let worker = if outbox_cfg.enabled {
        let w = Worker::new(
            db,
            app.state.outbox.clone(),
            clock,
            Policy {
                base_delay: Duration::from_secs(outbox_cfg.base_delay_secs),
                max_delay: Duration::from_secs(outbox_cfg.max_delay_secs),
                max_attempts: outbox_cfg.max_attempts,
                ..Policy::default()
            },
        )?;
        Some(tokio::spawn(w.run(stop_rx.clone())))
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("无法监听 {bind}：{e}（端口被占用？可用 --bind 换一个）"))?;
    let addr = listener.local_addr()?;
    let router = app.router;
    let mut rx = stop_rx;
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            if signals {
                tokio::select! {
                    _ = shutdown_signal() => {}
                    _ = rx.changed() => {}
                }
            } else {
                let _ = rx.changed().await;
            }
            tracing::info!("shutting down: finishing requests in flight");
        })
        .await
    });
    Ok(Running {
        addr,
        app_routes: app.routes,
        stop,
        server,
        worker,
        jobs,
        monitor,
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// The system clock, for the binary.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
