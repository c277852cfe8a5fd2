//! A grouping version (分组方案版本): the tables of FORMAT.md compiled once into interned
//! codes and per-code facts, so that grouping a case is array look-ups and no allocation.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::TableError;
use super::tsv::Tsv;

/// The text of every file of a version folder (read by [`crate::tables`] or from the database).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionFiles {
    pub version: String,
    pub drg: String,
    pub mdc: String,
    pub mdc_lists: String,
    pub adrg: String,
    pub adrg_lists: String,
    pub splits: String,
    pub mcc: String,
    pub cc: String,
    pub cce: String,
    pub or_procedures: String,
    pub dx_names: String,
    pub proc_names: String,
    /// `icd/dx_map.tsv` (optional: empty when the version has none).
    pub dx_map: String,
    /// `icd/proc_map.tsv` (optional).
    pub proc_map: String,
}

impl VersionFiles {
    /// The file names in a version folder, each with its text (for storing and loading).
    pub const NAMES: [&'static str; 13] = [
        "version.tsv",
        "drg.tsv",
        "mdc.tsv",
        "mdc_lists.tsv",
        "adrg.tsv",
        "adrg_lists.tsv",
        "splits.tsv",
        "mcc.tsv",
        "cc.tsv",
        "cce.tsv",
        "or_procedures.txt",
        "icd/dx_names.tsv",
        "icd/proc_names.tsv",
    ];

    /// Files a version may have: the code maps (编码映射表) from the hospital's codes to the
    /// grouper's. A version without them maps nothing.
    pub const OPTIONAL: [&'static str; 2] = ["icd/dx_map.tsv", "icd/proc_map.tsv"];

    pub fn get(&self, name: &str) -> Option<&str> {
        Some(match name {
            "version.tsv" => &self.version,
            "drg.tsv" => &self.drg,
            "mdc.tsv" => &self.mdc,
            "mdc_lists.tsv" => &self.mdc_lists,
            "adrg.tsv" => &self.adrg,
            "adrg_lists.tsv" => &self.adrg_lists,
            "splits.tsv" => &self.splits,
            "mcc.tsv" => &self.mcc,
            "cc.tsv" => &self.cc,
            "cce.tsv" => &self.cce,
            "or_procedures.txt" => &self.or_procedures,
            "icd/dx_names.tsv" => &self.dx_names,
            "icd/proc_names.tsv" => &self.proc_names,
            "icd/dx_map.tsv" => &self.dx_map,
            "icd/proc_map.tsv" => &self.proc_map,
            _ => return None,
        })
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "version.tsv" => &mut self.version,
            "drg.tsv" => &mut self.drg,
            "mdc.tsv" => &mut self.mdc,
            "mdc_lists.tsv" => &mut self.mdc_lists,
            "adrg.tsv" => &mut self.adrg,
            "adrg_lists.tsv" => &mut self.adrg_lists,
            "splits.tsv" => &mut self.splits,
            "mcc.tsv" => &mut self.mcc,
            "cc.tsv" => &mut self.cc,
            "cce.tsv" => &mut self.cce,
            "or_procedures.txt" => &mut self.or_procedures,
            "icd/dx_names.tsv" => &mut self.dx_names,
            "icd/proc_names.tsv" => &mut self.proc_names,
            "icd/dx_map.tsv" => &mut self.dx_map,
            "icd/proc_map.tsv" => &mut self.proc_map,
            _ => return None,
        })
    }
}

/// Interned code id; [`UNKNOWN`] for a code no table of the version knows.
pub(crate) type CodeId = u32;
pub(crate) const UNKNOWN: CodeId = u32::MAX;
/// "No exclusion table" (排除表) for a code.
pub(crate) const NO_TABLE: u32 = u32::MAX;

/// What happens when an ADRG matched but none of its splits holds (`version.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSplit {
    ReturnAdrgCode,
    NextAdrg,
}

/// The version-wide switches of `version.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switches {
    pub no_split: NoSplit,
    /// ZJ: on 0000, retry with each further procedure alone.
    pub retry_each_other_procedure: bool,
    /// ZJ: an empty 日龄 / 出生体重 counts as 0.
    pub empty_age_days_and_weight_zero: bool,
    /// CHS: "age 0 needs day age" and "newborn needs birth weight" are input checks.
    pub newborn_weight_required_check: bool,
    pub qy_enabled: bool,
}

/// How an MDC (主要诊断大类) admits a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryRule {
    MainProcOr,
    MainDx,
    AnyDx,
    MainDxMultiTrauma,
}

