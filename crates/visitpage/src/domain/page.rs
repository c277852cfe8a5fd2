//! The page (门（急）诊诊疗信息页) and its JSON contract.
//!
//! Parsing refuses what is malformed (a wrong JSON type, a time not in the contract's format,
//! an unknown field), naming the field in Chinese. It does not refuse what is merely missing or
//! not in a code table: that is for the quality rules, which must be able to report it.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};
use yiqiao_core::{ErrorKind, FieldError, Refusal};

/// Format of times in the contract (Asia/Shanghai wall-clock).
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// Format of dates in the contract.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// 现住址 (XZZ).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// 省（自治区、直辖市）
    pub province: Option<String>,
    /// 市（地区）
    pub city: Option<String>,
    /// 县（区）
    pub county: Option<String>,
    /// 详细地址
    pub detail: Option<String>,
}

/// A coded entry with its name: a diagnosis (诊断), 中医主病 or 证候.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coded {
    /// 名称
    pub name: Option<String>,
    /// 编码
    pub code: Option<String>,
}

/// A diagnosis (诊断): name and ICD-10 code, or a TCM disease/syndrome with its GB/T 15657 code.
pub type Diagnosis = Coded;

/// 手术及操作 (SSCZ…).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Procedure {
    /// 手术及操作日期 (SSCZRQ)
    pub date: Option<NaiveDateTime>,
    /// 手术及操作名称 (SSCZMC)
    pub name: Option<String>,
    /// 手术及操作编码 (SSCZBM), ICD-9-CM-3
    pub code: Option<String>,
    /// 麻醉方式 (MZFS)
    pub anesthesia: Option<String>,
    /// 手术级别 (SHJB), 1–4
    pub grade: Option<String>,
    /// 手术及操作者 (SSCZZ)
    pub operator: Option<String>,
    /// 麻醉医师 (MZYS)
    pub anesthetist: Option<String>,
}

macro_rules! fee_items {
    ($( $variant:ident, $key:literal, $name:literal, $code:literal, $class:literal, $parent:expr; )*) => {
        /// One of the 24 fee items (费用项目) or their "of which" (其中) sub-items.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FeeItem { $( $variant, )* }

        impl FeeItem {
            /// Every item and sub-item in the page's order.
            pub const ALL: &'static [FeeItem] = &[ $( FeeItem::$variant, )* ];

            /// The JSON key, e.g. `general_service`.
            pub fn key(self) -> &'static str {
                match self { $( FeeItem::$variant => $key, )* }
            }
            /// The Chinese name, e.g. 一般医疗服务费.
            pub fn name(self) -> &'static str {
                match self { $( FeeItem::$variant => $name, )* }
            }
            /// The upload-template column, e.g. YLFWF.
            pub fn column(self) -> &'static str {
                match self { $( FeeItem::$variant => $code, )* }
            }
            /// The class (类), e.g. 综合医疗服务类.
            pub fn class(self) -> &'static str {
                match self { $( FeeItem::$variant => $class, )* }
            }
            /// For an "of which" (其中) sub-item, the item that contains it.
            pub fn parent(self) -> Option<FeeItem> {
                match self { $( FeeItem::$variant => $parent, )* }
            }
        }
    };
}

