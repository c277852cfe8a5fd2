//! One line of `yiqiao tracecode parse`: what a code is, or why it was refused.

use serde::Serialize;

use super::TraceCode;

/// `{"input", "ok", "format", "prefix7", "gtin", "serial", "batch", "expiry", "error"}`;
/// fields that do not apply are null, `expiry` is `YYYY-MM-DD`, `error` the reason in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseReport {
    pub input: String,
    pub ok: bool,
    pub format: Option<&'static str>,
    pub prefix7: Option<String>,
    pub gtin: Option<String>,
    pub serial: Option<String>,
    pub batch: Option<String>,
    pub expiry: Option<String>,
    pub error: Option<String>,
}

impl ParseReport {
    pub fn of(input: &str) -> ParseReport {
        match TraceCode::parse(input) {
            Ok(code) => ParseReport {
                input: input.to_owned(),
                ok: true,
                format: Some(code.format().as_str()),
                prefix7: code.prefix7().map(str::to_owned),
                gtin: code.gtin().map(|g| g.as_str().to_owned()),
                serial: Some(code.serial().to_owned()),
                batch: code.batch().map(str::to_owned),
                expiry: code.expiry().map(|d| d.format("%Y-%m-%d").to_string()),
                error: None,
            },
            Err(e) => ParseReport {
                input: input.to_owned(),
                ok: false,
                format: None,
                prefix7: None,
                gtin: None,
                serial: None,
                batch: None,
                expiry: None,
                error: Some(e.to_string()),
            },
        }
    }
}
