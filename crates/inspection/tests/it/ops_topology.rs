//! Topology: discovered neighbours against the record, confirmation, the SVG diagram; and the
//! demo machine room loading whole.

use std::collections::BTreeMap;

use yiqiao_http::testing::{Browser, ROLE_HEADER};
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
    // The legend's three samples and the two links; the port names shortened, in full on hover.
    assert_eq!(svg.matches("<path d=\"M").count(), 3 + 2, "{svg}");
    assert!(svg.contains("核心交换机1"));
    assert!(
        svg.contains("<title>GigabitEthernet2/0/1</title>GE2/0/1"),
        "{svg}"
    );
    assert!(svg.contains("<title>GE1/0/1</title>GE1/0/1"), "{svg}");

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
    let summary = yiqiao_inspection::ops_demo::load(
        &t.db,
        "测试医院",
        &yiqiao_inspection::InspectionConfig::default(),
        at("2026-11-20"),
    )
    .await
    .unwrap();
    assert!(summary.contains("设备 49 台"), "{summary}");
    // No notice address: the thresholds are noticed and shown, and nothing waits in the outbox
    // to be refused.
    assert!(
        summary.contains("到期提醒 8 条（未配置通知地址，只在看板显示）"),
        "{summary}"
    );
    let queued = yiqiao_store::outbox::counts(t.db.conn()).await.unwrap();
    assert_eq!(queued.values().sum::<i64>(), 0, "{queued:?}");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let again = assets::expiry_notices(&t.db, today, at("2026-11-20"), false)
        .await
        .unwrap();
    assert_eq!(again, 0, "a second run finds every threshold noticed");
    // Last month's report, kept by the report code itself.
    assert!(summary.contains("2026-10 月度运行报告已生成"), "{summary}");
    let kept = yiqiao_inspection::store::report::kept(t.db.conn())
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    let report = yiqiao_inspection::store::report::kept_month(
        t.db.conn(),
        yiqiao_inspection::domain::inspection::Period {
            year: 2026,
            month: 10,
        },
    )
    .await
    .unwrap();
    assert!(report.pdf.starts_with(b"%PDF") && !report.xlsx.is_empty());
    if let Ok(path) = std::env::var("YIQIAO_TOPOLOGY_SVG") {
        std::fs::write(format!("{path}.report.pdf"), &report.pdf).unwrap();
    }
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
    // The diagram of the whole room keeps every promise of the layout.
    let (devices, links) = st::diagram_parts(t.db.conn()).await.unwrap();
    // The UPS and the air-conditioner have no network link: not drawn.
    assert_eq!((devices.len(), links.len()), (47, 52));
    let l = yiqiao_inspection::domain::layout::layout(&devices, &links);
    let faults = l.faults(&devices, &links);
    assert!(faults.is_empty(), "{faults:#?}");
    let rooms: Vec<&str> = l
        .frames
        .iter()
        .filter(|f| f.zone.is_none())
        .map(|f| f.title.as_str())
        .collect();
    assert_eq!(
        rooms,
        [
            "门诊楼三楼主机房",
            "住院楼弱电间",
            "医技楼弱电间",
            "门诊楼弱电间"
        ]
    );
    // The export: the SVG as a download, and printed on A3 through the shared printer.
    let base = serve(&t, at("2026-11-20")).await;
    let http = reqwest::Client::new();
    let get = |path: &'static str| {
        http.get(format!("{base}{path}"))
            .header(ROLE_HEADER, "engineer")
            .send()
    };
    let r = get("/inspection/topology.svg").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"topology.svg\""
    );
    let svg = r.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("住院楼12楼接入"));
    let r = get("/inspection/topology.pdf").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    // For a person to look at: YIQIAO_TOPOLOGY_SVG=/tmp/demo.svg.
    if let Ok(path) = std::env::var("YIQIAO_TOPOLOGY_SVG") {
        std::fs::write(&path, yiqiao_inspection::domain::layout::svg(&l)).unwrap();
        std::fs::write(format!("{path}.pdf"), &pdf).unwrap();
    }
}

