//! Devices, contracts, expiry notices and the xlsx import/export, on the database and over
//! real HTTP.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use yiqiao_core::time::ManualClock;
use yiqiao_http::testing::{Browser, ROLE_HEADER};
use yiqiao_inspection::asset_xlsx;
use yiqiao_inspection::domain::asset::{AssetDraft, ContractDraft};
use yiqiao_inspection::domain::expiry::threshold_reached;
use yiqiao_inspection::ops::{self, OpsState};
use yiqiao_inspection::store::OpsError;
use yiqiao_inspection::store::asset::{self as st, ImportRow};
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

pub const CSRF: &str = "test-csrf-token";

pub async fn db() -> TestDb {
    let mut m = yiqiao_store::migrations();
    m.extend(yiqiao_his::migrations());
    m.extend(yiqiao_inspection::migrations());
    TestDb::new(&m).await.unwrap()
}

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 10:00 Beijing time on that day.
pub fn at(s: &str) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day(s).and_hms_opt(2, 0, 0).unwrap())
}

pub fn firewall(code: &str) -> AssetDraft {
    AssetDraft {
        code: code.into(),
        name: format!("防火墙 {code}"),
        kind: "防火墙".into(),
        vendor: "华为".into(),
        model: "USG6555E".into(),
        serial_no: format!("SN-{code}"),
        location: "主机房".into(),
        rack: "A03".into(),
        rack_u: "20".into(),
        mgmt_ip: "10.0.0.1".into(),
        network: "内网".into(),
        signature_end: "2027-01-31".into(),
        ..Default::default()
    }
}

fn contract(no: &str, end: &str) -> ContractDraft {
    ContractDraft {
        contract_no: no.into(),
        vendor: "华为浙江".into(),
        sla: "7×24×4".into(),
        start_date: "2024-01-01".into(),
        end_date: end.into(),
    }
}

#[test]
fn a_device_row_names_every_problem() {
    let mut d = firewall("FW-01");
    d.kind = "冰箱".into();
    d.mgmt_ip = "10.0.0.300".into();
    d.rack_u = "99".into();
    let e = d.parse().unwrap_err();
    let msgs: Vec<String> = yiqiao_core::Refusal::fields(&e)
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert_eq!(
        msgs,
        [
            "设备类型「冰箱」不认识",
            "U 位「99」应是 1–60 的整数",
            "管理地址「10.0.0.300」不是 IP 地址"
        ]
    );
    let mut sw = firewall("SW-01");
    sw.kind = "core_switch".into();
    assert!(sw.parse().is_err(), "a switch has no signature library");
    sw.signature_end.clear();
    assert_eq!(sw.parse().unwrap().kind.label(), "核心交换机");
    assert!(contract("C1", "2023-12-31").parse().is_err());
}

proptest! {
    /// As the days go by, the threshold reached never goes back to a larger one.
    #[test]
    fn thresholds_only_tighten(start in 0i64..400, end_off in 0i64..400) {
        let base = day("2026-01-01");
        let end = base + chrono::Days::new(end_off as u64);
        let mut last = i64::MAX;
        for d in start..start + 400 {
            let today = base + chrono::Days::new(d as u64) - chrono::Days::new(200);
            if let Some(t) = threshold_reached(today, end) {
                prop_assert!(t <= last);
                prop_assert!(crate::ops_assets::days(today, end) <= t);
                last = t;
            }
        }
    }
}