fee_items! {
    GeneralService, "general_service", "一般医疗服务费", "YLFWF", "综合医疗服务类", None;
    GeneralTreatment, "general_treatment", "一般治疗操作费", "ZLCZF", "综合医疗服务类", None;
    Nursing, "nursing", "护理费", "HLF", "综合医疗服务类", None;
    ServiceOther, "service_other", "其他费用", "QTFY", "综合医疗服务类", None;
    Pathology, "pathology", "病理诊断费", "BLZDF", "诊断类", None;
    Laboratory, "laboratory", "实验室诊断费", "ZDF", "诊断类", None;
    Imaging, "imaging", "影像学诊断费", "YXXZDF", "诊断类", None;
    ClinicalDiagnosis, "clinical_diagnosis", "临床诊断项目费", "LCZDXMF", "诊断类", None;
    NonSurgical, "non_surgical", "非手术治疗项目费", "FSSZLXMF", "治疗类", None;
    PhysicalTherapy, "physical_therapy", "临床物理治疗费", "ZLF", "治疗类", Some(FeeItem::NonSurgical);
    Surgical, "surgical", "手术治疗费", "SSZLF", "治疗类", None;
    Anesthesia, "anesthesia", "麻醉费", "MZF", "治疗类", Some(FeeItem::Surgical);
    Operation, "operation", "手术费", "SSF", "治疗类", Some(FeeItem::Surgical);
    Rehabilitation, "rehabilitation", "康复费", "KFF", "康复类", None;
    TcmTreatment, "tcm_treatment", "中医治疗费", "ZYZL", "中医类", None;
    WesternMedicine, "western_medicine", "西药费", "XYF", "西药类", None;
    Antibacterial, "antibacterial", "抗菌药物费用", "KJYWF", "西药类", Some(FeeItem::WesternMedicine);
    PatentMedicine, "patent_medicine", "中成药费", "ZCYF", "中药类", None;
    HerbalMedicine, "herbal_medicine", "中草药费", "ZCYF1", "中药类", None;
    Blood, "blood", "血费", "XF", "血液和血液制品类", None;
    Albumin, "albumin", "白蛋白类制品费", "BDBLZPF", "血液和血液制品类", None;
    Globulin, "globulin", "球蛋白类制品费", "QDBLZPF", "血液和血液制品类", None;
    CoagulationFactor, "coagulation_factor", "凝血因子类制品费", "NXYZLZPF", "血液和血液制品类", None;
    Cytokine, "cytokine", "细胞因子类制品费", "XBYZLZPF", "血液和血液制品类", None;
    MaterialExam, "material_exam", "检查用一次性医用材料费", "JCYYCLF", "耗材类", None;
    MaterialTreatment, "material_treatment", "治疗用一次性医用材料费", "YYCLF", "耗材类", None;
    MaterialSurgery, "material_surgery", "手术用一次性医用材料费", "SSYCXCLF", "耗材类", None;
    Other, "other", "其他费", "QTF", "其他类", None;
}

impl FeeItem {
    /// The 24 items that make up the total (sub-items excluded).
    pub fn items() -> impl Iterator<Item = FeeItem> {
        FeeItem::ALL
            .iter()
            .copied()
            .filter(|i| i.parent().is_none())
    }

    fn index(self) -> usize {
        FeeItem::ALL.iter().position(|i| *i == self).unwrap_or(0)
    }

    /// The item of a JSON key.
    pub fn from_key(key: &str) -> Option<FeeItem> {
        FeeItem::ALL.iter().copied().find(|i| i.key() == key)
    }
}

/// 费用 (integer 分).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fees {
    /// 总费用 (ZFY)
    pub total: Option<i64>,
    /// 自付金额 (ZFJE)
    pub self_paid: Option<i64>,
    amounts: Vec<i64>,
}

impl Default for Fees {
    fn default() -> Self {
        Fees {
            total: None,
            self_paid: None,
            amounts: vec![0; FeeItem::ALL.len()],
        }
    }
}

impl Fees {
    /// The amount of an item or sub-item (0 when not charged).
    pub fn get(&self, item: FeeItem) -> i64 {
        self.amounts.get(item.index()).copied().unwrap_or(0)
    }

    pub fn set(&mut self, item: FeeItem, fen: i64) {
        let i = item.index();
        if let Some(slot) = self.amounts.get_mut(i) {
            *slot = fen;
        }
    }

    /// The sum of the 24 items, sub-items excluded; `None` on overflow.
    pub fn items_sum(&self) -> Option<i64> {
        FeeItem::items().try_fold(0i64, |acc, i| acc.checked_add(self.get(i)))
    }
}

