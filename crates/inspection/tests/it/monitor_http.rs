//! The monitoring pages and API over real HTTP on 127.0.0.1, with a device polled from a real
//! agent in between.

use crate::monitor_agents::Snmpsim;
use crate::monitor_poller::{asset, db};
use std::sync::Arc;
use yiqiao_core::time::ManualClock;
use yiqiao_http::testing::{Browser, ROLE_HEADER};
use yiqiao_inspection::monitor::poller::{MonitorConfig, Poller};
use yiqiao_inspection::monitor_pages::{self, MonitorState};

const CSRF: &str = "test-csrf-token";

fn local(s: &str) -> chrono::DateTime<chrono::Utc> {
    yiqiao_core::time::parse_local(s).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_device_page_and_api() {
    let t = db().await;
    let agent = Snmpsim::start(&["network/router/huawei-s5720"]).await;
    let clock = Arc::new(ManualClock::new(local("2026-11-10 09:00:00")));
    let config = MonitorConfig {
        icmp: false,
        ..MonitorConfig::default()
    };
    let state = MonitorState {
        db: t.db.clone(),
        clock: clock.clone(),
        config: config.clone(),
        key: crate::monitor_poller::key(),
    };
    let (router, _) = monitor_pages::routes(state).into_parts();
    let base =
        yiqiao_http::testing::serve_as_header_role(router, monitor_pages::navigation(), CSRF)
            .await
            .unwrap();
    let it = Browser::new(&base, "it_ops", CSRF);
    let eng = Browser::new(&base, "engineer", CSRF);
    let a = asset(&t, "SW-CORE-1").await.to_string();
    let port = agent.addr.port().to_string();
    let fields = [
        ("asset_id", a.as_str()),
        ("host", "127.0.0.1"),
        ("port", port.as_str()),
        ("version", "v2c"),
        ("community", "network/router/huawei-s5720"),
        ("interval_secs", "60"),
        ("timeout_ms", "3000"),
    ];
    // The engineer reads but does not add devices.
    let (status, _, _) = eng.post("/inspection/monitor/devices", &fields).await;
    assert_eq!(status, 403);
    let (status, location, _) = it.post("/inspection/monitor/devices", &fields).await;
    assert_eq!(status, 303, "{location}");
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    // Twice: refused in Chinese on the page, not a 500.
    let (status, _, body) = it.post("/inspection/monitor/devices", &fields).await;
    assert_eq!(status, 200);
    assert!(body.contains("已在监控中"), "{body}");
    let (status, _, body) = it
        .post(
            "/inspection/monitor/devices",
            &[
                ("asset_id", a.as_str()),
                ("host", "core-sw"),
                ("community", "c"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("不是 IP 地址"));

    // Two polls a minute apart.
    let poller = Poller::new(
        t.db.clone(),
        clock.clone(),
        config,
        crate::monitor_poller::key(),
    );
    poller.refresh().await.unwrap();
    for _ in 0..2 {
        let mut r = poller.start_due(true).await;
        let d = r.join_next().await.unwrap().unwrap();
        assert_eq!(d.result.error, None);
        clock.advance(chrono::Duration::minutes(1));
    }

    let (status, page) = eng.get("/inspection/monitor").await;
    assert_eq!(status, 200);
    assert!(page.contains("正常 <strong>1</strong>"), "{page}");
    assert!(page.contains("<td>42.0 ℃</td>"), "{page}");
    let (status, page) = eng.get(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("38.00 %"));
    assert!(page.matches("<svg").count() >= 4);
    // The S5720's board sensor reads 42 ℃ in the recording; its chart is on the page.
    assert!(page.contains("42.0 ℃"), "{page}");
    assert!(page.contains("温度（24 小时）"));
    assert!(page.contains("70 ℃（厂商模板）"));
    assert!(page.contains("100.00000 %"));

    let get = |path: String| get_json(base.clone(), path);
    let (status, j) = get(format!("/api/inspection/monitor/devices/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(j["device"]["state"], "up");
    assert_eq!(j["device"]["cpu_e2"], 3800);
    assert_eq!(j["device"]["memory_e2"], 700);
    assert_eq!(j["device"]["profile"], "huawei");
    // The community is stored encrypted and shown only as set, on the API and the page.
    assert_eq!(j["device"]["community"], "已设置");
    let (_, list) = get("/api/inspection/monitor/devices".into()).await;
    for text in [j.to_string(), list.to_string(), page.clone()] {
        assert!(!text.contains("network/router/huawei-s5720"), "{text}");
    }
    assert!(page.contains("团体名已设置"), "{page}");
    assert!(j["interfaces"].as_array().unwrap().len() > 10);
    let (_, j) = get("/api/inspection/monitor/overview".into()).await;
    insta::assert_json_snapshot!("monitor_overview", j);
    let (status, j) = get(format!(
        "/api/inspection/monitor/devices/{id}/series?metric=cpu&from=2026-11-10T00:00:00Z&to=2026-11-11T00:00:00Z"
    ))
    .await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("monitor_cpu_series", j);
    let (status, j) = get(format!(
        "/api/inspection/monitor/devices/{id}/availability?month=2026-11"
    ))
    .await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("monitor_availability", j, {".device_id" => "[id]"});
    let (status, j) = get(format!(
        "/api/inspection/monitor/devices/{id}/series?metric=power"
    ))
    .await;
    assert_eq!(status, 400);
    assert!(j["message"].as_str().unwrap().contains("指标“power”不存在"));
    let (status, _) = get("/api/inspection/monitor/devices/999999".into()).await;
    assert_eq!(status, 404);

    // A maintenance window, entered beforehand; a reversed one is refused on the page.
    let mpath = format!("{location}/maintenance");
    let (status, _, _) = it
        .post(
            &mpath,
            &[
                ("starts_at", "2026-11-14 01:00"),
                ("ends_at", "2026-11-14 04:00"),
                ("reason", "核心交换机升级"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _, body) = it
        .post(
            &mpath,
            &[
                ("starts_at", "2026-11-14 04:00"),
                ("ends_at", "2026-11-14 01:00"),
                ("reason", "反了"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("维护结束时间必须晚于开始时间"));
    let (_, page) = eng.get(&location).await;
    assert!(page.contains("核心交换机升级"));

    // The device's own temperature limit (信息科 only); nonsense is refused on the page.
    let lpath = format!("{location}/temperature-limit");
    let (status, _, _) = eng.post(&lpath, &[("temperature_limit_c", "80")]).await;
    assert_eq!(status, 403);
    let (status, _, _) = it.post(&lpath, &[("temperature_limit_c", "80")]).await;
    assert_eq!(status, 303);
    let (_, page) = eng.get(&location).await;
    assert!(page.contains("80 ℃（本设备设定）"), "{page}");
    for (bad, says) in [("热", "不是整数"), ("500", "不合理")] {
        let (status, _, body) = it.post(&lpath, &[("temperature_limit_c", bad)]).await;
        assert_eq!(status, 200);
        assert!(body.contains(says), "{body}");
    }
    let (status, _, _) = it.post(&lpath, &[("temperature_limit_c", "")]).await;
    assert_eq!(status, 303);
    // The same through the JSON API.
    let put = |role: &'static str, body: serde_json::Value| {
        let url = format!("{base}/api/inspection/monitor/devices/{id}/temperature-limit");
        async move {
            let r = reqwest::Client::new()
                .put(url)
                .header(ROLE_HEADER, role)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (
                status,
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let (status, _) = put("engineer", serde_json::json!({"temperature_limit_c": 75})).await;
    assert_eq!(status, 403);
    let (status, j) = put("it_ops", serde_json::json!({"temperature_limit_c": 75})).await;
    assert_eq!(status, 200, "{j}");
    assert_eq!(
        (
            j["temperature_limit_c"].clone(),
            j["temperature_limit_own"].clone()
        ),
        (75.into(), true.into())
    );
    let (status, j) = put("it_ops", serde_json::json!({"temperature_limit_c": 500})).await;
    assert_eq!(status, 400);
    assert!(j["message"].as_str().unwrap().contains("不合理"), "{j}");
    let (status, _) = put("it_ops", serde_json::json!({"temperature_limit_c": null})).await;
    assert_eq!(status, 200);
    let (_, j) = get(format!("/api/inspection/monitor/devices/{id}")).await;
    assert_eq!(j["device"]["temperature_limit_c"], 70);
    assert_eq!(j["device"]["temperature_limit_own"], false);
    assert_eq!(j["device"]["temperature_e2"], 4200);
}

async fn get_json(base: String, path: String) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header(ROLE_HEADER, "engineer")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json::<serde_json::Value>().await.unwrap())
}
