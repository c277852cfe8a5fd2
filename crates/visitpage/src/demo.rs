//! The demo hospital's information pages (演示数据): the sample code tables (marked as
//! samples), the fee mapping of the demo HIS's charge categories, the pages of every demo visit
//! assembled from HIS, some submitted, and a few deliberately flawed so the records office's
//! queue has work in it.

use chrono::{DateTime, Utc};
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::domain::assemble::{FeeTarget, Org};
use crate::domain::page::FeeItem;
use crate::domain::period::Period;
use crate::error::VisitPageError;
use crate::store::{self, Edit, MappingKey, queries};

/// What the demo loaded, for `yiqiao demo`.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub dict_entries: usize,
    pub pages: usize,
    pub submitted: usize,
    pub flawed: usize,
    pub with_errors: usize,
    /// The 统一社会信用代码 on the pages, and whether it is the demo's example code (示例).
    pub credit_code: String,
    pub example_credit_code: bool,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "示例编码表 {} 条；诊疗信息页 {} 页（已提交 {}，有错误 {}，其中演示用故意改错 {}）",
            self.dict_entries, self.pages, self.submitted, self.with_errors, self.flawed
        )?;
        if self.example_credit_code {
            write!(
                f,
                "；统一社会信用代码 {}（示例，不是本院代码；正式使用前在 [hospital] credit_code 填写本院代码）",
                self.credit_code
            )
        } else if self.credit_code.trim().is_empty() {
            f.write_str("；未配置统一社会信用代码，各页将报 VP-R01")
        } else {
            write!(f, "；统一社会信用代码 {}", self.credit_code)
        }
    }
}

/// Loads the demo's pages for the visits of the month of `now` and the month before.
pub async fn load(db: &Db, org: &Org, now: DateTime<Utc>) -> Result<DemoSummary, VisitPageError> {
    let actor = Actor::system("demo");
    let mut summary = DemoSummary {
        dict_entries: store::dicts::import_samples(db, now, &actor).await?,
        credit_code: org.credit_code.clone(),
        example_credit_code: org.credit_code == crate::DEMO_CREDIT_CODE,
        ..DemoSummary::default()
    };
    for (cat, item, sub) in [
        ("01", FeeItem::WesternMedicine, None),
        ("02", FeeItem::PatentMedicine, None),
        ("03", FeeItem::HerbalMedicine, None),
        ("04", FeeItem::ClinicalDiagnosis, None),
        ("05", FeeItem::NonSurgical, None),
        ("06", FeeItem::Imaging, None),
        ("07", FeeItem::Laboratory, None),
        ("08", FeeItem::Surgical, Some(FeeItem::Operation)),
        ("09", FeeItem::GeneralService, None),
        ("13", FeeItem::TcmTreatment, None),
    ] {
        let target = FeeTarget::new(item, sub)?;
        store::save_fee_mapping(db, now, &actor, &MappingKey::Category(cat.into()), target).await?;
    }
    let (_, dicts) = store::dicts::load_current(&**db).await?;
    let this = Period::of(now);
    for period in [this.prev(), this] {
        let r = store::assemble_period(db, now, org, &dicts, period).await?;
        summary.pages += r.written;
        let lines = queries::list(
            &**db,
            &queries::ListFilter {
                period: Some(period),
                ..Default::default()
            },
            u64::MAX >> 1,
            0,
        )
        .await?;
        for (i, l) in lines.iter().enumerate() {
            // A few pages spoilt on purpose, so the queue shows each kind of finding.
            let flaw = match i % 97 {
                11 => Some("phone"),
                37 => Some("total"),
                71 => Some("code"),
                _ => None,
            };
            if let Some(flaw) = flaw
                && l.error_count == 0
                && let Some(p) = store::get_page(&**db, &l.visit_id).await?
            {
                let mut page = p.page.clone();
                match flaw {
                    "phone" => page.phone = Some("-".into()),
                    "total" => page.fees.total = page.fees.total.map(|t| t + 100),
                    _ => {
                        if let Some(d) = page.western_diagnoses.first_mut() {
                            d.code = Some("J06.9".into());
                        }
                    }
                }
                store::edit_page(
                    db,
                    now,
                    &actor,
                    &dicts,
                    &l.visit_id,
                    Edit {
                        revision: None,
                        page,
                        reason: Some("演示：故意改错，供病案室工作队列演示".into()),
                    },
                )
                .await?;
                summary.flawed += 1;
                continue;
            }
            // Last month's clean pages are mostly submitted already.
            if period != this && l.error_count == 0 && i % 4 != 0 {
                store::submit_page(db, now, &actor, &l.visit_id).await?;
                summary.submitted += 1;
            }
        }
    }
    summary.with_errors = queries::queue(&**db, None)
        .await?
        .iter()
        .map(|q| usize::try_from(q.pages).unwrap_or(0))
        .sum();
    Ok(summary)
}
