//! The NHSA 进销存 simulator (`yiqiao nhsa-sim`, and a library for tests): a real HTTP server
//! that reads requests as the platform does — envelope, required fields of the record —
//! refuses a sale of a code already sold and not returned (`retRslt = 0`, "追溯码已销售") unless
//! it is a split sale (拆零, `trdn_flag` 1) of an opened package,
//! accepts returns and 3507 deletions, can be told to fail (503, slow answers, rejections),
//! and records what it received.
//!
//! Control over HTTP: `GET /sim/received` (what came in), `POST /sim/fault`
//! `{"mode": "unavailable"|"slow"|"reject"|"none", "count": n, "millis": ms, "message": "…"}`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::nhsa::Infno;

/// A failure to inject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Fault {
    /// Answer normally.
    None,
    /// HTTP 503, the request not looked at.
    Unavailable,
    /// Wait this long before answering (longer than the client's timeout: a timeout).
    Slow { millis: u64 },
    /// A business rejection (`retRslt = 0`) with this `msgRslt`.
    Reject { message: String },
}

/// One request as received, with the verdict given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Received {
    pub infno: String,
    pub msgid: String,
    pub accepted: bool,
    pub message: String,
    pub request: Value,
}

#[derive(Default)]
struct Book {
    /// Codes sold and not returned.
    sold: BTreeSet<String>,
    /// Accepted sales by batch (for 3507 of a sale record).
    sales_by_batch: BTreeMap<String, Vec<String>>,
    received: Vec<Received>,
    /// The next `n` requests meet this fault.
    fault: Option<(Fault, u32)>,
}

/// The simulator's state; survives a stop and restart of its server.
#[derive(Clone, Default)]
pub struct NhsaSim {
    book: Arc<Mutex<Book>>,
}

/// A running server.
pub struct SimServer {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl SimServer {
    /// The endpoint to configure as `nhsa_endpoint`.
    pub fn endpoint(&self) -> String {
        format!("http://{}/", self.addr)
    }
    /// Stops listening; connections in flight finish first.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

impl NhsaSim {
    pub fn new() -> NhsaSim {
        NhsaSim::default()
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        // A panic while holding the lock leaves a usable book: every change is one insert.
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves on `addr` (port 0: any free port) until stopped.
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<SimServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let app = self.router();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(SimServer { addr, stop, task })
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/", post(receive))
            .route("/sim/received", get(received))
            .route("/sim/fault", post(set_fault))
            .with_state(self.clone())
    }

    /// The next `count` requests meet `fault`.
    pub fn fail_next(&self, fault: Fault, count: u32) {
        self.book().fault = Some((fault, count));
    }

    /// Everything received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.book().received.clone()
    }

    fn take_fault(&self) -> Fault {
        let mut b = self.book();
        match b.fault.take() {
            Some((f, n)) if n > 0 => {
                if n > 1 {
                    b.fault = Some((f.clone(), n - 1));
                }
                f
            }
            _ => Fault::None,
        }
    }

    /// Judges one request body; returns the answer and records it.
    pub fn judge(&self, request: Value, fault: &Fault) -> Value {
        let infno = request["infno"].as_str().unwrap_or("").to_owned();
        let msgid = request["msgid"].as_str().unwrap_or("").to_owned();
        let (accepted, message) = match fault {
            Fault::Reject { message } => (false, message.clone()),
            _ => self.rule(&request),
        };
        let answer = if accepted {
            json!({"infcode": 0, "err_msg": "", "output": {"result": {"retRslt": 1, "msgRslt": "成功"}}})
        } else if message.starts_with("缺少") || message.starts_with("不支持") {
            json!({"infcode": -1, "err_msg": message, "output": null})
        } else {
            json!({"infcode": 0, "err_msg": "", "output": {"result": {"retRslt": 0, "msgRslt": message}}})
        };
        self.book().received.push(Received {
            infno,
            msgid,
            accepted,
            message,
            request,
        });
        answer
    }

