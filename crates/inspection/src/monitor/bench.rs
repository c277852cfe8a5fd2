//! The poller benchmark (轮询能力测试): how many devices one machine polls at a 60 s interval
//! and at what CPU, beside net-snmp's `snmpbulkget` doing the same reads in the same run.
//!
//! snmpsim answers a poll in ~10 ms of single-threaded Python, so it would measure itself: the
//! agent here is our own, answering from memory on its own thread (its CPU is measured apart
//! and left out of the poller's). It serves a Huawei-like switch: the system group, four
//! `hwEntityStateTable` rows and 48 interfaces whose 64-bit counters move with time.

use super::evaluate::{Memory, Rules};
use super::poll::{PollPlan, poll};
use super::snmp::{Credentials, Session};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Interfaces of the simulated switch.
pub const INTERFACES: u32 = 48;

#[derive(Clone, Copy)]
enum V {
    Int(i64),
    Text(&'static str),
    Oid(&'static [u32]),
    Ticks,
    /// A Counter64 that grows `n` per second.
    Counter(u64),
    Gauge(u32),
}

fn table() -> Vec<(Vec<u32>, V)> {
    let mut t: Vec<(Vec<u32>, V)> = vec![
        (
            vec![1, 3, 6, 1, 2, 1, 1, 1, 0],
            V::Text(
                "Huawei Versatile Routing Platform Software VRP (R) software, Version 5.170 (S5720 V200R011C10SPC500)",
            ),
        ),
        (
            vec![1, 3, 6, 1, 2, 1, 1, 2, 0],
            V::Oid(&[1, 3, 6, 1, 4, 1, 2011, 2, 23, 276]),
        ),
        (vec![1, 3, 6, 1, 2, 1, 1, 3, 0], V::Ticks),
        (vec![1, 3, 6, 1, 2, 1, 1, 5, 0], V::Text("bench-switch")),
    ];
    let hw = [1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1];
    for (i, e) in [67_108_867u32, 67_108_869, 67_108_873, 67_108_874]
        .iter()
        .enumerate()
    {
        let main = i == 2;
        for (col, v) in [
            (2, V::Int(3)),
            (5, V::Int(if main { 38 } else { 0 })),
            (6, V::Int(if main { 95 } else { 0 })),
            (7, V::Int(if main { 7 } else { 0 })),
            (8, V::Int(if main { 90 } else { 0 })),
        ] {
            let mut o = hw.to_vec();
            o.extend([col, *e]);
            t.push((o, v));
        }
    }
    for i in 1..=INTERFACES {
        let name: &'static str = Box::leak(format!("GigabitEthernet0/0/{i}").into_boxed_str());
        for (prefix, v) in [
            (&[1, 3, 6, 1, 2, 1, 2, 2, 1, 2][..], V::Text(name)),
            (&[1, 3, 6, 1, 2, 1, 2, 2, 1, 8][..], V::Int(1)),
            (&[1, 3, 6, 1, 2, 1, 2, 2, 1, 14][..], V::Int(0)),
            (&[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1][..], V::Text(name)),
            (
                &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6][..],
                V::Counter(12_500_000),
            ),
            (&[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 9][..], V::Counter(20)),
            (
                &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10][..],
                V::Counter(6_250_000),
            ),
            (&[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15][..], V::Gauge(1_000)),
        ] {
            let mut o = prefix.to_vec();
            o.push(i);
            t.push((o, v));
        }
    }
    t.sort_by(|a, b| a.0.cmp(&b.0));
    t
}

/// The fast agent: UDP sockets on 127.0.0.1 served by one thread of its own.
pub struct FastAgent {
    pub addrs: Vec<SocketAddr>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<f64>>,
    pub answered: Arc<AtomicU64>,
}

