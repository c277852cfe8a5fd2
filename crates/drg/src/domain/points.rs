//! Points and payment (点数付费, 浙江): a policy year's parameters as data and the pricing of
//! one case — classification, points, readmission halving, 特病单议 flags, the payment estimate.
//!
//! Every number is a scaled integer, never `f64`: points, coefficients and multiples carry four
//! decimals (万分之一), the point value is in 万分之一 分 per point, RW in 百万分之一.
//! Results round half away from zero once, at the end of each formula.

use std::collections::BTreeMap;

use yiqiao_core::Fen;

const SCALE: i128 = 10_000;

/// Points (点数), in 万分之一 of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(i64);

/// A coefficient or multiple (系数、倍率), in 万分之一: 1.0235 is `Coefficient(10235)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Coefficient(i64);

/// Point value (点值): 分 per point with four decimals (parsed from 分, e.g. "8050" for
/// 80.50 元), kept in 万分之一 分.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PointValue(i64);

/// Relative weight (RW = 基准点数 ÷ 100) or a mean of weights (CMI), in 百万分之一.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Weight(i64);

/// Parses a non-negative decimal with at most four decimals ("1.0235", "85", "0.4").
fn parse_scaled4(input: &str) -> Option<i64> {
    let s = input.trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty() || frac.len() > 4 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let mut f: i64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        f += i64::from(b - b'0') * 10_i64.pow(3 - i as u32);
    }
    w.checked_mul(10_000)?.checked_add(f)
}

fn fmt_scaled(v: i64, decimals: u32, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    let scale = 10_i64.pow(decimals);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let s = scale.unsigned_abs();
    write!(
        f,
        "{sign}{}.{:0width$}",
        a / s,
        a % s,
        width = decimals as usize
    )
}

/// `n ÷ d` rounded half away from zero; `d` > 0.
fn div_round(n: i128, d: i128) -> i128 {
    if n >= 0 {
        (n + d / 2) / d
    } else {
        -((-n + d / 2) / d)
    }
}

/// Saturates an i128 result into i64 (only reachable with absurd inputs).
fn clamp64(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

macro_rules! scaled4 {
    ($t:ident, $what:literal) => {
        impl $t {
            /// From the raw scaled integer (万分之一).
            pub const fn from_raw(raw: i64) -> $t {
                $t(raw)
            }
            /// The raw scaled integer (万分之一).
            pub const fn raw(self) -> i64 {
                self.0
            }
            /// Parses a decimal such as "1.0235" (non-negative, at most four decimals).
            pub fn parse(input: &str) -> Result<$t, PolicyError> {
                parse_scaled4(input)
                    .map($t)
                    .ok_or_else(|| PolicyError::BadNumber {
                        what: $what,
                        input: input.to_string(),
                    })
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                fmt_scaled(self.0, 4, f)
            }
        }
    };
}
scaled4!(Points, "点数");
scaled4!(Coefficient, "系数");
scaled4!(PointValue, "点值");

impl Coefficient {
    /// 1 (no adjustment).
    pub const ONE: Coefficient = Coefficient(10_000);
}

impl Points {
    pub const ZERO: Points = Points(0);

    /// Relative weight RW = 基准点数 ÷ 100 (exact: 万分之一 points are 百万分之一 RW).
    pub fn weight(self) -> Weight {
        Weight(self.0)
    }

    /// Half the points (readmission, 15 天内再入院), rounded half up.
    pub fn halved(self) -> Points {
        Points(clamp64(div_round(i128::from(self.0), 2)))
    }
}

impl std::fmt::Display for Weight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_scaled(self.0, 6, f)
    }
}

impl Weight {
    /// From the raw scaled integer (百万分之一).
    pub const fn from_raw(raw: i64) -> Weight {
        Weight(raw)
    }
    /// The raw scaled integer (百万分之一).
    pub const fn raw(self) -> i64 {
        self.0
    }
}

