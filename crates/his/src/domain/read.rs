//! Reading a raw JSON record field by field.
//!
//! A [`Reader`] walks one JSON object and turns each field into a typed value, collecting a
//! [`FieldError`] for every field that is missing, of the wrong type, too long, not in its code
//! table or unknown, so that one answer names every bad field (not only the first, as serde
//! would). Fields are named by their path: `patients.id_no`, `visits.procedures[1].date`.
//!
//! Text is normalised: surrounding whitespace is trimmed and an empty string counts as absent
//! (as `null` or a missing key do). Control characters are refused.

use std::cell::RefCell;
use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde_json::{Map, Value};
use yiqiao_core::codes::CodeTable;
use yiqiao_core::{FieldError, time};

/// Where the errors of one record are collected.
#[derive(Debug, Default)]
pub struct Errors(RefCell<Vec<FieldError>>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&self, field: impl Into<String>, message: impl Into<String>) {
        self.0.borrow_mut().push(FieldError::new(field, message));
    }
    pub fn push_error(&self, e: FieldError) {
        self.0.borrow_mut().push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0.into_inner()
    }
    /// `Ok(value)` when no error was collected, else every error.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        let errs = self.into_vec();
        match value {
            Some(v) if errs.is_empty() => Ok(v),
            _ if errs.is_empty() => Err(vec![FieldError::new("", "记录无法解析")]),
            _ => Err(errs),
        }
    }
}

/// The Chinese name of a JSON value's type.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "空值 null",
        Value::Bool(_) => "布尔值",
        Value::Number(_) => "数字",
        Value::String(_) => "字符串",
        Value::Array(_) => "数组",
        Value::Object(_) => "对象",
    }
}

/// One JSON object being read.
pub struct Reader<'a, 'e> {
    path: String,
    map: Option<&'a Map<String, Value>>,
    seen: RefCell<BTreeSet<&'static str>>,
    errs: &'e Errors,
}

impl<'a, 'e> Reader<'a, 'e> {
    /// Starts reading `value`, which must be an object; `path` names it in errors (`patients`).
    pub fn new(path: impl Into<String>, value: &'a Value, errs: &'e Errors) -> Self {
        let path = path.into();
        let map = match value {
            Value::Object(m) => Some(m),
            other => {
                errs.push(
                    path.clone(),
                    format!("应为 JSON 对象，实为{}", type_name(other)),
                );
                None
            }
        };
        Reader {
            path,
            map,
            seen: RefCell::new(BTreeSet::new()),
            errs,
        }
    }

    /// Whether the value was an object at all.
    pub fn is_object(&self) -> bool {
        self.map.is_some()
    }

    /// The path of a field of this object.
    pub fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn err(&self, key: &str, message: impl Into<String>) {
        // When the value was not an object at all, that is the only thing to say about it.
        if self.map.is_some() {
            self.errs.push(self.field(key), message);
        }
    }

    /// The raw value of `key`, `None` when missing or `null`. Marks the key as known.
    pub fn raw(&self, key: &'static str) -> Option<&'a Value> {
        self.seen.borrow_mut().insert(key);
        match self.map?.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// A string field, trimmed; `None` when missing, `null` or blank. `Err(())` when it has
    /// another type or contains control characters (the error is already recorded).
    fn string(&self, key: &'static str) -> Result<Option<String>, ()> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let t = s.trim();
                if t.is_empty() {
                    Ok(None)
                } else if let Some(c) = t.chars().find(|c| c.is_control()) {
                    self.err(key, format!("含控制字符 U+{:04X}", c as u32));
                    Err(())
                } else {
                    Ok(Some(t.to_owned()))
                }
            }
            Some(other) => {
                self.err(key, format!("应为字符串，实为{}", type_name(other)));
                Err(())
            }
        }
    }

    fn missing(&self, key: &str) {
        self.err(key, "必填，不能为空");
    }

    fn check_len(&self, key: &str, s: String, max: usize) -> Option<String> {
        let n = s.chars().count();
        if n > max {
            self.err(key, format!("长度 {n} 超过上限 {max} 个字符"));
            None
        } else {
            Some(s)
        }
    }

