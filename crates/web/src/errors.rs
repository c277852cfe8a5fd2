//! The layer (inside the session layer) that finishes every error response: JSON `{code, message}` for machines and
//! APIs (including axum's own rejections, which come as plain text), a page for people, and a
//! redirect to the sign-in page when a person's session is missing or has run out.

use askama::Template;
use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use yiqiao_http::error::ErrorBody;
use yiqiao_http::{Shell, Site};

use crate::auth::session::SessionExpired;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    shell: Shell,
    title: String,
    message: String,
    fields: Vec<String>,
}

fn wants_json(req: &Request) -> bool {
    let path = req.uri().path();
    path.starts_with("/api/")
        || path.starts_with("/his/")
        || path.starts_with("/platform/")
        || path == "/health"
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

/// A code and a message for an error response that came without our body (axum rejections,
/// unknown paths, wrong methods).
fn body_for_bare(status: StatusCode, text: &str) -> ErrorBody {
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("NOT_FOUND", "没有这个地址".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("METHOD_NOT_ALLOWED", "此地址不接受这种请求方法".to_owned())
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("BODY_TOO_LARGE", "请求内容超过大小限制".to_owned()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "UNSUPPORTED_MEDIA_TYPE",
            "请求内容类型不对，应为 application/json".to_owned(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => {
            ("BAD_JSON", format!("请求内容无法解析：{text}"))
        }
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
            ("UNAVAILABLE", "服务繁忙或处理超时，请稍后再试".to_owned())
        }
        s if s.is_server_error() => (
            "INTERNAL",
            "服务器内部错误，已记录，请联系信息科".to_owned(),
        ),
        _ => ("ERROR", text.to_owned()),
    };
    ErrorBody {
        code: code.to_owned(),
        message,
        fields: Vec::new(),
    }
}

pub async fn finish_errors(req: Request, next: Next) -> Response {
    let json = wants_json(&req);
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(|q| q.to_owned());
    let site = req.extensions().get::<Site>().cloned();
    let user = req.extensions().get::<yiqiao_http::CurrentUser>().cloned();
    let expired = req.extensions().get::<SessionExpired>().is_some();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res
            .extensions()
            .get::<yiqiao_http::error::FinalBody>()
            .is_some()
    {
        return res;
    }
    // A page that renders its own refusal (the sign-in form with "用户名或密码错误") is final.
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && res.extensions().get::<ErrorBody>().is_none() {
        return res;
    }
    let (parts, body) = res.into_parts();
    let err = match parts.extensions.get::<ErrorBody>() {
        Some(b) => b.clone(),
        None => {
            let bytes = axum::body::to_bytes(body, 64 * 1024)
                .await
                .unwrap_or_default();
            let b = body_for_bare(status, String::from_utf8_lossy(&bytes).trim());
            if json {
                let mut r = (status, Json(b.clone())).into_response();
                r.extensions_mut().insert(b);
                return r;
            }
            b
        }
    };
    if json {
        let mut r = (status, Json(err.clone())).into_response();
        for (k, v) in parts.headers.iter() {
            if k == header::RETRY_AFTER || k == header::WWW_AUTHENTICATE {
                r.headers_mut().insert(k.clone(), v.clone());
            }
        }
        r.extensions_mut().insert(err);
        return r;
    }
    if status == StatusCode::UNAUTHORIZED {
        let next = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut to = format!("/login?next={}", urlencode(&next));
        if expired || err.code == "SESSION_EXPIRED" {
            to.push_str("&expired=1");
        }
        return Redirect::to(&to).into_response();
    }
    let title = match status {
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::NOT_FOUND => "未找到",
        StatusCode::TOO_MANY_REQUESTS => "操作过于频繁",
        s if s.is_server_error() => "系统错误",
        _ => "无法完成",
    };
    let shell = match site {
        Some(site) => Shell::new(&site, user, &path),
        None => Shell {
            hospital: String::new(),
            demo: false,
            user: None,
            nav: Vec::new(),
            path,
        },
    };
    let page = ErrorPage {
        shell,
        title: title.to_owned(),
        message: err.message.clone(),
        fields: err.fields.iter().map(|f| f.to_string()).collect(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, err.message).into_response(),
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
