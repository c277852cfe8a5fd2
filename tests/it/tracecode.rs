//! `yiqiao tracecode parse`, run as a script would run it.

use std::process::Command;

use serde_json::{Value, json};

use super::BIN;

fn parse(codes: &[&str]) -> (Option<i32>, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["tracecode", "parse"])
        .args(codes)
        .env("YIQIAO_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code(), lines)
}

#[test]
fn tracecode_parse_prints_one_json_object_per_code_and_exits_0_when_all_parse() {
    let (code, lines) = parse(&[
        "81234567890123456789\r\n",
        "]d201069012345678921727123110B2024X\u{1d}21SN0001",
        "(01)06901234567892(17)250200(21)7",
        "MA.156.M0.100001.1000123.S20240001.L2401A.E20270114.C7",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(
        lines,
        vec![
            json!({"input": "81234567890123456789\r\n", "ok": true, "format": "nmpa20",
                "prefix7": "8123456", "gtin": null, "serial": "7890123456789", "batch": null,
                "expiry": null, "error": null}),
            json!({"input": "]d201069012345678921727123110B2024X\u{1d}21SN0001", "ok": true,
                "format": "gs1", "prefix7": null, "gtin": "06901234567892", "serial": "SN0001",
                "batch": "B2024X", "expiry": "2027-12-31", "error": null}),
            json!({"input": "(01)06901234567892(17)250200(21)7", "ok": true, "format": "gs1",
                "prefix7": null, "gtin": "06901234567892", "serial": "7", "batch": null,
                "expiry": "2025-02-28", "error": null}),
            json!({"input": "MA.156.M0.100001.1000123.S20240001.L2401A.E20270114.C7", "ok": true,
                "format": "ma", "prefix7": null, "gtin": null, "serial": "20240001",
                "batch": "2401A", "expiry": "2027-01-14", "error": null}),
        ]
    );
}

#[test]
fn tracecode_parse_exits_1_and_says_why_when_any_code_is_refused() {
    let (code, lines) = parse(&[
        "81234567890123456789",
        "8123456789012345678",
        "(01)06901234567893(21)1",
        "]d20106901234567892",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(
        lines[1],
        json!({"input": "8123456789012345678", "ok": false, "format": null, "prefix7": null,
            "gtin": null, "serial": null, "batch": null, "expiry": null,
            "error": "19 位，应为 20 位"})
    );
    assert_eq!(
        lines[2]["error"],
        "GTIN 校验位错误：末位应为 2，实为 3（条码可能读错，请重扫）"
    );
    assert_eq!(lines[3]["error"], "GS1 码缺少 (21) 序列号");
}