    /// An optional text of at most `max` characters.
    pub fn opt_text(&self, key: &'static str, max: usize) -> Option<String> {
        self.string(key)
            .ok()
            .flatten()
            .and_then(|s| self.check_len(key, s, max))
    }

    /// A required text of at most `max` characters. `None` means an error was recorded.
    pub fn text(&self, key: &'static str, max: usize) -> Option<String> {
        match self.string(key) {
            Ok(Some(s)) => self.check_len(key, s, max),
            Ok(None) => {
                self.missing(key);
                None
            }
            Err(()) => None,
        }
    }

    /// An optional code from a national code table.
    pub fn opt_code(&self, key: &'static str, table: &CodeTable) -> Option<String> {
        let s = self.string(key).ok().flatten()?;
        match table.check(&self.field(key), &s) {
            Ok(()) => Some(s),
            Err(e) => {
                self.errs.push_error(e);
                None
            }
        }
    }

    /// A required code from a code table.
    pub fn code(&self, key: &'static str, table: &CodeTable) -> Option<String> {
        match self.string(key) {
            Ok(Some(s)) => match table.check(&self.field(key), &s) {
                Ok(()) => Some(s),
                Err(e) => {
                    self.errs.push_error(e);
                    None
                }
            },
            Ok(None) => {
                self.missing(key);
                None
            }
            Err(()) => None,
        }
    }