impl EntryRule {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryRule::MainProcOr => "main_proc_or",
            EntryRule::MainDx => "main_dx",
            EntryRule::AnyDx => "any_dx",
            EntryRule::MainDxMultiTrauma => "main_dx_multi_trauma",
        }
    }
}

/// The condition shape of an ADRG (核心疾病诊断相关组) rule — FORMAT.md §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    MainDx,
    MainDxNoMainOrProc,
    MainProc,
    MainDxAndMainProc,
    NotMainDxAndMainProc,
    AnyProcPair,
    MainDxAndAnyProcPair,
    MainDxAndProcCategories,
    AnyDx,
    MainProcOr,
    AnyDxAndMainProcOr,
    NoOrProc,
    Always,
}

impl RuleKind {
    fn parse(s: &str) -> Option<RuleKind> {
        Some(match s {
            "main_dx" => RuleKind::MainDx,
            "main_dx_no_main_or_proc" => RuleKind::MainDxNoMainOrProc,
            "main_proc" => RuleKind::MainProc,
            "main_dx_and_main_proc" => RuleKind::MainDxAndMainProc,
            "not_main_dx_and_main_proc" => RuleKind::NotMainDxAndMainProc,
            "any_proc_pair" => RuleKind::AnyProcPair,
            "main_dx_and_any_proc_pair" => RuleKind::MainDxAndAnyProcPair,
            "main_dx_and_proc_categories" => RuleKind::MainDxAndProcCategories,
            "any_dx" => RuleKind::AnyDx,
            "main_proc_or" => RuleKind::MainProcOr,
            "any_dx_and_main_proc_or" => RuleKind::AnyDxAndMainProcOr,
            "no_or_proc" => RuleKind::NoOrProc,
            "always" => RuleKind::Always,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::MainDx => "main_dx",
            RuleKind::MainDxNoMainOrProc => "main_dx_no_main_or_proc",
            RuleKind::MainProc => "main_proc",
            RuleKind::MainDxAndMainProc => "main_dx_and_main_proc",
            RuleKind::NotMainDxAndMainProc => "not_main_dx_and_main_proc",
            RuleKind::AnyProcPair => "any_proc_pair",
            RuleKind::MainDxAndAnyProcPair => "main_dx_and_any_proc_pair",
            RuleKind::MainDxAndProcCategories => "main_dx_and_proc_categories",
            RuleKind::AnyDx => "any_dx",
            RuleKind::MainProcOr => "main_proc_or",
            RuleKind::AnyDxAndMainProcOr => "any_dx_and_main_proc_or",
            RuleKind::NoOrProc => "no_or_proc",
            RuleKind::Always => "always",
        }
    }
}

/// A DRG split condition (细分组条件) — FORMAT.md §7.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitKind {
    None,
    Mcc,
    CcOrMcc,
    AgeLt(u32),
    DeptEq(Box<str>),
    ProcsAllPresent(Vec<CodeId>),
}

impl SplitKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            SplitKind::None => "none",
            SplitKind::Mcc => "mcc",
            SplitKind::CcOrMcc => "cc_or_mcc",
            SplitKind::AgeLt(_) => "age_lt",
            SplitKind::DeptEq(_) => "dept_eq",
            SplitKind::ProcsAllPresent(_) => "procs_all_present",
        }
    }
}

pub(crate) struct Mdc {
    pub(crate) code: Box<str>,
    pub(crate) entry: EntryRule,
    pub(crate) gender: Option<u8>,
    pub(crate) age_years_eq: Option<u32>,
    pub(crate) min_trauma_regions: u32,
    pub(crate) adrgs: Vec<usize>,
    pub(crate) qy_active: bool,
    /// QY check position: after this ADRG (index into `adrgs` of the version), None = before all.
    pub(crate) qy_after: Option<usize>,
    pub(crate) qy_drg: Box<str>,
}

pub(crate) struct Adrg {
    pub(crate) code: Box<str>,
    pub(crate) mdc_code: Box<str>,
    pub(crate) name: Box<str>,
    pub(crate) kind: RuleKind,
    pub(crate) age_days_max: Option<u32>,
    pub(crate) weight_min: Option<u32>,
    pub(crate) weight_max: Option<u32>,
    /// OR of AND-terms, each a bit mask over the version's category labels.
    pub(crate) categories: Vec<u64>,
    pub(crate) splits: Vec<usize>,
}

pub(crate) struct Split {
    pub(crate) drg: Box<str>,
    pub(crate) adrg: Box<str>,
    pub(crate) mdc: Box<str>,
    pub(crate) kind: SplitKind,
}