/// Case-mix index (CMI): the mean RW of the cases' benchmark points; `None` without cases.
pub fn cmi(benchmarks: &[Points]) -> Option<Weight> {
    if benchmarks.is_empty() {
        return None;
    }
    let sum: i128 = benchmarks.iter().map(|p| i128::from(p.0)).sum();
    Some(Weight(clamp64(div_round(sum, benchmarks.len() as i128))))
}

/// A policy year's parameters that cannot hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{what}「{input}」不是有效的数值（非负，最多四位小数）")]
    BadNumber { what: &'static str, input: String },
    #[error("DRG {drg} 的住院均次费用必须大于 0")]
    AverageCostNotPositive { drg: String },
    #[error("DRG {drg} 的基准点数必须大于 0")]
    BenchmarkNotPositive { drg: String },
    #[error("高倍率分段必须按基准点数上限递增，且最后一段不设上限")]
    HighBands,
    #[error("倍率必须满足：0 < 低倍率 < 1 < 高倍率")]
    Multiples,
    #[error("点值测算的总点数必须大于 0")]
    TotalPointsNotPositive,
    #[error("差异系数必须大于 0")]
    CoefficientNotPositive,
    #[error(
        "高倍率分段「{0}」格式有误，应为「100=3;200=2.5;*=2」（基准点数上限=倍率，* 为不设上限）"
    )]
    BadBands(String),
    #[error("病组点数表第 {line} 行有误：{message}")]
    BadRate { line: usize, message: String },
    #[error("病组点数表中 DRG {0} 重复")]
    DuplicateDrg(String),
    #[error("请填写点值，或同时填写年度基金预算与总点数")]
    PointValueMissing,
}

impl yiqiao_core::Refusal for PolicyError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        yiqiao_core::ErrorKind::Unprocessable
    }
    fn code(&self) -> &'static str {
        "DRG_POLICY_INVALID"
    }
}

/// Which 差异系数 applies to a DRG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoefficientRule {
    /// The hospital's coefficient (医院差异系数).
    Hospital,
    /// A coefficient published for this DRG.
    Own(Coefficient),
    /// Paid without a coefficient (不设差异系数的病组): 1.
    None,
}

/// One DRG's rate in the year (病组).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrgRate {
    /// 基准点数.
    pub benchmark: Points,
    /// 住院均次费用 of the DRG over the base period.
    pub average_cost: Fen,
    pub coefficient: CoefficientRule,
    /// 床日点数 for a per-diem (床日付费) DRG.
    pub daily_points: Option<Points>,
}

/// A high-cost threshold band (高倍率分段): DRGs whose benchmark is at most `up_to`
/// (no bound for the last band) use `multiple`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HighBand {
    pub up_to: Option<Points>,
    pub multiple: Coefficient,
}

/// Where the point value comes from (点值).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointValueSource {
    /// An estimated point value entered by the office (预估点值).
    Entered(PointValue),
    /// 年度基金预算 ÷ 全部机构总点数.
    Budget { budget: Fen, total_points: Points },
}

/// The year's parameters as entered by the medical-insurance office, before they are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyTerms {
    pub year: i32,
    /// 医院差异系数.
    pub hospital_coefficient: Coefficient,
    pub high_bands: Vec<HighBand>,
    /// The high-cost formula's 追加系数: points added per multiple of average cost above the threshold.
    pub high_addition: Coefficient,
    /// 低倍率.
    pub low_multiple: Coefficient,
    /// The low-cost formula's coefficient.
    pub low_coefficient: Coefficient,
    /// Cost at or above this multiple of the DRG's average goes to 特病单议.
    pub extreme_multiple: Coefficient,
    /// Groups with fewer cases than this go to 特病单议 (浙江: 5).
    pub min_group_cases: u32,
    /// Readmission window in days (浙江: 15).
    pub readmission_days: u32,
    pub point_value: PointValueSource,
}

/// Reads high-cost bands written as `100=3;200=2.5;*=2` (基准点数上限=倍率; `*` no bound).
pub fn parse_bands(input: &str) -> Result<Vec<HighBand>, PolicyError> {
    let bad = || PolicyError::BadBands(input.to_string());
    input
        .split([';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (bound, multiple) = part.split_once('=').ok_or_else(bad)?;
            let up_to = match bound.trim() {
                "*" => None,
                b => Some(Points::parse(b).map_err(|_| bad())?),
            };
            let multiple = Coefficient::parse(multiple).map_err(|_| bad())?;
            Ok(HighBand { up_to, multiple })
        })
        .collect()
}

