//! Sign in, sign out, change one's own password.

use std::net::SocketAddr;

use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, routing};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Duration;
use rand::RngCore;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use yiqiao_http::{Access, AppError, CsrfForm, CurrentUser, Routes, Shell};
use yiqiao_store::audit::Actor;

use super::session::{removal_cookie, session_cookie};
use super::store;
use crate::state::AppState;

/// The double-submit token of the sign-in form (there is no session yet to hold one).
const LOGIN_COOKIE: &str = "yiqiao_login";

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .page_get("/login", Access::Public, routing::get(login_page))
        .page_post("/login", Access::Public, routing::post(login_submit))
        .page_post("/logout", Access::AnyUser, routing::post(logout))
        .page_get(
            "/account/password",
            Access::AnyUser,
            routing::get(password_page),
        )
        .page_post(
            "/account/password",
            Access::AnyUser,
            routing::post(password_submit),
        )
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
    token: String,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

fn random_token() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Only paths on this site: never an open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn login_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((LOGIN_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/login")
        .build()
}

/// What the sign-in form shows again.
struct Again {
    status: StatusCode,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

fn render_login(
    state: &AppState,
    shell: Shell,
    jar: CookieJar,
    again: Again,
) -> Result<Response, AppError> {
    let token = random_token();
    let page = LoginPage {
        shell,
        token: token.clone(),
        next: again.next,
        username: again.username,
        error: again.error,
        notice: again.notice,
    };
    let jar = jar.add(login_cookie(token, state.config.http.secure_cookies));
    Ok((again.status, jar, Html(page.render()?)).into_response())
}

async fn login_page(
    State(state): State<AppState>,
    shell: Shell,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if shell.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let notice = q.expired.map(|_| "登录已过期，请重新登录".to_owned());
    render_login(
        &state,
        shell,
        jar,
        Again {
            status: StatusCode::OK,
            next: safe_next(q.next.as_deref()),
            username: String::new(),
            error: None,
            notice,
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default, rename = "_login")]
    token: String,
}

async fn login_submit(
    State(state): State<AppState>,
    shell: Shell,
    jar: CookieJar,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = state.now();
    let next = safe_next(f.next.as_deref());
    let username = f.username.trim().to_owned();
    let ip = peer
        .map(|Extension(ConnectInfo(a))| a.ip().to_string())
        .unwrap_or_default();
    let cookie = jar
        .get(LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if cookie.is_empty() || !bool::from(cookie.as_bytes().ct_eq(f.token.as_bytes())) {
        return render_login(
            &state,
            shell,
            jar,
            Again {
                status: StatusCode::FORBIDDEN,
                next,
                username,
                error: Some("登录表单已过期，请重新输入".into()),
                notice: None,
            },
        );
    }
    if username.is_empty() || f.password.is_empty() {
        return render_login(
            &state,
            shell,
            jar,
            Again {
                status: StatusCode::BAD_REQUEST,
                next,
                username,
                error: Some("请输入用户名和密码".into()),
                notice: None,
            },
        );
    }
    let cfg = &state.config.login;
    let since = now - Duration::minutes(cfg.window_minutes);
    let failures = store::recent_failures(&*state.db, &username, since).await?;
    if failures >= cfg.max_failures.max(1) as u64 {
        store::record_attempt(&*state.db, &username, &ip, false, now).await?;
        return render_login(
            &state,
            shell,
            jar,
            Again {
                status: StatusCode::TOO_MANY_REQUESTS,
                next,
                username,
                error: Some(format!(
                    "该用户连续登录失败次数过多，已暂时锁定，请 {} 分钟后再试或联系信息科",
                    cfg.window_minutes
                )),
                notice: None,
            },
        );
    }
    let user = store::find_by_username(&*state.db, &username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.as_str())
        .unwrap_or(super::password::dummy_hash());
    let password = f.password.clone();
    let hash_owned = hash.to_owned();
    // argon2 is deliberately slow: keep it off the async threads.
    let ok = tokio::task::spawn_blocking(move || super::password::verify(&password, &hash_owned))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let user = match user {
        Some(u) if ok && u.active => u,
        Some(u) if ok && !u.active => {
            store::record_attempt(&*state.db, &username, &ip, false, now).await?;
            return render_login(
                &state,
                shell,
                jar,
                Again {
                    status: StatusCode::FORBIDDEN,
                    next,
                    username,
                    error: Some(format!("账号「{}」已停用，请联系信息科", u.username)),
                    notice: None,
                },
            );
        }
        _ => {
            store::record_attempt(&*state.db, &username, &ip, false, now).await?;
            return render_login(
                &state,
                shell,
                jar,
                Again {
                    status: StatusCode::UNAUTHORIZED,
                    next,
                    username,
                    error: Some("用户名或密码错误".into()),
                    notice: None,
                },
            );
        }
    };
    let txn = state.db.begin_write().await?;
    store::record_attempt(&txn, &username, &ip, true, now).await?;
    let token = store::start_session(
        &txn,
        user.id,
        now,
        Duration::hours(state.config.session.max_hours),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user = %user.username, "signed in");
    let jar = jar
        .remove(Cookie::build(LOGIN_COOKIE).path("/login").build())
        .add(session_cookie(
            token,
            state.config.http.secure_cookies,
            state.config.session.max_hours,
        ));
    Ok((jar, Redirect::to(&next)).into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    if let Some(c) = jar.get(super::SESSION_COOKIE) {
        store::end_session(&*state.db, c.value()).await?;
    }
    Ok((jar.add(removal_cookie()), Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    shell: Shell,
    error: Option<String>,
}

async fn password_page(shell: Shell) -> Result<Html<String>, AppError> {
    Ok(Html(PasswordPage { shell, error: None }.render()?))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn password_submit(
    State(state): State<AppState>,
    shell: Shell,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let again = |shell: Shell, msg: &str| -> Result<Response, AppError> {
        Ok((
            StatusCode::BAD_REQUEST,
            Html(
                PasswordPage {
                    shell,
                    error: Some(msg.to_owned()),
                }
                .render()?,
            ),
        )
            .into_response())
    };
    let me = store::get(&*state.db, user.id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    if !super::password::verify(&f.current, &me.password_hash) {
        return again(shell, "当前密码不对");
    }
    if f.new != f.repeat {
        return again(shell, "两次输入的新密码不一致");
    }
    let txn = state.db.begin_write().await?;
    match store::set_password(
        &txn,
        user.id,
        &f.new,
        &Actor::person(&user.username),
        state.now(),
    )
    .await
    {
        Ok(()) => {}
        Err(store::AccountError::Password(e)) => return again(shell, &e.to_string()),
        Err(e) => return Err(e.into()),
    }
    txn.commit().await?;
    // Every session ended with the change, this one too: sign in again.
    Ok(Redirect::to("/login").into_response())
}
