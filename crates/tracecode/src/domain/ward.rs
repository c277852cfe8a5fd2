//! Inpatient ward dispensing (住院病区发药) and nurse returns (护士退药).
//!
//! A ward dispensing list (病区发药单) comes from the HIS: per patient, per order (医嘱), drug
//! and quantity. After the pharmacy dispenses, the pharmacy or the ward nurse scans the codes,
//! usually bed by bed. A scan is checked, in the spec's order: format; drug identified; drug on
//! this list (and on the chosen patient's orders); code in stock in the dispensing pharmacy; not
//! already dispensed; line not over-scanned. Whole packages are scanned, the remainder is split
//! (拆零) exactly as for outpatients.

use yiqiao_core::{ErrorKind, Refusal};

use super::receipt::state_label;

/// When the 3505/3506 of ward dispensing are queued (configurable, spec "Inpatient").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WardUpload {
    /// 发药时上传: when the ward dispensing is confirmed.
    #[default]
    Dispensing,
    /// 结算时上传: when the patient's stay is settled.
    Settlement,
}

impl WardUpload {
    pub fn label(self) -> &'static str {
        match self {
            WardUpload::Dispensing => "发药确认时上传",
            WardUpload::Settlement => "患者结算时上传",
        }
    }
}

/// What the scan check needs of a ward line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WardLineState {
    pub id: i64,
    pub line_no: i64,
    pub patient_id: String,
    pub order_id: String,
    pub drug_code: String,
    pub required: i64,
    pub scanned: i64,
    /// 拆零 and how much of it is drawn from opened packages.
    pub split_qty: i64,
    pub split_drawn: i64,
}

/// Which line an opened package of `drug_code` is drawn for: the first line of the drug (of
/// `patient` when one is chosen) whose split quantity is not yet drawn.
pub fn choose_split_line<'a>(
    lines: &'a [WardLineState],
    drug_code: &str,
    drug_name: &str,
    patient: Option<&str>,
) -> Result<&'a WardLineState, WardError> {
    let drug = || format!("{drug_name}（{drug_code}）");
    if let Some(p) = patient
        && !lines.iter().any(|l| l.patient_id == p)
    {
        return Err(WardError::NoSuchPatient {
            patient: p.chars().take(64).collect(),
        });
    }
    let mut of_drug = lines
        .iter()
        .filter(|l| l.drug_code == drug_code && patient.is_none_or(|p| l.patient_id == p))
        .peekable();
    if of_drug.peek().is_none() {
        return Err(match patient {
            Some(p) if lines.iter().any(|l| l.drug_code == drug_code) => WardError::NotOnPatient {
                drug: drug(),
                patient: p.to_owned(),
            },
            _ => WardError::NotOnList { drug: drug() },
        });
    }
    of_drug
        .find(|l| l.split_drawn < l.split_qty)
        .ok_or_else(|| WardError::NoSplitToDraw { drug: drug() })
}

/// Which line a code of `drug_code` counts against: the first line of the drug (of `patient`
/// when one is chosen) not yet full, or `Ok(None)` when all are full (refused later, as the last
/// check).
pub fn choose_line<'a>(
    lines: &'a [WardLineState],
    drug_code: &str,
    drug_name: &str,
    patient: Option<&str>,
) -> Result<Option<&'a WardLineState>, WardError> {
    let drug = || format!("{drug_name}（{drug_code}）");
    if let Some(p) = patient
        && !lines.iter().any(|l| l.patient_id == p)
    {
        return Err(WardError::NoSuchPatient {
            patient: p.chars().take(64).collect(),
        });
    }
    let of_drug: Vec<&WardLineState> = lines
        .iter()
        .filter(|l| l.drug_code == drug_code && patient.is_none_or(|p| l.patient_id == p))
        .collect();
    if of_drug.is_empty() {
        return Err(match patient {
            Some(p) if lines.iter().any(|l| l.drug_code == drug_code) => WardError::NotOnPatient {
                drug: drug(),
                patient: p.to_owned(),
            },
            _ => WardError::NotOnList { drug: drug() },
        });
    }
    if of_drug.iter().all(|l| l.required == 0) {
        return Err(WardError::NoScanNeeded { drug: drug() });
    }
    Ok(of_drug
        .into_iter()
        .find(|l| l.required > 0 && l.scanned < l.required))
}