fn days(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

#[tokio::test]
async fn codes_are_unique_and_contracts_belong_to_a_device() {
    let t = db().await;
    let actor = Actor::person("it");
    let now = at("2026-11-01");
    let id = st::create_asset(&t.db, &firewall("FW-01").parse().unwrap(), &actor, now)
        .await
        .unwrap();
    let again = st::create_asset(&t.db, &firewall("FW-01").parse().unwrap(), &actor, now).await;
    assert!(matches!(again, Err(OpsError::Conflict(m)) if m == "资产编号「FW-01」已存在"));
    let c = contract("HT-2024-01", "2026-12-20").parse().unwrap();
    st::add_contract(&t.db, id, &c, &actor, now).await.unwrap();
    assert!(matches!(
        st::add_contract(&t.db, id, &c, &actor, now).await,
        Err(OpsError::Conflict(_))
    ));
    assert!(matches!(
        st::add_contract(&t.db, id + 100, &c, &actor, now).await,
        Err(OpsError::NotFound(_))
    ));
    assert_eq!(st::contracts_of(t.db.conn(), id).await.unwrap().len(), 1);
}

async fn outbox_expiry_count(t: &TestDb) -> usize {
    yiqiao_store::outbox::list(t.db.conn(), None, Some(st::EXPIRY_NOTICE_KIND), 1000)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn each_threshold_is_noticed_once_and_a_renewal_starts_again() {
    let t = db().await;
    let actor = Actor::person("it");
    let id = st::create_asset(
        &t.db,
        &firewall("FW-01").parse().unwrap(),
        &actor,
        at("2026-09-01"),
    )
    .await
    .unwrap();
    st::add_contract(
        &t.db,
        id,
        &contract("HT-1", "2026-12-31").parse().unwrap(),
        &actor,
        at("2026-09-01"),
    )
    .await
    .unwrap();
    // 2026-09-01: contract 121 days left, signature (2027-01-31) 152: nothing yet.
    assert_eq!(
        st::send_expiry_notices(&t.db, day("2026-09-01"), at("2026-09-01"))
            .await
            .unwrap(),
        0
    );
    // 2026-10-02: contract at 90 days.
    assert_eq!(
        st::send_expiry_notices(&t.db, day("2026-10-02"), at("2026-10-02"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        st::send_expiry_notices(&t.db, day("2026-10-02"), at("2026-10-02"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        st::send_expiry_notices(&t.db, day("2026-10-20"), at("2026-10-20"))
            .await
            .unwrap(),
        0
    );
    // 2026-12-05: contract at 26 days (the 30-day notice), signature at 57 (its 90-day one).
    assert_eq!(
        st::send_expiry_notices(&t.db, day("2026-12-05"), at("2026-12-05"))
            .await
            .unwrap(),
        2
    );
    // Several runs at once still send each notice once.
    let runs = (0..4).map(|_| {
        let db = t.db.clone();
        async move { st::send_expiry_notices(&db, day("2026-12-26"), at("2026-12-26")).await }
    });
    let sent: usize = futures_sum(runs).await;
    assert_eq!(sent, 1, "the contract's 7-day notice, once");
    assert_eq!(outbox_expiry_count(&t).await, 4);
    let items = st::expiring(t.db.conn(), day("2026-12-26")).await.unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].days_left, 5);
    assert_eq!(items[0].urgency.label(), "7 天内到期");
    // Renewed: the new contract speaks for the device; nothing is due for 2027-12-31.
    st::add_contract(
        &t.db,
        id,
        &contract("HT-2", "2027-12-31").parse().unwrap(),
        &actor,
        at("2026-12-27"),
    )
    .await
    .unwrap();
    let items = st::expiring(t.db.conn(), day("2026-12-27")).await.unwrap();
    assert_eq!(
        items.len(),
        1,
        "only the signature library remains: {items:?}"
    );
    assert_eq!(
        st::send_expiry_notices(&t.db, day("2026-12-27"), at("2026-12-27"))
            .await
            .unwrap(),
        0
    );
}

async fn futures_sum<F>(runs: impl Iterator<Item = F>) -> usize
where
    F: std::future::Future<Output = Result<usize, OpsError>> + Send + 'static,
{
    let handles: Vec<_> = runs.map(tokio::spawn).collect();
    let mut n = 0;
    for h in handles {
        n += h.await.unwrap().unwrap();
    }
    n
}

#[tokio::test]
async fn xlsx_round_trip_and_bad_rows_named() {
    let t = db().await;
    let actor = Actor::person("it");
    let now = at("2026-11-01");
    let rows = vec![
        ImportRow {
            row: 2,
            asset: firewall("FW-01"),
            contract: contract("HT-1", "2027-06-30"),
        },
        ImportRow {
            row: 3,
            asset: AssetDraft {
                code: "SW-CORE-1".into(),
                name: "核心交换机1".into(),
                kind: "核心交换机".into(),
                ..Default::default()
            },
            contract: ContractDraft::default(),
        },
    ];
    let r = st::import(&t.db, &rows, &actor, now).await.unwrap();
    assert_eq!((r.assets_created, r.assets_updated, r.contracts), (2, 0, 1));
    let bytes = asset_xlsx::write(
        &st::list_assets(t.db.conn()).await.unwrap(),
        &st::all_contracts(t.db.conn()).await.unwrap(),
    )
    .unwrap();
    let back = asset_xlsx::read(&bytes).unwrap();
    assert_eq!(back.len(), 2);
    let fw = back.iter().find(|r| r.asset.code == "FW-01").unwrap();
    assert_eq!(fw.asset.kind, "防火墙");
    assert_eq!(fw.asset.signature_end, "2027-01-31");
    assert_eq!(fw.contract.end_date, "2027-06-30");
    // Importing the export again updates and changes nothing else.
    let r = st::import(&t.db, &back, &actor, now).await.unwrap();
    assert_eq!((r.assets_created, r.assets_updated, r.contracts), (0, 2, 1));
    assert_eq!(st::all_contracts(t.db.conn()).await.unwrap().len(), 1);

    // One bad row: nothing is written and the row is named.
    let mut bad = back.clone();
    bad[1].asset.kind = "冰箱".into();
    bad.push(ImportRow {
        row: 9,
        asset: firewall("NEW-1"),
        contract: ContractDraft::default(),
    });
    bad.push(ImportRow {
        row: 10,
        asset: firewall("NEW-1"),
        contract: contract("X", "2020-01-01-"),
    });
    let Err(OpsError::Import(msgs)) = st::import(&t.db, &bad, &actor, now).await else {
        panic!("must refuse");
    };
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs[0].starts_with(&format!("第 {} 行：设备类型「冰箱」不认识", bad[1].row)));
    assert!(msgs[1].starts_with("第 10 行："));
    assert!(msgs[1].contains("维保结束「2020-01-01-」不是日期"));
    assert!(msgs[1].contains("资产编号「NEW-1」在表中重复"));
    assert!(
        st::asset_by_code(t.db.conn(), "NEW-1")
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn serve(t: &TestDb, now: chrono::DateTime<Utc>) -> String {
    let state = OpsState {
        db: t.db.clone(),
        clock: Arc::new(ManualClock::new(now)),
    };
    let (router, _) = ops::routes(state).into_parts();
    yiqiao_http::testing::serve_as_header_role(router, ops::navigation(), CSRF)
        .await
        .unwrap()
}

#[tokio::test]
async fn assets_over_http() {
    let t = db().await;
    let base = serve(&t, at("2026-12-20")).await;
    let it = Browser::new(&base, "it_ops", CSRF);
    let eng = Browser::new(&base, "engineer", CSRF);
    let f = firewall("FW-01");
    let fields = [
        ("code", f.code.as_str()),
        ("name", f.name.as_str()),
        ("kind", "firewall"),
        ("mgmt_ip", "10.0.0.1"),
        ("network", "intranet"),
        ("status", "in_service"),
        ("signature_end", "2027-01-10"),
    ];
    // The engineer reads but does not register.
    let (status, _, _) = eng.post("/inspection/assets", &fields).await;
    assert_eq!(status, 403);
    let (status, location, _) = it.post("/inspection/assets", &fields).await;
    assert_eq!(status, 303, "{location}");
    let (status, _, body) = it.post("/inspection/assets", &fields).await;
    assert_eq!(status, 200);
    assert!(body.contains("资产编号「FW-01」已存在"));
    let (status, _, _) = it
        .post(
            &format!("{location}/contracts"),
            &[
                ("contract_no", "HT-1"),
                ("vendor", "华为"),
                ("sla", "NBD"),
                ("start_date", "2024-01-01"),
                ("end_date", "2026-12-25"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, page) = eng.get(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("HT-1"));
    let (status, page) = eng.get("/inspection/expiry").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("7 天内到期") && page.contains("30 天内到期"),
        "{page}"
    );
    let (_, loc, _) = it.post("/inspection/expiry/notify", &[]).await;
    assert_eq!(loc, "/inspection/expiry?sent=2");

    // Export, then import the file back over HTTP.
    let http = reqwest::Client::new();
    let x = http
        .get(format!("{base}/inspection/assets.xlsx"))
        .header(ROLE_HEADER, "engineer")
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), 200);
    let bytes = x.bytes().await.unwrap();
    let r = http
        .post(format!("{base}/api/inspection/assets/import"))
        .header(ROLE_HEADER, "it_ops")
        .header("content-type", yiqiao_inspection::asset_pages::XLSX)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["assets_updated"], 1);
    // Not a spreadsheet: a Chinese 400, not a 500.
    let r = http
        .post(format!("{base}/api/inspection/assets/import"))
        .header(ROLE_HEADER, "it_ops")
        .header("content-type", yiqiao_inspection::asset_pages::XLSX)
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["message"], "文件不是 xlsx 表格");
}
