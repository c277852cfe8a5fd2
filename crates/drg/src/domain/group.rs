//! The grouper (分组器): FORMAT.md §3 over a compiled [`Version`].
//!
//! The same code runs with and without an explanation: the [`Tracer`] is a type parameter, and
//! the silent one compiles to nothing, so the fast path builds no trace and allocates nothing
//! per rule.

use serde::Serialize;
use yiqiao_core::FieldError;

use super::case::Case;
use super::trace::{CodeMatch, Complication, Step};
use super::version::{
    CodeId, EntryRule, LIST_NAMES, NO_CATEGORY, NO_TABLE, NoSplit, RuleKind, SS, SS1, SplitKind,
    Version, ZD,
};

/// 分组结果状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// 分组成功.
    Success,
    /// 无法入组 (0000).
    Fail,
    /// 信息校验不通过.
    CheckFailed,
    /// 歧义病案.
    Qy,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "SUCCESS",
            Status::Fail => "FAIL",
            Status::CheckFailed => "CHECK_FAILED",
            Status::Qy => "QY",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Success => "分组成功",
            Status::Fail => "无法入组",
            Status::CheckFailed => "信息校验不通过",
            Status::Qy => "歧义病案",
        }
    }
}

/// The result of grouping one case. Codes borrow from the version (no allocation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grouping<'v> {
    pub status: Status,
    pub mdc: &'v str,
    pub adrg: &'v str,
    pub drg: &'v str,
    /// The input check that failed, with the field at fault.
    pub check: Option<FieldError>,
}

impl Grouping<'_> {
    fn fail() -> Self {
        Grouping {
            status: Status::Fail,
            mdc: "0000",
            adrg: "00",
            drg: "0000",
            check: None,
        }
    }
}

/// Grouping plus its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explained<'v> {
    pub grouping: Grouping<'v>,
    pub trace: Vec<Step>,
}

/// Receives explanation steps; [`Silent`] drops them without building them.
pub(crate) trait Tracer {
    const ON: bool;
    fn step(&mut self, f: impl FnOnce() -> Step);
}

pub(crate) struct Silent;

impl Tracer for Silent {
    const ON: bool = false;
    #[inline(always)]
    fn step(&mut self, _f: impl FnOnce() -> Step) {}
}

impl Tracer for Vec<Step> {
    const ON: bool = true;
    fn step(&mut self, f: impl FnOnce() -> Step) {
        self.push(f());
    }
}

/// Reusable buffers for the interned codes of a case (one per thread in bulk grouping).
#[derive(Debug, Default)]
pub struct Scratch {
    dx: Vec<CodeId>,
    procs: Vec<CodeId>,
}

/// The case as the rules see it: interned codes, numbers after the version's empty-field rule.
struct Prepared<'c> {
    gender: u8,
    age: u32,
    age_days: Option<u32>,
    weight: Option<u32>,
    dept: &'c str,
    dx: &'c [CodeId],
    case: &'c Case,
}

/// Codes the version does not know get ids of their own, by position in the case, so that the
/// explanation can still name them and no two unknown codes compare equal.
const LOCAL_DX: u32 = 0x8000_0000;
const LOCAL_PROC: u32 = 0xC000_0000;
const LOCAL_INDEX: u32 = 0x3FFF_FFFF;

enum Hit {
    None,
    Split(usize),
    Adrg(usize),
    Qy(usize),
}