impl FastAgent {
    pub fn start(sockets: usize) -> std::io::Result<FastAgent> {
        let mut std_socks = Vec::new();
        for _ in 0..sockets.max(1) {
            let s = std::net::UdpSocket::bind("127.0.0.1:0")?;
            s.set_nonblocking(true)?;
            std_socks.push(s);
        }
        let addrs = std_socks
            .iter()
            .map(|s| s.local_addr())
            .collect::<Result<Vec<_>, _>>()?;
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicU64::new(0));
        let (st, an) = (stop.clone(), answered.clone());
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(_) => return 0.0,
            };
            rt.block_on(async move {
                let table = Arc::new(table());
                let started = Instant::now();
                let mut tasks = Vec::new();
                for s in std_socks {
                    let Ok(sock) = tokio::net::UdpSocket::from_std(s) else {
                        continue;
                    };
                    let (table, st, an) = (table.clone(), st.clone(), an.clone());
                    tasks.push(tokio::spawn(async move {
                        let mut buf = vec![0u8; 65_536];
                        let mut out: Vec<u8> = Vec::with_capacity(4096);
                        while !st.load(Ordering::Relaxed) {
                            let got = tokio::time::timeout(
                                Duration::from_millis(200),
                                sock.recv_from(&mut buf),
                            )
                            .await;
                            let Ok(Ok((n, from))) = got else { continue };
                            if answer(&table, started, &buf[..n], &mut out) {
                                let _ = sock.send_to(&out, from).await;
                                an.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }));
                }
                for t in tasks {
                    let _ = t.await;
                }
            });
            thread_cpu_seconds()
        });
        Ok(FastAgent {
            addrs,
            stop,
            thread: Some(thread),
            answered,
        })
    }

    /// Stop and return the agent thread's CPU seconds.
    pub fn stop(mut self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or(0.0)
    }
}

fn oid_arcs(o: &snmp2::Oid<'_>) -> Option<Vec<u32>> {
    o.iter()?.map(|a| u32::try_from(a).ok()).collect()
}

