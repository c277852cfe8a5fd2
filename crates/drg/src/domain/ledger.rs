//! The hospital's DRG ledger (病组结算台账): every discharged case with its group, priced under
//! its discharge year's policy with the facts taken from the data — readmissions of the same
//! patient, incomplete stays by the way the patient left, group sizes — and the sums the
//! department, doctor, DRG and trend pages show. Benchmark points computed from history
//! (基准点数测算) live here too. Pure: the store reads the rows, this module does the rest.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use yiqiao_core::Fen;
use yiqiao_core::time::shanghai;

use super::points::{
    Assessment, CaseForPoints, CoefficientRule, DrgRate, Estimate, Points, PolicyYear, Readmission,
    Weight,
};

/// ADRGs of tumour radio- and chemotherapy (肿瘤放化疗): a readmission into them is planned
/// treatment, so the earlier stay is not halved (浙江 rules).
pub const TUMOUR_THERAPY_ADRGS: [&str; 6] = ["RB1", "RC1", "RE1", "RU1", "RU2", "RV1"];

/// Principal diagnoses of a radio-/chemotherapy course (Z51.0 放射治疗疗程, Z51.1 化学治疗疗程).
const TUMOUR_THERAPY_DX: [&str; 2] = ["Z51.0", "Z51.1"];

/// Ways of leaving (离院方式) that end a stay before its treatment was completed (未完成住院):
/// 2 医嘱转院, 3 医嘱转社区卫生服务机构/乡镇卫生院, 4 非医嘱离院. Death (5) and others are
/// priced as complete stays.
pub const INCOMPLETE_WAYS: [&str; 3] = ["2", "3", "4"];

/// Whether a stay that ended this way is incomplete (未完成住院).
pub fn incomplete(discharge_way: &str) -> bool {
    INCOMPLETE_WAYS.contains(&discharge_way.trim())
}

/// A discharged case as the ledger needs it: the HIS feed's fields and the stored grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerCase {
    pub case_id: String,
    pub patient_id: String,
    pub dept_code: String,
    pub doctor_code: String,
    /// `SUCCESS`, `FAIL`, `CHECK_FAILED` or `QY`.
    pub status: String,
    pub adrg: String,
    pub drg: String,
    pub admitted_at: DateTime<Utc>,
    pub discharged_at: DateTime<Utc>,
    pub cost: Fen,
    pub los_days: i64,
    pub discharge_way: String,
    /// 主要诊断.
    pub principal: String,
    /// Errors found by the data checks.
    pub errors: i32,
}

impl LedgerCase {
    /// The DRG, when the case was grouped (分组成功).
    pub fn grouped(&self) -> Option<&str> {
        (self.status == "SUCCESS").then_some(self.drg.as_str())
    }

    /// Ambiguous (歧义病案, `xQY`).
    pub fn ambiguous(&self) -> bool {
        self.status == "QY" || self.drg.ends_with("QY")
    }

    /// Discharge year and month in Shanghai time.
    pub fn month(&self) -> (i32, u32) {
        let d = self.discharged_at.with_timezone(&shanghai()).date_naive();
        (d.year(), d.month())
    }

    fn admitted_date(&self) -> NaiveDate {
        self.admitted_at.with_timezone(&shanghai()).date_naive()
    }

    fn discharged_date(&self) -> NaiveDate {
        self.discharged_at.with_timezone(&shanghai()).date_naive()
    }

    fn tumour_therapy(&self) -> bool {
        TUMOUR_THERAPY_ADRGS.contains(&self.adrg.as_str())
            || TUMOUR_THERAPY_DX
                .iter()
                .any(|p| self.principal.starts_with(p))
    }
}

/// A case priced: its assessment under the year's policy and the facts that went into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub case: LedgerCase,
    /// Discharge year (the policy year it is priced in).
    pub year: i32,
    /// Whether the year's policy has been entered; `false`: nothing below is priced.
    pub has_policy: bool,
    /// 未完成住院, by the way the patient left.
    pub incomplete: bool,
    /// Cases of the same DRG discharged in the same year (for the 5-case rule).
    pub group_cases: Option<u32>,
    /// The later stay that makes this one a readmission whose points are halved (再入院减半).
    pub readmitted_by: Option<String>,
    /// The earlier stay of the same patient in the same DRG within the window, if any.
    pub readmission_of: Option<String>,
    pub assessment: Option<Assessment>,
    /// Points after readmission halving; `None` when not priced.
    pub points: Option<Points>,
    /// RW of the DRG (基准点数 ÷ 100), when the year rates it.
    pub weight: Option<Weight>,
    /// Payment estimate, only for cases priced automatically (not 特病单议).
    pub estimate: Option<Estimate>,
}

