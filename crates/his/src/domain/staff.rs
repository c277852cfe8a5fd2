//! 人员 (doctors, nurses, pharmacists …), keyed by the HIS's staff code.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use yiqiao_core::FieldError;
use yiqiao_core::codes::ID_TYPE;

use super::codes::STAFF_ROLE;
use super::read::{Errors, Reader, id_ref};
use super::{Kind, Record, Ref, field};

/// `PUT /his/v1/staff/{code}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"name": "李明华", "role": "doctor", "dept_code": "A50.01",
    "title": "主任医师", "licence_no": "110331000012345", "id_type": null, "id_no": null,
    "specialty": "脾胃病", "intro": null, "active": true}))]
pub struct Staff {
    /// 姓名 (≤ 50).
    pub name: String,
    /// 人员类别: `doctor` 医师, `nurse` 护士, `pharmacist` 药师, `technician` 技师, `other`.
    pub role: String,
    /// 所在科室 (a department code that exists).
    pub dept_code: String,
    /// 职称, e.g. 主任医师, 副主任医师, 主治医师, 医师, 主管药师 (≤ 30).
    pub title: Option<String>,
    /// 执业证书编码 / 药师执业资格证号 (≤ 50).
    pub licence_no: Option<String>,
    /// 证件类型 (1 居民身份证 … 9 其他); required with `id_no`.
    pub id_type: Option<String>,
    /// 证件号码; a 居民身份证号 is checked (GB 11643).
    pub id_no: Option<String>,
    /// 擅长 (≤ 200).
    pub specialty: Option<String>,
    /// 简介 (≤ 1000).
    pub intro: Option<String>,
    /// 是否在岗; may be left out (true).
    #[schema(required = false, default = true)]
    pub active: bool,
}

impl Record for Staff {
    const KIND: Kind = Kind::Staff;

    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>> {
        let errs = Errors::new();
        let r = Reader::new(Self::KIND.path(), raw, &errs);
        let name = r.text("name", 50);
        let role = r.code("role", &STAFF_ROLE);
        let dept_code = id_ref(&r, "dept_code");
        let title = r.opt_text("title", 30);
        let licence_no = r.opt_text("licence_no", 50);
        let id_type = r.opt_code("id_type", &ID_TYPE);
        let id_no = r.opt_text("id_no", 50);
        let id_no = match (&id_type, id_no) {
            (_, None) => None,
            (None, Some(no)) => {
                if r.raw("id_type").is_none() {
                    r.refuse("id_type", "填写了证件号码时必须填写证件类型");
                }
                Some(no)
            }
            (Some(t), Some(no)) => super::patient::check_id_no(&r, t, no),
        };
        let specialty = r.opt_text("specialty", 200);
        let intro = r.opt_text("intro", 1000);
        let active = r.bool_or("active", true);
        r.finish();
        errs.finish((|| {
            Some(Staff {
                name: name?,
                role: role?,
                dept_code: dept_code?,
                title,
                licence_no,
                id_type,
                id_no,
                specialty,
                intro,
                active: active?,
            })
        })())
    }

    fn refs(&self) -> Vec<Ref> {
        vec![Ref::new(
            field(Self::KIND, "dept_code"),
            Kind::Department,
            &self.dept_code,
        )]
    }
}
