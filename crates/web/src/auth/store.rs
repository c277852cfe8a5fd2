//! Users, sessions and sign-in attempts in the database.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, Set};
use sha2::{Digest, Sha256};
use yiqiao_core::Role;
use yiqiao_http::CurrentUser;
use yiqiao_store::audit::{self, Actor, Change};

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "app_user")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub username: String,
        pub display_name: String,
        pub password_hash: String,
        pub roles: String,
        pub active: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// The HIS staff member (工号) this account is, if linked; unique.
        #[sea_orm(unique)]
        pub his_staff_code: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: i64,
        pub csrf: String,
        pub created_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_attempt")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub username: String,
        pub ip: String,
        pub success: bool,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use user::Model as User;

impl User {
    pub fn role_list(&self) -> Vec<Role> {
        parse_roles(&self.roles)
    }
}

fn parse_roles(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r).ok()).collect()
}

pub fn format_roles(roles: &[Role]) -> String {
    let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

/// What is wrong with a new user.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UserError {
    #[error("用户名只能由字母、数字、点、下划线和减号组成，长度 2–64")]
    BadUsername,
    #[error("姓名不能为空，且不超过 64 字")]
    BadDisplayName,
    #[error("至少需要一个角色")]
    NoRole,
    #[error("用户名「{0}」已存在")]
    Taken(String),
    #[error("没有这个用户")]
    NotFound,
    #[error("HIS 工号不能为空，且不超过 64 个字符")]
    BadStaffCode,
    #[error("HIS 职工表中没有工号「{0}」：请先确认 HIS 已推送该职工，或核对工号")]
    NoSuchStaff(String),
    #[error("HIS 工号「{code}」已关联到用户「{holder}」，一个工号只能关联一个账号")]
    StaffTaken { code: String, holder: String },
}

impl yiqiao_core::Refusal for UserError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        use yiqiao_core::ErrorKind::*;
        match self {
            UserError::Taken(_) | UserError::StaffTaken { .. } => Conflict,
            UserError::NotFound => NotFound,
            _ => BadRequest,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            UserError::BadUsername => "BAD_USERNAME",
            UserError::BadDisplayName => "BAD_DISPLAY_NAME",
            UserError::NoRole => "NO_ROLE",
            UserError::Taken(_) => "USERNAME_TAKEN",
            UserError::NotFound => "NOT_FOUND",
            UserError::BadStaffCode => "BAD_STAFF_CODE",
            UserError::NoSuchStaff(_) => "NO_SUCH_STAFF",
            UserError::StaffTaken { .. } => "STAFF_CODE_TAKEN",
        }
    }
}

yiqiao_http::app_error_from!(UserError);

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Password(#[from] super::password::PasswordError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<AccountError> for yiqiao_http::AppError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::User(e) => e.into(),
            AccountError::Password(e) => e.into(),
            AccountError::Db(e) => e.into(),
        }
    }
}

fn check_username(u: &str) -> Result<(), UserError> {
    let ok = (2..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(UserError::BadUsername)
    }
}

/// A new person who can sign in. Audited.
pub async fn create_user<C: ConnectionTrait>(
    conn: &C,
    username: &str,
    display_name: &str,
    password: &str,
    roles: &[Role],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<User, AccountError> {
    let username = username.trim();
    let display_name = display_name.trim();
    check_username(username)?;
    if display_name.is_empty() || display_name.chars().count() > 64 {
        return Err(UserError::BadDisplayName.into());
    }
    if roles.is_empty() {
        return Err(UserError::NoRole.into());
    }
    let hash = super::password::hash_new(password)?;
    let user = user::ActiveModel {
        username: Set(username.to_owned()),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(hash),
        roles: Set(format_roles(roles)),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        his_staff_code: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if yiqiao_store::is_unique_violation(&e) {
            AccountError::User(UserError::Taken(username.to_owned()))
        } else {
            AccountError::Db(e)
        }
    })?;
    audit::record(
        conn,
        actor,
        Change::new("user.create", "user", &user.username).after(serde_json::json!({
            "display_name": user.display_name, "roles": user.roles, "active": true
        })),
        now,
    )
    .await?;
    Ok(user)
}