/// Facts about one code, indexed by its [`CodeId`].
#[derive(Clone, Copy)]
pub(crate) struct CodeInfo {
    /// Bit i: in the diagnosis list of MDC i (index in `Version::mdcs`).
    pub(crate) mdc_mask: u32,
    /// Bit i: an `extra_main_proc` of MDC i.
    pub(crate) extra_main_mask: u32,
    pub(crate) is_or: bool,
    pub(crate) known_dx: bool,
    pub(crate) known_proc: bool,
    pub(crate) mcc: u32,
    pub(crate) cc: u32,
    pub(crate) cce: u32,
    /// Range into `Version::memberships`.
    pub(crate) lists_start: u32,
    pub(crate) lists_len: u32,
}

impl Default for CodeInfo {
    fn default() -> Self {
        CodeInfo {
            mdc_mask: 0,
            extra_main_mask: 0,
            is_or: false,
            known_dx: false,
            known_proc: false,
            mcc: NO_TABLE,
            cc: NO_TABLE,
            cce: NO_TABLE,
            lists_start: 0,
            lists_len: 0,
        }
    }
}

/// The three ADRG list names of FORMAT.md; list id = ADRG index × 3 + slot.
pub(crate) const LIST_NAMES: [&str; 3] = ["adrg_zd", "adrg_ss", "adrg_ss1"];
pub(crate) const ZD: u32 = 0;
pub(crate) const SS: u32 = 1;
pub(crate) const SS1: u32 = 2;
/// "No category" for a list entry.
pub(crate) const NO_CATEGORY: u8 = u8::MAX;

/// A compiled grouping version (分组方案), immutable and shared between threads.
pub struct Version {
    pub(crate) name: Box<str>,
    pub(crate) switches: Switches,
    pub(crate) ids: HashMap<Box<str>, CodeId, RandomState>,
    pub(crate) texts: Vec<Box<str>>,
    pub(crate) info: Vec<CodeInfo>,
    /// (list id, category index) per code, sorted by list id.
    pub(crate) memberships: Vec<(u32, u8)>,
    pub(crate) mdcs: Vec<Mdc>,
    pub(crate) adrgs: Vec<Adrg>,
    pub(crate) splits: Vec<Split>,
    pub(crate) drg_names: HashMap<Box<str>, Box<str>, RandomState>,
    /// Body region (创伤部位) per (MDC index, code).
    pub(crate) regions: HashMap<(u32, CodeId), u8, RandomState>,
    pub(crate) region_names: Vec<Box<str>>,
    pub(crate) table_names: Vec<Box<str>>,
    pub(crate) category_names: Vec<Box<str>>,
    pub(crate) dx_names: HashMap<CodeId, Box<str>, RandomState>,
    pub(crate) proc_names: HashMap<CodeId, Box<str>, RandomState>,
    /// Source code → grouper code, only for source codes the dictionary does not know and
    /// whose target it does (the rest map to themselves or to nothing usable).
    pub(crate) dx_map: HashMap<Box<str>, CodeId, RandomState>,
    pub(crate) proc_map: HashMap<Box<str>, CodeId, RandomState>,
}

impl std::fmt::Debug for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Version")
            .field("name", &self.name)
            .field("drgs", &self.splits.len())
            .field("adrgs", &self.adrgs.len())
            .field("codes", &self.texts.len())
            .finish()
    }
}

/// Reads a code map, keeping the entries that make an unknown code known. An empty text is a
/// version without the map.
fn code_map(
    file: &'static str,
    text: &str,
    int: &Interner,
    dx: bool,
) -> Result<HashMap<Box<str>, CodeId, RandomState>, TableError> {
    let mut out: HashMap<Box<str>, CodeId, RandomState> = HashMap::default();
    if text.trim().is_empty() {
        return Ok(out);
    }
    let t = Tsv::parse(file, text)?;
    let (c_src, c_dst) = (t.col("source_code")?, t.col("grouper_code")?);
    let known = |code: &str| {
        int.ids.get(code).is_some_and(|&id| {
            let i = int.info[id as usize];
            if dx { i.known_dx } else { i.known_proc }
        })
    };
    for r in t.rows() {
        // One source value carries a leading space (FORMAT.md §8); codes are compared trimmed.
        let (src, dst) = (r.get(c_src).trim(), r.get(c_dst).trim());
        if src == dst || known(src) || !known(dst) {
            continue;
        }
        if let Some(&id) = int.ids.get(dst) {
            out.entry(src.into()).or_insert(id);
        }
    }
    Ok(out)
}

/// Builder state while compiling.
struct Interner {
    ids: HashMap<Box<str>, CodeId, RandomState>,
    texts: Vec<Box<str>>,
    info: Vec<CodeInfo>,
}

