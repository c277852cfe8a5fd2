//! The patient of a take-number request: name, ID (checked), phone.

use yiqiao_core::IdCardNo;

use super::BookingError;

/// 证件类型 (CV02.01.101).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdType {
    /// 01 居民身份证
    ResidentId,
    /// 03 护照
    Passport,
    /// 06 港澳居民来往内地通行证
    HkMacau,
    /// 07 台湾居民来往大陆通行证
    Taiwan,
    /// 99 其他
    Other,
}

impl IdType {
    pub fn parse(s: &str) -> Result<IdType, BookingError> {
        match s {
            "01" => Ok(IdType::ResidentId),
            "03" => Ok(IdType::Passport),
            "06" => Ok(IdType::HkMacau),
            "07" => Ok(IdType::Taiwan),
            "99" => Ok(IdType::Other),
            _ => Err(BookingError::InvalidPatient(format!(
                "patient.id_type 应为 01、03、06、07 或 99（CV02.01.101），收到「{s}」"
            ))),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            IdType::ResidentId => "01",
            IdType::Passport => "03",
            IdType::HkMacau => "06",
            IdType::Taiwan => "07",
            IdType::Other => "99",
        }
    }
}

/// A checked ID number: a 居民身份证 passes GB 11643 (check digit, region, birth date); other
/// documents are 5–30 letters and digits, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PatientId {
    pub id_type: IdType,
    no: String,
}

impl PatientId {
    pub fn parse(id_type: IdType, raw: &str) -> Result<PatientId, BookingError> {
        let raw = raw.trim();
        let no = match id_type {
            IdType::ResidentId => IdCardNo::parse(raw)
                .map_err(|e| BookingError::InvalidPatient(format!("patient.id_no：{e}")))?
                .as_str()
                .to_owned(),
            _ => {
                let up = raw.to_ascii_uppercase();
                let n = up.chars().count();
                if !(5..=30).contains(&n) || !up.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(BookingError::InvalidPatient(
                        "patient.id_no：证件号应为 5 到 30 位字母或数字".to_owned(),
                    ));
                }
                up
            }
        };
        Ok(PatientId { id_type, no })
    }
    pub fn as_str(&self) -> &str {
        &self.no
    }
    pub fn masked(&self) -> String {
        yiqiao_core::mask_id_no(&self.no)
    }
}

/// The patient of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    pub name: String,
    pub id: PatientId,
    pub phone: String,
}

impl Patient {
    pub fn parse(
        name: &str,
        id_type: &str,
        id_no: &str,
        phone: &str,
    ) -> Result<Patient, BookingError> {
        let name = name.trim();
        let n = name.chars().count();
        if n == 0 || n > 50 {
            return Err(BookingError::InvalidPatient(
                "patient.name：姓名应为 1 到 50 个字".to_owned(),
            ));
        }
        if name.chars().any(|c| c.is_ascii_digit() || c.is_control()) {
            return Err(BookingError::InvalidPatient(
                "patient.name：姓名不能含数字或控制字符".to_owned(),
            ));
        }
        let id = PatientId::parse(IdType::parse(id_type.trim())?, id_no)?;
        let phone = phone.trim();
        let ok_phone = (7..=20).contains(&phone.len())
            && phone
                .chars()
                .all(|c| c.is_ascii_digit() || c == '-' || c == '+')
            && phone.chars().filter(char::is_ascii_digit).count() >= 7;
        if !ok_phone {
            return Err(BookingError::invalid(
                "patient.phone：电话号码应为 7 到 20 位数字（可含 - 或 +）",
            ));
        }
        Ok(Patient {
            name: name.to_owned(),
            id,
            phone: phone.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const GOOD: &str = "33100219900307123X";

    #[test]
    fn checks_the_id_number() {
        let good = IdCardNo::compose(
            "331002",
            chrono::NaiveDate::from_ymd_opt(1990, 3, 7).unwrap(),
            123,
        )
        .unwrap();
        let p = Patient::parse("张三", "01", good.as_str(), "13800000000").unwrap();
        assert_eq!(p.id.as_str(), good.as_str());
        // One digit changed: the check digit no longer fits.
        let mut bad: Vec<char> = good.as_str().chars().collect();
        bad[16] = if bad[16] == '1' { '2' } else { '1' };
        let bad: String = bad.into_iter().collect();
        assert!(matches!(
            Patient::parse("张三", "01", &bad, "13800000000"),
            Err(BookingError::InvalidPatient(_))
        ));
        assert!(Patient::parse("张三", "02", GOOD, "13800000000").is_err());
        assert!(Patient::parse("", "01", good.as_str(), "13800000000").is_err());
        assert!(Patient::parse("张三", "01", good.as_str(), "12").is_err());
        assert_eq!(
            Patient::parse("John", "03", "e1234567", "13800000000")
                .unwrap()
                .id
                .as_str(),
            "E1234567"
        );
    }
}
