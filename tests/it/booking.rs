//! `yiqiao platform-app …` and `yiqiao booking client …`, run as a user would: the app's
//! secret is printed once, stored encrypted with the key file of the data directory, and a
//! served instance accepts the client's signed requests.

use std::process::Stdio;

use crate::{BIN, Env, text};

#[tokio::test]
async fn a_platform_app_is_added_and_its_signed_requests_are_served() {
    let env = Env::new().await;
    let out = env.run(&[
        "platform-app",
        "add",
        "--app-id",
        "jktz",
        "--name",
        "健康台州",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let secret = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();
    assert!(secret.len() >= 32, "{}", text(&out));
    assert!(env.dir.path().join("booking-secret.key").exists());
    let out = env.run(&["platform-app", "add", "--app-id", "jktz", "--name", "again"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("已存在"), "{}", text(&out));
    let out = env.run(&["platform-app", "list"]);
    assert!(
        text(&out).contains("jktz\t健康台州\t启用"),
        "{}",
        text(&out)
    );

    // Serve, and call it with the client subcommand.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut server = env
        .cmd(&["serve", "--bind", &bind])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://{bind}");
    let mut up = false;
    for _ in 0..300 {
        if reqwest::get(format!("{base}/health")).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the server did not come up");
    let client = |secret: &str| {
        let mut c = std::process::Command::new(BIN);
        c.args([
            "booking",
            "client",
            "--base",
            &base,
            "--app-id",
            "jktz",
            "--secret",
            secret,
            "GET",
            "/platform/v1/departments",
        ]);
        c.output().unwrap()
    };
    let out = client(&secret);
    let wrong = client("not-the-secret-0123456789");
    let _ = server.kill();
    let _ = server.wait();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("HTTP 200") && text(&out).contains("\"code\": \"OK\""),
        "{}",
        text(&out)
    );
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("HTTP 401") && text(&wrong).contains("AUTH_SIGNATURE"),
        "{}",
        text(&wrong)
    );
}