/// 门（急）诊诊疗信息页. Text and code fields are kept as given (a blank value is still
/// "given"); the quality rules decide what is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// 医疗机构名称 (JGMC)
    pub org_name: Option<String>,
    /// 统一社会信用代码
    pub org_credit_code: Option<String>,
    /// 就诊卡号/病案号 (JZKH)
    pub card_no: Option<String>,
    /// 姓名 (XM)
    pub name: Option<String>,
    /// 性别 (XB)
    pub sex: Option<String>,
    /// 出生日期 (CSRQ)
    pub birth_date: Option<NaiveDate>,
    /// 婚姻状态 (HY)
    pub marital: Option<String>,
    /// 国籍 (GJ)
    pub nationality: Option<String>,
    /// 民族 (MZ)
    pub ethnicity: Option<String>,
    /// 证件类型 (ZJLB)
    pub id_type: Option<String>,
    /// 证件号码 (ZJHM)
    pub id_no: Option<String>,
    /// 现住址 (XZZ)
    pub address: Address,
    /// 联系电话 (LXDH)
    pub phone: Option<String>,
    /// 药物过敏史 (YWGMS)
    pub drug_allergy: Option<String>,
    /// 过敏药物 (GMYW)
    pub allergy_drugs: Option<String>,
    /// 其他过敏史 (QTGMS)
    pub other_allergy: Option<String>,
    /// 其他过敏原 (QTGMY)
    pub other_allergens: Option<String>,
    /// 挂号时间 (GHSJ)
    pub registered_at: Option<NaiveDateTime>,
    /// 报到时间 (BDSJ)
    pub checked_in_at: Option<NaiveDateTime>,
    /// 就诊时间 (JZSJ)
    pub visited_at: Option<NaiveDateTime>,
    /// 就诊科室代码 (JZKSDM)
    pub dept_code: Option<String>,
    /// 就诊科室 (JZKS)
    pub dept_name: Option<String>,
    /// 接诊医师 (JZYS)
    pub doctor: Option<String>,
    /// 接诊医师职称 (JZYSZC)
    pub doctor_title: Option<String>,
    /// 就诊类型 (JZLX)
    pub visit_type: Option<String>,
    /// 是否复诊 (FZ)
    pub revisit: Option<String>,
    /// 是否输液 (SY)
    pub infusion: Option<String>,
    /// 是否为门诊慢特病患者 (MZMTBHZ)
    pub chronic_special: Option<String>,
    /// 急诊患者分级 (JZHZFJ)
    pub triage_level: Option<String>,
    /// 急诊患者去向 (JZHZQX)
    pub emergency_destination: Option<String>,
    /// 住院证开具时间 (ZYZKJSJ)
    pub admission_cert_at: Option<NaiveDateTime>,
    /// 西医诊断: the first is the main diagnosis (主要诊断), then the others (其他诊断).
    pub western_diagnoses: Vec<Diagnosis>,
    /// 中医主病
    pub tcm_disease: Option<Diagnosis>,
    /// 中医证候
    pub tcm_syndromes: Vec<Diagnosis>,
    /// 手术及操作
    pub procedures: Vec<Procedure>,
    /// 费用
    pub fees: Fees,
}

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("无法读取 JSON：{0}")]
    Json(String),
    #[error("诊疗信息页应为 JSON 对象")]
    NotAnObject,
    #[error("诊疗信息页有 {} 处格式错误：{}", .0.len(), join(.0))]
    Fields(Vec<FieldError>),
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("；")
}

impl Refusal for PageError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        match self {
            PageError::Json(_) | PageError::NotAnObject => "BAD_JSON",
            PageError::Fields(_) => "BAD_FIELD",
        }
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            PageError::Fields(f) => f.clone(),
            _ => Vec::new(),
        }
    }
}

/// Reads the fields of one JSON object, collecting every problem with its field path.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
    known: Vec<&'static str>,
}

