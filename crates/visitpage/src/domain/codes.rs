//! The page's own code lists (fixed by the regulation, as data) and the hospital's code tables
//! (ICD-10, ICD-9-CM-3, TCM, departments, …) loaded from its official files.
//!
//! The fixed lists differ from the GB/T tables in `yiqiao_core::codes` (性别 here has 3 其他,
//! 婚姻 has 1–4 and 9, 证件类型 has its own numbering), so they live here.

use std::collections::BTreeMap;

/// A fixed code list of the page: field, what it codes, and its `(code, name)` entries.
#[derive(Debug, Clone, Copy)]
pub struct FixedList {
    pub name: &'static str,
    pub entries: &'static [(&'static str, &'static str)],
}

impl FixedList {
    pub fn contains(&self, code: &str) -> bool {
        self.entries.iter().any(|(c, _)| *c == code)
    }

    pub fn name_of(&self, code: &str) -> Option<&'static str> {
        self.entries.iter().find(|(c, _)| *c == code).map(|e| e.1)
    }

    /// "1 男、2 女、3 其他" for messages.
    pub fn describe(&self) -> String {
        self.entries
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// 性别 (XB)
pub const SEX: FixedList = FixedList {
    name: "性别",
    entries: &[("1", "男"), ("2", "女"), ("3", "其他")],
};
/// 婚姻状态 (HY)
pub const MARITAL: FixedList = FixedList {
    name: "婚姻状态",
    entries: &[
        ("1", "未婚"),
        ("2", "已婚"),
        ("3", "丧偶"),
        ("4", "离婚"),
        ("9", "其他"),
    ],
};
/// 证件类型 (ZJLB)
pub const ID_TYPE: FixedList = FixedList {
    name: "证件类型",
    entries: &[
        ("1", "居民身份证"),
        ("2", "军人身份证件"),
        ("3", "武警身份证件"),
        ("4", "港澳居民来往内地通行证"),
        ("5", "台湾居民来往大陆通行证"),
        ("6", "护照"),
        ("9", "其他"),
    ],
};
/// 药物过敏史 / 其他过敏史
pub const ALLERGY: FixedList = FixedList {
    name: "过敏史",
    entries: &[("1", "无"), ("2", "有")],
};
/// 是否复诊 / 是否输液 / 是否为门诊慢特病患者
pub const YES_NO: FixedList = FixedList {
    name: "是否",
    entries: &[("1", "是"), ("2", "否")],
};
/// 就诊类型 (JZLX)
pub const VISIT_TYPE: FixedList = FixedList {
    name: "就诊类型",
    entries: &[
        ("1", "急诊"),
        ("2", "普通门诊"),
        ("3", "特需门诊"),
        ("4", "互联网诊疗"),
        ("5", "MDT门诊"),
        ("9", "其他"),
    ],
};
/// 急诊患者分级 (JZHZFJ)
pub const TRIAGE_LEVEL: FixedList = FixedList {
    name: "急诊患者分级",
    entries: &[
        ("1", "Ⅰ级 急危"),
        ("2", "Ⅱ级 急重"),
        ("3", "Ⅲ级 急症"),
        ("4", "Ⅳ级 亚急症/非急症"),
    ],
};
/// 急诊患者去向 (JZHZQX)
pub const EMERGENCY_DESTINATION: FixedList = FixedList {
    name: "急诊患者去向",
    entries: &[
        ("1", "医嘱离院"),
        ("2", "医嘱转院"),
        ("3", "医嘱转社区卫生服务机构/乡镇卫生院"),
        ("4", "非医嘱离院"),
        ("5", "死亡"),
        ("6", "急诊留观"),
        ("7", "急诊转入院"),
        ("9", "其他"),
    ],
};
/// 手术级别 (SHJB)
pub const PROCEDURE_GRADE: FixedList = FixedList {
    name: "手术级别",
    entries: &[
        ("1", "一级手术"),
        ("2", "二级手术"),
        ("3", "三级手术"),
        ("4", "四级手术"),
    ],
};

/// The hospital's code tables (字典) the rules consult. A table that was not loaded is not
/// checked: the rules say nothing about its codes rather than guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DictKind {
    /// ICD-10 国家临床版 (icd10.csv)
    Icd10,
    /// ICD-9-CM-3 国家临床版 (icd9cm3.csv)
    Icd9Cm3,
    /// 中医病名, GB/T 15657-2021 (tcm_disease.csv)
    TcmDisease,
    /// 中医证候, GB/T 15657-2021 (tcm_syndrome.csv)
    TcmSyndrome,
    /// 科室 (department.csv)
    Department,
    /// 职称 (title.csv)
    Title,
    /// 麻醉方式 (anesthesia.csv)
    Anesthesia,
    /// 国籍, GB/T 2659 (nationality.csv)
    Nationality,
    /// 民族, GB/T 3304 (ethnicity.csv)
    Ethnicity,
}

