//! Split quantities (拆零): the configured policy, what a dispensing still owes before it may be
//! confirmed, and what a code in the one scan field is for (a whole package or a draw from an
//! opened one). Shared by outpatient and ward dispensing.

use serde::{Deserialize, Serialize};

/// How split quantities are traced (`[tracecode] split_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitPolicy {
    /// 拆零扫码: the opened package's code is scanned once and its smallest units are drawn
    /// down over several dispensings; a split quantity must be drawn (or its line recorded as
    /// uncollected) before the dispensing is confirmed.
    #[default]
    Draw,
    /// 拆零免扫: split quantities need no code.
    NoCode,
}

impl SplitPolicy {
    pub fn label(self) -> &'static str {
        match self {
            SplitPolicy::Draw => "拆零扫码：开封包装扫一次，按最小单位逐次扣减",
            SplitPolicy::NoCode => "拆零免扫",
        }
    }

    /// Split quantities are drawn from opened packages.
    pub fn draws(self) -> bool {
        self == SplitPolicy::Draw
    }
}

/// How far one dispensing line is, for the confirmation check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProgress {
    /// How the line is named in a refusal, with its separator: `第 1 行 ` or
    /// `第 3 行（P0002 医嘱 YZ3）`.
    pub label: String,
    /// The drug in words, e.g. `阿莫西林胶囊（D1）`.
    pub drug: String,
    /// The smallest unit (粒, 片, 支).
    pub unit: String,
    pub required: i64,
    pub scanned: i64,
    pub split_qty: i64,
    pub split_drawn: i64,
    /// Recorded as uncollected (damaged label, no code): owes nothing more.
    pub uncollected: bool,
}

impl LineProgress {
    /// Smallest units of the split quantity not yet drawn under `policy`.
    pub fn undrawn(&self, policy: SplitPolicy) -> i64 {
        if policy.draws() && !self.uncollected {
            (self.split_qty - self.split_drawn).max(0)
        } else {
            0
        }
    }

    /// What the line still owes, in words, or `None` when it may be confirmed.
    pub fn owing(&self, policy: SplitPolicy) -> Option<String> {
        if self.uncollected {
            return None;
        }
        let mut parts = Vec::new();
        if self.scanned < self.required {
            parts.push(format!("应扫 {} / 已扫 {}", self.required, self.scanned));
        }
        let undrawn = self.undrawn(policy);
        if undrawn > 0 {
            parts.push(format!(
                "{} 拆零 {}{u} 已扣 {}{u}，还有 {undrawn}{u} 未扣（请扫开封包装）",
                self.drug,
                self.split_qty,
                self.split_drawn,
                u = self.unit
            ));
        }
        if parts.is_empty() {
            None
        } else {
            Some(format!("{}{}", self.label, parts.join("，")))
        }
    }
}

/// Every line that still owes scans or draws, in words (empty: the dispensing may be confirmed).
pub fn unfinished(lines: &[LineProgress], policy: SplitPolicy) -> Vec<String> {
    lines.iter().filter_map(|l| l.owing(policy)).collect()
}

/// What a code read in the one scan field is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanUse {
    /// A whole package for a line's 应扫.
    Whole,
    /// A draw of smallest units from an opened package for a line's 拆零.
    Draw,
}

/// A line of the scanned code's drug, as the scan field's routing sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineNeed {
    pub required: i64,
    pub scanned: i64,
    pub split_qty: i64,
    pub split_drawn: i64,
    pub uncollected: bool,
}

