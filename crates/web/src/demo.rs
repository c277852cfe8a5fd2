//! The demo hospital (演示医院): demo accounts, one per role, and the HIS data of the demo
//! (deterministic for a given seed). Loaded only into an empty database, and marked so every
//! page says "演示数据".

use chrono::{DateTime, Utc};
use yiqiao_core::Role;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use crate::Config;

/// The password of every demo account. Printed; a demo is not for real patients.
pub const DEMO_PASSWORD: &str = "demo2026yq";

/// The seed of the demo data.
pub const DEMO_SEED: u64 = 20_261_129;

/// Demo accounts: user name, name shown, role.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role)] = &[
    ("admin", "信息科 王管理", Role::Admin),
    ("guahao", "挂号收费 陈收费", Role::Registration),
    ("menzhenban", "门诊办 李主任", Role::OutpatientOffice),
    ("yaoku", "药库 张药师", Role::DrugStore),
    ("yaofang", "门诊药房 赵药师", Role::Pharmacist),
    ("hushi", "内科病区 周护士", Role::Nurse),
    ("bingan", "病案室 吴编码员", Role::Records),
    ("zhikong", "质控科 郑科长", Role::Quality),
    ("yibao", "医保办 钱科长", Role::Insurance),
    ("yunwei", "信息科 孙运维", Role::ItOps),
    ("gongchengshi", "驻场工程师 冯工", Role::Engineer),
];

/// Demo accounts linked to the demo HIS's staff (工号), whose practice licences the NHSA sales
/// (3505) name: the outpatient pharmacist, the drug-store keeper (a pharmacist of the herbal
/// pharmacy) and the ward nurse.
pub const DEMO_STAFF_LINKS: &[(&str, &str)] =
    &[("yaofang", "F001"), ("yaoku", "F004"), ("hushi", "N001")];