    /// An optional date `YYYY-MM-DD`.
    pub fn opt_date(&self, key: &'static str) -> Option<NaiveDate> {
        let s = self.string(key).ok().flatten()?;
        match time::parse_date(&s) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(key, e.to_string());
                None
            }
        }
    }

    /// A required date.
    pub fn date(&self, key: &'static str) -> Option<NaiveDate> {
        if self.present(key) {
            self.opt_date(key)
        } else {
            self.missing(key);
            None
        }
    }

    /// An optional time `YYYY-MM-DD HH:MM:SS` (北京时间), to UTC, whole seconds.
    pub fn opt_time(&self, key: &'static str) -> Option<DateTime<Utc>> {
        let s = self.string(key).ok().flatten()?;
        match time::parse_local(&s) {
            Ok(t) => Some(t.trunc_subsecs(0)),
            Err(e) => {
                self.err(key, e.to_string());
                None
            }
        }
    }

    /// A required time.
    pub fn time(&self, key: &'static str) -> Option<DateTime<Utc>> {
        if self.present(key) {
            self.opt_time(key)
        } else {
            self.missing(key);
            None
        }
    }

    /// Whether the key holds something other than `null` or a blank string.
    fn present(&self, key: &'static str) -> bool {
        match self.raw(key) {
            None => false,
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }

    /// An optional integer in `min..=max`; `unit` names what it counts in messages (分, 天…).
    pub fn opt_int(&self, key: &'static str, min: i64, max: i64, unit: &str) -> Option<i64> {
        let v = self.raw(key)?;
        let Value::Number(n) = v else {
            self.err(key, format!("应为整数，实为{}", type_name(v)));
            return None;
        };
        let Some(i) = n.as_i64() else {
            if n.is_f64() {
                self.err(key, format!("应为整数，实为小数 {n}"));
            } else {
                self.err(key, format!("数值 {n} 超出范围"));
            }
            return None;
        };
        if i < min {
            if min == 0 {
                self.err(key, format!("不能为负数，实为 {i}{unit}"));
            } else {
                self.err(key, format!("应不小于 {min}{unit}，实为 {i}{unit}"));
            }
            None
        } else if i > max {
            self.err(key, format!("应不大于 {max}{unit}，实为 {i}{unit}"));
            None
        } else {
            Some(i)
        }
    }

    /// A required integer.
    pub fn int(&self, key: &'static str, min: i64, max: i64, unit: &str) -> Option<i64> {
        if self.raw(key).is_none() {
            self.missing(key);
            return None;
        }
        self.opt_int(key, min, max, unit)
    }

    /// An optional boolean.
    pub fn opt_bool(&self, key: &'static str) -> Option<bool> {
        match self.raw(key)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.err(
                    key,
                    format!("应为布尔值 true/false，实为{}", type_name(other)),
                );
                None
            }
        }
    }

    /// A boolean that may be left out, meaning `default`. `None` only on a type error.
    pub fn bool_or(&self, key: &'static str, default: bool) -> Option<bool> {
        match self.raw(key) {
            None => Some(default),
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                self.err(
                    key,
                    format!("应为布尔值 true/false，实为{}", type_name(other)),
                );
                None
            }
        }
    }

    /// A required boolean.
    pub fn bool(&self, key: &'static str) -> Option<bool> {
        if self.raw(key).is_none() {
            self.missing(key);
            return None;
        }
        self.opt_bool(key)
    }

    /// A nested object, read by `f`; `None` when missing/null (or on error, recorded).
    pub fn opt_object<T>(
        &self,
        key: &'static str,
        f: impl FnOnce(&Reader<'a, 'e>) -> Option<T>,
    ) -> Option<Option<T>> {
        let Some(v) = self.raw(key) else {
            return Some(None);
        };
        let r = Reader::new(self.field(key), v, self.errs);
        if !r.is_object() {
            return None;
        }
        let out = f(&r);
        r.finish();
        out.map(Some)
    }

    /// A required nested object.
    pub fn object<T>(
        &self,
        key: &'static str,
        f: impl FnOnce(&Reader<'a, 'e>) -> Option<T>,
    ) -> Option<T> {
        if self.raw(key).is_none() {
            self.missing(key);
            return None;
        }
        self.opt_object(key, f).flatten()
    }

    /// An array of objects, each read by `f`. Missing or `null` is an empty list unless
    /// `min` > 0. Returns `None` if any element (or the array itself) was bad.
    pub fn list<T>(
        &self,
        key: &'static str,
        min: usize,
        max: usize,
        mut f: impl FnMut(&Reader<'a, 'e>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let items: &Vec<Value> = match self.raw(key) {
            None => {
                if min > 0 {
                    self.err(key, format!("必填，至少 {min} 项"));
                    return None;
                }
                return Some(Vec::new());
            }
            Some(Value::Array(a)) => a,
            Some(other) => {
                self.err(key, format!("应为数组，实为{}", type_name(other)));
                return None;
            }
        };
        if items.len() < min {
            self.err(key, format!("至少 {min} 项，实为 {} 项", items.len()));
            return None;
        }
        if items.len() > max {
            self.err(key, format!("至多 {max} 项，实为 {} 项", items.len()));
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let r = Reader::new(format!("{}[{i}]", self.field(key)), item, self.errs);
            if !r.is_object() {
                ok = false;
                continue;
            }
            match f(&r) {
                Some(v) => out.push(v),
                None => ok = false,
            }
            r.finish();
        }
        ok.then_some(out)
    }

    /// Records an error on `key` (for checks across fields).
    pub fn refuse(&self, key: &str, message: impl Into<String>) {
        self.err(key, message);
    }

    /// Ends reading: every key that was never asked for is an unknown field.
    pub fn finish(&self) {
        let Some(map) = self.map else { return };
        let seen = self.seen.borrow();
        for key in map.keys() {
            if !seen.contains(key.as_str()) {
                self.errs.push(self.field(key), "未知字段");
            }
        }
    }
}

/// Checks a HIS id (the key of a record): 1–64 characters of letters, digits, `.`, `-`, `_`.
pub fn parse_id(field: &str, id: &str) -> Result<String, FieldError> {
    if id.is_empty() {
        return Err(FieldError::new(field, "编号不能为空"));
    }
    let n = id.chars().count();
    if n > 64 {
        return Err(FieldError::new(
            field,
            format!("编号长度 {n} 超过上限 64 个字符"),
        ));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(FieldError::new(
            field,
            format!(
                "编号含不允许的字符「{}」，只允许字母、数字、点、连字符和下划线",
                c.escape_default()
            ),
        ));
    }
    Ok(id.to_owned())
}