impl<'a> Reader<'a> {
    fn new(map: &'a Map<String, Value>, prefix: &str) -> Self {
        Reader {
            map,
            prefix: prefix.to_string(),
            known: Vec::new(),
        }
    }

    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// The value of `key`, `None` when absent or null.
    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.known.push(key);
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn text(&mut self, key: &'static str, errs: &mut Vec<FieldError>) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                errs.push(FieldError::new(self.path(key), "应为字符串"));
                None
            }
        }
    }

    fn code(&mut self, key: &'static str, errs: &mut Vec<FieldError>) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            v => {
                errs.push(FieldError::new(
                    self.path(key),
                    format!(
                        "代码应为字符串，例如 \"{}\"",
                        v.to_string().trim_matches('"')
                    ),
                ));
                None
            }
        }
    }

    fn time(&mut self, key: &'static str, errs: &mut Vec<FieldError>) -> Option<NaiveDateTime> {
        let path = self.path(key);
        let s = self.string_for_time(key, &path, errs)?;
        match NaiveDateTime::parse_from_str(s.trim(), TIME_FORMAT) {
            Ok(t) => Some(t),
            Err(_) => {
                errs.push(FieldError::new(
                    path,
                    format!("时间「{s}」格式不对，应为 YYYY-MM-DD HH:MM:SS"),
                ));
                None
            }
        }
    }

    /// A procedure's date may be a time or a day.
    fn time_or_date(
        &mut self,
        key: &'static str,
        errs: &mut Vec<FieldError>,
    ) -> Option<NaiveDateTime> {
        let path = self.path(key);
        let s = self.string_for_time(key, &path, errs)?;
        let t = s.trim();
        if let Ok(t) = NaiveDateTime::parse_from_str(t, TIME_FORMAT) {
            return Some(t);
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, DATE_FORMAT) {
            return Some(d.and_time(chrono::NaiveTime::MIN));
        }
        errs.push(FieldError::new(
            path,
            format!("日期「{s}」格式不对，应为 YYYY-MM-DD HH:MM:SS 或 YYYY-MM-DD"),
        ));
        None
    }

    fn date(&mut self, key: &'static str, errs: &mut Vec<FieldError>) -> Option<NaiveDate> {
        let path = self.path(key);
        let s = self.string_for_time(key, &path, errs)?;
        match NaiveDate::parse_from_str(s.trim(), DATE_FORMAT) {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push(FieldError::new(
                    path,
                    format!("日期「{s}」格式不对，应为 YYYY-MM-DD"),
                ));
                None
            }
        }
    }

    /// A time's text; a blank one (empty, `-`, `/`, `无`) is treated as absent so that the
    /// rules report it as missing rather than as malformed.
    fn string_for_time(
        &mut self,
        key: &'static str,
        path: &str,
        errs: &mut Vec<FieldError>,
    ) -> Option<String> {
        match self.get(key)? {
            Value::String(s) if is_blank(s) => None,
            Value::String(s) => Some(s.clone()),
            _ => {
                errs.push(FieldError::new(path, "应为字符串"));
                None
            }
        }
    }

    fn money(&mut self, key: &'static str, errs: &mut Vec<FieldError>) -> Option<i64> {
        match self.get(key)? {
            Value::Number(n) => match n.as_i64() {
                Some(v) => Some(v),
                None => {
                    errs.push(FieldError::new(
                        self.path(key),
                        format!("金额「{n}」应为整数（单位：分）"),
                    ));
                    None
                }
            },
            v => {
                errs.push(FieldError::new(
                    self.path(key),
                    format!("金额应为整数（单位：分），收到 {v}"),
                ));
                None
            }
        }
    }

    fn object(
        &mut self,
        key: &'static str,
        errs: &mut Vec<FieldError>,
    ) -> Option<&'a Map<String, Value>> {
        match self.get(key)? {
            Value::Object(m) => Some(m),
            _ => {
                errs.push(FieldError::new(self.path(key), "应为 JSON 对象"));
                None
            }
        }
    }

    fn array(&mut self, key: &'static str, errs: &mut Vec<FieldError>) -> &'a [Value] {
        match self.get(key) {
            None => &[],
            Some(Value::Array(a)) => a,
            Some(_) => {
                errs.push(FieldError::new(self.path(key), "应为 JSON 数组"));
                &[]
            }
        }
    }

    /// Refuses the fields nobody asked for: a misspelt key must not silently lose a value.
    fn finish(self, errs: &mut Vec<FieldError>) {
        for key in self.map.keys() {
            if !self.known.contains(&key.as_str()) {
                errs.push(FieldError::new(self.path(key), "未知字段"));
            }
        }
    }
}

/// Empty for the page's purposes: nothing, spaces, or a lone `-`, `/` or `无`.
pub fn is_blank(s: &str) -> bool {
    matches!(s.trim(), "" | "-" | "/" | "无")
}