/// Why a ward dispensing, a scan on it or a nurse return was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WardError {
    #[error("没有病区发药单「{list_id}」（发药单由 HIS 推送）")]
    NoSuchList { list_id: String },
    #[error("没有这张病区发药记录")]
    NoSuchWardDispense,
    #[error("病区发药已确认，不能再扫码")]
    NotOpen,
    #[error("本发药单没有患者「{patient}」")]
    NoSuchPatient { patient: String },
    #[error("未对照：此码（{prefix}）在药品目录中没有对照的药品")]
    Unmapped { prefix: String },
    #[error("此码属于 {drug}，不在本病区发药单")]
    NotOnList { drug: String },
    #[error("此码属于 {drug}，不在患者 {patient} 的医嘱中")]
    NotOnPatient { drug: String, patient: String },
    #[error("{drug} 本发药单无需扫码（免扫药品或不足一个整包装）")]
    NoScanNeeded { drug: String },
    #[error("此码没有入库记录，不能发出")]
    NeverReceived,
    #[error("此码不在发药药房：在{location}")]
    OtherPharmacy { location: String },
    #[error("此码已发药（{whom}），不能重复发出")]
    AlreadyDispensed { whom: String },
    #[error("此码当前状态为「{}」，不能发出", state_label(.state))]
    NotInStock { state: String },
    #[error("第 {line_no} 行（医嘱 {order_id}）已扫满（应扫 {required} / 已扫 {required}）")]
    OverScanned {
        line_no: i64,
        order_id: String,
        required: i64,
    },
    #[error("{drug} 本发药单没有待发的拆零数量")]
    NoSplitToDraw { drug: String },
    #[error("还有未扫满的行：{0}（无法扫码的请登记原因）")]
    Incomplete(String),
    #[error("没有发药单第 {0} 行")]
    NoSuchLine(i64),
    #[error("请填写无法扫码的原因")]
    ReasonRequired,
    #[error("病区发药尚未确认，不能退药")]
    NotConfirmed,
    #[error("此码不是本病区发药单发出的，不能在此退药")]
    NotFromThisList,
    #[error("此码当前状态为「{}」，不是已发出的药，不能退", state_label(.state))]
    NotDispensed { state: String },
}