/// The scanner fires into one field: a code is a draw when the policy draws and either the
/// package is already opened (or used up: the draw says so), or it is a whole package in stock
/// while no line of its drug still wants whole packages but one still has split units to draw
/// (the pharmacist opens a new box for the remainder). Everything else is a whole-package scan,
/// whose checks give the refusal.
pub fn scan_use(policy: SplitPolicy, code_state: Option<&str>, lines: &[LineNeed]) -> ScanUse {
    if !policy.draws() {
        return ScanUse::Whole;
    }
    match code_state {
        Some("opened" | "used_up") => ScanUse::Draw,
        Some("in_stock") => {
            let open = lines.iter().filter(|l| !l.uncollected);
            let wants_whole = open.clone().any(|l| l.scanned < l.required);
            let wants_split = open.clone().any(|l| l.split_drawn < l.split_qty);
            if !wants_whole && wants_split {
                ScanUse::Draw
            } else {
                ScanUse::Whole
            }
        }
        _ => ScanUse::Whole,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use proptest::prelude::*;

    use super::*;

    fn line(required: i64, scanned: i64, split_qty: i64, split_drawn: i64) -> LineProgress {
        LineProgress {
            label: "第 1 行 ".into(),
            drug: "阿莫西林胶囊（D1）".into(),
            unit: "粒".into(),
            required,
            scanned,
            split_qty,
            split_drawn,
            uncollected: false,
        }
    }

    #[test]
    fn the_policy_reads_from_the_configuration_words() {
        #[derive(Deserialize)]
        struct C {
            split_policy: SplitPolicy,
        }
        let c: C = serde_json::from_str(r#"{"split_policy":"no_code"}"#).unwrap();
        assert_eq!(c.split_policy, SplitPolicy::NoCode);
        let c: C = serde_json::from_str(r#"{"split_policy":"draw"}"#).unwrap();
        assert_eq!(c.split_policy, SplitPolicy::Draw);
        assert!(serde_json::from_str::<C>(r#"{"split_policy":"drw"}"#).is_err());
        assert_eq!(SplitPolicy::default(), SplitPolicy::Draw);
    }

    #[test]
    fn under_draw_an_undrawn_split_holds_up_the_confirmation_naming_drug_and_units() {
        let l = line(1, 1, 6, 2);
        assert_eq!(
            unfinished(std::slice::from_ref(&l), SplitPolicy::Draw),
            vec!["第 1 行 阿莫西林胶囊（D1） 拆零 6粒 已扣 2粒，还有 4粒 未扣（请扫开封包装）"]
        );
        assert!(unfinished(std::slice::from_ref(&l), SplitPolicy::NoCode).is_empty());
        let both = line(2, 1, 6, 0);
        assert_eq!(
            both.owing(SplitPolicy::Draw).unwrap(),
            "第 1 行 应扫 2 / 已扫 1，阿莫西林胶囊（D1） 拆零 6粒 已扣 0粒，还有 6粒 未扣（请扫开封包装）"
        );
        assert_eq!(
            both.owing(SplitPolicy::NoCode).unwrap(),
            "第 1 行 应扫 2 / 已扫 1"
        );
        let excused = LineProgress {
            uncollected: true,
            ..both
        };
        assert_eq!(excused.owing(SplitPolicy::Draw), None);
        assert_eq!(line(1, 1, 6, 6).owing(SplitPolicy::Draw), None);
    }

    #[test]
    fn the_scan_field_draws_from_opened_boxes_and_from_new_boxes_for_the_remainder() {
        let n = |required, scanned, split_qty, split_drawn| LineNeed {
            required,
            scanned,
            split_qty,
            split_drawn,
            uncollected: false,
        };
        let d = SplitPolicy::Draw;
        // Whole boxes still wanted: a box in stock is a whole box.
        assert_eq!(
            scan_use(d, Some("in_stock"), &[n(1, 0, 6, 0)]),
            ScanUse::Whole
        );
        // All whole boxes scanned, a remainder left: the box is opened for it.
        assert_eq!(
            scan_use(d, Some("in_stock"), &[n(1, 1, 6, 0)]),
            ScanUse::Draw
        );
        // An opened box is always a draw; unknown codes and other states go the whole way.
        assert_eq!(scan_use(d, Some("opened"), &[n(1, 0, 6, 0)]), ScanUse::Draw);
        assert_eq!(scan_use(d, Some("used_up"), &[]), ScanUse::Draw);
        assert_eq!(scan_use(d, None, &[n(0, 0, 6, 0)]), ScanUse::Whole);
        assert_eq!(
            scan_use(d, Some("dispensed"), &[n(0, 0, 6, 0)]),
            ScanUse::Whole
        );
        // Nothing to draw: whole (refused there as over-scanned or no scan needed).
        assert_eq!(
            scan_use(d, Some("in_stock"), &[n(1, 1, 6, 6)]),
            ScanUse::Whole
        );
        // No code for split quantities: always whole.
        assert_eq!(
            scan_use(SplitPolicy::NoCode, Some("opened"), &[n(0, 0, 6, 0)]),
            ScanUse::Whole
        );
    }

    proptest! {
        #[test]
        fn a_line_owes_nothing_exactly_when_scanned_and_drawn(
            required in 0i64..5, scanned in 0i64..5, split in 0i64..24, drawn in 0i64..24,
            uncollected: bool, draw: bool,
        ) {
            let policy = if draw { SplitPolicy::Draw } else { SplitPolicy::NoCode };
            let l = LineProgress { uncollected, ..line(required, scanned.min(required), split, drawn.min(split)) };
            let done = uncollected
                || (l.scanned >= l.required && (!draw || l.split_drawn >= l.split_qty));
            prop_assert_eq!(l.owing(policy).is_none(), done);
        }
    }
}
