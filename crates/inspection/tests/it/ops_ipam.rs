//! The address plan: prefixes, VLANs, addresses, utilisation and conflicts.

use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;
use yiqiao_http::testing::Browser;
use yiqiao_inspection::domain::ipam::{Conflict, IpamError, Prefix, VlanId};
use yiqiao_inspection::store::OpsError;
use yiqiao_inspection::store::asset as assets;
use yiqiao_inspection::store::ipam::{self as st, AddressDraft, PrefixDraft, VlanDraft};
use yiqiao_store::audit::Actor;

use crate::ops_assets::{at, db, firewall, serve};

#[test]
fn prefixes_are_aligned_and_counted() {
    assert_eq!(
        Prefix::parse("10.1.2.0/24").unwrap().to_string(),
        "10.1.2.0/24"
    );
    assert_eq!(
        Prefix::parse("10.1.2.5/24"),
        Err(IpamError::NotAligned {
            given: "10.1.2.5/24".into(),
            aligned: "10.1.2.0/24".into()
        })
    );
    assert!(Prefix::parse("10.1.2.0/33").is_err());
    assert!(Prefix::parse("10.1.2.0").is_err());
    assert_eq!(Prefix::parse("10.1.2.0/24").unwrap().usable(), 254);
    assert_eq!(Prefix::parse("10.1.2.0/31").unwrap().usable(), 2);
    assert_eq!(
        Prefix::parse("2001:db8::/64").unwrap().usable(),
        1u128 << 64
    );
    assert_eq!(
        Prefix::parse("2001:DB8:0::/48").unwrap().to_string(),
        "2001:db8::/48"
    );
    assert_eq!(
        Prefix::parse("10.1.2.0/24")
            .unwrap()
            .utilisation_permille(127),
        500
    );
    assert!(VlanId::parse("0").is_err() && VlanId::parse("4095").is_err());
    assert_eq!(VlanId::parse("4094").unwrap().get(), 4094);
}

proptest! {
    /// A prefix contains exactly the addresses that share its first `len` bits, and two
    /// prefixes overlap exactly when one contains the other's first address.
    #[test]
    fn containment_and_overlap_agree(a in any::<u32>(), la in 0u8..=32, b in any::<u32>(), lb in 0u8..=32, x in any::<u32>()) {
        let mask = |l: u8| if l == 0 { 0 } else { u32::MAX << (32 - l) };
        let pa = Prefix::parse(&format!("{}/{la}", Ipv4Addr::from(a & mask(la)))).unwrap();
        let pb = Prefix::parse(&format!("{}/{lb}", Ipv4Addr::from(b & mask(lb)))).unwrap();
        prop_assert_eq!(pa.contains(IpAddr::V4(Ipv4Addr::from(x))), x & mask(la) == a & mask(la));
        let a_first = IpAddr::V4(Ipv4Addr::from(a & mask(la)));
        let b_first = IpAddr::V4(Ipv4Addr::from(b & mask(lb)));
        prop_assert_eq!(pa.overlaps(&pb), pa.contains(b_first) || pb.contains(a_first));
        prop_assert_eq!(pa.overlaps(&pb), pb.overlaps(&pa));
    }
}