impl Version {
    /// Group one case.
    pub fn group(&self, case: &Case) -> Grouping<'_> {
        self.group_with(case, &mut Scratch::default())
    }

    /// Group one case, reusing `scratch` (no allocation once the buffers have grown).
    pub fn group_with(&self, case: &Case, scratch: &mut Scratch) -> Grouping<'_> {
        self.run(case, scratch, &mut Silent)
    }

    /// Group one case and explain the result.
    pub fn explain(&self, case: &Case) -> Explained<'_> {
        let mut trace = Vec::new();
        let grouping = self.run(case, &mut Scratch::default(), &mut trace);
        Explained { grouping, trace }
    }

    /// The input checks of `order.md` §2; the first failure ends the case.
    pub fn input_check(&self, case: &Case) -> Option<FieldError> {
        use super::case::Gender;
        match &case.gender {
            Gender::Missing => return Some(FieldError::new("gender", "性别为空")),
            Gender::Other(g) => {
                return Some(FieldError::new(
                    "gender",
                    format!("性别「{g}」不是 1（男）或 2（女）"),
                ));
            }
            Gender::Male | Gender::Female => {}
        }
        let Some(age) = case.age_years else {
            return Some(FieldError::new("age", "年龄（岁）为空"));
        };
        if self.switches.newborn_weight_required_check && age == 0 {
            match case.age_days {
                None => return Some(FieldError::new("ageDay", "年龄为 0 岁时须填年龄（天）")),
                Some(d) if d <= 28 && case.birth_weight.is_none() => {
                    return Some(FieldError::new(
                        "weight",
                        format!("新生儿（{d} 天）须填出生体重"),
                    ));
                }
                _ => {}
            }
        }
        if case.diagnoses.first().is_none_or(|d| d.is_empty()) {
            return Some(FieldError::new("ICD10_DRGS", "没有主要诊断"));
        }
        None
    }

    fn run<T: Tracer>(&self, case: &Case, scratch: &mut Scratch, t: &mut T) -> Grouping<'_> {
        if let Some(problem) = self.input_check(case) {
            t.step(|| Step::InputCheck {
                field: problem.field.clone(),
                message: problem.message.clone(),
            });
            return Grouping {
                status: Status::CheckFailed,
                mdc: "0000",
                adrg: "00",
                drg: "0000",
                check: Some(problem),
            };
        }
        scratch.dx.clear();
        scratch.dx.extend(
            case.diagnoses
                .iter()
                .enumerate()
                .map(|(i, c)| self.local_id(c, LOCAL_DX, i)),
        );
        scratch.procs.clear();
        scratch.procs.extend(
            case.procedures
                .iter()
                .enumerate()
                .map(|(i, c)| self.local_id(c, LOCAL_PROC, i)),
        );
        let zero = self.switches.empty_age_days_and_weight_zero;
        let c = Prepared {
            gender: case.gender.code(),
            age: case.age_years.unwrap_or(0),
            age_days: case.age_days.or(if zero { Some(0) } else { None }),
            weight: case.birth_weight.or(if zero { Some(0) } else { None }),
            dept: &case.dept,
            dx: &scratch.dx,
            case,
        };
        let procs = &scratch.procs[..];
        let mut hit = self.pass(&c, procs, t);
        if matches!(hit, Hit::None) && self.switches.retry_each_other_procedure && procs.len() > 1 {
            for i in 1..procs.len() {
                t.step(|| Step::Retry {
                    procedure: self.code_text(&c, procs[i]).to_string(),
                });
                hit = self.pass(&c, &procs[i..=i], t);
                if !matches!(hit, Hit::None) {
                    break;
                }
            }
        }
        match hit {
            Hit::None => {
                t.step(|| Step::Ungroupable);
                Grouping::fail()
            }
            Hit::Split(si) => {
                let s = &self.splits[si];
                Grouping {
                    status: Status::Success,
                    mdc: &s.mdc,
                    adrg: &s.adrg,
                    drg: &s.drg,
                    check: None,
                }
            }
            Hit::Adrg(ai) => {
                let a = &self.adrgs[ai];
                Grouping {
                    status: Status::Success,
                    mdc: &a.mdc_code,
                    adrg: &a.code,
                    drg: &a.code,
                    check: None,
                }
            }
            Hit::Qy(mi) => {
                let m = &self.mdcs[mi];
                Grouping {
                    status: Status::Qy,
                    mdc: &m.code,
                    adrg: "QY",
                    drg: &m.qy_drg,
                    check: None,
                }
            }
        }
    }

    fn pass<T: Tracer>(&self, c: &Prepared, procs: &[CodeId], t: &mut T) -> Hit {
        for (mi, m) in self.mdcs.iter().enumerate() {
            if !self.enters(mi, c, procs, t) {
                continue;
            }
            if m.qy_active
                && m.qy_after.is_none()
                && let Some(h) = self.qy(mi, procs, t)
            {
                return h;
            }
            for &ai in &m.adrgs {
                if self.adrg_holds(ai, c, procs, t) {
                    let a = &self.adrgs[ai];
                    let mut complications_shown = false;
                    for &si in &a.splits {
                        let holds = self.split_holds(si, c, procs, t, &mut complications_shown);
                        if T::ON {
                            let s = &self.splits[si];
                            t.step(|| Step::Split {
                                drg: s.drg.to_string(),
                                kind: s.kind.as_str(),
                                param: self.split_param(&s.kind),
                                holds,
                            });
                        }
                        if holds {
                            return Hit::Split(si);
                        }
                    }
                    match self.switches.no_split {
                        NoSplit::ReturnAdrgCode => {
                            t.step(|| Step::AdrgWithoutSplit {
                                adrg: a.code.to_string(),
                                next: "以 ADRG 代码为结果",
                            });
                            return Hit::Adrg(ai);
                        }
                        NoSplit::NextAdrg => t.step(|| Step::AdrgWithoutSplit {
                            adrg: a.code.to_string(),
                            next: "继续本 MDC 的下一个 ADRG",
                        }),
                    }
                }
                if m.qy_active
                    && m.qy_after == Some(ai)
                    && let Some(h) = self.qy(mi, procs, t)
                {
                    return h;
                }
            }
            t.step(|| Step::MdcFallThrough {
                mdc: m.code.to_string(),
            });
        }
        Hit::None
    }

    fn qy<T: Tracer>(&self, mi: usize, procs: &[CodeId], t: &mut T) -> Option<Hit> {
        let p = procs.iter().find(|&&p| self.info(p).is_or)?;
        t.step(|| Step::Qy {
            mdc: self.mdcs[mi].code.to_string(),
            procedure: self.text(*p).to_string(),
        });
        Some(Hit::Qy(mi))
    }

    fn split_param(&self, k: &SplitKind) -> String {
        match k {
            SplitKind::AgeLt(n) => n.to_string(),
            SplitKind::DeptEq(d) => d.to_string(),
            SplitKind::ProcsAllPresent(codes) => codes
                .iter()
                .map(|c| self.text(*c))
                .collect::<Vec<_>>()
                .join("|"),
            _ => String::new(),
        }
    }

    fn local_id(&self, code: &str, local: u32, i: usize) -> CodeId {
        match self.ids.get(code) {
            Some(&id) => id,
            None => local | (i as u32 & LOCAL_INDEX),
        }
    }

    /// The text of a case's code, known to the version or not.
    fn code_text<'a>(&'a self, c: &'a Prepared, id: CodeId) -> &'a str {
        if id & LOCAL_DX == 0 {
            return self.text(id);
        }
        let list = if id & LOCAL_PROC == LOCAL_PROC {
            &c.case.procedures
        } else {
            &c.case.diagnoses
        };
        list.get((id & LOCAL_INDEX) as usize)
            .map(|s| s.as_str())
            .unwrap_or("")
    }

    fn matched(&self, c: &Prepared, role: &'static str, id: CodeId, list: String) -> CodeMatch {
        CodeMatch {
            role,
            code: self.code_text(c, id).to_string(),
            list,
            category: None,
        }
    }

    fn enters<T: Tracer>(&self, mi: usize, c: &Prepared, procs: &[CodeId], t: &mut T) -> bool {
        let m = &self.mdcs[mi];
        if let Some(g) = m.gender
            && c.gender != g
        {
            return false;
        }
        if let Some(a) = m.age_years_eq
            && c.age != a
        {
            return false;
        }
        let bit = 1u32 << mi;
        let main = c.dx.first().copied().unwrap_or(super::version::UNKNOWN);
        let ok = match m.entry {
            EntryRule::MainProcOr => procs.first().is_some_and(|&p| {
                let i = self.info(p);
                i.is_or || i.extra_main_mask & bit != 0
            }),
            EntryRule::MainDx => self.info(main).mdc_mask & bit != 0,
            EntryRule::AnyDx => c.dx.iter().any(|&d| self.info(d).mdc_mask & bit != 0),
            EntryRule::MainDxMultiTrauma => {
                self.info(main).mdc_mask & bit != 0
                    && self.trauma_regions(mi, c.dx).count_ones() >= m.min_trauma_regions
            }
        };
        if ok && T::ON {
            t.step(|| {
                let list = format!("{}/诊断表", m.code);
                let mut matches = Vec::new();
                let mut regions = Vec::new();
                match m.entry {
                    EntryRule::MainProcOr => {
                        if let Some(&p) = procs.first() {
                            let l = if self.info(p).is_or {
                                "or_procedures".to_string()
                            } else {
                                format!("{}/extra_main_proc", m.code)
                            };
                            matches.push(self.matched(c, "主要手术", p, l));
                        }
                    }
                    EntryRule::MainDx => matches.push(self.matched(c, "主要诊断", main, list)),
                    EntryRule::AnyDx => {
                        for &d in c.dx.iter().filter(|&&d| self.info(d).mdc_mask & bit != 0) {
                            matches.push(self.matched(c, "诊断", d, list.clone()));
                        }
                    }
                    EntryRule::MainDxMultiTrauma => {
                        for &d in c.dx.iter().filter(|&&d| self.info(d).mdc_mask & bit != 0) {
                            let role = if d == main { "主要诊断" } else { "诊断" };
                            let mut cm = self.matched(c, role, d, list.clone());
                            if let Some(&r) = self.regions.get(&(mi as u32, d)) {
                                cm.category =
                                    self.region_names.get(r as usize).map(|s| s.to_string());
                            }
                            matches.push(cm);
                        }
                        let mask = self.trauma_regions(mi, c.dx);
                        for (i, n) in self.region_names.iter().enumerate() {
                            if mask & (1 << i) != 0 {
                                regions.push(n.to_string());
                            }
                        }
                    }
                }
                Step::MdcEntered {
                    mdc: m.code.to_string(),
                    rule: m.entry.as_str(),
                    matches,
                    regions,
                }
            });
        }
        ok
    }

    /// Distinct body regions (bit mask) of the case's diagnoses on MDC `mi`'s list.
    fn trauma_regions(&self, mi: usize, dx: &[CodeId]) -> u64 {
        let bit = 1u32 << mi;
        let mut mask = 0u64;
        for &d in dx {
            if self.info(d).mdc_mask & bit != 0
                && let Some(&r) = self.regions.get(&(mi as u32, d))
            {
                mask |= 1 << r;
            }
        }
        mask
    }

    #[inline]
    fn list_id(ai: usize, slot: u32) -> u32 {
        ai as u32 * 3 + slot
    }

    fn in_l(&self, id: CodeId, ai: usize, slot: u32) -> bool {
        self.in_list(id, Self::list_id(ai, slot)).is_some()
    }

    fn adrg_holds<T: Tracer>(&self, ai: usize, c: &Prepared, procs: &[CodeId], t: &mut T) -> bool {
        let a = &self.adrgs[ai];
        // Day age and birth weight conditions come on top of the rule kind.
        if let Some(max) = a.age_days_max
            && c.age_days.is_none_or(|d| d > max)
        {
            return false;
        }
        if let Some(min) = a.weight_min
            && !c.weight.is_some_and(|w| w != 0 && w >= min)
        {
            return false;
        }
        if let Some(max) = a.weight_max
            && !c.weight.is_some_and(|w| w != 0 && w < max)
        {
            return false;
        }
        let main = c.dx.first().copied().unwrap_or(super::version::UNKNOWN);
        let first = procs.first().copied();
        let main_dx = || self.in_l(main, ai, ZD);
        let main_proc = || first.is_some_and(|p| self.in_l(p, ai, SS));
        let main_or = || first.is_some_and(|p| self.info(p).is_or);
        let any_dx = || c.dx.iter().any(|&d| self.in_l(d, ai, ZD));
        let pair = || {
            procs.iter().any(|&p| self.in_l(p, ai, SS))
                && procs.iter().any(|&p| self.in_l(p, ai, SS1))
        };
        let ok = match a.kind {
            RuleKind::MainDx => main_dx(),
            RuleKind::MainDxNoMainOrProc => main_dx() && !main_or(),
            RuleKind::MainProc => main_proc(),
            RuleKind::MainDxAndMainProc => main_dx() && main_proc(),
            RuleKind::NotMainDxAndMainProc => !main_dx() && main_proc(),
            RuleKind::AnyProcPair => pair(),
            RuleKind::MainDxAndAnyProcPair => main_dx() && pair(),
            RuleKind::MainDxAndProcCategories => {
                main_dx() && {
                    let present = self.categories_present(ai, procs);
                    a.categories.iter().any(|&term| term & !present == 0)
                }
            }
            RuleKind::AnyDx => any_dx(),
            RuleKind::MainProcOr => main_or(),
            RuleKind::AnyDxAndMainProcOr => any_dx() && main_or(),
            RuleKind::NoOrProc => !procs.iter().any(|&p| self.info(p).is_or),
            RuleKind::Always => true,
        };
        if ok && T::ON {
            t.step(|| self.adrg_step(ai, c, procs));
        }
        ok
    }

    /// Bit mask of the categories of the case's procedures on the ADRG's `adrg_ss` list.
    fn categories_present(&self, ai: usize, procs: &[CodeId]) -> u64 {
        let mut present = 0u64;
        for &p in procs {
            if let Some(cat) = self.in_list(p, Self::list_id(ai, SS))
                && cat != NO_CATEGORY
            {
                present |= 1 << cat;
            }
        }
        present
    }

    /// The explanation of a matched ADRG: which code matched which list.
    fn adrg_step(&self, ai: usize, c: &Prepared, procs: &[CodeId]) -> Step {
        let a = &self.adrgs[ai];
        let lname = |slot: u32| format!("{}/{}", a.code, LIST_NAMES[slot as usize]);
        let main = c.dx.first().copied().unwrap_or(super::version::UNKNOWN);
        let mut m = Vec::new();
        let uses = |kinds: &[RuleKind]| kinds.contains(&a.kind);
        use RuleKind as K;
        if uses(&[
            K::MainDx,
            K::MainDxNoMainOrProc,
            K::MainDxAndMainProc,
            K::MainDxAndAnyProcPair,
            K::MainDxAndProcCategories,
        ]) {
            m.push(self.matched(c, "主要诊断", main, lname(ZD)));
        }
        if a.kind == K::NotMainDxAndMainProc {
            m.push(self.matched(c, "主要诊断", main, format!("不在 {}", lname(ZD))));
        }
        if uses(&[K::AnyDx, K::AnyDxAndMainProcOr]) {
            for &d in c.dx.iter().filter(|&&d| self.in_l(d, ai, ZD)) {
                m.push(self.matched(c, "诊断", d, lname(ZD)));
            }
        }
        if uses(&[K::MainProc, K::MainDxAndMainProc, K::NotMainDxAndMainProc])
            && let Some(&p) = procs.first()
        {
            m.push(self.matched(c, "主要手术", p, lname(SS)));
        }
        if uses(&[K::MainProcOr, K::AnyDxAndMainProcOr])
            && let Some(&p) = procs.first()
        {
            m.push(self.matched(c, "主要手术", p, "or_procedures".to_string()));
        }
        if a.kind == K::MainDxNoMainOrProc
            && let Some(&p) = procs.first()
        {
            m.push(self.matched(c, "主要手术", p, "不在 or_procedures".to_string()));
        }
        if uses(&[K::AnyProcPair, K::MainDxAndAnyProcPair]) {
            for slot in [SS, SS1] {
                if let Some(&p) = procs.iter().find(|&&p| self.in_l(p, ai, slot)) {
                    m.push(self.matched(c, "手术", p, lname(slot)));
                }
            }
        }
        if a.kind == K::MainDxAndProcCategories {
            for &p in procs {
                if let Some(cat) = self.in_list(p, Self::list_id(ai, SS)) {
                    let mut cm = self.matched(c, "手术", p, lname(SS));
                    cm.category = self.category_names.get(cat as usize).map(|s| s.to_string());
                    m.push(cm);
                }
            }
        }
        if a.kind == K::NoOrProc {
            for &p in procs {
                m.push(self.matched(c, "手术", p, "不在 or_procedures".to_string()));
            }
        }
        let mut conditions = Vec::new();
        if let Some(max) = a.age_days_max {
            conditions.push(format!(
                "年龄（天）{} ≤ {max}",
                c.age_days.map(|d| d.to_string()).unwrap_or_default()
            ));
        }
        let w = c.weight.map(|d| d.to_string()).unwrap_or_default();
        if let Some(min) = a.weight_min {
            conditions.push(format!("出生体重 {w} 克 ≥ {min}"));
        }
        if let Some(max) = a.weight_max {
            conditions.push(format!("出生体重 {w} 克 < {max}"));
        }
        Step::AdrgMatched {
            adrg: a.code.to_string(),
            name: a.name.to_string(),
            rule: a.kind.as_str(),
            matches: m,
            conditions,
        }
    }

    /// HAS_MCC / HAS_CC of FORMAT.md §7.
    #[inline]
    fn has_complication(&self, dx: &[CodeId], mcc: bool) -> bool {
        let Some((&main, rest)) = dx.split_first() else {
            return false;
        };
        let excl = self.info(main).cce;
        rest.iter().any(|&x| {
            let i = self.info(x);
            let table = if mcc { i.mcc } else { i.cc };
            table != NO_TABLE && !(excl != NO_TABLE && excl == table)
        })
    }

    fn split_holds<T: Tracer>(
        &self,
        si: usize,
        c: &Prepared,
        procs: &[CodeId],
        t: &mut T,
        complications_shown: &mut bool,
    ) -> bool {
        let s = &self.splits[si];
        let needs_cc = matches!(s.kind, SplitKind::Mcc | SplitKind::CcOrMcc);
        if T::ON && needs_cc && !*complications_shown {
            *complications_shown = true;
            t.step(|| self.complications_step(c));
        }
        match &s.kind {
            SplitKind::None => true,
            SplitKind::Mcc => c.dx.len() > 1 && self.has_complication(c.dx, true),
            SplitKind::CcOrMcc => {
                c.dx.len() > 1
                    && (self.has_complication(c.dx, true) || self.has_complication(c.dx, false))
            }
            SplitKind::AgeLt(n) => c.age < *n,
            SplitKind::DeptEq(d) => c.dept == &**d,
            SplitKind::ProcsAllPresent(codes) => {
                !procs.is_empty() && codes.iter().all(|x| procs.contains(x))
            }
        }
    }

    fn complications_step(&self, c: &Prepared) -> Step {
        let dx = c.dx;
        let main = dx.first().copied().unwrap_or(super::version::UNKNOWN);
        let excl = self.info(main).cce;
        let tname = |t: u32| {
            (t != NO_TABLE).then(|| {
                self.table_names
                    .get(t as usize)
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            })
        };
        let items = dx
            .iter()
            .skip(1)
            .map(|&x| {
                let i = self.info(x);
                // MCC is looked at first, as in the split order of cc_or_mcc.
                let (level, table) = if i.mcc != NO_TABLE {
                    (Some("MCC"), i.mcc)
                } else if i.cc != NO_TABLE {
                    (Some("CC"), i.cc)
                } else {
                    (None, NO_TABLE)
                };
                Complication {
                    code: self.code_text(c, x).to_string(),
                    level,
                    table: tname(table),
                    excluded: table != NO_TABLE && excl != NO_TABLE && excl == table,
                }
            })
            .collect();
        Step::Complications {
            principal: self.code_text(c, main).to_string(),
            principal_table: tname(excl),
            items,
        }
    }
}