/// Reads a required reference to another record's id (same rules as [`parse_id`]).
pub fn id_ref(r: &Reader<'_, '_>, key: &'static str) -> Option<String> {
    let s = r.text(key, 64)?;
    match parse_id(&r.field(key), &s) {
        Ok(s) => Some(s),
        Err(e) => {
            r.errs.push_error(e);
            None
        }
    }
}

/// Reads an optional reference to another record's id.
pub fn opt_id_ref(r: &Reader<'_, '_>, key: &'static str) -> Option<Option<String>> {
    let Ok(s) = r.string(key) else { return None };
    let Some(s) = s else { return Some(None) };
    match parse_id(&r.field(key), &s) {
        Ok(s) => Some(Some(s)),
        Err(e) => {
            r.errs.push_error(e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(errs: Errors) -> Vec<String> {
        errs.into_vec().iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn collects_every_bad_field_and_unknown_ones() {
        let v = json!({"name": 3, "age": -1, "when": "2026-02-30", "extra": true, "ok": " x "});
        let errs = Errors::new();
        let r = Reader::new("t", &v, &errs);
        assert_eq!(r.text("name", 10), None);
        assert_eq!(r.int("age", 0, 150, "岁"), None);
        assert_eq!(r.date("when"), None);
        assert_eq!(r.text("ok", 10).as_deref(), Some("x"));
        assert_eq!(r.text("missing", 10), None);
        r.finish();
        assert_eq!(
            messages(errs),
            vec![
                "字段 t.name：应为字符串，实为数字",
                "字段 t.age：不能为负数，实为 -1岁",
                "字段 t.when：日期 2026-02-30 不存在",
                "字段 t.missing：必填，不能为空",
                "字段 t.extra：未知字段",
            ]
        );
    }

    #[test]
    fn blank_and_null_are_absent() {
        let v = json!({"a": "  ", "b": null});
        let errs = Errors::new();
        let r = Reader::new("t", &v, &errs);
        assert_eq!(r.opt_text("a", 5), None);
        assert_eq!(r.opt_text("b", 5), None);
        r.finish();
        assert!(errs.is_empty());
    }

    #[test]
    fn lengths_count_characters() {
        let v = json!({"a": "台州市中西医结合医院"});
        let errs = Errors::new();
        let r = Reader::new("t", &v, &errs);
        assert!(r.text("a", 10).is_some());
        assert!(r.text("a", 9).is_none());
        assert_eq!(messages(errs), vec!["字段 t.a：长度 10 超过上限 9 个字符"]);
    }

    #[test]
    fn lists_name_the_element() {
        let v = json!({"xs": [{"n": "a"}, {"n": 1}, 5]});
        let errs = Errors::new();
        let r = Reader::new("t", &v, &errs);
        assert!(r.list("xs", 0, 10, |e| e.text("n", 5)).is_none());
        assert_eq!(
            messages(errs),
            vec![
                "字段 t.xs[1].n：应为字符串，实为数字",
                "字段 t.xs[2]：应为 JSON 对象，实为数字",
            ]
        );
    }

    #[test]
    fn ids() {
        assert!(parse_id("id", "A03.01").is_ok());
        assert!(parse_id("id", "").is_err());
        assert!(parse_id("id", "a/b").is_err());
        assert!(parse_id("id", &"x".repeat(65)).is_err());
        assert!(parse_id("id", "患者").is_err());
    }

    #[test]
    fn floats_and_huge_numbers_are_refused_as_integers() {
        let v = json!({"a": 1.5, "b": 18446744073709551615u64});
        let errs = Errors::new();
        let r = Reader::new("t", &v, &errs);
        assert!(r.int("a", 0, 10, "").is_none());
        assert!(r.int("b", 0, i64::MAX, "").is_none());
        assert_eq!(
            messages(errs),
            vec![
                "字段 t.a：应为整数，实为小数 1.5",
                "字段 t.b：数值 18446744073709551615 超出范围",
            ]
        );
    }
}
