//! The poller (轮询器): every enabled device of this shard polled at its own interval. Each
//! device has its own task slot, session and memory; a poll is bounded by the device's timeout
//! per request and by an overall deadline, so a dead, slow or garbage-answering agent only
//! delays its own device. A device whose previous poll is still running is skipped, not queued.

use super::evaluate::{Evaluated, Memory, Rules};
use super::ping::Icmp;
use super::poll::{PollPlan, PollResult, poll};
use super::snmp::Session;
use crate::store::monitor::{self as store, PollTarget};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;
use yiqiao_core::time::Clock;
use yiqiao_store::Db;
use yiqiao_store::secret_key::KeyProvider;

/// The `[inspection]` settings of the monitoring part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorConfig {
    /// Run the poller inside `serve`.
    pub enabled: bool,
    /// Default poll interval for new devices, seconds.
    pub poll_interval_secs: u32,
    /// Default per-request timeout for new devices, milliseconds.
    pub timeout_ms: u32,
    /// Consecutive failed polls before a device is down.
    pub down_after: u32,
    /// Polls running at once.
    pub concurrency: usize,
    /// Use ICMP echo beside SNMP (needs raw or datagram ICMP sockets).
    pub icmp: bool,
    /// This poller's shard among `shards` (devices with `id % shards == shard`).
    pub shard: u32,
    pub shards: u32,
    /// How often the device list is re-read and samples rolled up, seconds.
    pub housekeeping_secs: u32,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_interval_secs: 60,
            timeout_ms: 2_000,
            down_after: 3,
            concurrency: 256,
            icmp: true,
            shard: 0,
            shards: 1,
            housekeeping_secs: 60,
        }
    }
}

/// A device's target and its slot.
type SlotEntry = (PollTarget, Arc<Mutex<Slot>>);

struct Slot {
    /// `None` while the credentials cannot be decrypted.
    session: Option<Session>,
    memory: Memory,
    next_due: Option<tokio::time::Instant>,
}

/// One finished poll, as the poller reports it.
#[derive(Debug, Clone)]
pub struct Done {
    pub device_id: i64,
    pub result: PollResult,
    pub evaluated: Evaluated,
    /// Set when storing failed.
    pub store_error: Option<String>,
}

/// The poller of one shard.
pub struct Poller {
    db: Db,
    clock: Arc<dyn Clock>,
    config: MonitorConfig,
    rules: Rules,
    icmp: Option<Arc<Icmp>>,
    slots: Mutex<HashMap<i64, SlotEntry>>,
    permits: Arc<Semaphore>,
    /// Opens the stored SNMP credentials.
    key: Arc<KeyProvider>,
}