/// The bands in the form [`parse_bands`] reads.
pub fn bands_text(bands: &[HighBand]) -> String {
    bands
        .iter()
        .map(|b| match b.up_to {
            Some(u) => format!("{u}={}", b.multiple),
            None => format!("*={}", b.multiple),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads the DRG rate table (病组点数表), one DRG a line, separated by spaces, tabs or commas:
/// `DRG 基准点数 均次费用(元) [差异系数] [床日点数]`. The coefficient column is `医院` (or absent)
/// for the hospital's coefficient, `无` for DRGs paid without one, or a number; the per-diem
/// column is given only for 床日付费 DRGs. Lines starting with `#` are comments.
pub fn parse_rates(input: &str) -> Result<Vec<(String, DrgRate)>, PolicyError> {
    let mut out: Vec<(String, DrgRate)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, raw) in input.lines().enumerate() {
        let line = i + 1;
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let bad = |message: &str| PolicyError::BadRate {
            line,
            message: message.to_string(),
        };
        let cols: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
            .filter(|c| !c.is_empty())
            .collect();
        if !(3..=5).contains(&cols.len()) {
            return Err(bad("应为「DRG 基准点数 均次费用 [差异系数] [床日点数]」"));
        }
        let code = cols[0].to_string();
        let benchmark = Points::parse(cols[1]).map_err(|_| bad("基准点数不是有效数值"))?;
        let average_cost =
            Fen::parse_yuan(cols[2]).map_err(|_| bad("均次费用不是有效金额（元）"))?;
        let coefficient = match cols.get(3).copied() {
            None | Some("医院") => CoefficientRule::Hospital,
            Some("无") => CoefficientRule::None,
            Some(c) => CoefficientRule::Own(
                Coefficient::parse(c).map_err(|_| bad("差异系数不是有效数值"))?,
            ),
        };
        let daily_points = match cols.get(4) {
            None => None,
            Some(d) => Some(Points::parse(d).map_err(|_| bad("床日点数不是有效数值"))?),
        };
        if !seen.insert(code.clone()) {
            return Err(PolicyError::DuplicateDrg(code));
        }
        out.push((
            code,
            DrgRate {
                benchmark,
                average_cost,
                coefficient,
                daily_points,
            },
        ));
    }
    Ok(out)
}

/// A checked policy year (年度付费政策).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyYear {
    terms: PolicyTerms,
    drgs: BTreeMap<String, DrgRate>,
}

impl PolicyYear {
    pub fn new(
        terms: PolicyTerms,
        drgs: impl IntoIterator<Item = (String, DrgRate)>,
    ) -> Result<PolicyYear, PolicyError> {
        let one = Coefficient::ONE;
        if terms.low_multiple.0 <= 0
            || terms.low_multiple >= one
            || terms.high_bands.iter().any(|b| b.multiple <= one)
            || terms.extreme_multiple <= one
        {
            return Err(PolicyError::Multiples);
        }
        let bands = &terms.high_bands;
        let ordered = bands.windows(2).all(|w| match (w[0].up_to, w[1].up_to) {
            (Some(a), Some(b)) => a < b,
            (Some(_), None) => true,
            (None, _) => false,
        });
        if bands.is_empty() || !ordered || bands.last().and_then(|b| b.up_to).is_some() {
            return Err(PolicyError::HighBands);
        }
        if terms.hospital_coefficient.0 <= 0 {
            return Err(PolicyError::CoefficientNotPositive);
        }
        if let PointValueSource::Budget { total_points, .. } = terms.point_value
            && total_points.0 <= 0
        {
            return Err(PolicyError::TotalPointsNotPositive);
        }
        let drgs: BTreeMap<String, DrgRate> = drgs.into_iter().collect();
        for (code, rate) in &drgs {
            if rate.average_cost.0 <= 0 {
                return Err(PolicyError::AverageCostNotPositive { drg: code.clone() });
            }
            if rate.benchmark.0 <= 0 {
                return Err(PolicyError::BenchmarkNotPositive { drg: code.clone() });
            }
            if let CoefficientRule::Own(c) = rate.coefficient
                && c.0 <= 0
            {
                return Err(PolicyError::CoefficientNotPositive);
            }
        }
        Ok(PolicyYear { terms, drgs })
    }

    pub fn terms(&self) -> &PolicyTerms {
        &self.terms
    }

    pub fn drg(&self, code: &str) -> Option<&DrgRate> {
        self.drgs.get(code)
    }

    pub fn drgs(&self) -> impl Iterator<Item = (&str, &DrgRate)> {
        self.drgs.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The rate table in the form [`parse_rates`] reads back.
    pub fn rates_text(&self) -> String {
        let mut out = String::new();
        for (code, r) in &self.drgs {
            let coef = match r.coefficient {
                CoefficientRule::Hospital => "医院".to_string(),
                CoefficientRule::None => "无".to_string(),
                CoefficientRule::Own(c) => c.to_string(),
            };
            out.push_str(&format!(
                "{code}\t{}\t{}\t{coef}",
                r.benchmark, r.average_cost
            ));
            if let Some(d) = r.daily_points {
                out.push_str(&format!("\t{d}"));
            }
            out.push('\n');
        }
        out
    }

    /// The point value in force: entered, or budget ÷ total points.
    pub fn point_value(&self) -> PointValue {
        match self.terms.point_value {
            PointValueSource::Entered(v) => v,
            PointValueSource::Budget {
                budget,
                total_points,
            } => PointValue(clamp64(div_round(
                i128::from(budget.0) * SCALE * SCALE,
                i128::from(total_points.0).max(1),
            ))),
        }
    }

    fn coefficient(&self, rate: &DrgRate) -> Coefficient {
        match rate.coefficient {
            CoefficientRule::Hospital => self.terms.hospital_coefficient,
            CoefficientRule::Own(c) => c,
            CoefficientRule::None => Coefficient::ONE,
        }
    }

    fn high_multiple(&self, benchmark: Points) -> Coefficient {
        self.terms
            .high_bands
            .iter()
            .find(|b| b.up_to.is_none_or(|u| benchmark <= u))
            .map_or(Coefficient::ONE, |b| b.multiple)
    }

    /// Classifies and prices one case.
    pub fn assess(&self, case: &CaseForPoints<'_>) -> Assessment {
        let mut review = Vec::new();
        let Some(rate) = case.drg.and_then(|d| self.drgs.get(d)) else {
            return Assessment {
                category: Category::Ungroupable,
                points: None,
                review: vec![ReviewReason::Ungroupable],
            };
        };
        if case
            .group_cases
            .is_some_and(|n| n < self.terms.min_group_cases)
        {
            review.push(ReviewReason::SmallGroup);
        }
        let cost = i128::from(case.cost.0.max(0));
        let avg = i128::from(rate.average_cost.0);
        let bm = i128::from(rate.benchmark.0);
        let coef = i128::from(self.coefficient(rate).0);
        // cost ≥ multiple × average, compared exactly: cost × 10⁴ ≥ multiple_raw × average.
        let at_least = |m: Coefficient| cost * SCALE >= i128::from(m.0) * avg;
        if at_least(self.terms.extreme_multiple) {
            review.push(ReviewReason::ExtremeCost);
        }
        let base = div_round(bm * coef, SCALE);
        let (category, points) = if let Some(daily) = rate.daily_points {
            (
                Category::PerDiem,
                i128::from(daily.0) * i128::from(case.days),
            )
        } else if case.incomplete {
            (
                Category::Incomplete,
                div_round(bm * coef * cost, SCALE * avg).min(bm),
            )
        } else if at_least(self.high_multiple(rate.benchmark)) {
            let hm = i128::from(self.high_multiple(rate.benchmark).0);
            let add = i128::from(self.terms.high_addition.0);
            // base + (cost ÷ avg − multiple) × benchmark × 追加系数
            let extra = div_round((cost * SCALE - hm * avg) * bm * add, avg * SCALE * SCALE);
            (Category::HighCost, base + extra)
        } else if cost * SCALE <= i128::from(self.terms.low_multiple.0) * avg {
            let low = i128::from(self.terms.low_coefficient.0);
            (
                Category::LowCost,
                div_round(bm * coef * cost * low, SCALE * SCALE * avg),
            )
        } else {
            (Category::Complete, base)
        };
        Assessment {
            category,
            points: Some(Points(clamp64(points.max(0)))),
            review,
        }
    }

    /// Whether the earlier stay's points are halved for a readmission (15 天内同病组再入院).
    pub fn readmission_halves(&self, r: &Readmission<'_>) -> bool {
        let gap = (r.later_admitted - r.earlier_discharged).num_days();
        r.earlier_drg == r.later_drg
            && (0..=i64::from(self.terms.readmission_days)).contains(&gap)
            && !r.tumour_therapy
            && !r.justified
    }

    /// Payment estimate: points × point value, against the case's actual cost.
    pub fn estimate(&self, points: Points, cost: Fen) -> Estimate {
        let pv = self.point_value();
        let payment = Fen(clamp64(div_round(
            i128::from(points.0) * i128::from(pv.0),
            SCALE * SCALE,
        )));
        Estimate {
            point_value: pv,
            payment,
            balance: Fen(payment.0.saturating_sub(cost.0)),
        }
    }
}

/// What pricing needs of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseForPoints<'a> {
    /// The DRG grouped into; `None` when ungroupable.
    pub drg: Option<&'a str>,
    /// 住院总费用.
    pub cost: Fen,
    /// 住院天数.
    pub days: u32,
    /// 未完成住院 (transferred, left against advice, died early …), as judged by the office.
    pub incomplete: bool,
    /// Cases in the DRG over the period, when known (for the 5-case rule).
    pub group_cases: Option<u32>,
}

/// The case's pricing category (病例类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// 正常病例.
    Complete,
    /// 高倍率病例.
    HighCost,
    /// 低倍率病例.
    LowCost,
    /// 未完成住院病例.
    Incomplete,
    /// 床日付费病例.
    PerDiem,
    /// 无法入组.
    Ungroupable,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Complete => "正常病例",
            Category::HighCost => "高倍率病例",
            Category::LowCost => "低倍率病例",
            Category::Incomplete => "未完成住院病例",
            Category::PerDiem => "床日付费病例",
            Category::Ungroupable => "无法入组",
        }
    }
}