/// Prices every case: group sizes per (year, DRG), readmissions of the same patient by each
/// year's window, incomplete stays by the way of leaving. Cases come back in the input order.
pub fn price(cases: Vec<LedgerCase>, policies: &BTreeMap<i32, PolicyYear>) -> Vec<Priced> {
    let year_of = |c: &LedgerCase| c.month().0;
    let mut sizes: HashMap<(i32, &str), u32> = HashMap::new();
    for c in &cases {
        if let Some(d) = c.grouped() {
            *sizes.entry((year_of(c), d)).or_default() += 1;
        }
    }
    // Readmissions: for each stay, the patient's latest earlier stay in the same DRG whose
    // discharge falls within the window before this admission (ties: the later admission,
    // then the larger case id) is halved, once.
    let mut by_patient: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in cases.iter().enumerate() {
        by_patient.entry(c.patient_id.as_str()).or_default().push(i);
    }
    let mut readmitted_by: HashMap<usize, usize> = HashMap::new();
    for stays in by_patient.values_mut() {
        stays.sort_by_key(|&i| (cases[i].admitted_at, cases[i].case_id.as_str()));
        for (k, &li) in stays.iter().enumerate() {
            let l = &cases[li];
            let Some(ld) = l.grouped() else { continue };
            let earlier = stays[..k]
                .iter()
                .copied()
                .filter(|ei| !readmitted_by.contains_key(ei))
                .filter(|&ei| {
                    let e = &cases[ei];
                    let (Some(ed), Some(policy)) = (e.grouped(), policies.get(&year_of(e))) else {
                        return false;
                    };
                    policy.readmission_halves(&Readmission {
                        earlier_drg: ed,
                        earlier_discharged: e.discharged_date(),
                        later_drg: ld,
                        later_admitted: l.admitted_date(),
                        tumour_therapy: e.tumour_therapy() || l.tumour_therapy(),
                        justified: false,
                    })
                })
                .max_by_key(|&ei| {
                    let e = &cases[ei];
                    (e.discharged_at, e.admitted_at, e.case_id.as_str())
                });
            if let Some(ei) = earlier {
                readmitted_by.insert(ei, li);
            }
        }
    }
    let ids: Vec<String> = cases.iter().map(|c| c.case_id.clone()).collect();
    let mut readmission_of: HashMap<usize, usize> = HashMap::new();
    for (&e, &l) in &readmitted_by {
        readmission_of.insert(l, e);
    }
    let sizes: HashMap<(i32, String), u32> = sizes
        .into_iter()
        .map(|((y, d), n)| ((y, d.to_owned()), n))
        .collect();
    cases
        .into_iter()
        .enumerate()
        .map(|(i, case)| {
            let year = year_of(&case);
            let incomplete = incomplete(&case.discharge_way);
            let group_cases = case
                .grouped()
                .and_then(|d| sizes.get(&(year, d.to_owned())).copied());
            let policy = policies.get(&year);
            let halved = readmitted_by.contains_key(&i);
            let (assessment, points, weight, estimate) = match policy {
                None => (None, None, None, None),
                Some(p) => {
                    let a = p.assess(&CaseForPoints {
                        drg: case.grouped(),
                        cost: case.cost,
                        days: u32::try_from(case.los_days).unwrap_or(0),
                        incomplete,
                        group_cases,
                    });
                    let points = a.points.map(|x| if halved { x.halved() } else { x });
                    let weight = case
                        .grouped()
                        .and_then(|d| p.drg(d))
                        .map(|r| r.benchmark.weight());
                    let estimate = if a.auto_priced() {
                        points.map(|x| p.estimate(x, case.cost))
                    } else {
                        None
                    };
                    (Some(a), points, weight, estimate)
                }
            };
            Priced {
                year,
                has_policy: policy.is_some(),
                incomplete,
                group_cases,
                readmitted_by: readmitted_by.get(&i).map(|&l| ids[l].clone()),
                readmission_of: readmission_of.get(&i).map(|&e| ids[e].clone()),
                assessment,
                points,
                weight,
                estimate,
                case,
            }
        })
        .collect()
}

/// Sums over a set of priced cases (a department, a doctor, a DRG, a month).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub cases: u32,
    /// Grouped into a DRG.
    pub grouped: u32,
    /// 无法入组 (0000) and input-check failures.
    pub ungroupable: u32,
    /// 歧义病案.
    pub ambiguous: u32,
    /// 特病单议 (flagged, not auto-priced).
    pub review: u32,
    /// Stays halved as readmissions.
    pub readmissions: u32,
    /// Sum of RW over the cases whose DRG the year rates (for CMI).
    weight_sum: i64,
    weighted: u32,
    pub points: Points,
    /// Estimated payment of the auto-priced cases.
    pub payment: Fen,
    /// Actual cost of the auto-priced cases (what the payment is set against).
    pub priced_cost: Fen,
    /// Actual cost of all cases.
    pub cost: Fen,
}

