//! Feeds arbitrary bytes to the trace-code parser: it must answer (a code or a refusal),
//! never panic, and a code it accepts must parse again, from its own forms, to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yiqiao_tracecode::{ParseReport, TraceCode};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let report = ParseReport::of(&input);
    match TraceCode::parse(&input) {
        Ok(code) => {
            assert!(report.ok);
            let again = match &code {
                TraceCode::Nmpa20(c) => TraceCode::parse(c.as_str()),
                TraceCode::Gs1(c) => {
                    TraceCode::parse(&format!("]d2{}", c.to_element_string('\u{1d}')))
                }
                TraceCode::Ma(c) => TraceCode::parse(&c.to_string()),
            };
            assert_eq!(again.as_ref().map(TraceCode::key), Ok(code.key()));
        }
        Err(e) => {
            assert!(!report.ok);
            assert!(!e.to_string().is_empty());
        }
    }
});