/// Change a person's roles, name and whether they may sign in. Audited; sessions of a
/// deactivated person end at once.
pub async fn update_user<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    display_name: &str,
    roles: &[Role],
    active: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<User, AccountError> {
    let before = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(UserError::NotFound)?;
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 64 {
        return Err(UserError::BadDisplayName.into());
    }
    if roles.is_empty() {
        return Err(UserError::NoRole.into());
    }
    let after = user::ActiveModel {
        id: Set(id),
        display_name: Set(display_name.to_owned()),
        roles: Set(format_roles(roles)),
        active: Set(active),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(conn)
    .await?;
    if !active {
        end_sessions_of(conn, id).await?;
    }
    audit::record(
        conn,
        actor,
        Change::new("user.update", "user", &after.username)
            .before(serde_json::json!({"display_name": before.display_name, "roles": before.roles, "active": before.active}))
            .after(serde_json::json!({"display_name": after.display_name, "roles": after.roles, "active": after.active})),
        now,
    )
    .await?;
    Ok(after)
}

/// Link a person's account to the HIS staff member (工号) they are, or unlink it (`None`).
/// Audited. The staff member must be on the HIS staff list (checked by the update itself), and
/// the unique index decides between two accounts claiming one staff member.
pub async fn link_staff<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    staff_code: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<User, AccountError> {
    let before = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(UserError::NotFound)?;
    let code = match staff_code.map(str::trim) {
        None => None,
        Some(c) if c.is_empty() || c.chars().count() > 64 => {
            return Err(UserError::BadStaffCode.into());
        }
        Some(c) => Some(c.to_owned()),
    };
    if let Some(c) = &code {
        // Only to name the holder in the refusal; the unique index is what decides.
        let holder = user::Entity::find()
            .filter(user::Column::HisStaffCode.eq(c.as_str()))
            .filter(user::Column::Id.ne(id))
            .one(conn)
            .await?;
        if let Some(h) = holder {
            return Err(UserError::StaffTaken {
                code: c.clone(),
                holder: h.username,
            }
            .into());
        }
    }
    let backend = conn.get_database_backend();
    let changed = match &code {
        Some(c) => conn
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                "UPDATE app_user SET his_staff_code = $1, updated_at = $2 \
                 WHERE id = $3 AND EXISTS (SELECT 1 FROM his_staff WHERE code = $1)",
                [c.clone().into(), now.into(), id.into()],
            ))
            .await
            .map_err(|e| {
                if yiqiao_store::is_unique_violation(&e) {
                    AccountError::User(UserError::StaffTaken {
                        code: c.clone(),
                        holder: "另一用户".into(),
                    })
                } else {
                    AccountError::Db(e)
                }
            })?,
        None => {
            conn.execute_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                "UPDATE app_user SET his_staff_code = NULL, updated_at = $1 WHERE id = $2",
                [now.into(), id.into()],
            ))
            .await?
        }
    };
    if changed.rows_affected() != 1 {
        return Err(match code {
            Some(c) => UserError::NoSuchStaff(c),
            None => UserError::NotFound,
        }
        .into());
    }
    let action = if code.is_some() {
        "user.link_staff"
    } else {
        "user.unlink_staff"
    };
    audit::record(
        conn,
        actor,
        Change::new(action, "user", &before.username)
            .before(serde_json::json!({"his_staff_code": before.his_staff_code}))
            .after(serde_json::json!({"his_staff_code": code})),
        now,
    )
    .await?;
    Ok(user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(UserError::NotFound)?)
}

