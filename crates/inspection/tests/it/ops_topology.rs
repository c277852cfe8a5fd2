//! Topology: discovered neighbours against the record, confirmation, the SVG diagram; and the
//! demo machine room loading whole.

use std::collections::BTreeMap;

use yiqiao_http::testing::Browser;
use yiqiao_inspection::domain::links::{Difference, FarEnd, normalise_port};
use yiqiao_inspection::domain::topology::{Neighbour, Protocol};
use yiqiao_inspection::store::asset as assets;
use yiqiao_inspection::store::links::{self as st, LinkDraft};
use yiqiao_store::audit::Actor;

use crate::ops_assets::{CSRF, at, db, firewall, serve};

#[test]
fn ports_compare_across_vendor_spellings() {
    assert_eq!(
        normalise_port("GigabitEthernet0/0/1"),
        normalise_port("GE0/0/1")
    );
    assert_eq!(normalise_port("Gi0/0/1"), normalise_port("ge0/0/1"));
    assert_ne!(normalise_port("GE0/0/1"), normalise_port("GE0/0/2"));
    let far = |n: &str, p: &str| FarEnd {
        asset_id: None,
        name: n.into(),
        port: p.into(),
    };
    let rec = BTreeMap::from([
        ("GE0/0/1".to_owned(), far("CSW-02", "GE1/0/1")),
        ("GE0/0/2".to_owned(), far("FW", "GE1/0/2")),
        ("GE0/0/3".to_owned(), far("SRV", "eth0")),
    ]);
    let disc = BTreeMap::from([
        (
            "GigabitEthernet0/0/1".to_owned(),
            far("csw-02", "GigabitEthernet1/0/1"),
        ),
        ("GigabitEthernet0/0/2".to_owned(), far("FW", "GE1/0/9")),
        ("GigabitEthernet0/0/4".to_owned(), far("AP", "eth1")),
    ]);
    let d: Vec<String> = yiqiao_inspection::domain::links::differences(&rec, &disc)
        .iter()
        .map(Difference::describe)
        .collect();
    assert_eq!(
        d,
        [
            "GigabitEthernet0/0/2 记录为 FW GE1/0/2，实际发现 FW GE1/0/9",
            "GigabitEthernet0/0/4 发现新邻居 AP eth1",
            "GE0/0/3 记录的 SRV eth0 未被发现",
        ]
    );
}

#[tokio::test]
async fn discovery_offers_differences_for_confirmation() {
    let t = db().await;
    let me = Actor::person("it");
    let now = at("2026-11-01");
    let mut core = firewall("CSW-01");
    core.kind = "core_switch".into();
    core.name = "核心交换机1".into();
    core.signature_end.clear();
    core.mgmt_ip = "10.0.0.11".into();
    let mut core2 = core.clone();
    core2.code = "CSW-02".into();
    core2.name = "核心交换机2".into();
    core2.mgmt_ip = "10.0.0.12".into();
    let c1 = assets::create_asset(&t.db, &core.parse().unwrap(), &me, now)
        .await
        .unwrap();
    assets::create_asset(&t.db, &core2.parse().unwrap(), &me, now)
        .await
        .unwrap();
    assets::create_asset(&t.db, &firewall("FW-01").parse().unwrap(), &me, now)
        .await
        .unwrap();
    st::record_link(
        &t.db,
        &LinkDraft {
            asset_code: "CSW-01".into(),
            local_port: "GE1/0/1".into(),
            remote: "CSW-02".into(),
            remote_port: "GE1/0/1".into(),
        },
        "manual",
        &me,
        now,
    )
    .await
    .unwrap();
    // The poller hands over what LLDP/CDP saw: the peer by address under another name, and a
    // new neighbour.
    let seen = [
        Neighbour {
            local_port: "GigabitEthernet1/0/1".into(),
            remote_name: "HZ-CORE-2".into(),
            remote_port: "GigabitEthernet1/0/1".into(),
            remote_mgmt_ip: Some("10.0.0.12".parse().unwrap()),
            protocol: Protocol::Lldp,
        },
        Neighbour {
            local_port: "GigabitEthernet2/0/1".into(),
            remote_name: "防火墙 FW-01".into(),
            remote_port: "GE1/0/1".into(),
            remote_mgmt_ip: None,
            protocol: Protocol::Cdp,
        },
    ];
    st::store_neighbours(&t.db, c1, &seen, now).await.unwrap();
    let diffs = st::differences(t.db.conn()).await.unwrap();
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert_eq!(
        diffs[0].difference.describe(),
        "GigabitEthernet2/0/1 发现新邻居 防火墙 FW-01 GE1/0/1"
    );

    let base = serve(&t, now).await;
    let it = Browser::new(&base, "it_ops", CSRF);
    let eng = Browser::new(&base, "engineer", CSRF);
    let fields = [
        ("action", "accept"),
        ("asset_code", "CSW-01"),
        ("local_port", "GigabitEthernet2/0/1"),
        ("remote", "防火墙 FW-01"),
        ("remote_port", "GE1/0/1"),
    ];
    let (s, _, _) = eng.post("/inspection/topology/confirm", &fields).await;
    assert_eq!(s, 403);
    let (s, loc, _) = it.post("/inspection/topology/confirm", &fields).await;
    assert_eq!((s, loc.as_str()), (303, "/inspection/topology"));
    assert!(st::differences(t.db.conn()).await.unwrap().is_empty());
    let (s, page) = eng.get("/inspection/topology").await;
    assert_eq!(s, 200);
    assert!(page.contains("<svg") && page.contains("没有差异") && page.contains("发现确认"));
    let (s, svg) = eng.get("/inspection/topology.svg").await;
    assert_eq!(s, 200);
    assert_eq!(svg.matches("<line ").count(), 2);
    assert!(svg.contains("核心交换机1") && svg.contains("GigabitEthernet2/0/1 — GE1/0/1"));
    // The switch's second port disappears from discovery: offered as removed.
    st::store_neighbours(&t.db, c1, &seen[..1], now)
        .await
        .unwrap();
    let diffs = st::differences(t.db.conn()).await.unwrap();
    assert_eq!(
        diffs[0].difference.describe(),
        "GigabitEthernet2/0/1 记录的 防火墙 FW-01 GE1/0/1 未被发现"
    );
}

#[tokio::test]
async fn the_demo_machine_room_loads() {
    let t = db().await;
    let summary = yiqiao_inspection::ops_demo::load(&t.db, at("2026-11-20"))
        .await
        .unwrap();
    assert!(summary.contains("设备 13 台"), "{summary}");
    assert!(summary.contains("异常生成故障 1 条"), "{summary}");
    let soon = assets::expiring(
        t.db.conn(),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
    )
    .await
    .unwrap();
    assert!(soon.iter().any(|e| e.days_left <= 7));
    let plan = yiqiao_inspection::store::ipam::plan(t.db.conn())
        .await
        .unwrap();
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert!(st::differences(t.db.conn()).await.unwrap().is_empty());
}