fn coded(v: &Value, path: &str, errs: &mut Vec<FieldError>) -> Option<Coded> {
    let Value::Object(m) = v else {
        errs.push(FieldError::new(path, "应为 JSON 对象 {name, code}"));
        return None;
    };
    let mut r = Reader::new(m, path);
    let c = Coded {
        name: r.text("name", errs),
        code: r.code("code", errs),
    };
    r.finish(errs);
    Some(c)
}

fn procedure(v: &Value, path: &str, errs: &mut Vec<FieldError>) -> Option<Procedure> {
    let Value::Object(m) = v else {
        errs.push(FieldError::new(path, "应为 JSON 对象"));
        return None;
    };
    let mut r = Reader::new(m, path);
    let p = Procedure {
        date: r.time_or_date("date", errs),
        name: r.text("name", errs),
        code: r.code("code", errs),
        anesthesia: r.code("anesthesia", errs),
        grade: r.code("grade", errs),
        operator: r.text("operator", errs),
        anesthetist: r.text("anesthetist", errs),
    };
    r.finish(errs);
    Some(p)
}

fn fees(m: &Map<String, Value>, errs: &mut Vec<FieldError>) -> Fees {
    let mut r = Reader::new(m, "fees");
    let mut f = Fees {
        total: r.money("total", errs),
        self_paid: r.money("self_paid", errs),
        ..Fees::default()
    };
    for item in FeeItem::ALL {
        if let Some(v) = r.money(item.key(), errs) {
            f.set(*item, v);
        }
    }
    r.finish(errs);
    f
}

impl Page {
    /// Reads a page from its JSON text.
    pub fn parse(json: &str) -> Result<Page, PageError> {
        let v: Value = serde_json::from_str(json).map_err(|e| PageError::Json(e.to_string()))?;
        Page::from_json(&v)
    }

    /// Reads a page from a JSON value, refusing malformed and unknown fields by name.
    pub fn from_json(v: &Value) -> Result<Page, PageError> {
        let Value::Object(m) = v else {
            return Err(PageError::NotAnObject);
        };
        let mut errs = Vec::new();
        let e = &mut errs;
        let mut r = Reader::new(m, "");
        let address = match r.object("address", e) {
            Some(a) => {
                let mut ar = Reader::new(a, "address");
                let addr = Address {
                    province: ar.text("province", e),
                    city: ar.text("city", e),
                    county: ar.text("county", e),
                    detail: ar.text("detail", e),
                };
                ar.finish(e);
                addr
            }
            None => Address::default(),
        };
        let western_diagnoses = r
            .array("western_diagnoses", e)
            .iter()
            .enumerate()
            .filter_map(|(i, d)| coded(d, &format!("western_diagnoses[{i}]"), e))
            .collect();
        let tcm_disease = r
            .get("tcm_disease")
            .and_then(|d| coded(d, "tcm_disease", e));
        let tcm_syndromes = r
            .array("tcm_syndromes", e)
            .iter()
            .enumerate()
            .filter_map(|(i, d)| coded(d, &format!("tcm_syndromes[{i}]"), e))
            .collect();
        let procedures = r
            .array("procedures", e)
            .iter()
            .enumerate()
            .filter_map(|(i, p)| procedure(p, &format!("procedures[{i}]"), e))
            .collect();
        let fees = match r.object("fees", e) {
            Some(f) => fees(f, e),
            None => Fees::default(),
        };
        let page = Page {
            org_name: r.text("org_name", e),
            org_credit_code: r.code("org_credit_code", e),
            card_no: r.text("card_no", e),
            name: r.text("name", e),
            sex: r.code("sex", e),
            birth_date: r.date("birth_date", e),
            marital: r.code("marital", e),
            nationality: r.code("nationality", e),
            ethnicity: r.code("ethnicity", e),
            id_type: r.code("id_type", e),
            id_no: r.text("id_no", e),
            address,
            phone: r.text("phone", e),
            drug_allergy: r.code("drug_allergy", e),
            allergy_drugs: r.text("allergy_drugs", e),
            other_allergy: r.code("other_allergy", e),
            other_allergens: r.text("other_allergens", e),
            registered_at: r.time("registered_at", e),
            checked_in_at: r.time("checked_in_at", e),
            visited_at: r.time("visited_at", e),
            dept_code: r.code("dept_code", e),
            dept_name: r.text("dept_name", e),
            doctor: r.text("doctor", e),
            doctor_title: r.code("doctor_title", e),
            visit_type: r.code("visit_type", e),
            revisit: r.code("revisit", e),
            infusion: r.code("infusion", e),
            chronic_special: r.code("chronic_special", e),
            triage_level: r.code("triage_level", e),
            emergency_destination: r.code("emergency_destination", e),
            admission_cert_at: r.time("admission_cert_at", e),
            western_diagnoses,
            tcm_disease,
            tcm_syndromes,
            procedures,
            fees,
        };
        r.finish(e);
        if errs.is_empty() {
            Ok(page)
        } else {
            Err(PageError::Fields(errs))
        }
    }

