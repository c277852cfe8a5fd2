//! Real SNMP agents on 127.0.0.1 for the monitoring tests: `snmpsim` serving the
//! `snmpsim-data` recordings of real devices (decompressed, cut to the subtrees the poller
//! reads, sorted and de-duplicated) and a recording of our own whose counters and uptime the
//! test moves with SNMP SET (`writecache`); plus UDP sockets that never answer, answer garbage,
//! or answer only when the test lets them.

use std::collections::BTreeMap;
use std::net::{SocketAddr, UdpSocket as StdUdp};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::Notify;
use yiqiao_inspection::domain::oid::Oid;
use yiqiao_inspection::monitor::snmp::{AuthProto, Credentials, PrivProto, Session};

/// The Python environment holding snmpsim (made by `.ci/run` from Debian's python3 so that
/// `nobody` can run it).
pub fn snmpsim_dir() -> PathBuf {
    std::env::var_os("YIQIAO_SNMPSIM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/yiqiao/snmpsim"))
}

/// The recordings the tests serve, by community (their path under the data folder).
pub const RECORDINGS: &[&str] = &[
    "network/router/huawei-s5720",
    "network/switch/huawei-s12704",
    "network/switch/h3c-comware-7-1-075",
    "network/switch/ruijie-s5750-24gt12sfp",
    "network/router/ruijie-n18010",
    "network/switch/cisco-c3560",
    "network/switch/cisco-c3750",
    "os/linux/unknown-002",
];

/// Subtrees the poller reads; everything else in a recording is left out.
const KEEP: &[&str] = &[
    "1.3.6.1.2.1.1.",
    "1.3.6.1.2.1.2.2.1.",
    "1.3.6.1.2.1.31.1.1.1.",
    "1.3.6.1.2.1.25.2.",
    "1.3.6.1.2.1.25.3.3.",
    "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.",
    "1.3.6.1.4.1.25506.2.6.1.1.1.1.",
    "1.3.6.1.4.1.9.9.109.1.1.1.1.",
    "1.3.6.1.4.1.9.9.48.1.1.1.",
    "1.3.6.1.4.1.9.9.13.1.3.1.",
    "1.3.6.1.4.1.2021.13.16.2.1.",
    "1.3.6.1.4.1.9.9.23.1.2.1.1.",
    "1.3.6.1.4.1.4881.1.1.10.2.35.",
    "1.3.6.1.4.1.4881.1.1.10.2.36.",
    "1.0.8802.1.1.2.1.3.7.",
    "1.0.8802.1.1.2.1.4.1.",
];

pub const ENGINE_ID: &str = "8000000001020304aabbccdd";
pub const V3_USER: &str = "yiqiao";
pub const V3_AUTH: &str = "auth-pass-2026";
pub const V3_PRIV: &str = "priv-pass-2026";

/// Our own recording: a Linux host whose uptime, counters and CPU the test sets.
pub const MOVING: &str = "yiqiao/moving";
pub const MOVING_REC: &str = "\
1.3.6.1.2.1.1.1.0|4|Linux test-host 6.1.0 x86_64
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10
1.3.6.1.2.1.1.3.0|67:writecache|value=100000
1.3.6.1.2.1.1.5.0|4|moving-host
1.3.6.1.2.1.2.2.1.2.1|4|eth0
1.3.6.1.2.1.2.2.1.8.1|2|1
1.3.6.1.2.1.2.2.1.14.1|65:writecache|value=0
1.3.6.1.2.1.25.2.3.1.2.1|6|1.3.6.1.2.1.25.2.1.2
1.3.6.1.2.1.25.2.3.1.5.1|2|1000
1.3.6.1.2.1.25.2.3.1.6.1|2:writecache|value=500
1.3.6.1.2.1.25.3.3.1.2.196608|2:writecache|value=10
1.3.6.1.2.1.31.1.1.1.1.1|4|eth0
1.3.6.1.2.1.31.1.1.1.6.1|70:writecache|value=0
1.3.6.1.2.1.31.1.1.1.9.1|70:writecache|value=0
1.3.6.1.2.1.31.1.1.1.10.1|70:writecache|value=0
1.3.6.1.2.1.31.1.1.1.15.1|66|1000
1.3.6.1.4.1.2021.13.16.2.1.2.1|4|Core 0
1.3.6.1.4.1.2021.13.16.2.1.3.1|66:writecache|value=45000
";

fn arcs(oid: &str) -> Vec<u32> {
    oid.split('.').filter_map(|a| a.parse().ok()).collect()
}