impl Interner {
    fn id(&mut self, code: &str) -> CodeId {
        if let Some(&id) = self.ids.get(code) {
            return id;
        }
        let id = self.texts.len() as CodeId;
        self.ids.insert(code.into(), id);
        self.texts.push(code.into());
        self.info.push(CodeInfo::default());
        id
    }
}

fn small_id(names: &mut Vec<Box<str>>, name: &str) -> usize {
    if let Some(i) = names.iter().position(|n| &**n == name) {
        return i;
    }
    names.push(name.into());
    names.len() - 1
}

fn table_id(
    map: &mut HashMap<Box<str>, u32, RandomState>,
    names: &mut Vec<Box<str>>,
    t: &str,
) -> u32 {
    if let Some(&i) = map.get(t) {
        return i;
    }
    let i = names.len() as u32;
    names.push(t.into());
    map.insert(t.into(), i);
    i
}

impl Version {
    /// Compile a version from its files. Every inconsistency is refused with file and line.
    pub fn compile(files: &VersionFiles) -> Result<Version, TableError> {
        let mut int = Interner {
            ids: HashMap::with_hasher(RandomState::default()),
            texts: Vec::new(),
            info: Vec::new(),
        };

        // version.tsv
        let t = Tsv::parse("version.tsv", &files.version)?;
        let (k, v) = (t.col("key")?, t.col("value")?);
        let mut kv: HashMap<&str, (&str, usize), RandomState> = HashMap::default();
        for r in t.rows() {
            kv.insert(r.get(k), (r.get(v), r.line));
        }
        let get = |key: &'static str| -> Result<&str, TableError> {
            kv.get(key)
                .map(|(v, _)| *v)
                .ok_or_else(|| TableError::new("version.tsv", 1, format!("缺少键 {key}")))
        };
        let yes_no = |key: &'static str| -> Result<bool, TableError> {
            match get(key)? {
                "yes" => Ok(true),
                "no" => Ok(false),
                other => Err(TableError::new(
                    "version.tsv",
                    kv.get(key).map(|x| x.1).unwrap_or(1),
                    format!("{key} 应为 yes 或 no，实为「{other}」"),
                )),
            }
        };
        let name: Box<str> = get("version")?.into();
        let no_split = match get("adrg_without_matching_split")? {
            "return_adrg_code" => NoSplit::ReturnAdrgCode,
            "next_adrg" => NoSplit::NextAdrg,
            other => {
                return Err(TableError::new(
                    "version.tsv",
                    1,
                    format!("adrg_without_matching_split 的值「{other}」无法识别"),
                ));
            }
        };
        let zero = match get("empty_age_days_and_weight")? {
            "zero" => true,
            "missing" => false,
            other => {
                return Err(TableError::new(
                    "version.tsv",
                    1,
                    format!("empty_age_days_and_weight 的值「{other}」无法识别"),
                ));
            }
        };
        let switches = Switches {
            no_split,
            retry_each_other_procedure: yes_no("retry_each_other_procedure_alone_on_0000")?,
            empty_age_days_and_weight_zero: zero,
            newborn_weight_required_check: yes_no("newborn_weight_required_check")?,
            qy_enabled: yes_no("qy_enabled")?,
        };

        // drg.tsv
        let t = Tsv::parse("drg.tsv", &files.drg)?;
        let (cd, cn) = (t.col("drg")?, t.col("name")?);
        let mut drg_names: HashMap<Box<str>, Box<str>, RandomState> = HashMap::default();
        for r in t.rows() {
            if drg_names
                .insert(r.get(cd).into(), r.get(cn).into())
                .is_some()
            {
                return Err(r.error(format!("DRG {} 重复", r.get(cd))));
            }
        }

        // adrg.tsv (before mdc.tsv so the MDC's ADRG order can be resolved)
        let t = Tsv::parse("adrg.tsv", &files.adrg)?;
        let c_adrg = t.col("adrg")?;
        let c_mdc = t.col("mdc")?;
        let c_kind = t.col("rule_kind")?;
        let c_adm = t.col("age_days_max")?;
        let c_wmin = t.col("weight_min")?;
        let c_wmax = t.col("weight_max")?;
        let c_pcr = t.col("proc_category_rule")?;
        let c_name = t.col("name")?;
        let mut category_names: Vec<Box<str>> = Vec::new();
        let mut adrgs: Vec<Adrg> = Vec::new();
        let mut adrg_index: HashMap<Box<str>, usize, RandomState> = HashMap::default();
        for r in t.rows() {
            let code = r.get(c_adrg);
            let kind = RuleKind::parse(r.get(c_kind))
                .ok_or_else(|| r.error(format!("未知的 rule_kind「{}」", r.get(c_kind))))?;
            let mut categories = Vec::new();
            let pcr = r.get(c_pcr);
            if !pcr.is_empty() {
                for term in pcr.split('|') {
                    let mut mask = 0u64;
                    for label in term.split('+') {
                        let i = small_id(&mut category_names, label);
                        if i >= 64 {
                            return Err(r.error("手术类别超过 64 个"));
                        }
                        mask |= 1 << i;
                    }
                    categories.push(mask);
                }
            }
            if kind == RuleKind::MainDxAndProcCategories && categories.is_empty() {
                return Err(r.error("main_dx_and_proc_categories 缺少 proc_category_rule"));
            }
            if adrg_index.insert(code.into(), adrgs.len()).is_some() {
                return Err(r.error(format!("ADRG {code} 重复")));
            }
            adrgs.push(Adrg {
                code: code.into(),
                mdc_code: r.get(c_mdc).into(),
                name: r.get(c_name).into(),
                kind,
                age_days_max: r.opt_u32(c_adm)?,
                weight_min: r.opt_u32(c_wmin)?,
                weight_max: r.opt_u32(c_wmax)?,
                categories,
                splits: Vec::new(),
            });
        }

        // mdc.tsv
        let t = Tsv::parse("mdc.tsv", &files.mdc)?;
        let c_mdc = t.col("mdc")?;
        let c_order = t.col("try_order")?;
        let c_entry = t.col("entry_rule")?;
        let c_gender = t.col("gender")?;
        let c_age = t.col("age_years_eq")?;
        let c_trauma = t.col("min_trauma_regions")?;
        let c_adrgs = t.col("adrg_order")?;
        let c_qy = t.col("qy_enabled")?;
        let c_qy_after = t.col("qy_check_after_adrg")?;
        let mut mdcs: Vec<(u32, Mdc)> = Vec::new();
        for r in t.rows() {
            let code = r.get(c_mdc);
            let entry = match r.get(c_entry) {
                "main_proc_or" => EntryRule::MainProcOr,
                "main_dx" => EntryRule::MainDx,
                "any_dx" => EntryRule::AnyDx,
                "main_dx_multi_trauma" => EntryRule::MainDxMultiTrauma,
                other => return Err(r.error(format!("未知的 entry_rule「{other}」"))),
            };
            let gender = match r.opt_u32(c_gender)? {
                None => None,
                Some(g @ (1 | 2)) => Some(g as u8),
                Some(g) => return Err(r.error(format!("性别条件 {g} 不是 1 或 2"))),
            };
            let mut list = Vec::new();
            for a in r.get(c_adrgs).split(',').filter(|s| !s.is_empty()) {
                let i = *adrg_index
                    .get(a)
                    .ok_or_else(|| r.error(format!("adrg_order 中的 {a} 不在 adrg.tsv")))?;
                list.push(i);
            }
            let qy_after = match r.get(c_qy_after) {
                "" => None,
                a => Some(
                    *adrg_index
                        .get(a)
                        .ok_or_else(|| r.error(format!("qy_check_after_adrg 的 {a} 未知")))?,
                ),
            };
            let letter = code.strip_prefix("MDC").unwrap_or(code);
            mdcs.push((
                r.u32(c_order)?,
                Mdc {
                    code: code.into(),
                    entry,
                    gender,
                    age_years_eq: r.opt_u32(c_age)?,
                    min_trauma_regions: r.opt_u32(c_trauma)?.unwrap_or(0),
                    adrgs: list,
                    qy_active: r.get(c_qy) == "yes" && switches.qy_enabled,
                    qy_after,
                    qy_drg: format!("{letter}QY").into(),
                },
            ));
        }
        mdcs.sort_by_key(|(o, _)| *o);
        let mdcs: Vec<Mdc> = mdcs.into_iter().map(|(_, m)| m).collect();
        if mdcs.len() > 32 {
            return Err(TableError::new("mdc.tsv", 1, "MDC 超过 32 个"));
        }
        let mdc_index = |code: &str| mdcs.iter().position(|m| &*m.code == code);

        // mdc_lists.tsv
        let t = Tsv::parse("mdc_lists.tsv", &files.mdc_lists)?;
        let (c_mdc, c_code, c_tag) = (t.col("mdc")?, t.col("code")?, t.col("tag")?);
        let mut regions: HashMap<(u32, CodeId), u8, RandomState> = HashMap::default();
        let mut region_names: Vec<Box<str>> = Vec::new();
        for r in t.rows() {
            let mi = mdc_index(r.get(c_mdc))
                .ok_or_else(|| r.error(format!("未知的 MDC {}", r.get(c_mdc))))?;
            let id = int.id(r.get(c_code));
            let tag = r.get(c_tag);
            let info = &mut int.info[id as usize];
            if tag == "extra_main_proc" {
                info.extra_main_mask |= 1 << mi;
                info.known_proc = true;
            } else {
                info.mdc_mask |= 1 << mi;
                info.known_dx = true;
                if !tag.is_empty() {
                    let ri = small_id(&mut region_names, tag);
                    if ri >= 64 {
                        return Err(r.error("创伤部位超过 64 个"));
                    }
                    // The later row wins, as in the source (FORMAT.md §5).
                    regions.insert((mi as u32, id), ri as u8);
                }
            }
        }

        // adrg_lists.tsv
        let t = Tsv::parse("adrg_lists.tsv", &files.adrg_lists)?;
        let (c_adrg, c_list, c_code, c_cat) = (
            t.col("adrg")?,
            t.col("list")?,
            t.col("code")?,
            t.col("category")?,
        );
        let mut pairs: Vec<(CodeId, u32, u8)> = Vec::new();
        for r in t.rows() {
            let ai = *adrg_index
                .get(r.get(c_adrg))
                .ok_or_else(|| r.error(format!("未知的 ADRG {}", r.get(c_adrg))))?;
            let slot = LIST_NAMES
                .iter()
                .position(|n| *n == r.get(c_list))
                .ok_or_else(|| r.error(format!("未知的列表名 {}", r.get(c_list))))?
                as u32;
            let id = int.id(r.get(c_code));
            if slot == ZD {
                int.info[id as usize].known_dx = true;
            } else {
                int.info[id as usize].known_proc = true;
            }
            let cat = match r.get(c_cat) {
                "" => NO_CATEGORY,
                c => {
                    let i = small_id(&mut category_names, c);
                    if i >= 64 {
                        return Err(r.error("手术类别超过 64 个"));
                    }
                    i as u8
                }
            };
            pairs.push((id, ai as u32 * 3 + slot, cat));
        }

        // splits.tsv
        let t = Tsv::parse("splits.tsv", &files.splits)?;
        let (c_drg, c_adrg, c_seq, c_kind, c_param) = (
            t.col("drg")?,
            t.col("adrg")?,
            t.col("seq")?,
            t.col("split_kind")?,
            t.col("param")?,
        );
        let mut splits: Vec<(usize, u32, Split)> = Vec::new();
        for r in t.rows() {
            let drg = r.get(c_drg);
            let ai = *adrg_index
                .get(r.get(c_adrg))
                .ok_or_else(|| r.error(format!("未知的 ADRG {}", r.get(c_adrg))))?;
            if !drg_names.contains_key(drg) {
                return Err(r.error(format!("DRG {drg} 不在 drg.tsv")));
            }
            let param = r.get(c_param);
            let kind = match r.get(c_kind) {
                "none" => SplitKind::None,
                "mcc" => SplitKind::Mcc,
                "cc_or_mcc" => SplitKind::CcOrMcc,
                "age_lt" => SplitKind::AgeLt(
                    param
                        .parse()
                        .map_err(|_| r.error(format!("age_lt 的参数「{param}」不是整数")))?,
                ),
                "dept_eq" => SplitKind::DeptEq(param.into()),
                "procs_all_present" => SplitKind::ProcsAllPresent(
                    param
                        .split('|')
                        .filter(|s| !s.is_empty())
                        .map(|c| {
                            let id = int.id(c);
                            int.info[id as usize].known_proc = true;
                            id
                        })
                        .collect(),
                ),
                other => return Err(r.error(format!("未知的 split_kind「{other}」"))),
            };
            let letter = drg.chars().next().unwrap_or('?');
            splits.push((
                ai,
                r.u32(c_seq)?,
                Split {
                    drg: drg.into(),
                    adrg: drg.get(..3).unwrap_or(drg).into(),
                    mdc: format!("MDC{letter}").into(),
                    kind,
                },
            ));
        }
        splits.sort_by_key(|(ai, seq, _)| (*ai, *seq));
        let mut split_vec = Vec::with_capacity(splits.len());
        for (ai, _, s) in splits {
            adrgs[ai].splits.push(split_vec.len());
            split_vec.push(s);
        }

        // mcc.tsv, cc.tsv, cce.tsv — exclusion table ids interned as text.
        let mut tmap: HashMap<Box<str>, u32, RandomState> = HashMap::default();
        let mut table_names: Vec<Box<str>> = Vec::new();
        for (file, text, which) in [
            ("mcc.tsv", &files.mcc, 0),
            ("cc.tsv", &files.cc, 1),
            ("cce.tsv", &files.cce, 2),
        ] {
            let t = Tsv::parse(file, text)?;
            let c_code = t.col(if which == 2 { "principal_dx" } else { "code" })?;
            let c_table = t.col("table")?;
            for r in t.rows() {
                let id = int.id(r.get(c_code));
                let tid = table_id(&mut tmap, &mut table_names, r.get(c_table));
                let info = &mut int.info[id as usize];
                info.known_dx = true;
                match which {
                    0 => info.mcc = tid,
                    1 => info.cc = tid,
                    _ => info.cce = tid,
                }
            }
        }

        for line in files.or_procedures.lines() {
            let code = line.trim_end_matches('\r');
            if code.is_empty() {
                continue;
            }
            let id = int.id(code);
            let info = &mut int.info[id as usize];
            info.is_or = true;
            info.known_proc = true;
        }

        let mut names = |file: &'static str, text: &str, dx: bool| {
            let mut out: HashMap<CodeId, Box<str>, RandomState> = HashMap::default();
            let t = Tsv::parse(file, text)?;
            let (c_code, c_name) = (t.col("code")?, t.col("name")?);
            for r in t.rows() {
                let id = int.id(r.get(c_code));
                let info = &mut int.info[id as usize];
                if dx {
                    info.known_dx = true;
                } else {
                    info.known_proc = true;
                }
                out.insert(id, r.get(c_name).into());
            }
            Ok::<_, TableError>(out)
        };
        let dx_names = names("icd/dx_names.tsv", &files.dx_names, true)?;
        let proc_names = names("icd/proc_names.tsv", &files.proc_names, false)?;
        let dx_map = code_map("icd/dx_map.tsv", &files.dx_map, &int, true)?;
        let proc_map = code_map("icd/proc_map.tsv", &files.proc_map, &int, false)?;

        // Memberships: sort by code then list; record each code's range.
        pairs.sort_by_key(|(c, l, _)| (*c, *l));
        pairs.dedup_by_key(|(c, l, _)| (*c, *l));
        let mut memberships = Vec::with_capacity(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let code = pairs[i].0;
            let start = memberships.len() as u32;
            while i < pairs.len() && pairs[i].0 == code {
                memberships.push((pairs[i].1, pairs[i].2));
                i += 1;
            }
            let info = &mut int.info[code as usize];
            info.lists_start = start;
            info.lists_len = memberships.len() as u32 - start;
        }

        // Sanity checks against the version's own counts.
        let drg_count: usize = get("drg_count")?
            .parse()
            .map_err(|_| TableError::new("version.tsv", 1, "drg_count 不是整数"))?;
        if drg_count != drg_names.len() || drg_count != split_vec.len() {
            return Err(TableError::new(
                "drg.tsv",
                1,
                format!(
                    "DRG 数不符：version.tsv 写 {drg_count}，drg.tsv 有 {}，splits.tsv 有 {}",
                    drg_names.len(),
                    split_vec.len()
                ),
            ));
        }
        let adrg_count: usize = get("adrg_count")?
            .parse()
            .map_err(|_| TableError::new("version.tsv", 1, "adrg_count 不是整数"))?;
        if adrg_count != adrgs.len() {
            return Err(TableError::new(
                "adrg.tsv",
                1,
                format!(
                    "ADRG 数不符：version.tsv 写 {adrg_count}，adrg.tsv 有 {}",
                    adrgs.len()
                ),
            ));
        }

        Ok(Version {
            name,
            switches,
            ids: int.ids,
            texts: int.texts,
            info: int.info,
            memberships,
            mdcs,
            adrgs,
            splits: split_vec,
            drg_names,
            regions,
            region_names,
            table_names,
            category_names,
            dx_names,
            proc_names,
            dx_map,
            proc_map,
        })
    }

    /// The version's name, e.g. `zj-drg-2022`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn switches(&self) -> &Switches {
        &self.switches
    }

    /// Number of groups (DRG) in the version.
    pub fn drg_count(&self) -> usize {
        self.splits.len()
    }

    /// The Chinese name of a DRG, if the version has it.
    pub fn drg_name(&self, drg: &str) -> Option<&str> {
        self.drg_names.get(drg).map(|s| &**s)
    }

    /// Every DRG code in split order.
    pub fn drgs(&self) -> impl Iterator<Item = &str> {
        self.splits.iter().map(|s| &*s.drg)
    }

    pub(crate) fn id(&self, code: &str) -> CodeId {
        self.ids.get(code).copied().unwrap_or(UNKNOWN)
    }

    #[inline]
    pub(crate) fn info(&self, id: CodeId) -> CodeInfo {
        match self.info.get(id as usize) {
            Some(i) => *i,
            None => CodeInfo::default(),
        }
    }

    pub(crate) fn text(&self, id: CodeId) -> &str {
        self.texts.get(id as usize).map(|s| &**s).unwrap_or("")
    }

    /// Whether a diagnosis code is in the version's dictionary (names or any diagnosis table).
    pub fn knows_diagnosis(&self, code: &str) -> bool {
        self.info(self.id(code)).known_dx
    }

    /// Whether a procedure code is in the version's dictionary (names or any procedure table).
    pub fn knows_procedure(&self, code: &str) -> bool {
        self.info(self.id(code)).known_proc
    }

    /// The grouper's code for a diagnosis the dictionary does not know, by the version's
    /// code map (`icd/dx_map.tsv`); `None` when the code is known or cannot be mapped.
    pub fn map_diagnosis(&self, code: &str) -> Option<&str> {
        self.dx_map.get(code).map(|&id| self.text(id))
    }

    /// The grouper's code for an unknown procedure, by `icd/proc_map.tsv`.
    pub fn map_procedure(&self, code: &str) -> Option<&str> {
        self.proc_map.get(code).map(|&id| self.text(id))
    }

    pub fn diagnosis_name(&self, code: &str) -> Option<&str> {
        self.dx_names.get(&self.id(code)).map(|s| &**s)
    }

    pub fn procedure_name(&self, code: &str) -> Option<&str> {
        self.proc_names.get(&self.id(code)).map(|s| &**s)
    }

    /// The category of `code` in list `list` (ADRG index × 3 + slot), if the code is on it.
    #[inline]
    pub(crate) fn in_list(&self, id: CodeId, list: u32) -> Option<u8> {
        let info = self.info(id);
        if info.lists_len == 0 {
            return None;
        }
        let start = info.lists_start as usize;
        let slice = self
            .memberships
            .get(start..start + info.lists_len as usize)
            .unwrap_or(&[]);
        if slice.len() <= 8 {
            slice.iter().find(|(l, _)| *l == list).map(|(_, c)| *c)
        } else {
            slice
                .binary_search_by_key(&list, |(l, _)| *l)
                .ok()
                .and_then(|i| slice.get(i))
                .map(|(_, c)| *c)
        }
    }

    /// The first MDC whose diagnosis list holds `code` and which admits one sex only, with that
    /// sex (1 男, 2 女): the version's own statement that the diagnosis belongs to that sex.
    pub fn diagnosis_sex(&self, code: &str) -> Option<(&str, u8)> {
        let mask = self.info(self.id(code)).mdc_mask;
        self.mdcs.iter().enumerate().find_map(|(i, m)| {
            (mask & (1 << i) != 0)
                .then_some(m.gender)
                .flatten()
                .map(|g| (&*m.code, g))
        })
    }

    /// The first MDC whose diagnosis list holds `code` and which admits one age (in years)
    /// only, with that age (MDCP: 0, newborns).
    pub fn diagnosis_age(&self, code: &str) -> Option<(&str, u32)> {
        let mask = self.info(self.id(code)).mdc_mask;
        self.mdcs.iter().enumerate().find_map(|(i, m)| {
            (mask & (1 << i) != 0)
                .then_some(m.age_years_eq)
                .flatten()
                .map(|a| (&*m.code, a))
        })
    }

    /// Codes the grouper uses as diagnoses (MDC lists, ADRG diagnosis lists, MCC/CC lists).
    pub fn grouping_diagnoses(&self) -> Vec<&str> {
        (0..self.texts.len() as u32)
            .filter(|&id| {
                let i = self.info(id);
                i.mdc_mask != 0 || i.mcc != NO_TABLE || i.cc != NO_TABLE
            })
            .map(|id| self.text(id))
            .collect()
    }

    /// Codes the grouper uses as procedures (OR list and ADRG procedure lists).
    pub fn grouping_procedures(&self) -> Vec<&str> {
        (0..self.texts.len() as u32)
            .filter(|&id| {
                let i = self.info(id);
                i.is_or
                    || self.memberships
                        [i.lists_start as usize..(i.lists_start + i.lists_len) as usize]
                        .iter()
                        .any(|(l, _)| l % 3 != ZD)
            })
            .map(|id| self.text(id))
            .collect()
    }
}