    /// The card number for reports, when it has one.
    pub fn label(&self) -> Option<&str> {
        self.card_no.as_deref().filter(|s| !is_blank(s))
    }
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn time_json(t: Option<NaiveDateTime>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(t.format(TIME_FORMAT).to_string())
    })
}

fn coded_json(c: &Coded) -> Value {
    serde_json::json!({"name": opt(&c.name), "code": opt(&c.code)})
}

impl Page {
    /// The page in the JSON contract ([`Page::from_json`] reads it back unchanged).
    pub fn to_json(&self) -> Value {
        let mut fees = Map::new();
        fees.insert(
            "total".into(),
            self.fees.total.map_or(Value::Null, Value::from),
        );
        fees.insert(
            "self_paid".into(),
            self.fees.self_paid.map_or(Value::Null, Value::from),
        );
        for item in FeeItem::ALL {
            fees.insert(item.key().into(), Value::from(self.fees.get(*item)));
        }
        serde_json::json!({
            "org_name": opt(&self.org_name),
            "org_credit_code": opt(&self.org_credit_code),
            "card_no": opt(&self.card_no),
            "name": opt(&self.name),
            "sex": opt(&self.sex),
            "birth_date": self.birth_date.map_or(Value::Null, |d| Value::String(d.format(DATE_FORMAT).to_string())),
            "marital": opt(&self.marital),
            "nationality": opt(&self.nationality),
            "ethnicity": opt(&self.ethnicity),
            "id_type": opt(&self.id_type),
            "id_no": opt(&self.id_no),
            "address": {
                "province": opt(&self.address.province),
                "city": opt(&self.address.city),
                "county": opt(&self.address.county),
                "detail": opt(&self.address.detail),
            },
            "phone": opt(&self.phone),
            "drug_allergy": opt(&self.drug_allergy),
            "allergy_drugs": opt(&self.allergy_drugs),
            "other_allergy": opt(&self.other_allergy),
            "other_allergens": opt(&self.other_allergens),
            "registered_at": time_json(self.registered_at),
            "checked_in_at": time_json(self.checked_in_at),
            "visited_at": time_json(self.visited_at),
            "dept_code": opt(&self.dept_code),
            "dept_name": opt(&self.dept_name),
            "doctor": opt(&self.doctor),
            "doctor_title": opt(&self.doctor_title),
            "visit_type": opt(&self.visit_type),
            "revisit": opt(&self.revisit),
            "infusion": opt(&self.infusion),
            "chronic_special": opt(&self.chronic_special),
            "triage_level": opt(&self.triage_level),
            "emergency_destination": opt(&self.emergency_destination),
            "admission_cert_at": time_json(self.admission_cert_at),
            "western_diagnoses": self.western_diagnoses.iter().map(coded_json).collect::<Vec<_>>(),
            "tcm_disease": self.tcm_disease.as_ref().map_or(Value::Null, coded_json),
            "tcm_syndromes": self.tcm_syndromes.iter().map(coded_json).collect::<Vec<_>>(),
            "procedures": self.procedures.iter().map(|p| serde_json::json!({
                "date": time_json(p.date),
                "name": opt(&p.name),
                "code": opt(&p.code),
                "anesthesia": opt(&p.anesthesia),
                "grade": opt(&p.grade),
                "operator": opt(&p.operator),
                "anesthetist": opt(&p.anesthetist),
            })).collect::<Vec<_>>(),
            "fees": Value::Object(fees),
        })
    }
}
