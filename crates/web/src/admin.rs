//! Administration pages: users and roles, the outbox, the audit log, HIS feed clients.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing;
use serde::Deserialize;
use yiqiao_core::Role;
use yiqiao_core::time::format_local;
use yiqiao_http::{Access, AppError, CsrfForm, CurrentUser, Routes, Shell};
use yiqiao_store::audit::{self, Actor, Change};
use yiqiao_store::outbox;

use crate::auth::store::{self as users, AccountError};
use crate::state::AppState;

const ADMIN: Access = Access::Roles(&[Role::Admin]);
/// Who watches outgoing messages: the administrator, IT operations, and the insurance office
/// (whose NHSA uploads go through the outbox).
const OUTBOX: Access = Access::Roles(&[Role::Admin, Role::ItOps, Role::Insurance]);

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .page_get("/admin/users", ADMIN, routing::get(users_page))
        .page_post("/admin/users", ADMIN, routing::post(user_create))
        .page_get("/admin/users/{id}", ADMIN, routing::get(user_page))
        .page_post("/admin/users/{id}", ADMIN, routing::post(user_update))
        .page_post(
            "/admin/users/{id}/password",
            ADMIN,
            routing::post(user_password),
        )
        .page_post("/admin/users/{id}/staff", ADMIN, routing::post(user_staff))
        .page_get("/admin/outbox", OUTBOX, routing::get(outbox_page))
        .page_post(
            "/admin/outbox/{id}/retry",
            OUTBOX,
            routing::post(outbox_retry),
        )
        .page_get("/admin/audit", ADMIN, routing::get(audit_page))
        .page_post("/admin/audit/verify", ADMIN, routing::post(audit_verify))
        .page_get("/admin/his-clients", ADMIN, routing::get(clients_page))
        .page_post("/admin/his-clients", ADMIN, routing::post(client_create))
        .page_post(
            "/admin/his-clients/{id}/revoke",
            ADMIN,
            routing::post(client_revoke),
        )
}

// ---- users ----

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    shell: Shell,
    users: Vec<users::User>,
    roles: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

impl UsersPage {
    /// "挂号收费处、门诊办" for a stored "registration,outpatient_office".
    fn role_labels(&self, u: &users::User) -> String {
        u.role_list()
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join("、")
    }
}

fn role_choices() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect()
}