/// Set a new password (by the person or an administrator). All sessions of the person end.
pub async fn set_password<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    password: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    let u = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(UserError::NotFound)?;
    let hash = super::password::hash_new(password)?;
    user::ActiveModel {
        id: Set(id),
        password_hash: Set(hash),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(conn)
    .await?;
    end_sessions_of(conn, id).await?;
    // The hash itself is not written into the audit log.
    audit::record(
        conn,
        actor,
        Change::new("user.password", "user", &u.username),
        now,
    )
    .await?;
    Ok(())
}

pub async fn find_by_username<C: ConnectionTrait>(
    conn: &C,
    username: &str,
) -> Result<Option<User>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username.trim()))
        .one(conn)
        .await
}

pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<User>, DbErr> {
    user::Entity::find_by_id(id).one(conn).await
}

pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<User>, DbErr> {
    user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(conn)
        .await
}

pub async fn count<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    user::Entity::find().count(conn).await
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A new session; returns the token for the cookie.
pub async fn start_session<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: DateTime<Utc>,
    max: Duration,
) -> Result<String, DbErr> {
    let token = random_token();
    session::ActiveModel {
        id: Set(token_hash(&token)),
        user_id: Set(user_id),
        csrf: Set(random_token()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + max),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// What a session cookie turned out to be.
pub enum Lookup {
    Valid(CurrentUser),
    /// It was a session once; it has run out (shown as "登录已过期").
    Expired,
    Unknown,
}

/// Resolve a session token, ending it if it has run out. Touches `last_seen_at` at most once a
/// minute, so reads stay reads.
pub async fn lookup_session<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
    idle: Duration,
) -> Result<Lookup, DbErr> {
    let id = token_hash(token);
    let Some(s) = session::Entity::find_by_id(id.clone()).one(conn).await? else {
        return Ok(Lookup::Unknown);
    };
    if now >= s.expires_at || now - s.last_seen_at >= idle {
        session::Entity::delete_by_id(id).exec(conn).await?;
        return Ok(Lookup::Expired);
    }
    let Some(u) = get(conn, s.user_id).await?.filter(|u| u.active) else {
        session::Entity::delete_by_id(id).exec(conn).await?;
        return Ok(Lookup::Expired);
    };
    if now - s.last_seen_at >= Duration::minutes(1) {
        session::ActiveModel {
            id: Set(s.id.clone()),
            last_seen_at: Set(now),
            ..Default::default()
        }
        .update(conn)
        .await?;
    }
    Ok(Lookup::Valid(CurrentUser {
        id: u.id,
        roles: u.role_list(),
        username: u.username,
        display_name: u.display_name,
        his_staff_code: u.his_staff_code,
        csrf: s.csrf,
    }))
}

pub async fn end_session<C: ConnectionTrait>(conn: &C, token: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(token_hash(token))
        .exec(conn)
        .await
        .map(|_| ())
}

pub async fn end_sessions_of<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<(), DbErr> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await
        .map(|_| ())
}

pub async fn record_attempt<C: ConnectionTrait>(
    conn: &C,
    username: &str,
    ip: &str,
    success: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    attempt::ActiveModel {
        username: Set(username.chars().take(64).collect()),
        ip: Set(ip.chars().take(64).collect()),
        success: Set(success),
        at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// Failed sign-ins for this user name since `since` and after its last success.
pub async fn recent_failures<C: ConnectionTrait>(
    conn: &C,
    username: &str,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let last_ok = attempt::Entity::find()
        .filter(attempt::Column::Username.eq(username))
        .filter(attempt::Column::Success.eq(true))
        .filter(attempt::Column::At.gte(since))
        .order_by_desc(attempt::Column::At)
        .one(conn)
        .await?
        .map(|a| a.at)
        .unwrap_or(since);
    attempt::Entity::find()
        .filter(attempt::Column::Username.eq(username))
        .filter(attempt::Column::Success.eq(false))
        .filter(attempt::Column::At.gte(last_ok))
        .count(conn)
        .await
}