/// Decompress, cut, sort by arcs and de-duplicate (first line wins) one recording.
pub fn prepare(source: &Path, into: &Path) {
    let out = Command::new("bzcat").arg(source).output().expect("bzcat");
    assert!(out.status.success(), "bzcat {}", source.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut rows: BTreeMap<Vec<u32>, &str> = BTreeMap::new();
    for line in text.lines() {
        let Some((oid, _)) = line.split_once('|') else {
            continue;
        };
        if KEEP.iter().any(|k| oid.starts_with(k)) {
            rows.entry(arcs(oid)).or_insert(line);
        }
    }
    let mut body = String::new();
    for line in rows.values() {
        body.push_str(line);
        body.push('\n');
    }
    std::fs::create_dir_all(into.parent().unwrap()).unwrap();
    std::fs::write(into, body).unwrap();
}

/// The parsed lines of a prepared recording: OID → (tag, value).
pub fn read_recording(path: &Path) -> BTreeMap<Oid, (String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut p = l.splitn(3, '|');
            let oid: Oid = p.next()?.parse().ok()?;
            Some((oid, (p.next()?.to_owned(), p.next()?.to_owned())))
        })
        .collect()
}

fn source_dir() -> PathBuf {
    let py = snmpsim_dir().join("bin/python");
    let out = Command::new(&py)
        .args([
            "-c",
            "import os, snmpsim_data; print(os.path.join(os.path.dirname(snmpsim_data.__file__), 'data'))",
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "snmpsim is not installed at {} ({e}); run .ci/run or: /usr/bin/python3 -m venv {0} && {0}/bin/pip install snmpsim snmpsim-data cryptography",
                snmpsim_dir().display()
            )
        });
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn open_to_all(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A free UDP port on 127.0.0.1 (bound and released).
pub fn free_port() -> u16 {
    StdUdp::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One snmpsim process on 127.0.0.1; stopped when dropped.
pub struct Snmpsim {
    pub addr: SocketAddr,
    pub data: PathBuf,
    _dir: Arc<tempfile::TempDir>,
    cache: PathBuf,
    child: Option<Child>,
}

impl Snmpsim {
    /// Serve the given real recordings (and always our own moving one).
    pub async fn start(recordings: &[&str]) -> Snmpsim {
        let dir = tempfile::Builder::new()
            .prefix("yiqiao-snmpsim")
            .tempdir()
            .unwrap();
        open_to_all(dir.path(), 0o755);
        let data = dir.path().join("data");
        let cache = dir.path().join("cache");
        std::fs::create_dir_all(&cache).unwrap();
        open_to_all(&cache, 0o777);
        let src = source_dir();
        for r in recordings {
            prepare(
                &src.join(format!("{r}.snmprec.bz2")),
                &data.join(format!("{r}.snmprec")),
            );
        }
        let moving = data.join(format!("{MOVING}.snmprec"));
        std::fs::create_dir_all(moving.parent().unwrap()).unwrap();
        std::fs::write(&moving, MOVING_REC).unwrap();
        // Every folder must be readable by `nobody`.
        for e in walk_dirs(&data) {
            open_to_all(&e, 0o755);
        }
        let mut s = Snmpsim {
            addr: SocketAddr::from(([127, 0, 0, 1], free_port())),
            data,
            _dir: Arc::new(dir),
            cache,
            child: None,
        };
        s.spawn().await;
        s
    }

    async fn spawn(&mut self) {
        let bin = snmpsim_dir().join("bin/snmpsim-command-responder");
        let child = Command::new(bin)
            // Options after --v3-engine-id belong to that engine: keep this order.
            .arg(format!("--cache-dir={}", self.cache.display()))
            .arg(format!("--v3-engine-id={ENGINE_ID}"))
            .arg(format!("--v3-user={V3_USER}"))
            .arg(format!("--v3-auth-key={V3_AUTH}"))
            .arg("--v3-auth-proto=SHA256")
            .arg(format!("--v3-priv-key={V3_PRIV}"))
            .arg("--v3-priv-proto=AES128")
            .arg(format!("--data-dir={}", self.data.display()))
            .arg(format!("--agent-udpv4-endpoint={}", self.addr))
            .args(["--process-user=nobody", "--process-group=nogroup"])
            .args(["--logging-method=null"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start snmpsim-command-responder");
        self.child = Some(child);
        // Ready when it answers (it indexes the recordings first).
        let mut probe = Session::new(self.addr, v2c(MOVING), Duration::from_millis(200));
        let sys_descr: Oid = "1.3.6.1.2.1.1.1.0".parse().unwrap();
        for _ in 0..600 {
            if probe.get(std::slice::from_ref(&sys_descr)).await.is_ok() {
                return;
            }
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                panic!("snmpsim exited: {status}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("snmpsim did not answer on {}", self.addr);
    }

    /// The agent goes away (an outage).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The agent comes back on the same port.
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    pub fn recording(&self, name: &str) -> PathBuf {
        self.data.join(format!("{name}.snmprec"))
    }
}

impl Drop for Snmpsim {
    fn drop(&mut self) {
        self.stop();
    }
}

fn walk_dirs(p: &Path) -> Vec<PathBuf> {
    let mut out = vec![p.to_path_buf()];
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(walk_dirs(&path));
            }
        }
    }
    out
}

pub fn v2c(community: &str) -> Credentials {
    Credentials::V2c {
        community: community.into(),
    }
}

pub fn v3(context: &str) -> Credentials {
    Credentials::V3 {
        user: V3_USER.into(),
        auth: AuthProto::Sha256,
        auth_pass: V3_AUTH.into(),
        privacy: Some((PrivProto::Aes128, V3_PRIV.into())),
        context: context.into(),
    }
}

/// A UDP socket on 127.0.0.1 that reads requests and never answers.
pub async fn silent_agent() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    let h = tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        while sock.recv_from(&mut buf).await.is_ok() {}
    });
    (addr, h)
}