impl Poller {
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        config: MonitorConfig,
        key: Arc<KeyProvider>,
    ) -> Arc<Poller> {
        let icmp = if config.icmp {
            match Icmp::new() {
                Ok(i) => Some(Arc::new(i)),
                Err(e) => {
                    tracing::warn!("{e}");
                    None
                }
            }
        } else {
            None
        };
        let rules = Rules {
            down_after: config.down_after.max(1),
            ..Rules::default()
        };
        Arc::new(Poller {
            db,
            clock,
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
            config,
            rules,
            icmp,
            slots: Mutex::new(HashMap::new()),
            key,
        })
    }

    /// Is ICMP in use (raw or datagram sockets were allowed)?
    pub fn icmp_in_use(&self) -> bool {
        self.icmp.is_some()
    }

    /// Re-read this shard's devices: new ones get a slot, removed or changed ones are reset.
    pub async fn refresh(&self) -> Result<usize, store::MonitorError> {
        let targets =
            store::poll_targets(&self.db, &self.key, self.config.shard, self.config.shards).await?;
        let mut slots = self.slots.lock().await;
        slots.retain(|id, _| targets.iter().any(|t| t.id == *id));
        for t in targets {
            let changed = slots.get(&t.id).is_none_or(|(old, _)| {
                old.host != t.host
                    || old.port != t.port
                    || old.credentials != t.credentials
                    || old.timeout_ms != t.timeout_ms
            });
            if changed {
                let addr = resolve(&t.host, t.port);
                let session = t.credentials.as_ref().ok().map(|c| {
                    Session::new(
                        addr,
                        c.clone(),
                        Duration::from_millis(u64::from(t.timeout_ms)),
                    )
                });
                let slot = Slot {
                    session,
                    memory: Memory::default(),
                    next_due: None,
                };
                slots.insert(t.id, (t, Arc::new(Mutex::new(slot))));
            } else if let Some(entry) = slots.get_mut(&t.id) {
                entry.0 = t;
            }
        }
        Ok(slots.len())
    }

    /// Start a poll of every device that is due (all of them when `force`). Each runs on its
    /// own task; the set yields them as they finish.
    pub async fn start_due(self: &Arc<Self>, force: bool) -> JoinSet<Done> {
        let mut set = JoinSet::new();
        self.start_due_into(force, &mut set).await;
        set
    }

    async fn start_due_into(self: &Arc<Self>, force: bool, set: &mut JoinSet<Done>) {
        let now = tokio::time::Instant::now();
        let slots: Vec<SlotEntry> = self.slots.lock().await.values().cloned().collect();
        for (target, slot) in slots {
            // A slot still busy with its previous poll is skipped: nothing queues behind it.
            let Ok(mut guard) = slot.clone().try_lock_owned() else {
                continue;
            };
            if !force && guard.next_due.is_some_and(|d| d > now) {
                continue;
            }
            guard.next_due =
                Some(now + Duration::from_secs(u64::from(target.interval_secs.max(1))));
            let me = self.clone();
            set.spawn(async move {
                let _permit = me.permits.clone().acquire_owned().await;
                me.poll_slot(&target, &mut guard).await
            });
        }
    }

    async fn poll_slot(&self, target: &PollTarget, slot: &mut Slot) -> Done {
        let per_request = Duration::from_millis(u64::from(target.timeout_ms));
        let plan = PollPlan::default();
        // The whole poll may take at most the interval (and never less than a few requests).
        let deadline =
            Duration::from_secs(u64::from(target.interval_secs.max(1))).max(per_request * 4);
        let icmp = self.icmp.clone();
        let addr = resolve(&target.host, target.port);
        let (Some(session), Ok(_)) = (slot.session.as_mut(), &target.credentials) else {
            // Credentials that do not decrypt: the device says why; nothing is polled, so its
            // state and events stay as they were.
            let error = match &target.credentials {
                Err(e) => e.clone(),
                Ok(_) => "SNMP 会话未建立".to_owned(),
            };
            let at = self.clock.now();
            let store_error = store::record_unusable(&self.db, target.id, at, &error)
                .await
                .err()
                .map(|e| e.to_string());
            use super::evaluate::DeviceState;
            let state = match slot.memory.state {
                Some(DeviceState::Down) => DeviceState::Down,
                _ => DeviceState::Unknown,
            };
            return Done {
                device_id: target.id,
                result: PollResult::failed(addr, error),
                evaluated: Evaluated {
                    at,
                    state,
                    failed_polls: slot.memory.failed_polls,
                    rebooted: false,
                    samples: Vec::new(),
                    interfaces: Vec::new(),
                    alerts: Vec::new(),
                    outage: None,
                },
                store_error,
            };
        };
        let ip = addr.ip();
        let snmp = tokio::time::timeout(deadline, poll(session, plan));
        let (result, pinged) = tokio::join!(snmp, async {
            match icmp {
                Some(i) => Some(i.ping(ip, per_request).await),
                None => None,
            }
        });
        let result = match result {
            Ok(r) => r,
            Err(_) => PollResult::failed(
                addr,
                format!("整次轮询超过 {} 秒未完成", deadline.as_secs()),
            ),
        };
        let at = self.clock.now();
        slot.memory.temperature_limit_c = target.temperature_limit_c;
        let evaluated = slot.memory.evaluate(&self.rules, &result, pinged, at);
        let store_error = store::record_poll(&self.db, target.id, &result, &evaluated)
            .await
            .err()
            .map(|e| e.to_string());
        if let Some(e) = &store_error {
            tracing::warn!(device = target.id, "保存轮询结果失败：{e}");
        }
        // Neighbours go to the topology part only from a complete walk: a failed one would
        // otherwise erase what was known.
        if result.reachable && result.error.is_none() {
            let stored = crate::store::links::store_neighbours(
                &self.db,
                target.asset_id,
                &result.neighbours,
                at,
            )
            .await;
            if let Err(e) = stored {
                tracing::warn!(device = target.id, "保存 LLDP/CDP 邻居失败：{e}");
            }
        }
        Done {
            device_id: target.id,
            result,
            evaluated,
            store_error,
        }
    }

    /// Run until `stop` resolves: start due polls every second, re-read devices and roll up
    /// samples every `housekeeping_secs`.
    pub async fn run(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let house = u64::from(self.config.housekeeping_secs.max(5));
        let mut since_house = house;
        // Owned here so that stopping the poller stops its polls.
        let mut running: JoinSet<Done> = JoinSet::new();
        loop {
            tokio::select! {
                () = &mut stop => break,
                Some(_) = running.join_next(), if !running.is_empty() => continue,
                _ = tick.tick() => {}
            }
            since_house += 1;
            if since_house >= house {
                since_house = 0;
                if let Err(e) = self.refresh().await {
                    tracing::warn!("读取监控设备失败：{e}");
                }
                if let Err(e) = store::rollup(&self.db, self.clock.now()).await {
                    tracing::warn!("采样汇总失败：{e}");
                }
            }
            self.start_due_into(false, &mut running).await;
        }
        running.abort_all();
    }
}

/// A device address. Management addresses are IP literals (checked when a device is added);
/// anything else polls the unspecified address and fails with a clear error.
fn resolve(host: &str, port: u16) -> SocketAddr {
    host.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, port))
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], port)))
}

/// Start-up work of `serve`: encrypt the SNMP credentials still stored as plain text, then,
/// when enabled, run the poller until `stop` turns true.
pub fn spawn(
    db: Db,
    clock: Arc<dyn Clock>,
    config: MonitorConfig,
    key: Arc<KeyProvider>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    Some(tokio::spawn(async move {
        match store::seal_legacy_credentials(&db, &key).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("已加密 {n} 项明文存储的 SNMP 凭据"),
            Err(e) => tracing::warn!("加密明文 SNMP 凭据失败：{e}"),
        }
        if config.enabled {
            let poller = Poller::new(db, clock, config, key);
            poller
                .run(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
        }
    }))
}
