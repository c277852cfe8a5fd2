//! SNMP credentials at rest (凭据加密存储): encrypted when a device is added, opened only by the
//! poller; plain rows from an older version are encrypted once at start-up; a wrong key or a
//! damaged value is an error shown on that device, while the poller goes on with the others.

use crate::monitor_agents::{Snmpsim, V3_AUTH, V3_PRIV, v2c, v3};
use crate::monitor_poller::{db, device, key};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;
use yiqiao_core::secret::SecretKey;
use yiqiao_core::time::ManualClock;
use yiqiao_inspection::monitor::evaluate::DeviceState;
use yiqiao_inspection::monitor::poller::{Done, MonitorConfig, Poller};
use yiqiao_inspection::store::monitor::{self as st, entities::device as dev};
use yiqiao_store::secret_key::KeyProvider;
use yiqiao_store::testing::TestDb;

const CISCO: &str = "network/switch/cisco-c3560";

fn local(s: &str) -> DateTime<Utc> {
    yiqiao_core::time::parse_local(s).unwrap()
}

fn config() -> MonitorConfig {
    MonitorConfig {
        icmp: false,
        ..MonitorConfig::default()
    }
}

async fn row(t: &TestDb, id: i64) -> dev::Model {
    dev::Entity::find_by_id(id)
        .one(t.db.conn())
        .await
        .unwrap()
        .unwrap()
}

async fn poll_all(t: &TestDb, key: Arc<KeyProvider>, n: usize) -> HashMap<i64, Done> {
    let clock = Arc::new(ManualClock::new(local("2026-11-02 09:00:00")));
    let poller = Poller::new(t.db.clone(), clock, config(), key);
    assert_eq!(poller.refresh().await.unwrap(), n);
    let mut round = poller.start_due(true).await;
    let mut done = HashMap::new();
    while let Some(d) = round.join_next().await {
        let d = d.unwrap();
        done.insert(d.device_id, d);
    }
    done
}