/// A UDP socket on 127.0.0.1 that answers every request with bytes that are not SNMP
/// (and, every other time, a truncated copy of the request).
pub async fn garbage_agent() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    let h = tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        let mut n = 0u32;
        while let Ok((len, from)) = sock.recv_from(&mut buf).await {
            n += 1;
            let reply: Vec<u8> = if n.is_multiple_of(2) {
                buf[..len / 2].to_vec()
            } else {
                (0..97u32).map(|i| (i.wrapping_mul(31) ^ n) as u8).collect()
            };
            let _ = sock.send_to(&reply, from).await;
        }
    });
    (addr, h)
}

/// A UDP socket on 127.0.0.1 that forwards requests to a real agent but holds every reply
/// until the test calls `release` (a slow agent); after that it forwards at once.
pub struct HeldAgent {
    pub addr: SocketAddr,
    gate: Arc<(Notify, std::sync::atomic::AtomicBool)>,
    _task: tokio::task::JoinHandle<()>,
}

impl HeldAgent {
    pub async fn start(upstream: SocketAddr) -> HeldAgent {
        use std::sync::atomic::Ordering;
        let sock = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = sock.local_addr().unwrap();
        let gate = Arc::new((Notify::new(), std::sync::atomic::AtomicBool::new(false)));
        let g = gate.clone();
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            while let Ok((len, from)) = sock.recv_from(&mut buf).await {
                let req = buf[..len].to_vec();
                let (s, g) = (sock.clone(), g.clone());
                tokio::spawn(async move {
                    let wait = g.0.notified();
                    tokio::pin!(wait);
                    wait.as_mut().enable();
                    if !g.1.load(Ordering::SeqCst) {
                        wait.await;
                    }
                    let up = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                    up.send_to(&req, upstream).await.unwrap();
                    let mut b = vec![0u8; 65_536];
                    if let Ok(Ok((n, _))) =
                        tokio::time::timeout(Duration::from_secs(10), up.recv_from(&mut b)).await
                    {
                        let _ = s.send_to(&b[..n], from).await;
                    }
                });
            }
        });
        HeldAgent {
            addr,
            gate,
            _task: task,
        }
    }

    pub fn release(&self) {
        self.gate.1.store(true, std::sync::atomic::Ordering::SeqCst);
        self.gate.0.notify_waiters();
    }
}

/// SNMP SET on our own recording (its `writecache` values), as the device's own life would
/// change them.
pub async fn set(addr: SocketAddr, community: &str, values: &[(&str, snmp2::Value<'_>)]) {
    let mut s = snmp2::AsyncSession::new_v2c(addr, community.as_bytes(), 7)
        .await
        .unwrap();
    let oids: Vec<snmp2::Oid<'static>> = values
        .iter()
        .map(|(o, _)| {
            let arcs: Vec<u64> = o.split('.').map(|a| a.parse().unwrap()).collect();
            snmp2::Oid::from(&arcs).unwrap()
        })
        .collect();
    let pairs: Vec<(&snmp2::Oid<'_>, snmp2::Value<'_>)> = oids
        .iter()
        .zip(values)
        .map(|(o, (_, v))| (o, clone_value(v)))
        .collect();
    let r = tokio::time::timeout(Duration::from_secs(5), s.set(&pairs))
        .await
        .expect("SET answered")
        .expect("SET accepted");
    assert_eq!(r.error_status, 0, "SET error status");
}

fn clone_value<'a>(v: &snmp2::Value<'a>) -> snmp2::Value<'a> {
    match v {
        snmp2::Value::Integer(i) => snmp2::Value::Integer(*i),
        snmp2::Value::Counter32(c) => snmp2::Value::Counter32(*c),
        snmp2::Value::Counter64(c) => snmp2::Value::Counter64(*c),
        snmp2::Value::Timeticks(c) => snmp2::Value::Timeticks(*c),
        snmp2::Value::Unsigned32(c) => snmp2::Value::Unsigned32(*c),
        _ => panic!("value kind not used by the tests"),
    }
}