fn addr(net: &str, ip: &str, code: &str, iface: &str) -> AddressDraft {
    AddressDraft {
        network: net.into(),
        address: ip.into(),
        asset_code: code.into(),
        interface: iface.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_database_refuses_doubles_and_the_plan_flags_conflicts() {
    let t = db().await;
    let me = Actor::person("it");
    let now = at("2026-11-01");
    assets::create_asset(&t.db, &firewall("FW-01").parse().unwrap(), &me, now)
        .await
        .unwrap();
    let mut sw = firewall("SW-01");
    sw.kind = "core_switch".into();
    sw.signature_end.clear();
    sw.mgmt_ip = "10.1.2.1".into();
    assets::create_asset(&t.db, &sw.parse().unwrap(), &me, now)
        .await
        .unwrap();
    let v = st::add_vlan(
        &t.db,
        &VlanDraft {
            network: "intranet".into(),
            vid: "10".into(),
            name: "服务器区".into(),
            purpose: String::new(),
        },
        &me,
        now,
    )
    .await
    .unwrap();
    let again = st::add_vlan(
        &t.db,
        &VlanDraft {
            network: "内网".into(),
            vid: "10".into(),
            name: "x".into(),
            purpose: String::new(),
        },
        &me,
        now,
    )
    .await;
    assert!(matches!(again, Err(OpsError::Conflict(m)) if m == "内网已有 VLAN 10"));
    // The same VLAN id on the government network is another VLAN.
    st::add_vlan(
        &t.db,
        &VlanDraft {
            network: "government".into(),
            vid: "10".into(),
            name: "政务".into(),
            purpose: String::new(),
        },
        &me,
        now,
    )
    .await
    .unwrap();
    let p = |prefix: &str| PrefixDraft {
        network: "intranet".into(),
        prefix: prefix.into(),
        vlan_id: v.to_string(),
        description: String::new(),
    };
    st::add_prefix(&t.db, &p("10.1.2.0/24"), &me, now)
        .await
        .unwrap();
    assert!(matches!(
        st::add_prefix(&t.db, &p("10.1.2.0/24"), &me, now).await,
        Err(OpsError::Conflict(_))
    ));
    assert!(matches!(
        st::add_prefix(&t.db, &p("10.1.2.7/24"), &me, now).await,
        Err(OpsError::Bad(m)) if m == "网段「10.1.2.7/24」的主机位不为零，应为 10.1.2.0/24"
    ));
    st::add_prefix(&t.db, &p("10.1.2.128/25"), &me, now)
        .await
        .unwrap();

    st::add_address(
        &t.db,
        &addr("intranet", "10.1.2.10", "FW-01", "GE0/0/1"),
        &me,
        now,
    )
    .await
    .unwrap();
    let dup = st::add_address(
        &t.db,
        &addr("intranet", "10.1.2.10", "SW-01", "Vlanif10"),
        &me,
        now,
    )
    .await;
    assert!(
        matches!(&dup, Err(OpsError::Conflict(m)) if m == "内网的地址 10.1.2.10 已分配给设备「防火墙 FW-01」（FW-01）"),
        "{dup:?}"
    );
    // The switch's management address given to the firewall in IPAM: one address, two devices.
    st::add_address(
        &t.db,
        &addr("intranet", "10.1.2.1", "FW-01", "GE0/0/2"),
        &me,
        now,
    )
    .await
    .unwrap();
    st::add_address(&t.db, &addr("intranet", "10.9.9.9", "", ""), &me, now)
        .await
        .unwrap();
    st::add_address(&t.db, &addr("intranet", "10.1.2.200", "", ""), &me, now)
        .await
        .unwrap();
    assert!(matches!(
        st::add_address(&t.db, &addr("intranet", "10.1.2.11", "NOPE", ""), &me, now).await,
        Err(OpsError::NotFound(_))
    ));

    let plan = st::plan(t.db.conn()).await.unwrap();
    let described: Vec<String> = plan.conflicts.iter().map(Conflict::describe).collect();
    assert_eq!(
        described,
        [
            "地址 10.1.2.1 同时用在 2 台设备上",
            "地址 10.9.9.9 不属于任何网段",
            "网段 10.1.2.0/24 与 10.1.2.128/25 重叠",
        ]
    );
    let u: Vec<(String, u64, String)> = plan
        .prefixes
        .iter()
        .map(|p| (p.row.prefix.clone(), p.used, p.percent()))
        .collect();
    assert_eq!(
        u,
        [
            ("10.1.2.0/24".to_owned(), 2, "0.7%".to_owned()),
            ("10.1.2.128/25".to_owned(), 1, "0.7%".to_owned()),
        ]
    );
}

#[tokio::test]
async fn ipam_over_http() {
    let t = db().await;
    let base = serve(&t, at("2026-11-01")).await;
    let it = Browser::new(&base, "it_ops", crate::ops_assets::CSRF);
    let eng = Browser::new(&base, "engineer", crate::ops_assets::CSRF);
    let (s, _, _) = it
        .post(
            "/inspection/ipam/prefixes",
            &[
                ("network", "intranet"),
                ("prefix", "192.168.10.0/24"),
                ("vlan_id", ""),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let (s, _, body) = it
        .post(
            "/inspection/ipam/prefixes",
            &[("network", "intranet"), ("prefix", "192.168.10.9/24")],
        )
        .await;
    assert_eq!(s, 200);
    assert!(body.contains("应为 192.168.10.0/24"));
    let (s, _, _) = eng
        .post(
            "/inspection/ipam/addresses",
            &[("network", "intranet"), ("address", "192.168.10.5")],
        )
        .await;
    assert_eq!(s, 403);
    let (s, _, _) = it
        .post(
            "/inspection/ipam/addresses",
            &[
                ("network", "intranet"),
                ("address", "192.168.10.5"),
                ("status", "reserved"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let (s, page) = eng.get("/inspection/ipam").await;
    assert_eq!(s, 200);
    assert!(page.contains("192.168.10.5") && page.contains("保留") && page.contains("0.3%"));
}
