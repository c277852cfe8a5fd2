//! The poller benchmark, run by hand (it takes minutes):
//! `YIQIAO_BENCH_DEVICES=2000 cargo test -p yiqiao-inspection --test it monitor_bench -- --ignored --nocapture`.
//! Results go to BENCHMARKS.md. A short check that the fast agent answers correctly runs always.

use std::time::Duration;
use yiqiao_inspection::monitor::bench::{BenchArgs, FastAgent, INTERFACES, run};
use yiqiao_inspection::monitor::poll::{PollPlan, poll};
use yiqiao_inspection::monitor::snmp::{Credentials, Session};

#[tokio::test]
async fn the_fast_agent_answers_a_full_poll() {
    let agent = FastAgent::start(1).unwrap();
    let mut s = Session::new(
        agent.addrs[0],
        Credentials::V2c {
            community: "public".into(),
        },
        Duration::from_secs(5),
    );
    let r = poll(&mut s, PollPlan::default()).await;
    assert_eq!(r.error, None);
    assert_eq!(r.sys_name.as_deref(), Some("bench-switch"));
    assert_eq!(r.cpu_e2.len(), 1);
    assert_eq!(r.cpu_e2[0].percent_e2, 3_800);
    assert_eq!(r.interfaces.len(), INTERFACES as usize);
    assert!(
        r.interfaces
            .iter()
            .all(|i| i.in_octets.is_some() && i.out_octets.is_some())
    );
    agent.stop();
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: minutes long, run by hand"]
async fn poller_benchmark() {
    let args = BenchArgs {
        devices: env("YIQIAO_BENCH_DEVICES", 2_000) as usize,
        interval_secs: env("YIQIAO_BENCH_INTERVAL", 60),
        duration_secs: env("YIQIAO_BENCH_SECONDS", 60),
        timeout_ms: 2_000,
        netsnmp_polls: env("YIQIAO_BENCH_NETSNMP_POLLS", 100) as usize,
        agent_sockets: 4,
    };
    let report = run(args, &mut |l| eprintln!("{l}")).await.unwrap();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    assert!(report.polls > 0);
}