impl DictKind {
    pub const ALL: [DictKind; 9] = [
        DictKind::Icd10,
        DictKind::Icd9Cm3,
        DictKind::TcmDisease,
        DictKind::TcmSyndrome,
        DictKind::Department,
        DictKind::Title,
        DictKind::Anesthesia,
        DictKind::Nationality,
        DictKind::Ethnicity,
    ];

    /// The file name under `--dict DIR`.
    pub fn file_name(self) -> &'static str {
        match self {
            DictKind::Icd10 => "icd10.csv",
            DictKind::Icd9Cm3 => "icd9cm3.csv",
            DictKind::TcmDisease => "tcm_disease.csv",
            DictKind::TcmSyndrome => "tcm_syndrome.csv",
            DictKind::Department => "department.csv",
            DictKind::Title => "title.csv",
            DictKind::Anesthesia => "anesthesia.csv",
            DictKind::Nationality => "nationality.csv",
            DictKind::Ethnicity => "ethnicity.csv",
        }
    }

    /// The name used on the command line and in the database (`icd10`, `tcm_disease`, …).
    pub fn key(self) -> &'static str {
        self.file_name().trim_end_matches(".csv")
    }

    pub fn from_key(key: &str) -> Option<DictKind> {
        DictKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// What it codes, in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            DictKind::Icd10 => "ICD-10 诊断编码表",
            DictKind::Icd9Cm3 => "ICD-9-CM-3 手术操作编码表",
            DictKind::TcmDisease => "中医病名编码表",
            DictKind::TcmSyndrome => "中医证候编码表",
            DictKind::Department => "科室代码表",
            DictKind::Title => "职称代码表",
            DictKind::Anesthesia => "麻醉方式代码表",
            DictKind::Nationality => "国籍代码表",
            DictKind::Ethnicity => "民族代码表",
        }
    }
}

/// One loaded code table: code → name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dict {
    entries: BTreeMap<String, String>,
}

impl Dict {
    pub fn from_pairs<I, C, N>(pairs: I) -> Dict
    where
        I: IntoIterator<Item = (C, N)>,
        C: Into<String>,
        N: Into<String>,
    {
        Dict {
            entries: pairs
                .into_iter()
                .map(|(c, n)| (c.into(), n.into()))
                .collect(),
        }
    }

    pub fn name_of(&self, code: &str) -> Option<&str> {
        self.entries.get(code).map(String::as_str)
    }

    pub fn contains(&self, code: &str) -> bool {
        self.entries.contains_key(code)
    }

    /// Whether `value` is a code or the name of one (职称 are often written by name).
    pub fn has_code_or_name(&self, value: &str) -> bool {
        self.contains(value) || self.entries.values().any(|n| n == value)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries, ordered by code.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(c, n)| (c.as_str(), n.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The code tables at hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dicts {
    tables: BTreeMap<DictKind, Dict>,
}

impl Dicts {
    /// No tables: only the page's fixed lists are checked.
    pub fn none() -> Dicts {
        Dicts::default()
    }

    pub fn with(mut self, kind: DictKind, dict: Dict) -> Dicts {
        self.tables.insert(kind, dict);
        self
    }

    pub fn insert(&mut self, kind: DictKind, dict: Dict) {
        self.tables.insert(kind, dict);
    }

    pub fn get(&self, kind: DictKind) -> Option<&Dict> {
        self.tables.get(&kind)
    }

    pub fn loaded(&self) -> impl Iterator<Item = (DictKind, &Dict)> {
        self.tables.iter().map(|(k, d)| (*k, d))
    }
}

/// Reads a `code,name` CSV (UTF-8, header row, RFC 4180 quoting). Errors name the line.
pub fn parse_dict_csv(text: &str) -> Result<Dict, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, l)| split_csv(l)).unwrap_or_default();
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let (Some(ci), Some(ni)) = (
        header.iter().position(|h| h == "code"),
        header.iter().position(|h| h == "name"),
    ) else {
        return Err("第 1 行应为表头 code,name".to_string());
    };
    let mut pairs = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let cols = split_csv(line);
        let code = cols.get(ci).map(|c| c.trim()).unwrap_or("");
        if code.is_empty() {
            return Err(format!("第 {} 行没有代码", i + 1));
        }
        let name = cols.get(ni).map(|c| c.trim()).unwrap_or("");
        pairs.push((code.to_string(), name.to_string()));
    }
    Ok(Dict::from_pairs(pairs))
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}