/// What `load` did, printed by `yiqiao demo`.
#[derive(Debug)]
pub struct DemoSummary {
    pub already: bool,
    pub his: String,
    /// 药品追溯: identification codes and exemptions of the demo catalogue.
    pub tracecode: String,
    /// 号源预约: templates, schedules, the demo platform app and its secret.
    pub booking: String,
    /// DRG: the grouping version imported and the first data check of the discharged cases.
    pub drg: String,
    /// 诊疗信息页: sample code tables, pages assembled, submitted and flawed on purpose.
    pub visitpage: String,
    /// 机房运维: devices, contracts near their end, inspections, faults.
    pub inspection: String,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.already {
            writeln!(f, "演示医院已载入过，未重复载入。")?;
        } else {
            writeln!(f, "已载入演示医院（演示数据）：{}", self.his)?;
            if !self.tracecode.is_empty() {
                writeln!(f, "  药品追溯：{}", self.tracecode)?;
            }
            if !self.booking.is_empty() {
                writeln!(f, "  号源预约：{}", self.booking)?;
            }
            if !self.drg.is_empty() {
                writeln!(f, "  DRG：{}", self.drg)?;
            }
            if !self.visitpage.is_empty() {
                writeln!(f, "  诊疗信息页：{}", self.visitpage)?;
            }
            if !self.inspection.is_empty() {
                writeln!(f, "  机房运维：{}", self.inspection)?;
            }
        }
        writeln!(f, "演示账号（密码均为 {DEMO_PASSWORD}）：")?;
        for (user, name, role) in DEMO_ACCOUNTS {
            match DEMO_STAFF_LINKS.iter().find(|(u, _)| u == user) {
                Some((_, staff)) => writeln!(
                    f,
                    "  {user:<14}{name}（{}，HIS 工号 {staff}）",
                    role.label()
                )?,
                None => writeln!(f, "  {user:<14}{name}（{}）", role.label())?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("数据库不是空的（已有 {0} 个用户），演示数据只载入空数据库；请换一个 --data-dir")]
    NotEmpty(u64),
    #[error("载入演示账号失败：{0}")]
    Account(String),
    #[error("载入演示 HIS 数据失败：{0}")]
    His(String),
    #[error("载入演示药品追溯数据失败：{0}")]
    Tracecode(String),
    #[error("载入演示号源数据失败：{0}")]
    Booking(String),
    #[error("载入演示 DRG 数据失败：{0}")]
    Drg(String),
    #[error("载入演示诊疗信息页失败：{0}")]
    Visitpage(String),
    #[error("载入演示机房运维数据失败：{0}")]
    Inspection(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// Load the demo hospital into an empty database (a second call does nothing).
pub async fn load(db: &Db, config: &Config, now: DateTime<Utc>) -> Result<DemoSummary, DemoError> {
    if crate::dashboard::is_demo(db).await? {
        return Ok(DemoSummary {
            already: true,
            his: String::new(),
            tracecode: String::new(),
            booking: String::new(),
            drg: String::new(),
            visitpage: String::new(),
            inspection: String::new(),
        });
    }
    let users = crate::auth::store::count(&**db).await?;
    if users > 0 {
        return Err(DemoError::NotEmpty(users));
    }
    let actor = Actor::system("demo");
    let txn = db.begin_write().await?;
    for (user, name, role) in DEMO_ACCOUNTS {
        crate::auth::store::create_user(&txn, user, name, DEMO_PASSWORD, &[*role], &actor, now)
            .await
            .map_err(|e| DemoError::Account(e.to_string()))?;
    }
    txn.commit().await?;
    // The public ICD tables beside the project (../shared/data) give real diagnosis names when
    // present; otherwise the demo's own short list is used.
    let drg_data = shared_drg_data();
    let icd_dir = drg_data.join("zj-drg-2022/icd");
    let icd_dir = icd_dir.as_path();
    let opts = yiqiao_his::demo::DemoOptions {
        seed: DEMO_SEED,
        icd_dir: icd_dir.is_dir().then(|| icd_dir.to_path_buf()),
        ..Default::default()
    };
    let s = yiqiao_his::demo::load(db, &opts, now)
        .await
        .map_err(|e| DemoError::His(e.to_string()))?;
    let his = format!(
        "科室 {}、人员 {}、患者 {}、药品 {}、门诊就诊 {}（收费 {}、处方 {}）、病区发药单 {}、出院病例 {}",
        s.departments,
        s.staff,
        s.patients,
        s.drugs,
        s.visits,
        s.charges,
        s.prescriptions,
        s.ward_dispensing,
        s.inpatient_cases
    );
    let txn = db.begin_write().await?;
    for (user, staff) in DEMO_STAFF_LINKS {
        let Some(u) = crate::auth::store::find_by_username(&txn, user).await? else {
            continue;
        };
        crate::auth::store::link_staff(&txn, u.id, Some(staff), &actor, now)
            .await
            .map_err(|e| DemoError::Account(e.to_string()))?;
    }
    txn.commit().await?;
    let tracecode = yiqiao_tracecode::demo::load(db, now)
        .await
        .map_err(|e| DemoError::Tracecode(e.to_string()))?
        .to_string();
    let booking_rules = config.booking.rules().map_err(DemoError::Booking)?;
    let booking = yiqiao_booking::demo::load(
        db,
        &booking_rules,
        &config.booking.key_provider(&config.data_dir),
        now,
    )
    .await
    .map_err(|e| DemoError::Booking(e.to_string()))?
    .to_string();
    // Every grouping version comes from the shared rule data too, when it is there.
    let drg = yiqiao_drg::demo::load_for(db, &drg_data, &config.drg.version, now)
        .await
        .map_err(|e| DemoError::Drg(e.to_string()))?;
    let visitpage =
        yiqiao_visitpage::demo::load(db, &crate::app::visitpage_org(&config.hospital, true), now)
            .await
            .map_err(|e| DemoError::Visitpage(e.to_string()))?
            .to_string();
    let inspection =
        yiqiao_inspection::ops_demo::load(db, &config.hospital.name, &config.inspection, now)
            .await
            .map_err(|e| DemoError::Inspection(e.to_string()))?;
    let txn = db.begin_write().await?;
    audit::record(
        &txn,
        &actor,
        Change::new("demo.load", "demo", DEMO_SEED.to_string())
            .after(serde_json::json!({"seed": DEMO_SEED})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(DemoSummary {
        already: false,
        his: his.to_string(),
        tracecode,
        booking,
        drg,
        visitpage,
        inspection,
    })
}

/// The public DRG material (`../shared/data/drg`): beside the working directory when the demo is
/// started from the project's root, else beside the source tree this binary was built from.
fn shared_drg_data() -> std::path::PathBuf {
    let beside_cwd = std::path::Path::new("../shared/data/drg");
    if beside_cwd.is_dir() {
        return beside_cwd.to_path_buf();
    }
    std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/drg"
    ))
    .to_path_buf()
}
