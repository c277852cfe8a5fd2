//! 患者 (patient master record), keyed by the HIS's patient id.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use yiqiao_core::codes::{ETHNICITY, ID_TYPE, MARITAL, NATIONALITY, SEX};
use yiqiao_core::{FieldError, IdCardNo, Sex};

use super::codes::ALLERGY;
use super::read::{Errors, Reader};
use super::{Kind, Record, Ref};

/// `PUT /his/v1/patients/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"card_no": "MZ0001234", "name": "王小明", "sex": "1",
    "birth_date": "1985-06-12", "id_type": "1", "id_no": "331002198506122010",
    "nationality": "CHN", "ethnicity": "01", "marital": "20",
    "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "海门街道东山路18号"},
    "phone": "13805761234", "drug_allergy": "1", "allergy_drugs": null,
    "other_allergy": "1", "other_allergens": null}))]
pub struct Patient {
    /// 就诊卡号/病案号 (≤ 30).
    pub card_no: String,
    /// 姓名 (≤ 50).
    pub name: String,
    /// 性别, GB/T 2261.1: 0 未知, 1 男, 2 女, 9 未说明.
    #[schema(value_type = String, example = "1")]
    pub sex: Sex,
    /// 出生日期 `YYYY-MM-DD`.
    pub birth_date: NaiveDate,
    /// 证件类型: 1 居民身份证, 2 军人身份证件, 3 武警身份证件, 4 港澳居民来往内地通行证,
    /// 5 台湾居民来往大陆通行证, 6 护照, 9 其他.
    pub id_type: String,
    /// 证件号码 (≤ 50); a 居民身份证号 must pass GB 11643 (length, region, date, check
    /// character) and is stored with an upper-case X.
    pub id_no: String,
    /// 国籍, GB/T 2659 alpha-3 (`CHN`).
    pub nationality: Option<String>,
    /// 民族, GB/T 3304 (`01` 汉族).
    pub ethnicity: Option<String>,
    /// 婚姻状况, GB/T 2261.2 (`10` 未婚, `20` 已婚, `30` 丧偶, `40` 离婚, `90` 未说明 …).
    pub marital: Option<String>,
    /// 现住址; may be left out, every part optional.
    #[schema(required = false)]
    pub address: Address,
    /// 联系电话 (≤ 30; digits, spaces, `-`, `+`, brackets).
    pub phone: Option<String>,
    /// 药物过敏史: 1 无, 2 有.
    pub drug_allergy: Option<String>,
    /// 过敏药物 (≤ 200).
    pub allergy_drugs: Option<String>,
    /// 其他过敏史: 1 无, 2 有.
    pub other_allergy: Option<String>,
    /// 其他过敏原 (≤ 200).
    pub other_allergens: Option<String>,
}

/// 现住址.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Address {
    /// 省 (≤ 50).
    pub province: Option<String>,
    /// 市 (≤ 50).
    pub city: Option<String>,
    /// 县/区 (≤ 50).
    pub county: Option<String>,
    /// 详细地址 (≤ 200).
    pub detail: Option<String>,
}

impl Address {
    fn read(r: &Reader<'_, '_>) -> Option<Address> {
        Some(Address {
            province: r.opt_text("province", 50),
            city: r.opt_text("city", 50),
            county: r.opt_text("county", 50),
            detail: r.opt_text("detail", 200),
        })
    }
}

/// Checks an ID number against its type: a 居民身份证号 (type 1) is parsed with GB 11643 and
/// returned in its canonical form; other types are kept as given.
pub(crate) fn check_id_no(r: &Reader<'_, '_>, id_type: &str, id_no: String) -> Option<String> {
    if id_type == "1" {
        match IdCardNo::parse(&id_no) {
            Ok(no) => Some(no.as_str().to_owned()),
            Err(e) => {
                r.refuse("id_no", e.to_string());
                None
            }
        }
    } else {
        Some(id_no)
    }
}

/// Checks a phone number's characters.
pub(crate) fn check_phone(r: &Reader<'_, '_>, key: &'static str) -> Option<String> {
    let phone = r.opt_text(key, 30)?;
    if let Some(c) = phone
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')')))
    {
        r.refuse(key, format!("电话号码含不允许的字符「{c}」"));
    }
    Some(phone)
}

impl Record for Patient {
    const KIND: Kind = Kind::Patient;