/// A minimal BER writer for the agent's answers (snmp2 keeps its own encoder private).
mod ber {
    pub fn tlv(tag: u8, content: &[u8], out: &mut Vec<u8>) {
        out.push(tag);
        let n = content.len();
        if n < 128 {
            out.push(n as u8);
        } else {
            let bytes = n.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
    }

    pub fn int(tag: u8, v: i64, out: &mut Vec<u8>) {
        let b = v.to_be_bytes();
        let mut i = 0;
        while i < 7
            && ((b[i] == 0 && b[i + 1] & 0x80 == 0) || (b[i] == 0xff && b[i + 1] & 0x80 != 0))
        {
            i += 1;
        }
        tlv(tag, &b[i..], out);
    }

    pub fn uint(tag: u8, v: u64, out: &mut Vec<u8>) {
        let b = v.to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count().min(7);
        let mut c = Vec::with_capacity(9);
        if b[skip] & 0x80 != 0 {
            c.push(0);
        }
        c.extend_from_slice(&b[skip..]);
        tlv(tag, &c, out);
    }

    pub fn oid(arcs: &[u32], out: &mut Vec<u8>) {
        let mut c = Vec::with_capacity(arcs.len() + 4);
        if arcs.len() >= 2 {
            base128(arcs[0] * 40 + arcs[1], &mut c);
            for a in &arcs[2..] {
                base128(*a, &mut c);
            }
        }
        tlv(0x06, &c, out);
    }

    fn base128(mut v: u32, out: &mut Vec<u8>) {
        let mut tmp = [0u8; 5];
        let mut i = 5;
        loop {
            i -= 1;
            tmp[i] = (v & 0x7f) as u8 | if i == 4 { 0 } else { 0x80 };
            v >>= 7;
            if v == 0 {
                break;
            }
        }
        out.extend_from_slice(&tmp[i..]);
    }
}

fn push_value(out: &mut Vec<u8>, v: V, started: Instant) {
    let secs = started.elapsed().as_secs();
    match v {
        V::Int(i) => ber::int(0x02, i, out),
        V::Text(t) => ber::tlv(0x04, t.as_bytes(), out),
        V::Oid(o) => ber::oid(o, out),
        V::Ticks => ber::uint(
            0x43,
            u64::try_from(started.elapsed().as_millis() / 10 + 100_000).unwrap_or(0) & 0xffff_ffff,
            out,
        ),
        V::Counter(per_sec) => ber::uint(0x46, per_sec.wrapping_mul(secs + 1_000), out),
        V::Gauge(g) => ber::uint(0x42, u64::from(g), out),
    }
}

/// Answer a v2c GET or GETBULK into `out`; `false` for anything else.
fn answer(table: &[(Vec<u32>, V)], started: Instant, req: &[u8], out: &mut Vec<u8>) -> bool {
    let Ok(pdu) = snmp2::Pdu::from_bytes(req) else {
        return false;
    };
    let asked: Vec<Vec<u32>> = match pdu.varbinds.clone().map(|(o, _)| oid_arcs(&o)).collect() {
        Some(v) => v,
        None => return false,
    };
    // (oid, value or None for noSuchInstance / endOfMibView)
    let mut rows: Vec<(Vec<u32>, Option<V>, bool)> = Vec::new();
    match pdu.message_type {
        snmp2::MessageType::GetRequest => {
            for a in asked {
                let v = table
                    .binary_search_by(|(k, _)| k.cmp(&a))
                    .ok()
                    .map(|i| table[i].1);
                rows.push((a, v, false));
            }
        }
        snmp2::MessageType::GetBulkRequest => {
            // In a GETBULK the error fields carry non-repeaters and max-repetitions.
            let reps = pdu.error_index.clamp(1, 128) as usize;
            let starts: Vec<usize> = asked
                .iter()
                .map(|a| match table.binary_search_by(|(k, _)| k.cmp(a)) {
                    Ok(i) => i + 1,
                    Err(i) => i,
                })
                .collect();
            for r in 0..reps {
                for (c, s) in starts.iter().enumerate() {
                    match table.get(s + r) {
                        Some((k, v)) => rows.push((k.clone(), Some(*v), false)),
                        None => rows.push((asked[c].clone(), None, true)),
                    }
                }
            }
        }
        _ => return false,
    }
    let mut vbs = Vec::with_capacity(rows.len() * 24);
    for (oid, v, end) in &rows {
        let mut vb = Vec::with_capacity(32);
        ber::oid(oid, &mut vb);
        match (v, end) {
            (Some(v), _) => push_value(&mut vb, *v, started),
            (None, true) => vb.extend_from_slice(&[0x82, 0]),
            (None, false) => vb.extend_from_slice(&[0x81, 0]),
        }
        ber::tlv(0x30, &vb, &mut vbs);
    }
    let mut pdu_body = Vec::with_capacity(vbs.len() + 16);
    ber::int(0x02, i64::from(pdu.req_id), &mut pdu_body);
    ber::int(0x02, 0, &mut pdu_body);
    ber::int(0x02, 0, &mut pdu_body);
    ber::tlv(0x30, &vbs, &mut pdu_body);
    let mut msg = Vec::with_capacity(pdu_body.len() + 32);
    ber::int(0x02, 1, &mut msg);
    ber::tlv(0x04, pdu.community, &mut msg);
    ber::tlv(0xa2, &pdu_body, &mut msg);
    out.clear();
    ber::tlv(0x30, &msg, out);
    true
}

fn clock_ticks_to_secs(t: u64) -> f64 {
    // Linux reports these in USER_HZ, which is 100 on every supported architecture.
    t as f64 / 100.0
}

/// utime+stime of the calling thread.
fn thread_cpu_seconds() -> f64 {
    stat_fields("/proc/thread-self/stat", &[13, 14])
}

/// (own utime+stime, reaped children's cutime+cstime) of this process.
pub fn process_cpu_seconds() -> (f64, f64) {
    (
        stat_fields("/proc/self/stat", &[13, 14]),
        stat_fields("/proc/self/stat", &[15, 16]),
    )
}

fn stat_fields(path: &str, idx: &[usize]) -> f64 {
    let Ok(s) = std::fs::read_to_string(path) else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let Some(rest) = s.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): field n (1-based) is f[n - 3]; idx holds n - 1.
    let sum: u64 = idx
        .iter()
        .filter_map(|i| f.get(i.checked_sub(2)?)?.parse::<u64>().ok())
        .sum();
    clock_ticks_to_secs(sum)
}

/// Benchmark settings.
#[derive(Debug, Clone, Serialize)]
pub struct BenchArgs {
    pub devices: usize,
    pub interval_secs: u64,
    /// How long to run; at least one interval.
    pub duration_secs: u64,
    pub timeout_ms: u64,
    /// Polls net-snmp makes for its side of the comparison.
    pub netsnmp_polls: usize,
    pub agent_sockets: usize,
}

