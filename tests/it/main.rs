//! The `yiqiao` command line, run as a user would run it (the built binary, a temporary data
//! directory). On SQLite, or on PostgreSQL when `YIQIAO_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output, Stdio};
use std::time::Duration;

mod booking;
mod drg;
mod tracecode;
mod users;
mod visitpage;

const BIN: &str = env!("CARGO_BIN_EXE_yiqiao");

struct Env {
    dir: tempfile::TempDir,
    db_url: Option<String>,
}

impl Env {
    async fn new() -> Env {
        // On PostgreSQL, each test gets a fresh database of its own.
        let db_url = match std::env::var("YIQIAO_TEST_DATABASE_URL") {
            Ok(u) if !u.is_empty() => {
                let t = yiqiao_store::testing::TestDb::empty().await.unwrap();
                Some(t.url.clone())
            }
            _ => None,
        };
        Env {
            dir: tempfile::tempdir().unwrap(),
            db_url,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--data-dir").arg(self.dir.path()).args(args);
        c.env_remove("YIQIAO_DATABASE_URL")
            .env("YIQIAO_LOG", "warn");
        if let Some(u) = &self.db_url {
            c.env("YIQIAO_DATABASE_URL", u);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn config_example_is_a_valid_configuration() {
    let out = Command::new(BIN)
        .args(["config", "example"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("yiqiao.toml");
    std::fs::write(&file, &out.stdout).unwrap();
    let c = yiqiao_web::Config::load(Some(&file)).unwrap();
    assert_eq!(c.bind, "127.0.0.1:8080");
}

#[test]
fn a_bad_configuration_file_is_refused_with_its_problem() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[database]\nurll = 1\n").unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&file)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("urll"), "{}", text(&out));
}

#[tokio::test]
async fn the_first_administrator_is_made_on_the_command_line() {
    let env = Env::new().await;
    let out = env.run(&[
        "user",
        "add",
        "--name",
        "admin",
        "--role",
        "admin",
        "--password",
        "first2026admin",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = env.run(&["user", "list"]);
    assert!(
        text(&out).contains("admin\tadmin\tadmin\t启用"),
        "{}",
        text(&out)
    );
    // A weak password and an unknown role are refused, with the reason.
    let out = env.run(&[
        "user",
        "add",
        "--name",
        "xy",
        "--role",
        "admin",
        "--password",
        "short",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("至少需要 8 位"), "{}", text(&out));
    let out = env.run(&[
        "user",
        "add",
        "--name",
        "xy",
        "--role",
        "doctor",
        "--password",
        "long2026pass",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("未知角色「doctor」"), "{}", text(&out));
    let out = env.run(&[
        "user",
        "reset-password",
        "--name",
        "admin",
        "--password",
        "second2026admin",
    ]);
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test]
async fn audit_verify_fails_on_a_tampered_log() {
    let env = Env::new().await;
    env.run(&[
        "user",
        "add",
        "--name",
        "admin",
        "--role",
        "admin",
        "--password",
        "first2026admin",
    ]);
    env.run(&[
        "user",
        "add",
        "--name",
        "li",
        "--role",
        "nurse",
        "--password",
        "first2026nurse",
    ]);
    let ok = env.run(&["audit", "verify"]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        text(&ok).contains("审计链完整：共 2 条记录"),
        "{}",
        text(&ok)
    );

    let db = match &env.db_url {
        Some(u) => u.clone(),
        None => yiqiao_store::Db::sqlite_url_in(env.dir.path()),
    };
    let db = yiqiao_store::Db::connect(&yiqiao_store::DbConfig {
        url: db,
        max_connections: 1,
    })
    .await
    .unwrap();
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
        .await
        .unwrap();
    db.close().await.unwrap();
    let bad = env.run(&["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains("第 1 条审计记录的内容已被改动"),
        "{}",
        text(&bad)
    );
}

#[tokio::test]
async fn a_backup_is_a_working_copy_of_the_database() {
    let env = Env::new().await;
    if env.db_url.is_some() {
        let out = env.run(&["backup", "x.db"]);
        assert!(!out.status.success());
        assert!(text(&out).contains("pg_dump"));
        return;
    }
    env.run(&[
        "user",
        "add",
        "--name",
        "admin",
        "--role",
        "admin",
        "--password",
        "first2026admin",
    ]);
    let file = env.dir.path().join("copy.db");
    let out = env.run(&["backup", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let copy = yiqiao_store::Db::connect(&yiqiao_store::DbConfig {
        url: format!("sqlite://{}", file.display()),
        max_connections: 1,
    })
    .await
    .unwrap();
    assert_eq!(yiqiao_store::audit::verify(&*copy).await.unwrap().rows, 1);
    // Never over an existing file.
    let again = env.run(&["backup", file.to_str().unwrap()]);
    assert!(!again.status.success());
}

#[tokio::test]
async fn serve_answers_health_and_stops_gracefully_on_sigterm() {
    let env = Env::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = env
        .cmd(&["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/health");
    let mut body = None;
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(&url).await {
            body = Some(r.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let body = body.expect("server did not come up");
    assert_eq!(body["status"], "ok");
    let expected = if env.db_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
    let st = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(st.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            exited = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = exited.expect("server did not stop on SIGTERM");
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("医桥已启动"), "{stdout}");
    assert!(stdout.contains("医桥已停止"), "{stdout}");
}