impl Refusal for WardError {
    fn kind(&self) -> ErrorKind {
        match self {
            WardError::NoSuchList { .. }
            | WardError::NoSuchWardDispense
            | WardError::NoSuchLine(_) => ErrorKind::NotFound,
            WardError::NotOpen | WardError::AlreadyDispensed { .. } | WardError::NotConfirmed => {
                ErrorKind::Conflict
            }
            WardError::ReasonRequired => ErrorKind::BadRequest,
            _ => ErrorKind::Unprocessable,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            WardError::NoSuchList { .. } => "NO_SUCH_WARD_LIST",
            WardError::NoSuchWardDispense => "NO_SUCH_WARD_DISPENSE",
            WardError::NotOpen => "WARD_DISPENSE_CONFIRMED",
            WardError::NoSuchPatient { .. } => "NO_SUCH_PATIENT",
            WardError::Unmapped { .. } => "UNMAPPED",
            WardError::NotOnList { .. } => "NOT_ON_LIST",
            WardError::NotOnPatient { .. } => "NOT_ON_PATIENT",
            WardError::NoScanNeeded { .. } => "NO_SCAN_NEEDED",
            WardError::NeverReceived => "NEVER_RECEIVED",
            WardError::OtherPharmacy { .. } => "OTHER_PHARMACY",
            WardError::AlreadyDispensed { .. } => "ALREADY_DISPENSED",
            WardError::NotInStock { .. } => "NOT_IN_STOCK",
            WardError::OverScanned { .. } => "OVER_SCANNED",
            WardError::NoSplitToDraw { .. } => "NO_SPLIT_TO_DRAW",
            WardError::Incomplete(_) => "WARD_DISPENSE_INCOMPLETE",
            WardError::NoSuchLine(_) => "NO_SUCH_LINE",
            WardError::ReasonRequired => "REASON_REQUIRED",
            WardError::NotConfirmed => "WARD_DISPENSE_NOT_CONFIRMED",
            WardError::NotFromThisList => "NOT_FROM_THIS_LIST",
            WardError::NotDispensed { .. } => "NOT_DISPENSED",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use proptest::prelude::*;

    use super::*;

    fn l(id: i64, patient: &str, drug: &str, required: i64, scanned: i64) -> WardLineState {
        WardLineState {
            id,
            line_no: id,
            patient_id: patient.into(),
            order_id: format!("YZ{id}"),
            drug_code: drug.into(),
            required,
            scanned,
            split_qty: 0,
            split_drawn: 0,
        }
    }

    #[test]
    fn a_split_is_drawn_for_the_chosen_patients_line_still_short() {
        let s = |id, patient, split_qty, split_drawn| WardLineState {
            split_qty,
            split_drawn,
            ..l(id, patient, "D1", 0, 0)
        };
        let lines = [s(1, "P1", 6, 6), s(2, "P2", 6, 0), s(3, "P1", 4, 1)];
        assert_eq!(choose_split_line(&lines, "D1", "x", None).unwrap().id, 2);
        assert_eq!(
            choose_split_line(&lines, "D1", "x", Some("P1")).unwrap().id,
            3
        );
        let done = [s(1, "P1", 6, 6)];
        assert_eq!(
            choose_split_line(&done, "D1", "阿莫西林胶囊", None)
                .unwrap_err()
                .to_string(),
            "阿莫西林胶囊（D1） 本发药单没有待发的拆零数量"
        );
        assert_eq!(
            choose_split_line(&lines, "D2", "布洛芬", None)
                .unwrap_err()
                .to_string(),
            "此码属于 布洛芬（D2），不在本病区发药单"
        );
    }

    #[test]
    fn a_code_goes_to_the_chosen_patients_open_line_of_its_drug() {
        let lines = [
            l(1, "P1", "D1", 1, 1),
            l(2, "P2", "D1", 2, 0),
            l(3, "P1", "D1", 1, 0),
            l(4, "P1", "H1", 0, 0),
        ];
        assert_eq!(choose_line(&lines, "D1", "x", None).unwrap().unwrap().id, 2);
        assert_eq!(
            choose_line(&lines, "D1", "x", Some("P1"))
                .unwrap()
                .unwrap()
                .id,
            3
        );
        assert_eq!(
            choose_line(&lines, "D2", "布洛芬", None)
                .unwrap_err()
                .to_string(),
            "此码属于 布洛芬（D2），不在本病区发药单"
        );
        assert_eq!(
            choose_line(&lines, "H1", "黄芪", Some("P2"))
                .unwrap_err()
                .to_string(),
            "此码属于 黄芪（H1），不在患者 P2 的医嘱中"
        );
        assert_eq!(
            choose_line(&lines, "H1", "黄芪", Some("P1"))
                .unwrap_err()
                .to_string(),
            "黄芪（H1） 本发药单无需扫码（免扫药品或不足一个整包装）"
        );
        assert_eq!(
            choose_line(&lines, "D1", "x", Some("P9"))
                .unwrap_err()
                .to_string(),
            "本发药单没有患者「P9」"
        );
        let full = [l(1, "P1", "D1", 1, 1)];
        assert!(choose_line(&full, "D1", "x", None).unwrap().is_none());
    }

    proptest! {
        #[test]
        fn the_chosen_line_is_open_of_the_drug_and_of_the_patient(
            specs in prop::collection::vec((0usize..2, 0usize..2, 0i64..3, 0i64..3), 1..8),
            drug in 0usize..2,
            patient in prop::option::of(0usize..2),
        ) {
            let drugs = ["D1", "D2"];
            let patients = ["P1", "P2"];
            let lines: Vec<WardLineState> = specs
                .iter()
                .enumerate()
                .map(|(i, (p, d, req, sc))| {
                    l(i64::try_from(i).unwrap() + 1, patients[*p], drugs[*d], *req, (*sc).min(*req))
                })
                .collect();
            let p = patient.map(|p| patients[p]);
            if let Ok(Some(line)) = choose_line(&lines, drugs[drug], "x", p) {
                prop_assert_eq!(&line.drug_code, drugs[drug]);
                prop_assert!(line.scanned < line.required);
                if let Some(p) = p {
                    prop_assert_eq!(line.patient_id.as_str(), p);
                }
            }
        }
    }
}