    fn parse(raw: &Value) -> Result<Self, Vec<FieldError>> {
        let errs = Errors::new();
        let r = Reader::new(Self::KIND.path(), raw, &errs);
        let card_no = r.text("card_no", 30);
        let name = r.text("name", 50);
        let sex = r.code("sex", &SEX).and_then(|c| Sex::from_code(&c));
        let birth_date = r.date("birth_date");
        let id_type = r.code("id_type", &ID_TYPE);
        let id_no = r.text("id_no", 50);
        let id_no = match (&id_type, id_no) {
            (Some(t), Some(no)) => check_id_no(&r, t, no),
            (_, no) => no,
        };
        let nationality = r.opt_code("nationality", &NATIONALITY);
        let ethnicity = r.opt_code("ethnicity", &ETHNICITY);
        let marital = r.opt_code("marital", &MARITAL);
        let address = r
            .opt_object("address", Address::read)
            .map(Option::unwrap_or_default);
        let phone = check_phone(&r, "phone");
        let drug_allergy = r.opt_code("drug_allergy", &ALLERGY);
        let allergy_drugs = r.opt_text("allergy_drugs", 200);
        let other_allergy = r.opt_code("other_allergy", &ALLERGY);
        let other_allergens = r.opt_text("other_allergens", 200);
        r.finish();
        errs.finish((|| {
            Some(Patient {
                card_no: card_no?,
                name: name?,
                sex: sex?,
                birth_date: birth_date?,
                id_type: id_type?,
                id_no: id_no?,
                nationality,
                ethnicity,
                marital,
                address: address?,
                phone,
                drug_allergy,
                allergy_drugs,
                other_allergy,
                other_allergens,
            })
        })())
    }

    fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn good() -> Value {
        json!({"card_no": "MZ0001234", "name": "王小明", "sex": "1",
            "birth_date": "1985-06-12", "id_type": "1", "id_no": "331002198506122010",
            "nationality": "CHN", "ethnicity": "01", "marital": "20",
            "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "东山路18号"},
            "phone": "13805761234", "drug_allergy": "1"})
    }

    fn errors(v: Value) -> Vec<String> {
        match Patient::parse(&v) {
            Ok(p) => panic!("accepted: {p:?}"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_good_patient_parses() {
        let p = Patient::parse(&good()).expect("good");
        assert_eq!(p.sex, Sex::Male);
        assert_eq!(p.address.county.as_deref(), Some("椒江区"));
        assert_eq!(p.other_allergy, None);
    }

    #[test]
    fn a_lower_case_x_is_stored_upper_case() {
        let no = IdCardNo::compose(
            "331002",
            NaiveDate::from_ymd_opt(1990, 1, 1).expect("date"),
            2,
        )
        .expect("compose");
        let mut v = good();
        let lower = no.as_str().to_lowercase();
        v["id_no"] = json!(lower);
        v["birth_date"] = json!("1990-01-01");
        let p = Patient::parse(&v).expect("good");
        assert_eq!(p.id_no, no.as_str());
    }

    #[test]
    fn a_wrong_check_character_is_named() {
        let mut v = good();
        v["id_no"] = json!("331002198506122013");
        assert_eq!(
            errors(v),
            vec!["字段 patients.id_no：身份证号第18位校验码应为 0，实为 3"]
        );
    }

    #[test]
    fn a_passport_is_not_checked_as_an_id_card() {
        let mut v = good();
        v["id_type"] = json!("6");
        v["id_no"] = json!("E12345678");
        assert!(Patient::parse(&v).is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let v = json!({"card_no": "", "name": "张三", "sex": "3", "birth_date": "1985/06/12",
            "id_type": "7", "id_no": "x", "nationality": "chn", "ethnicity": "99",
            "marital": "2", "address": {"town": "x"}, "phone": "138abc", "drug_allergy": "0",
            "nickname": "三"});
        assert_eq!(
            errors(v),
            vec![
                "字段 patients.card_no：必填，不能为空",
                "字段 patients.sex：性别代码 3 不在 GB/T 2261.1-2003 中",
                "字段 patients.birth_date：日期「1985/06/12」格式不正确，应为 YYYY-MM-DD",
                "字段 patients.id_type：证件类型代码 7 不在 国卫办医政发〔2024〕16号 门（急）诊诊疗信息页 中",
                "字段 patients.nationality：国籍代码 chn 不在 GB/T 2659 中",
                "字段 patients.ethnicity：民族代码 99 不在 GB/T 3304-1991 中",
                "字段 patients.marital：婚姻状况代码 2 不在 GB/T 2261.2-2003 中",
                "字段 patients.address.town：未知字段",
                "字段 patients.phone：电话号码含不允许的字符「a」",
                "字段 patients.drug_allergy：过敏史代码 0 不在 门（急）诊诊疗信息页代码表（国卫办医政发〔2024〕16号） 中",
                "字段 patients.nickname：未知字段",
            ]
        );
    }

    #[test]
    fn not_an_object() {
        assert_eq!(
            errors(json!([1])),
            vec!["字段 patients：应为 JSON 对象，实为数组"]
        );
    }
}