fn opened(stored: &Option<String>) -> String {
    let k = key().get().unwrap();
    k.decrypt_text(stored.as_deref().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_stored_encrypted_and_the_poller_reads_with_v2c_and_v3() {
    let t = db().await;
    let agent = Snmpsim::start(&[CISCO]).await;
    let a = device(&t, "SW-V2C", agent.addr, v2c(CISCO), 5_000).await;
    let b = device(&t, "SW-V3", agent.addr, v3(CISCO), 5_000).await;

    let ra = row(&t, a).await;
    let community = ra.community.clone().unwrap();
    assert!(community.starts_with("sm4ctr1:"), "{community}");
    assert!(!community.contains(CISCO));
    assert_eq!(opened(&ra.community), CISCO);
    let rb = row(&t, b).await;
    assert_eq!(rb.community, None);
    for (stored, plain) in [(&rb.v3_auth_pass, V3_AUTH), (&rb.v3_priv_pass, V3_PRIV)] {
        let s = stored.clone().unwrap();
        assert!(s.starts_with("sm4ctr1:") && !s.contains(plain), "{s}");
        assert_eq!(opened(stored), plain);
    }
    // The same password twice gives two different ciphertexts (fresh IV).
    let c = device(&t, "SW-V3-B", agent.addr, v3(CISCO), 5_000).await;
    assert_ne!(row(&t, c).await.v3_auth_pass, rb.v3_auth_pass);

    let done = poll_all(&t, key(), 3).await;
    for id in [a, b, c] {
        assert_eq!(done[&id].result.error, None, "device {id}");
        assert_eq!(done[&id].evaluated.state, DeviceState::Up);
        assert_eq!(st::device(&t.db, id).await.unwrap().state, "up");
    }
    assert!(!done[&a].result.cpu_e2.is_empty());
    assert_eq!(done[&a].result.cpu_e2, done[&b].result.cpu_e2);
    assert_eq!(done[&a].result.memory_e2, done[&b].result.memory_e2);
    // What the pages and the API get says only that they are set.
    let v = st::device(&t.db, b).await.unwrap();
    assert_eq!(v.v3_auth_pass, Some(st::SECRET_SET));
    assert_eq!(v.v3_priv_pass, Some(st::SECRET_SET));
    assert_eq!(v.community, None);
    let json = serde_json::to_string(&v).unwrap();
    assert!(
        !json.contains(V3_AUTH) && !json.contains("sm4ctr1:"),
        "{json}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_rows_from_before_are_encrypted_once_at_start_up() {
    let t = db().await;
    let agent = Snmpsim::start(&[CISCO]).await;
    let a = device(&t, "SW-OLD-V2C", agent.addr, v2c(CISCO), 5_000).await;
    let b = device(&t, "SW-OLD-V3", agent.addr, v3(CISCO), 5_000).await;
    // As an older version stored them: plain text.
    let conn = t.db.conn();
    dev::Entity::update_many()
        .col_expr(dev::Column::Community, Expr::value(CISCO))
        .filter(dev::Column::Id.eq(a))
        .exec(conn)
        .await
        .unwrap();
    dev::Entity::update_many()
        .col_expr(dev::Column::V3AuthPass, Expr::value(V3_AUTH))
        .col_expr(dev::Column::V3PrivPass, Expr::value(V3_PRIV))
        .filter(dev::Column::Id.eq(b))
        .exec(conn)
        .await
        .unwrap();
    // Before the pass, the poller refuses them rather than sending plain text it cannot trust.
    let before = poll_all(&t, key(), 2).await;
    assert!(
        before[&a]
            .result
            .error
            .as_deref()
            .unwrap()
            .contains("无法解密团体名")
    );

    assert_eq!(st::seal_legacy_credentials(&t.db, &key()).await.unwrap(), 3);
    // A second node starting later finds nothing left to do.
    assert_eq!(st::seal_legacy_credentials(&t.db, &key()).await.unwrap(), 0);
    let (ra, rb) = (row(&t, a).await, row(&t, b).await);
    assert!(ra.community.as_deref().unwrap().starts_with("sm4ctr1:"));
    assert_eq!(opened(&ra.community), CISCO);
    assert_eq!(opened(&rb.v3_auth_pass), V3_AUTH);
    assert_eq!(opened(&rb.v3_priv_pass), V3_PRIV);

    let done = poll_all(&t, key(), 2).await;
    for id in [a, b] {
        assert_eq!(done[&id].result.error, None);
        assert_eq!(done[&id].evaluated.state, DeviceState::Up);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_an_error_on_the_device_not_a_crash_of_the_poller() {
    let t = db().await;
    let agent = Snmpsim::start(&[CISCO]).await;
    let good = device(&t, "SW-GOOD", agent.addr, v2c(CISCO), 5_000).await;
    let damaged = device(&t, "SW-DAMAGED", agent.addr, v3(CISCO), 5_000).await;
    // One stored value altered: that device alone cannot be polled.
    dev::Entity::update_many()
        .col_expr(dev::Column::V3AuthPass, Expr::value("sm4ctr1:00ff"))
        .filter(dev::Column::Id.eq(damaged))
        .exec(t.db.conn())
        .await
        .unwrap();
    let done = poll_all(&t, key(), 2).await;
    assert_eq!(done[&good].result.error, None);
    assert_eq!(done[&good].evaluated.state, DeviceState::Up);
    let e = done[&damaged].result.error.clone().unwrap();
    assert!(e.contains("无法解密认证密码"), "{e}");
    assert_eq!(done[&damaged].store_error, None);

    // The whole key wrong (another master key): every device says so; nothing is marked down,
    // no outage is opened, and the poller keeps running round after round.
    let wrong = Arc::new(KeyProvider::fixed(SecretKey::derive(
        st::SECRET_LABEL,
        &[6u8; 32],
    )));
    for _ in 0..4 {
        let done = poll_all(&t, wrong.clone(), 2).await;
        let e = done[&good].result.error.clone().unwrap();
        assert!(
            e.contains("无法解密团体名") && e.contains("密钥不对"),
            "{e}"
        );
        assert_eq!(done[&good].evaluated.outage, None);
    }
    let v = st::device(&t.db, good).await.unwrap();
    // No longer watched: unknown, not down.
    assert_eq!(v.state, "unknown");
    assert!(v.last_error.unwrap().contains("secret_key"));
    let outages = st::outages(
        &t.db,
        good,
        local("2026-11-01 00:00:00"),
        local("2026-12-01 00:00:00"),
    )
    .await
    .unwrap();
    assert!(outages.is_empty());

    // A bad configured key: the message names the setting.
    let dir = tempfile::tempdir().unwrap();
    let bad = Arc::new(KeyProvider::new(
        st::SECRET_LABEL,
        "inspection.secret_key",
        "not-hex",
        dir.path().join("inspection-secret.key"),
    ));
    let done = poll_all(&t, bad, 2).await;
    let e = done[&good].result.error.clone().unwrap();
    assert!(e.contains("inspection.secret_key"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_start_up_encrypts_plain_rows_even_with_the_poller_off() {
    let t = db().await;
    let agent = Snmpsim::start(&[]).await;
    let a = device(&t, "SW-START", agent.addr, v2c(CISCO), 5_000).await;
    dev::Entity::update_many()
        .col_expr(dev::Column::Community, Expr::value(CISCO))
        .filter(dev::Column::Id.eq(a))
        .exec(t.db.conn())
        .await
        .unwrap();
    let (_stop, stop_rx) = tokio::sync::watch::channel(false);
    let clock = Arc::new(ManualClock::new(local("2026-11-02 09:00:00")));
    let off = MonitorConfig {
        enabled: false,
        ..config()
    };
    let task = yiqiao_inspection::monitor::poller::spawn(t.db.clone(), clock, off, key(), stop_rx)
        .unwrap();
    // With the poller off the task is the start-up pass alone, and ends.
    task.await.unwrap();
    assert_eq!(opened(&row(&t, a).await.community), CISCO);
    assert!(row(&t, a).await.community.unwrap().starts_with("sm4ctr1:"));
}