/// Why a case goes to expert review (特病单议) rather than automatic pricing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewReason {
    Ungroupable,
    /// 病组例数不足.
    SmallGroup,
    /// 费用极端.
    ExtremeCost,
}

impl ReviewReason {
    pub fn label(self) -> &'static str {
        match self {
            ReviewReason::Ungroupable => "无法入组",
            ReviewReason::SmallGroup => "病组例数不足",
            ReviewReason::ExtremeCost => "费用极端",
        }
    }
}

/// A case's category and points; flagged cases are 特病单议, not auto-priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub category: Category,
    /// The formula's points (provisional when flagged); `None` when ungroupable.
    pub points: Option<Points>,
    pub review: Vec<ReviewReason>,
}

impl Assessment {
    /// Priced automatically (no 特病单议 flag).
    pub fn auto_priced(&self) -> bool {
        self.review.is_empty() && self.points.is_some()
    }
}

/// An earlier stay and a later one of the same patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readmission<'a> {
    pub earlier_drg: &'a str,
    pub earlier_discharged: chrono::NaiveDate,
    pub later_drg: &'a str,
    pub later_admitted: chrono::NaiveDate,
    /// 肿瘤放化疗 — excepted from halving.
    pub tumour_therapy: bool,
    /// Readmission with good reason, as judged by the office.
    pub justified: bool,
}

/// Estimated payment (预估支付) and surplus (+) / deficit (−) against the actual cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    pub point_value: PointValue,
    pub payment: Fen,
    pub balance: Fen,
}