#[tokio::test]
async fn the_diagram_marks_links_down_and_discoveries_unconfirmed() {
    use yiqiao_inspection::domain::layout::LinkState;
    use yiqiao_inspection::monitor::evaluate::{
        DeviceState, Evaluated, InterfaceRates, OutageChange,
    };
    use yiqiao_inspection::monitor::poll::PollResult;

    let t = crate::monitor_poller::db().await;
    let me = Actor::person("it");
    let now = at("2026-11-01");
    let mut core = firewall("CSW-01");
    core.kind = "core_switch".into();
    core.signature_end.clear();
    let core_id = assets::create_asset(&t.db, &core.parse().unwrap(), &me, now)
        .await
        .unwrap();
    let fw2 = assets::create_asset(&t.db, &firewall("FW-02").parse().unwrap(), &me, now)
        .await
        .unwrap();
    // A monitored firewall, which monitoring has seen go down.
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 161));
    let dev = crate::monitor_poller::device(
        &t,
        "FW-MON",
        addr,
        crate::monitor_agents::v2c("public"),
        300,
    )
    .await;
    yiqiao_inspection::store::monitor::record_poll(
        &t.db,
        dev,
        &PollResult::failed(addr, "无应答".into()),
        &Evaluated {
            at: now,
            state: DeviceState::Down,
            failed_polls: 3,
            rebooted: false,
            samples: Vec::new(),
            interfaces: Vec::new(),
            alerts: Vec::new(),
            outage: Some(OutageChange::Opened(now)),
        },
    )
    .await
    .unwrap();
    // A monitored switch that is up, one of its ports down and one the agent said nothing of.
    let sw = crate::monitor_poller::device(
        &t,
        "SW-MON",
        addr,
        crate::monitor_agents::v2c("public"),
        300,
    )
    .await;
    let port = |index: u32, name: &str, oper_status: u32| InterfaceRates {
        index,
        name: name.into(),
        oper_status,
        speed_mbps: None,
        in_bps: None,
        out_bps: None,
        broadcast_pps: None,
        in_errors: None,
    };
    yiqiao_inspection::store::monitor::record_poll(
        &t.db,
        sw,
        &PollResult::failed(addr, "演示".into()),
        &Evaluated {
            at: now,
            state: DeviceState::Up,
            failed_polls: 0,
            rebooted: false,
            samples: Vec::new(),
            interfaces: vec![
                port(1, "GigabitEthernet0/0/1", 1),
                port(2, "GigabitEthernet0/0/2", 2),
                port(3, "GigabitEthernet0/0/3", 0),
            ],
            alerts: Vec::new(),
            outage: None,
        },
    )
    .await
    .unwrap();
    let sw_mon = assets::asset_by_code(t.db.conn(), "SW-MON")
        .await
        .unwrap()
        .unwrap()
        .id;
    let fw_mon = assets::asset_by_code(t.db.conn(), "FW-MON")
        .await
        .unwrap()
        .unwrap()
        .id;
    for (a, lp, b, rp) in [
        ("CSW-01", "GE1/0/1", "FW-MON", "GE0/0/1"),
        // The same link recorded from the other side too: drawn once.
        (
            "FW-MON",
            "GigabitEthernet0/0/1",
            "CSW-01",
            "GigabitEthernet1/0/1",
        ),
        ("CSW-01", "GE1/0/2", "FW-02", "GE0/0/1"),
        ("CSW-01", "GE1/0/4", "SW-MON", "GE0/0/1"),
        ("CSW-01", "GE1/0/5", "SW-MON", "GE0/0/2"),
        ("CSW-01", "GE1/0/6", "SW-MON", "GE0/0/3"),
    ] {
        st::record_link(
            &t.db,
            &LinkDraft {
                asset_code: a.into(),
                local_port: lp.into(),
                remote: b.into(),
                remote_port: rp.into(),
            },
            "manual",
            &me,
            now,
        )
        .await
        .unwrap();
    }
    // LLDP on the core sees both recorded links and a second cable to FW-02, not on record.
    let n = |lp: &str, name: &str, rp: &str| Neighbour {
        local_port: lp.into(),
        remote_name: name.into(),
        remote_port: rp.into(),
        remote_mgmt_ip: None,
        protocol: Protocol::Lldp,
    };
    st::store_neighbours(
        &t.db,
        core_id,
        &[
            n("GE1/0/1", "FW-MON", "GE0/0/1"),
            n("GE1/0/2", "FW-02", "GE0/0/1"),
            n("GE1/0/3", "FW-02", "GE0/0/2"),
        ],
        now,
    )
    .await
    .unwrap();
    let (devices, links) = st::diagram_parts(t.db.conn()).await.unwrap();
    let mut got: Vec<(i64, String, i64, LinkState)> = links
        .iter()
        .map(|l| (l.a, l.a_port.clone(), l.b, l.state))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (core_id, "GE1/0/1".to_owned(), fw_mon, LinkState::Down),
            (core_id, "GE1/0/2".to_owned(), fw2, LinkState::Up),
            (core_id, "GE1/0/3".to_owned(), fw2, LinkState::Unconfirmed),
            (core_id, "GE1/0/4".to_owned(), sw_mon, LinkState::Up),
            (core_id, "GE1/0/5".to_owned(), sw_mon, LinkState::Down),
            (core_id, "GE1/0/6".to_owned(), sw_mon, LinkState::Up),
        ]
    );
    assert!(devices.iter().any(|d| d.id == fw_mon && d.down));
    let svg = st::diagram(t.db.conn()).await.unwrap();
    // Beside the legend's samples: the two links down in red and the down device's border red;
    // the discovery dashed.
    assert_eq!(
        svg.matches(r##"stroke="#d62728" stroke-width="2.5"/>"##)
            .count(),
        1 + 3,
        "{svg}"
    );
    assert_eq!(
        svg.matches(r#"stroke-dasharray="7 4"/>"#).count(),
        1 + 1,
        "{svg}"
    );
}