async fn render_users(
    state: &AppState,
    shell: Shell,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let page = UsersPage {
        shell,
        users: users::list(&*state.db).await?,
        roles: role_choices(),
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn users_page(State(state): State<AppState>, shell: Shell) -> Result<Response, AppError> {
    render_users(&state, shell, StatusCode::OK, None).await
}

/// A form whose checkboxes repeat a name (`role=a&role=b`) is read as pairs.
#[derive(Deserialize)]
#[serde(transparent)]
struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn one(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn roles(&self) -> Result<Vec<Role>, AppError> {
        self.0
            .iter()
            .filter(|(k, _)| k == "role")
            .map(|(_, v)| Role::parse(v).map_err(AppError::from))
            .collect()
    }
}

async fn user_create(
    State(state): State<AppState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Result<Response, AppError> {
    let roles = f.roles()?;
    let txn = state.db.begin_write().await?;
    let created = users::create_user(
        &txn,
        &f.one("username"),
        &f.one("display_name"),
        &f.one("password"),
        &roles,
        &Actor::person(me.actor()),
        state.now(),
    )
    .await;
    match created {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to("/admin/users").into_response())
        }
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(e) => {
            drop(txn);
            let err = AppError::from(e);
            render_users(&state, shell, err.status(), Some(err.body.message)).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_user_edit.html")]
struct UserPage {
    shell: Shell,
    user: users::User,
    /// The linked HIS staff member as the HIS has him: name and 执业资格证号.
    staff: Option<(String, Option<String>)>,
    roles: Vec<(&'static str, &'static str, bool)>,
    error: Option<String>,
    notice: Option<String>,
}

async fn render_user(
    state: &AppState,
    shell: Shell,
    id: i64,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let user = users::get(&*state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("没有这个用户"))?;
    let staff = match &user.his_staff_code {
        Some(code) => {
            use sea_orm::EntityTrait;
            yiqiao_his::store::entities::staff::Entity::find_by_id(code.clone())
                .one(&*state.db)
                .await?
                .map(|s| (s.name, s.licence_no))
        }
        None => None,
    };
    let held = user.role_list();
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.label(), held.contains(r)))
        .collect();
    let page = UserPage {
        shell,
        user,
        staff,
        roles,
        error,
        notice,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn user_page(
    State(state): State<AppState>,
    shell: Shell,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render_user(&state, shell, id, StatusCode::OK, None, None).await
}

async fn user_update(
    State(state): State<AppState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Result<Response, AppError> {
    let roles = f.roles()?;
    let active = f.one("active") == "1";
    if id == me.id && (!active || !roles.contains(&Role::Admin)) {
        return render_user(
            &state,
            shell,
            id,
            StatusCode::BAD_REQUEST,
            Some("不能停用自己，也不能去掉自己的管理员角色（以免无人管理）".into()),
            None,
        )
        .await;
    }
    let txn = state.db.begin_write().await?;
    let result = users::update_user(
        &txn,
        id,
        &f.one("display_name"),
        &roles,
        active,
        &Actor::person(me.actor()),
        state.now(),
    )
    .await;
    settle_user_change(&state, shell, id, txn, result, "已保存").await
}

/// Commit a change to a person and show their page again: with `notice` when it worked, with
/// the reason when it was refused (then nothing is written).
async fn settle_user_change<T>(
    state: &AppState,
    shell: Shell,
    id: i64,
    txn: sea_orm::DatabaseTransaction,
    result: Result<T, AccountError>,
    notice: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(_) => {
            txn.commit().await?;
            render_user(
                state,
                shell,
                id,
                StatusCode::OK,
                None,
                Some(notice.to_owned()),
            )
            .await
        }
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(e) => {
            drop(txn);
            let err = AppError::from(e);
            render_user(state, shell, id, err.status(), Some(err.body.message), None).await
        }
    }
}

#[derive(Deserialize)]
struct StaffForm {
    /// 工号; empty unlinks.
    #[serde(default)]
    staff_code: String,
}

async fn user_staff(
    State(state): State<AppState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<StaffForm>,
) -> Result<Response, AppError> {
    let code = Some(f.staff_code.trim()).filter(|c| !c.is_empty());
    let txn = state.db.begin_write().await?;
    let result = users::link_staff(&txn, id, code, &Actor::person(me.actor()), state.now()).await;
    let notice = match code {
        Some(c) => format!("已关联 HIS 工号 {c}"),
        None => "已解除与 HIS 工号的关联".to_owned(),
    };
    settle_user_change(&state, shell, id, txn, result, &notice).await
}

#[derive(Deserialize)]
struct PasswordForm {
    password: String,
}

async fn user_password(
    State(state): State<AppState>,
    shell: Shell,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let txn = state.db.begin_write().await?;
    let result = users::set_password(
        &txn,
        id,
        &f.password,
        &Actor::person(me.actor()),
        state.now(),
    )
    .await;
    settle_user_change(
        &state,
        shell,
        id,
        txn,
        result,
        "密码已重置，该用户的会话已全部退出",
    )
    .await
}

// ---- outbox ----

pub fn state_label(s: &str) -> &'static str {
    match s {
        outbox::state::PENDING => "待发送",
        outbox::state::SENDING => "发送中",
        outbox::state::DELIVERED => "已送达",
        outbox::state::DEAD => "失败待处理",
        _ => "未知",
    }
}

struct MessageRow {
    id: i64,
    kind: String,
    kind_label: &'static str,
    subject: String,
    msg_id: String,
    state: String,
    state_label: &'static str,
    attempts: i32,
    next_attempt_at: String,
    last: String,
    retryable: bool,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
struct OutboxPage {
    shell: Shell,
    state: String,
    states: Vec<(&'static str, &'static str)>,
    counts: std::collections::BTreeMap<String, i64>,
    messages: Vec<MessageRow>,
    notice: Option<String>,
}

impl OutboxPage {
    fn is_current(&self, s: &str) -> bool {
        self.state == s
    }
    fn count_of(&self, s: &str) -> Option<i64> {
        self.counts.get(s).copied()
    }
}

#[derive(Deserialize)]
struct OutboxQuery {
    state: Option<String>,
    kind: Option<String>,
    retried: Option<i64>,
}

async fn outbox_page(
    State(state): State<AppState>,
    shell: Shell,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, AppError> {
    let filter = q.state.unwrap_or_default();
    let msgs = outbox::list(
        &*state.db,
        Some(filter.as_str()).filter(|s| !s.is_empty()),
        q.kind.as_deref().filter(|s| !s.is_empty()),
        500,
    )
    .await?;
    let messages = msgs
        .into_iter()
        .map(|m| MessageRow {
            kind_label: state.outbox.label(&m.kind),
            state_label: state_label(&m.state),
            retryable: m.state == outbox::state::DEAD || m.state == outbox::state::PENDING,
            last: match (&m.last_status, &m.last_error) {
                (_, Some(e)) => e.clone(),
                (Some(s), None) => format!("HTTP {s}"),
                (None, None) => String::new(),
            },
            next_attempt_at: if m.state == outbox::state::DELIVERED {
                m.delivered_at.map(format_local).unwrap_or_default()
            } else {
                format_local(m.next_attempt_at)
            },
            id: m.id,
            kind: m.kind,
            subject: m.subject.unwrap_or_default(),
            msg_id: m.msg_id,
            state: m.state,
            attempts: m.attempts,
        })
        .collect();
    let page = OutboxPage {
        shell,
        state: filter,
        states: [
            outbox::state::PENDING,
            outbox::state::SENDING,
            outbox::state::DELIVERED,
            outbox::state::DEAD,
        ]
        .into_iter()
        .map(|s| (s, state_label(s)))
        .collect(),
        counts: outbox::counts(&*state.db).await?,
        messages,
        notice: q.retried.map(|id| format!("消息 #{id} 已安排立即重发")),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
struct Empty {}

async fn outbox_retry(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let msg = outbox::get(&txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("没有这条消息"))?;
    if !outbox::retry_now(&txn, id, now).await? {
        return Err(AppError::conflict(
            "NOT_RETRYABLE",
            format!(
                "消息 #{id} 当前状态为「{}」，不能重发",
                state_label(&msg.state)
            ),
        ));
    }
    audit::record(
        &txn,
        &Actor::person(me.actor()),
        Change::new("outbox.retry", "outbox_message", &msg.msg_id)
            .before(serde_json::json!({"state": msg.state, "attempts": msg.attempts})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to(&format!("/admin/outbox?retried={id}")).into_response())
}

// ---- audit ----

struct AuditRowView {
    seq: i64,
    at: String,
    actor: String,
    actor_kind: String,
    action: String,
    entity: String,
    entity_id: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    shell: Shell,
    rows: Vec<AuditRowView>,
    verification: Option<audit::Verification>,
}

#[derive(Deserialize)]
struct AuditQuery {
    entity: Option<String>,
    id: Option<String>,
}

async fn render_audit(
    state: &AppState,
    shell: Shell,
    filter: Option<(&str, &str)>,
    verification: Option<audit::Verification>,
) -> Result<Response, AppError> {
    let rows = audit::recent(&*state.db, filter, 200)
        .await?
        .into_iter()
        .map(|r| AuditRowView {
            seq: r.seq,
            at: format_local(r.at),
            actor: r.actor,
            actor_kind: r.actor_kind,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: r.before.unwrap_or_default(),
            after: r.after.unwrap_or_default(),
        })
        .collect();
    Ok(Html(
        AuditPage {
            shell,
            rows,
            verification,
        }
        .render()?,
    )
    .into_response())
}

async fn audit_page(
    State(state): State<AppState>,
    shell: Shell,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let filter = match (&q.entity, &q.id) {
        (Some(e), Some(i)) if !e.is_empty() && !i.is_empty() => Some((e.as_str(), i.as_str())),
        _ => None,
    };
    render_audit(&state, shell, filter, None).await
}

async fn audit_verify(
    State(state): State<AppState>,
    shell: Shell,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let v = audit::verify(&*state.db).await?;
    render_audit(&state, shell, None, Some(v)).await
}

// ---- HIS clients ----

struct ClientRow {
    id: i64,
    name: String,
    created_at: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "admin_his_clients.html")]
struct ClientsPage {
    shell: Shell,
    clients: Vec<ClientRow>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn render_clients(
    state: &AppState,
    shell: Shell,
    status: StatusCode,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let clients = yiqiao_his::clients::list(&*state.db)
        .await?
        .into_iter()
        .map(|c| ClientRow {
            id: c.id,
            name: c.name,
            created_at: format_local(c.created_at),
            revoked: c.revoked_at.is_some(),
        })
        .collect();
    let page = ClientsPage {
        shell,
        clients,
        new_token,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn clients_page(State(state): State<AppState>, shell: Shell) -> Result<Response, AppError> {
    render_clients(&state, shell, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct ClientForm {
    name: String,
}

async fn client_create(
    State(state): State<AppState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<ClientForm>,
) -> Result<Response, AppError> {
    let txn = state.db.begin_write().await?;
    match yiqiao_his::clients::create(&txn, &f.name, &Actor::person(me.actor()), state.now()).await
    {
        Ok((_, token)) => {
            txn.commit().await?;
            render_clients(&state, shell, StatusCode::OK, Some(token), None).await
        }
        Err(e) => {
            drop(txn);
            let err = AppError::from(e);
            if err.status().is_server_error() {
                return Err(err);
            }
            render_clients(&state, shell, err.status(), None, Some(err.body.message)).await
        }
    }
}

async fn client_revoke(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let txn = state.db.begin_write().await?;
    yiqiao_his::clients::revoke(&txn, id, &Actor::person(me.actor()), state.now()).await?;
    txn.commit().await?;
    Ok(Redirect::to("/admin/his-clients").into_response())
}
