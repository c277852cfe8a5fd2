//! The tables of booking (hand-written SeaORM entities).

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// 排班模板: one doctor (or rota clinic), one weekday, one session.
pub mod template {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "booking_template")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dept_code: String,
        pub doctor_code: String,
        pub weekday: i32,
        pub session: String,
        pub level: String,
        pub fee_fen: i64,
        pub start_time: String,
        pub window_minutes: i32,
        pub windows: i32,
        pub per_window: i32,
        pub onsite_per_window: i32,
        pub active: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// 排班
pub mod schedule {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "booking_schedule")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub dept_code: String,
        pub doctor_code: String,
        pub date: Date,
        pub session: String,
        pub level: String,
        pub fee_fen: i64,
        pub status: String,
        pub stop_reason: Option<String>,
        pub substitute_doctor: Option<String>,
        pub online_total: i32,
        pub onsite_total: i32,
        pub extra_total: i32,
        pub release_at: DateTimeUtc,
        pub online_cutoff_minutes: i32,
        pub cancel_cutoff_minutes: i32,
        pub template_id: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// 号源
pub mod slot {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "booking_slot")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub schedule_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq_no: i32,
        pub pool: String,
        pub window_start: DateTimeUtc,
        pub window_end: DateTimeUtc,
        pub state: String,
        pub ticket_id: Option<String>,
        pub extra: bool,
    }
    no_relations!();
}

/// 取号记录
pub mod ticket {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "booking_ticket")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub ticket_no: String,
        pub schedule_id: String,
        pub seq_no: i32,
        pub channel: String,
        pub app_id: Option<String>,
        pub platform_order_id: Option<String>,
        pub patient_name: String,
        pub id_type: String,
        pub id_no: String,
        pub phone: String,
        pub visit_date: Date,
        pub window_start: DateTimeUtc,
        pub window_end: DateTimeUtc,
        pub checkin_deadline: DateTimeUtc,
        pub fee_fen: i64,
        pub status: String,
        pub live_id_no: Option<String>,
        pub live_seq_no: Option<i32>,
        pub cancel_reason: Option<String>,
        pub visit_id: Option<String>,
        pub taken_at: DateTimeUtc,
        pub checked_in_at: Option<DateTimeUtc>,
        pub visited_at: Option<DateTimeUtc>,
        pub cancelled_at: Option<DateTimeUtc>,
        pub no_show_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// 托收
pub mod receivable {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "booking_receivable")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub ticket_id: String,
        pub amount_fen: i64,
        pub state: String,
        pub channel: String,
        pub visit_date: Date,
        pub visit_id: Option<String>,
        pub write_off_reason: Option<String>,
        pub written_off_by: Option<String>,
        pub created_at: DateTimeUtc,
        pub posted_at: Option<DateTimeUtc>,
        pub settled_at: Option<DateTimeUtc>,
        pub written_off_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// 爽约停约
pub mod suspension {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "booking_suspension")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub id_no: String,
        pub since: DateTimeUtc,
        pub until: DateTimeUtc,
        pub reason: String,
        pub lifted_at: Option<DateTimeUtc>,
        pub lifted_by: Option<String>,
        pub lift_reason: Option<String>,
    }
    no_relations!();
}

/// 候补
pub mod waitlist {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "booking_waitlist")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub schedule_id: String,
        pub app_id: Option<String>,
        pub platform_order_id: Option<String>,
        pub channel: String,
        pub patient_name: String,
        pub id_type: String,
        pub id_no: String,
        pub phone: String,
        pub state: String,
        pub live_id_no: Option<String>,
        pub ticket_id: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// 平台应用 (the city platform's credentials; the secret encrypted with SM4).
pub mod app {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "booking_platform_app")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub app_id: String,
        pub name: String,
        pub secret_enc: String,
        pub callback_url: Option<String>,
        pub enabled: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// Stored responses of idempotent writes.
pub mod idempotency {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "booking_idempotency")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub app_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub idem_key: String,
        pub request_hash: String,
        pub state: String,
        pub status: Option<i32>,
        pub response: Option<String>,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }
    no_relations!();
}
