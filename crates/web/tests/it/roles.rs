//! Walk every route of the application with every role (and with nobody signed in) and check
//! who is refused. The routes come from the application's own declarations, so a new route is
//! walked without changing this test.

use chrono::Duration;
use serde_json::Value;
use yiqiao_core::Role;
use yiqiao_http::Access;
use yiqiao_web::auth::store;

use crate::spawn_app;

/// A session for `user_id`, made directly (no argon2 per request): token and form token.
async fn session(app: &crate::TestApp, user_id: i64) -> (String, String) {
    let token = store::start_session(&*app.t.db, user_id, app.clock_now(), Duration::hours(1))
        .await
        .unwrap();
    let store::Lookup::Valid(u) =
        store::lookup_session(&*app.t.db, &token, app.clock_now(), Duration::hours(1))
            .await
            .unwrap()
    else {
        panic!("fresh session not valid")
    };
    (token, u.csrf)
}

impl crate::TestApp {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use yiqiao_core::time::Clock;
        self.clock.now()
    }
}

fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for ch in path.chars() {
        match ch {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push('1');
            }
            _ if in_param => {}
            _ => out.push(ch),
        }
    }
    out
}

#[tokio::test]
async fn every_route_refuses_exactly_the_roles_it_should() {
    let app = spawn_app().await;
    let routes = app.running.as_ref().unwrap().app_routes.clone();
    assert!(routes.len() > 15, "only {} routes declared", routes.len());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut users = Vec::new();
    for role in Role::ALL {
        let name = format!("u_{}", role.as_str());
        app.add_user(&name, &[role]).await;
        let u = store::find_by_username(&*app.t.db, &name)
            .await
            .unwrap()
            .unwrap();
        users.push((role, u.id));
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for spec in &routes {
        let path = concrete(spec.path);
        // Nobody signed in.
        let res = http
            .request(spec.method.clone(), app.url(&path))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        match spec.access {
            Access::Public => {
                if status == 401 || status == 403 {
                    failures.push(format!("{} {} anonymous: {status}", spec.method, spec.path));
                }
            }
            _ => {
                if status != 401 {
                    failures.push(format!(
                        "{} {} anonymous: expected 401, got {status}",
                        spec.method, spec.path
                    ));
                }
            }
        }
        // Each role, with a valid form token so that only the role decides.
        for (role, uid) in &users {
            let (token, csrf) = session(&app, *uid).await;
            let mut req = http
                .request(spec.method.clone(), app.url(&path))
                .header("accept", "application/json")
                .header("cookie", format!("yiqiao_session={token}"));
            if spec.method == axum::http::Method::POST {
                req = req.form(&[("_csrf", csrf.as_str())]);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let code = res
                .json::<Value>()
                .await
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let refused_for_role = status == 403 && code == "FORBIDDEN";
            match spec.access {
                Access::Public | Access::AnyUser => {
                    if refused_for_role || status == 401 {
                        failures.push(format!(
                            "{} {} {role}: refused ({status})",
                            spec.method, spec.path
                        ));
                    }
                }
                Access::Roles(admitted) => {
                    let should = admitted.contains(role);
                    if should && (refused_for_role || status == 401) {
                        failures.push(format!(
                            "{} {} {role}: refused but admitted",
                            spec.method, spec.path
                        ));
                    }
                    if !should && !refused_for_role {
                        failures.push(format!(
                            "{} {} {role}: expected 403 FORBIDDEN, got {status} {code}",
                            spec.method, spec.path
                        ));
                    }
                }
                Access::Machine => {
                    // A person's cookie is never a machine's credential.
                    if status != 401 {
                        failures.push(format!(
                            "{} {} {role} (cookie on a machine route): expected 401, got {status}",
                            spec.method, spec.path
                        ));
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, routes.len() * Role::ALL.len());
}
