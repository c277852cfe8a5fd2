//! Trend charts as SVG, drawn by our own code (no JavaScript, no chart library): months along
//! the bottom, rates in per mille up the side (0–100 %), one line per indicator with a legend.

use std::fmt::Write;

/// One line: its name and a value per month (‰; `None` where the month has no pages).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<i64>>,
}

/// Colours of the lines, in order (distinguishable when printed in grey too: dashes differ).
const COLOURS: [&str; 4] = ["#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad"];
const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart of `series` over `months` (labels such as `2026-11`).
pub fn trend_svg(title: &str, months: &[String], series: &[Series]) -> String {
    let (w, h) = (640i64, 300i64);
    let (left, right, top, bottom) = (48i64, 36i64, 36i64, 70i64);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let n = i64::try_from(months.len()).unwrap_or(0);
    let x = |i: i64| {
        if n <= 1 {
            left + pw / 2
        } else {
            left + pw * i / (n - 1)
        }
    };
    let y = |pm: i64| top + ph - ph * pm.clamp(0, 1000) / 1000;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" font-family="sans-serif" font-size="11">"#,
        t = esc(title)
    );
    let _ = write!(
        s,
        r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#fff"/><text x="{}" y="20" font-size="14" text-anchor="middle">{}</text>"##,
        w / 2,
        esc(title)
    );
    for pct in (0..=100).step_by(20) {
        let yy = y(pct * 10);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{yy}" x2="{}" y2="{yy}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{pct}%</text>"##,
            left + pw,
            left - 6,
            yy + 4
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{}" stroke="#333"/><line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#333"/>"##,
        top + ph,
        top + ph,
        left + pw,
        top + ph
    );
    for (i, m) in months.iter().enumerate() {
        let xx = x(i64::try_from(i).unwrap_or(0));
        let _ = write!(
            s,
            r#"<text x="{xx}" y="{}" text-anchor="middle">{}</text>"#,
            top + ph + 16,
            esc(m)
        );
    }
    for (k, ser) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let dash = DASHES[k % DASHES.len()];
        // A gap (a month without pages) breaks the line.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in ser.values.iter().enumerate() {
            match v {
                Some(pm) => {
                    let (xx, yy) = (x(i64::try_from(i).unwrap_or(0)), y(*pm));
                    let _ = write!(path, "{}{xx} {yy} ", if pen_down { "L" } else { "M" });
                    pen_down = true;
                    let _ = write!(
                        s,
                        r#"<circle cx="{xx}" cy="{yy}" r="2.5" fill="{colour}"><title>{} {}：{}.{}%</title></circle>"#,
                        esc(&ser.name),
                        esc(months.get(i).map_or("", String::as_str)),
                        pm / 10,
                        pm % 10
                    );
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(
                s,
                r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>"#,
                path.trim_end()
            );
        }
        let kk = i64::try_from(k).unwrap_or(0);
        let lx = left + (kk % 2) * 290;
        let ly = h - 34 + (kk / 2) * 16;
        let _ = write!(
            s,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/><text x="{}" y="{}">{}</text>"#,
            lx + 24,
            lx + 30,
            ly + 4,
            esc(&ser.name)
        );
    }
    s.push_str("</svg>");
    s
}
