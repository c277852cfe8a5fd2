//! `yiqiao tracecode …`: the command line's logic (src/main.rs only reads the arguments).

use std::io::Write;

use crate::domain::code::ParseReport;

/// `yiqiao tracecode parse <CODE>…`: one JSON object per code, one per line. Returns whether
/// every code parsed (the exit status is 0 when all did, 1 otherwise).
pub fn parse_codes<W: Write>(codes: &[String], out: &mut W) -> std::io::Result<bool> {
    let mut all_ok = true;
    for code in codes {
        let report = ParseReport::of(code);
        all_ok &= report.ok;
        serde_json::to_writer(&mut *out, &report).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(all_ok)
}
