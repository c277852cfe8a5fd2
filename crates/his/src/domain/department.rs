//! 科室 (department, ward, pharmacy …), keyed by the HIS's department code.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use yiqiao_core::FieldError;

use super::codes::DEPT_KIND;
use super::read::{Errors, Reader};
use super::{Kind, Record, Ref};

/// `PUT /his/v1/departments/{code}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"name": "中医内科", "kind": "clinic", "campus": "本部", "tcm": true,
    "online_booking": true, "intro": null, "active": true}))]
pub struct Department {
    /// 科室名称 (≤ 50).
    pub name: String,
    /// 科室类别: `clinic` 临床科室, `ward` 病区, `medtech` 医技科室, `pharmacy` 药房, `other` 其他.
    pub kind: String,
    /// 院区 (≤ 50).
    pub campus: Option<String>,
    /// 是否中医科室 (the TCM block of the information page applies).
    pub tcm: bool,
    /// 是否开放在线取号.
    pub online_booking: bool,
    /// 科室简介 (≤ 1000).
    pub intro: Option<String>,
    /// 是否在用; may be left out (true).
    #[schema(required = false, default = true)]
    pub active: bool,
}

impl Record for Department {
    const KIND: Kind = Kind::Department;

    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>> {
        let errs = Errors::new();
        let r = Reader::new(Self::KIND.path(), raw, &errs);
        let name = r.text("name", 50);
        let kind = r.code("kind", &DEPT_KIND);
        let campus = r.opt_text("campus", 50);
        let tcm = r.bool("tcm");
        let online_booking = r.bool("online_booking");
        let intro = r.opt_text("intro", 1000);
        let active = r.bool_or("active", true);
        r.finish();
        errs.finish((|| {
            Some(Department {
                name: name?,
                kind: kind?,
                campus,
                tcm: tcm?,
                online_booking: online_booking?,
                intro,
                active: active?,
            })
        })())
    }

    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
}