/// What the benchmark measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub args: BenchArgs,
    pub cores: usize,
    pub polls: u64,
    pub failed_polls: u64,
    /// Polls that started more than 1 s after they were due.
    pub late_polls: u64,
    pub requests_answered: u64,
    pub poll_ms_p50: f64,
    pub poll_ms_p99: f64,
    pub poller_cpu_seconds: f64,
    pub agent_cpu_seconds: f64,
    /// Poller CPU per poll, milliseconds.
    pub poller_cpu_ms_per_poll: f64,
    /// Share of one core the poller used.
    pub poller_core_share: f64,
    /// Devices one core could poll every `interval_secs` at this CPU per poll.
    pub devices_per_core_at_interval: f64,
    pub netsnmp: Option<NetSnmpReport>,
}

/// net-snmp's side: the same reads per poll (one `snmpget` of the system group, one
/// `snmpbulkget` each for the profile columns, the interface columns and the LLDP table).
#[derive(Debug, Clone, Serialize)]
pub struct NetSnmpReport {
    pub polls: usize,
    pub processes: usize,
    pub failed: usize,
    pub cpu_seconds: f64,
    pub cpu_ms_per_poll: f64,
    pub wall_seconds: f64,
    pub devices_per_core_at_interval: f64,
    /// net-snmp CPU per poll ÷ ours.
    pub cpu_ratio: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Run the benchmark. `progress` receives a line now and then.
pub async fn run(
    args: BenchArgs,
    progress: &mut dyn FnMut(String),
) -> std::io::Result<BenchReport> {
    let agent = FastAgent::start(args.agent_sockets)?;
    let interval = Duration::from_secs(args.interval_secs.max(1));
    let duration = Duration::from_secs(args.duration_secs.max(args.interval_secs));
    let timeout = Duration::from_millis(args.timeout_ms.max(10));
    let (cpu0, _) = process_cpu_seconds();
    let begin = tokio::time::Instant::now();
    let polls = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let late = Arc::new(AtomicU64::new(0));
    let times = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let mut tasks = Vec::with_capacity(args.devices);
    for d in 0..args.devices {
        let addr = agent.addrs[d % agent.addrs.len()];
        // Devices start spread evenly over the first interval, as the poller's would drift to.
        let offset = interval.mul_f64(d as f64 / args.devices.max(1) as f64);
        let (polls, failed, late, times) =
            (polls.clone(), failed.clone(), late.clone(), times.clone());
        tasks.push(tokio::spawn(async move {
            let mut session = Session::new(
                addr,
                Credentials::V2c {
                    community: "public".into(),
                },
                timeout,
            );
            let mut memory = Memory::default();
            let rules = Rules::default();
            let mut due = begin + offset;
            while due < begin + duration {
                tokio::time::sleep_until(due).await;
                let started = tokio::time::Instant::now();
                if started.duration_since(due) > Duration::from_secs(1) {
                    late.fetch_add(1, Ordering::Relaxed);
                }
                let r = poll(&mut session, PollPlan::default()).await;
                let _ = memory.evaluate(&rules, &r, None, chrono::Utc::now());
                let ms = started.elapsed().as_secs_f64() * 1_000.0;
                if r.error.is_some() {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                polls.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut t) = times.lock() {
                    t.push(ms);
                }
                due += interval;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let (cpu1, children0) = process_cpu_seconds();
    let agent_addr = agent.addrs[0];
    let answered_poller = agent.answered.load(Ordering::Relaxed);
    progress(format!(
        "snmp2: {} polls in {:.1} s",
        polls.load(Ordering::Relaxed),
        begin.elapsed().as_secs_f64()
    ));

    // net-snmp on the same agent, same run.
    let netsnmp = if args.netsnmp_polls > 0 {
        let started = Instant::now();
        let mut processes = 0;
        let mut bad = 0;
        let target = agent_addr.to_string();
        let ifcols = [
            "1.3.6.1.2.1.2.2.1.2",
            "1.3.6.1.2.1.2.2.1.8",
            "1.3.6.1.2.1.2.2.1.14",
            "1.3.6.1.2.1.31.1.1.1.1",
            "1.3.6.1.2.1.31.1.1.1.6",
            "1.3.6.1.2.1.31.1.1.1.9",
            "1.3.6.1.2.1.31.1.1.1.10",
            "1.3.6.1.2.1.31.1.1.1.15",
        ];
        let hw = [
            "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.2",
            "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.5",
            "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.6",
            "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.7",
            "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.8",
        ];
        let lldp = [
            "1.0.8802.1.1.2.1.4.1.1",
            "1.0.8802.1.1.2.1.3.7.1.4",
            "1.0.8802.1.1.2.1.3.7.1.3",
        ];
        let reps_if = INTERFACES.to_string();
        for _ in 0..args.netsnmp_polls {
            let common = ["-v2c", "-c", "public", "-t", "2", "-r", "0", "-On"];
            let mut cmds: Vec<(&str, Vec<String>)> = vec![(
                "snmpget",
                common
                    .iter()
                    .map(|s| (*s).to_owned())
                    .chain([target.clone()])
                    .chain(
                        [
                            "1.3.6.1.2.1.1.1.0",
                            "1.3.6.1.2.1.1.2.0",
                            "1.3.6.1.2.1.1.3.0",
                            "1.3.6.1.2.1.1.5.0",
                        ]
                        .iter()
                        .map(|s| (*s).to_owned()),
                    )
                    .collect(),
            )];
            for (cols, reps) in [
                (&hw[..], "4"),
                (&ifcols[..], reps_if.as_str()),
                (&lldp[..], "1"),
            ] {
                cmds.push((
                    "snmpbulkget",
                    common
                        .iter()
                        .map(|s| (*s).to_owned())
                        .chain(["-Cn0".to_owned(), format!("-Cr{reps}"), target.clone()])
                        .chain(cols.iter().map(|s| (*s).to_owned()))
                        .collect(),
                ));
            }
            for (bin, a) in cmds {
                processes += 1;
                let ok = tokio::process::Command::new(bin)
                    .args(&a)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status()
                    .await
                    .map(|s| s.success())
                    .unwrap_or(false);
                if !ok {
                    bad += 1;
                }
            }
        }
        let wall = started.elapsed().as_secs_f64();
        let (_, children1) = process_cpu_seconds();
        let cpu = children1 - children0;
        Some((args.netsnmp_polls, processes, bad, cpu, wall))
    } else {
        None
    };
    let agent_cpu = agent.stop();
    let n = polls.load(Ordering::Relaxed);
    let poller_cpu = (cpu1 - cpu0 - agent_cpu).max(0.0);
    let per_poll = if n > 0 { poller_cpu / n as f64 } else { 0.0 };
    let secs = args.interval_secs.max(1) as f64;
    let mut t = times.lock().map(|t| t.clone()).unwrap_or_default();
    t.sort_by(f64::total_cmp);
    let netsnmp = netsnmp.map(|(polls, processes, failed, cpu, wall)| {
        let per = cpu / polls.max(1) as f64;
        NetSnmpReport {
            polls,
            processes,
            failed,
            cpu_seconds: cpu,
            cpu_ms_per_poll: per * 1_000.0,
            wall_seconds: wall,
            devices_per_core_at_interval: if per > 0.0 { secs / per } else { 0.0 },
            cpu_ratio: if per_poll > 0.0 { per / per_poll } else { 0.0 },
        }
    });
    Ok(BenchReport {
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        polls: n,
        failed_polls: failed.load(Ordering::Relaxed),
        late_polls: late.load(Ordering::Relaxed),
        requests_answered: answered_poller,
        poll_ms_p50: percentile(&t, 0.5),
        poll_ms_p99: percentile(&t, 0.99),
        poller_cpu_seconds: poller_cpu,
        agent_cpu_seconds: agent_cpu,
        poller_cpu_ms_per_poll: per_poll * 1_000.0,
        poller_core_share: poller_cpu / begin.elapsed().as_secs_f64().max(1e-9),
        devices_per_core_at_interval: if per_poll > 0.0 { secs / per_poll } else { 0.0 },
        netsnmp,
        args,
    })
}