impl Summary {
    pub fn add(&mut self, p: &Priced) {
        self.cases += 1;
        self.cost = Fen(self.cost.0.saturating_add(p.case.cost.0));
        if p.case.ambiguous() {
            self.ambiguous += 1;
        } else if p.case.grouped().is_some() {
            self.grouped += 1;
        } else {
            self.ungroupable += 1;
        }
        if p.readmitted_by.is_some() {
            self.readmissions += 1;
        }
        if let Some(w) = p.weight {
            self.weight_sum = self.weight_sum.saturating_add(w.raw());
            self.weighted += 1;
        }
        if let Some(a) = &p.assessment
            && !a.review.is_empty()
        {
            self.review += 1;
        }
        if let Some(x) = p.points {
            self.points = Points::from_raw(self.points.raw().saturating_add(x.raw()));
        }
        if let Some(e) = p.estimate {
            self.payment = Fen(self.payment.0.saturating_add(e.payment.0));
            self.priced_cost = Fen(self.priced_cost.0.saturating_add(p.case.cost.0));
        }
    }

    pub fn of<'a>(cases: impl IntoIterator<Item = &'a Priced>) -> Summary {
        let mut s = Summary::default();
        for p in cases {
            s.add(p);
        }
        s
    }

    /// CMI: the mean RW of the cases whose DRG is rated; `None` without such cases.
    pub fn cmi(&self) -> Option<Weight> {
        (self.weighted > 0).then(|| {
            let n = i64::from(self.weighted);
            Weight::from_raw((self.weight_sum + n / 2) / n)
        })
    }

    /// Surplus (+) or deficit (−) of the auto-priced cases: payment − cost.
    pub fn balance(&self) -> Fen {
        Fen(self.payment.0.saturating_sub(self.priced_cost.0))
    }

    /// Share of the cases grouped, in per mille (‰), `None` without cases.
    pub fn grouped_permille(&self) -> Option<u32> {
        (self.cases > 0).then(|| (self.grouped * 1000 + self.cases / 2) / self.cases)
    }
}

/// Sums by a key, keys in order.
pub fn summarize_by<'a, K: Ord>(
    cases: impl IntoIterator<Item = &'a Priced>,
    key: impl Fn(&Priced) -> Option<K>,
) -> BTreeMap<K, Summary> {
    let mut out: BTreeMap<K, Summary> = BTreeMap::new();
    for p in cases {
        if let Some(k) = key(p) {
            out.entry(k).or_default().add(p);
        }
    }
    out
}

/// A DRG's benchmark computed from the base period's cases (基准点数测算).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchmarkRow {
    pub drg: String,
    pub cases: u32,
    /// The DRG's average cost per case.
    pub average_cost: Fen,
    /// Average cost of the DRG ÷ average cost of all cases × 100.
    pub benchmark: Points,
}

/// 基准点数 from history: each DRG's average cost ÷ the average cost of all grouped cases ×
/// 100, over the cases given (the base period's grouped cases as (DRG, cost)). Cases with a
/// zero or negative cost are left out (they carry no cost information).
pub fn benchmarks<'a>(cases: impl IntoIterator<Item = (&'a str, Fen)>) -> Vec<BenchmarkRow> {
    let mut per: BTreeMap<&str, (i128, u32)> = BTreeMap::new();
    let (mut total, mut n) = (0_i128, 0_i128);
    for (drg, cost) in cases {
        if cost.0 <= 0 {
            continue;
        }
        let e = per.entry(drg).or_default();
        e.0 += i128::from(cost.0);
        e.1 += 1;
        total += i128::from(cost.0);
        n += 1;
    }
    if n == 0 || total == 0 {
        return Vec::new();
    }
    per.into_iter()
        .map(|(drg, (sum, count))| {
            let c = i128::from(count);
            let average = (sum + c / 2) / c;
            // (sum ÷ count) ÷ (total ÷ n) × 100, in 万分之一 points: sum × n × 10⁶ ÷ (count × total).
            let num = sum * n * 1_000_000;
            let den = c * total;
            let bm = (num + den / 2) / den;
            BenchmarkRow {
                drg: drg.to_owned(),
                cases: count,
                average_cost: Fen(i64::try_from(average).unwrap_or(i64::MAX)),
                benchmark: Points::from_raw(i64::try_from(bm).unwrap_or(i64::MAX)),
            }
        })
        .collect()
}

/// Benchmark rows as the text of a policy year's DRG table (病组点数表, as
/// [`super::points::parse_rates`] reads it), paid with the hospital's coefficient: the office
/// edits it before saving.
pub fn rates_text(rows: &[BenchmarkRow]) -> String {
    rates_of(rows)
        .iter()
        .map(|(drg, r)| format!("{drg}\t{}\t{}\t医院\n", r.benchmark, r.average_cost))
        .collect()
}

/// Benchmark rows as rate-table entries paid with the hospital's coefficient.
pub fn rates_of(rows: &[BenchmarkRow]) -> Vec<(String, DrgRate)> {
    rows.iter()
        .filter(|r| r.benchmark.raw() > 0 && r.average_cost.0 > 0)
        .map(|r| {
            (
                r.drg.clone(),
                DrgRate {
                    benchmark: r.benchmark,
                    average_cost: r.average_cost,
                    coefficient: CoefficientRule::Hospital,
                    daily_points: None,
                },
            )
        })
        .collect()
}
