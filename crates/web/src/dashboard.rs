//! The dashboard (工作台): what each person can reach, and the state of the data.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use sea_orm::{ConnectionTrait, DbErr, Statement};
use yiqiao_core::Role;
use yiqiao_http::{AppError, Shell};

use crate::state::AppState;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    shell: Shell,
    his_counts: Vec<(&'static str, i64)>,
    outbox_counts: Vec<(String, i64)>,
}

impl DashboardPage {
    fn state_label(&self, s: &str) -> &'static str {
        crate::admin::state_label(s)
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    shell: Shell,
) -> Result<Html<String>, AppError> {
    let his_counts = yiqiao_his::stats::counts(&*state.db).await?;
    let outbox_counts = if shell.has(Role::Admin) || shell.has(Role::ItOps) {
        yiqiao_store::outbox::counts(&*state.db)
            .await?
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    Ok(Html(
        DashboardPage {
            shell,
            his_counts,
            outbox_counts,
        }
        .render()?,
    ))
}

/// The demo loader leaves a mark; every page then says "演示数据".
pub async fn is_demo(db: &yiqiao_store::Db) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.db_backend(),
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'demo.load'",
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64>("", "n")? > 0,
        None => false,
    })
}
