//! What a page's findings say in numbers (质控指标的原始数据): required items filled, whether
//! the page is complete, whether the main diagnosis is correctly coded, which rules fired.
//! Stored beside the page so lists and indicators never re-run the rules.

use std::collections::BTreeSet;

use super::page::{Page, is_blank};
use super::rules::{Finding, Severity};

/// The items VP-R01 requires on every page (27, the main diagnosis's name counted once).
pub const ALWAYS_REQUIRED: i32 = 27;

/// The rules that report a required item as empty.
const MISSING_RULES: &[&str] = &["VP-R01", "VP-R10", "VP-R11", "VP-R13", "VP-R15"];

/// One page in numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub errors: i32,
    pub warnings: i32,
    /// 应填项目数: always-required items plus those the page's own answers require.
    pub required_total: i32,
    /// 已填项目数.
    pub required_filled: i32,
    /// 主要诊断编码正确: present, in the table, and allowed as a main diagnosis.
    pub main_code_ok: bool,
    /// The rule ids that fired, each once, in order.
    pub rules: Vec<&'static str>,
}

impl Summary {
    /// 页面完整: every required item filled.
    pub fn complete(&self) -> bool {
        self.required_filled == self.required_total
    }

    /// The rule ids as stored (comma-separated).
    pub fn rules_text(&self) -> String {
        self.rules.join(",")
    }
}

fn is(v: &Option<String>, code: &str) -> bool {
    v.as_deref().map(str::trim) == Some(code)
}

/// Counts a page's required items and reads its findings.
pub fn summarize(p: &Page, findings: &[Finding]) -> Summary {
    let mut required = ALWAYS_REQUIRED;
    required += i32::from(is(&p.drug_allergy, "2"));
    required += i32::from(is(&p.other_allergy, "2"));
    if is(&p.visit_type, "1") {
        required += 2;
    }
    required += i32::from(is(&p.emergency_destination, "7"));
    let mut missing = findings
        .iter()
        .filter(|f| MISSING_RULES.contains(&f.rule))
        .count();
    // No main diagnosis at all is VP-R16's finding; its name is still a required item.
    if p.western_diagnoses.is_empty() {
        missing += 1;
    }
    let missing = i32::try_from(missing).unwrap_or(i32::MAX).min(required);
    let main_has_code = p
        .western_diagnoses
        .first()
        .and_then(|d| d.code.as_deref())
        .is_some_and(|c| !is_blank(c));
    let main_code_ok = main_has_code
        && !findings.iter().any(|f| {
            f.severity == Severity::Error
                && (f.rule == "VP-R31" || f.field.starts_with("western_diagnoses[0]"))
        });
    let rules: BTreeSet<&'static str> = findings.iter().map(|f| f.rule).collect();
    let count = |s: Severity| {
        i32::try_from(findings.iter().filter(|f| f.severity == s).count()).unwrap_or(i32::MAX)
    };
    Summary {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        required_total: required,
        required_filled: required - missing,
        main_code_ok,
        rules: rules.into_iter().collect(),
    }
}