    fn rule(&self, request: &Value) -> (bool, String) {
        for f in ["infno", "msgid", "fixmedins_code", "inf_time"] {
            if blank(&request[f]) {
                return (false, format!("缺少必填字段 {f}"));
            }
        }
        let Some(infno) = request["infno"].as_str().and_then(Infno::from_code) else {
            return (false, "不支持的交易编号".into());
        };
        let rec = &request["input"][infno.node()];
        if !rec.is_object() {
            return (false, format!("缺少必填字段 input.{}", infno.node()));
        }
        for f in infno.required() {
            if blank(&rec[*f]) {
                return (false, format!("缺少必填字段 {}.{f}", infno.node()));
            }
        }
        if infno == Infno::Sale
            && rec["mdtrt_setl_type"].as_str() == Some("1")
            && blank(&rec["setl_id"])
        {
            return (false, "缺少必填字段 selinfo.setl_id".into());
        }
        let codes: Vec<String> = rec["drugtracinfo"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t["drug_trac_codg"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let bchno = rec["fixmedins_bchno"].as_str().unwrap_or("").to_owned();
        // 拆零 (trdn_flag 1): an opened package's code is sold in parts over several sales, so
        // it is neither refused as sold nor marked as sold whole.
        let split = rec["trdn_flag"].as_str() == Some("1");
        let mut b = self.book();
        match infno {
            Infno::Sale | Infno::SaleReturn if split => {}
            Infno::Sale => {
                if let Some(c) = codes.iter().find(|c| b.sold.contains(*c)) {
                    return (false, format!("追溯码已销售：{c}"));
                }
                b.sold.extend(codes.iter().cloned());
                b.sales_by_batch.entry(bchno).or_default().extend(codes);
            }
            Infno::SaleReturn => {
                for c in &codes {
                    b.sold.remove(c);
                }
            }
            Infno::Delete if rec["inv_data_type"].as_str() == Some("4") => {
                for c in b.sales_by_batch.remove(&bchno).unwrap_or_default() {
                    b.sold.remove(&c);
                }
            }
            _ => {}
        }
        (true, "成功".into())
    }
}

fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

async fn receive(State(sim): State<NhsaSim>, body: axum::body::Bytes) -> Response {
    let fault = sim.take_fault();
    match &fault {
        Fault::Unavailable => {
            return (StatusCode::SERVICE_UNAVAILABLE, "医保平台维护中").into_response();
        }
        Fault::Slow { millis } => tokio::time::sleep(Duration::from_millis(*millis)).await,
        Fault::None | Fault::Reject { .. } => {}
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return Json(json!({"infcode": -1, "err_msg": "请求不是 JSON", "output": null}))
            .into_response();
    };
    Json(sim.judge(request, &fault)).into_response()
}

async fn received(State(sim): State<NhsaSim>) -> Json<Vec<Received>> {
    Json(sim.received())
}

#[derive(Deserialize)]
struct FaultBody {
    #[serde(flatten)]
    fault: Fault,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

async fn set_fault(State(sim): State<NhsaSim>, Json(b): Json<FaultBody>) -> StatusCode {
    sim.fail_next(b.fault, b.count);
    StatusCode::NO_CONTENT
}

/// `yiqiao nhsa-sim --bind ADDR`: serves until Ctrl-C, printing the endpoint and, per
/// request, its verdict.
pub async fn run(bind: &str) -> std::io::Result<()> {
    let addr: SocketAddr = bind.parse().map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{bind}：{e}"))
    })?;
    let sim = NhsaSim::new();
    let server = sim.serve(addr).await?;
    println!(
        "医保进销存模拟器已启动：{}（在配置 [tracecode] nhsa_endpoint 填此地址；Ctrl-C 停止）",
        server.endpoint()
    );
    tokio::signal::ctrl_c().await?;
    let n = sim.received().len();
    server.stop().await;
    println!("已停止，共收到 {n} 条报文");
    Ok(())
}
