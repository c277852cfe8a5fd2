//! Test support for a module's page tests, which have no sessions of their own: serve the
//! module's routes on a free 127.0.0.1 port with the signed-in person's role taken from the
//! [`ROLE_HEADER`] request header, the way the web crate's session layer puts a person into the
//! request. Compiled only with the `testing` feature, which only dev-dependencies enable.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use yiqiao_core::Role;

use crate::{CurrentUser, NavItem, Site};

/// The header naming the role of the person signed in (absent: nobody is).
pub const ROLE_HEADER: &str = "x-test-role";

/// Serve `router` and return its base URL. The person's form token is `csrf`.
pub async fn serve_as_header_role(
    router: Router,
    nav: Vec<NavItem>,
    csrf: &'static str,
) -> std::io::Result<String> {
    let nav = Arc::new(nav);
    let router = router.layer(middleware::from_fn(move |mut req: Request, next: Next| {
        let nav = nav.clone();
        async move {
            let role = req
                .headers()
                .get(ROLE_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(|r| Role::parse(r).ok());
            req.extensions_mut().insert(Site {
                hospital: "测试医院".into(),
                demo: false,
                nav,
            });
            if let Some(role) = role {
                req.extensions_mut().insert(CurrentUser {
                    id: 1,
                    username: format!("u_{}", role.as_str()),
                    display_name: role.label().into(),
                    roles: vec![role],
                    his_staff_code: None,
                    csrf: csrf.into(),
                });
            }
            next.run(req).await
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(format!("http://{addr}"))
}

/// A person at a browser for those pages: one role, the form token, redirects not followed (so
/// tests see them). Panics on transport errors: it is for tests only.
pub struct Browser {
    base: String,
    role: &'static str,
    csrf: &'static str,
    http: reqwest::Client,
}

#[allow(clippy::expect_used)]
impl Browser {
    pub fn new(base: &str, role: &'static str, csrf: &'static str) -> Browser {
        Browser {
            base: base.into(),
            role,
            csrf,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
        }
    }

    /// The status and the body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header(ROLE_HEADER, self.role)
            .send()
            .await
            .expect("GET");
        (r.status().as_u16(), r.text().await.expect("body"))
    }

    /// Submit a form with this person's token: the status, the redirect target, the body.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        self.post_with_csrf(path, self.csrf, fields).await
    }

    /// Submit a form with the given token (a wrong or empty one, to see the refusal).
    pub async fn post_with_csrf(
        &self,
        path: &str,
        csrf: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String, String) {
        let mut form = vec![("_csrf", csrf)];
        form.extend_from_slice(fields);
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(ROLE_HEADER, self.role)
            .form(&form)
            .send()
            .await
            .expect("POST");
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        (r.status().as_u16(), location, r.text().await.expect("body"))
    }
}
