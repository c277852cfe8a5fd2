//! The explanation of a grouping (分组路径): each step that decided the result.

use std::fmt;

use serde::Serialize;

/// A code that satisfied part of a rule, and the list it was found on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeMatch {
    /// `主要诊断`, `诊断`, `主要手术` or `手术`.
    pub role: &'static str,
    pub code: String,
    /// The table or list the code was found on, e.g. `GS1/adrg_zd`, `or_procedures`.
    pub list: String,
    /// The procedure category of the list entry (category rules only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// How a secondary diagnosis (其他诊断) counted for the MCC/CC split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Complication {
    pub code: String,
    /// `MCC`, `CC`, or None when the code is on neither list.
    pub level: Option<&'static str>,
    /// The exclusion table (排除表) of the code on its list.
    pub table: Option<String>,
    /// True when the principal diagnosis' exclusion table is this same table (excluded).
    pub excluded: bool,
}

/// One step of the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// An input check failed (信息校验不通过).
    InputCheck { field: String, message: String },
    /// An MDC admitted the case.
    MdcEntered {
        mdc: String,
        rule: &'static str,
        matches: Vec<CodeMatch>,
        /// Body regions counted for multiple major trauma (MDCZ).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        regions: Vec<String>,
    },
    /// The MDC was entered but none of its ADRGs gave a result: the next MDC is tried.
    MdcFallThrough { mdc: String },
    /// The ambiguous-record check fired (歧义病案).
    Qy { mdc: String, procedure: String },
    /// An ADRG rule held.
    AdrgMatched {
        adrg: String,
        name: String,
        rule: &'static str,
        matches: Vec<CodeMatch>,
        /// Extra conditions checked (day age, birth weight), in words.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        conditions: Vec<String>,
    },
    /// The principal diagnosis' exclusion table and every secondary diagnosis' MCC/CC standing.
    Complications {
        principal: String,
        principal_table: Option<String>,
        items: Vec<Complication>,
    },
    /// A split condition was tried.
    Split {
        drg: String,
        kind: &'static str,
        param: String,
        holds: bool,
    },
    /// An ADRG matched but no split held; the version says what happens next.
    AdrgWithoutSplit { adrg: String, next: &'static str },
    /// ZJ: the first pass gave 0000; grouping again with this procedure alone.
    Retry { procedure: String },
    /// No MDC gave a result (无法入组).
    Ungroupable,
}

impl fmt::Display for CodeMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} 在 {}", self.role, self.code, self.list)?;
        if let Some(c) = &self.category {
            write!(f, "（类别 {c}）")?;
        }
        Ok(())
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join("；")
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::InputCheck { field, message } => write!(f, "信息校验不通过：{field} {message}"),
            Step::MdcEntered {
                mdc,
                rule,
                matches,
                regions,
            } => {
                write!(f, "进入 {mdc}（入组规则 {rule}）：{}", join(matches))?;
                if !regions.is_empty() {
                    write!(f, "；创伤部位 {}", regions.join("、"))?;
                }
                Ok(())
            }
            Step::MdcFallThrough { mdc } => write!(f, "{mdc} 内没有 ADRG 入组，继续下一个 MDC"),
            Step::Qy { mdc, procedure } => {
                write!(f, "{mdc} 歧义病案：手术 {procedure} 在手术室手术表")
            }
            Step::AdrgMatched {
                adrg,
                name,
                rule,
                matches,
                conditions,
            } => {
                write!(f, "入 ADRG {adrg} {name}（规则 {rule}）")?;
                if !matches.is_empty() {
                    write!(f, "：{}", join(matches))?;
                }
                if !conditions.is_empty() {
                    write!(f, "；{}", conditions.join("；"))?;
                }
                Ok(())
            }
            Step::Complications {
                principal,
                principal_table,
                items,
            } => {
                match principal_table {
                    Some(t) => write!(f, "主要诊断 {principal} 的排除表 {t}")?,
                    None => write!(f, "主要诊断 {principal} 无排除表")?,
                }
                if items.is_empty() {
                    return write!(f, "；无其他诊断");
                }
                for c in items {
                    match (c.level, &c.table) {
                        (Some(level), Some(t)) if c.excluded => {
                            write!(f, "；{} 是 {level}，但被排除表 {t} 排除", c.code)?
                        }
                        (Some(level), Some(t)) => {
                            write!(f, "；{} 是 {level}（排除表 {t}）", c.code)?
                        }
                        _ => write!(f, "；{} 不是并发症/合并症", c.code)?,
                    }
                }
                Ok(())
            }
            Step::Split {
                drg,
                kind,
                param,
                holds,
            } => {
                let what = match *kind {
                    "none" => "无条件".to_string(),
                    "mcc" => "伴严重并发症/合并症（MCC）".to_string(),
                    "cc_or_mcc" => "伴并发症/合并症（MCC 或 CC）".to_string(),
                    "age_lt" => format!("年龄 < {param} 岁"),
                    "dept_eq" => format!("科室 = {param}"),
                    "procs_all_present" => format!("手术含全部 {param}"),
                    other => other.to_string(),
                };
                let r = if *holds { "成立" } else { "不成立" };
                write!(f, "细分 {drg}：{what} — {r}")
            }
            Step::AdrgWithoutSplit { adrg, next } => {
                write!(f, "{adrg} 没有成立的细分条件，{next}")
            }
            Step::Retry { procedure } => write!(f, "首轮无法入组，仅以手术 {procedure} 重新分组"),
            Step::Ungroupable => write!(f, "没有 MDC 能入组：0000 无法入组"),
        }
    }
}
