//! A real browser: headless Chromium signs in and opens the dashboard. Needs `chromium` and
//! `chromedriver` (installed by `.ci/run`, which runs this test); ignored in a plain
//! `cargo test`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use yiqiao_core::Role;

use crate::{PASSWORD, spawn_app};

/// A chromedriver process, ended when dropped.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Headless Chromium driven over WebDriver (`CHROMEDRIVER`, `CHROMIUM` override the paths).
/// Keep the driver alive as long as the client.
pub async fn chromium() -> (Driver, Client) {
    // Two TLS back-ends are in the dependency graph; say which one the WebDriver client uses.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let driver = Driver(
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium-driver)"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--lang=zh-CN"]
        }),
    );
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return (driver, c),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    panic!("chromedriver did not start");
}

/// Types `user` and `password` into the sign-in form the browser shows and submits it, as a
/// person does; returns once the signed-in page (its side navigation) is there.
pub async fn submit_sign_in(c: &Client, user: &str, password: &str) {
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("nav.side"))
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn browser_signs_in_and_opens_the_dashboard() {
    let app = spawn_app().await;
    app.add_user("wang", &[Role::Admin]).await;
    let (_driver, c) = chromium().await;
    c.goto(&app.url("/")).await.unwrap();
    // Not signed in: the browser lands on the sign-in page.
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    submit_sign_in(&c, "wang", PASSWORD).await;
    assert_eq!(c.current_url().await.unwrap().path(), "/");
    let h1 = c
        .find(Locator::Css("main h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, "工作台");
    // The navigation offers the administrator's pages; following one works.
    c.find(Locator::LinkText("用户与角色"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("table.grid"))
        .await
        .unwrap();
    let body = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("wang"));
    if let Ok(dir) = std::env::var("YIQIAO_SCREENSHOT_DIR") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(format!("{dir}/users.png"), png).unwrap();
    }
    c.close().await.unwrap();
}
