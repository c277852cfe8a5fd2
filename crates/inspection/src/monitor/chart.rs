//! Line charts as SVG (趋势图), written by hand: no JavaScript, the same markup in the page and
//! in a printed report.

use chrono::{DateTime, Utc};
use std::fmt::Write;

/// One line: its label and (time, value) points.
pub struct Line<'a> {
    pub label: &'a str,
    pub colour: &'a str,
    pub points: Vec<(DateTime<Utc>, f64)>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A chart `width`×`height` over `[from, to)`. `max`: the top of the scale (e.g. 100 for a
/// percentage), or `None` to fit the data. `unit` is printed beside the top value.
pub fn svg(
    title: &str,
    lines: &[Line<'_>],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max: Option<f64>,
    unit: &str,
) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 200.0, 56.0, 12.0, 24.0, 28.0);
    let span = (to - from).num_seconds().max(1) as f64;
    let data_max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0_f64, f64::max);
    let top_value = max.unwrap_or(if data_max > 0.0 { data_max * 1.1 } else { 1.0 });
    let x = |t: DateTime<Utc>| left + (t - from).num_seconds() as f64 / span * (w - left - right);
    let y = |v: f64| top + (1.0 - (v / top_value).clamp(0.0, 1.0)) * (h - top - bottom);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" font-family="sans-serif" font-size="11">"#,
        t = esc(title)
    );
    let _ = write!(
        s,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fff" stroke="#ccc"/><text x="{left}" y="15" font-size="13">{t}</text>"##,
        pw = w - left - right,
        ph = h - top - bottom,
        t = esc(title)
    );
    for frac in [0.0, 0.5, 1.0] {
        let v = top_value * frac;
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" stroke="#eee"/><text x="{tx}" y="{ty:.1}" text-anchor="end">{v} {u}</text>"##,
            x2 = w - right,
            yy = y(v),
            tx = left - 4.0,
            ty = y(v) + 4.0,
            v = format_value(v),
            u = esc(unit)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{left}" y="{yb}">{a}</text><text x="{xr}" y="{yb}" text-anchor="end">{b}</text>"#,
        yb = h - 8.0,
        xr = w - right,
        a = yiqiao_core::time::format_local(from),
        b = yiqiao_core::time::format_local(to)
    );
    for (i, l) in lines.iter().enumerate() {
        if !l.points.is_empty() {
            let pts: Vec<String> = l
                .points
                .iter()
                .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
                .collect();
            let _ = write!(
                s,
                r#"<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{p}"/>"#,
                c = esc(l.colour),
                p = pts.join(" ")
            );
        }
        // A lone reading (one hour of a month) draws no line: mark it so it is seen.
        if let [(t, v)] = l.points.as_slice() {
            let _ = write!(
                s,
                r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="2.5" fill="{c}"/>"#,
                cx = x(*t),
                cy = y(*v),
                c = esc(l.colour)
            );
        }
        let lx = left + 8.0 + 120.0 * i as f64;
        let _ = write!(
            s,
            r#"<rect x="{lx}" y="{ly}" width="10" height="3" fill="{c}"/><text x="{tx}" y="{ty}">{t}</text>"#,
            ly = top + 8.0,
            c = esc(l.colour),
            tx = lx + 14.0,
            ty = top + 12.0,
            t = esc(l.label)
        );
    }
    if lines.iter().all(|l| l.points.is_empty()) {
        let _ = write!(
            s,
            r##"<text x="{cx}" y="{cy}" text-anchor="middle" fill="#888">暂无数据</text>"##,
            cx = w / 2.0,
            cy = h / 2.0
        );
    }
    s.push_str("</svg>");
    s
}

fn format_value(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn draws_points_inside_the_plot_and_escapes_labels() {
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let to = from + chrono::Duration::hours(1);
        let out = svg(
            "CPU <核心>",
            &[Line {
                label: "CPU",
                colour: "#c33",
                points: vec![(from, 0.0), (to, 100.0)],
            }],
            from,
            to,
            Some(100.0),
            "%",
        );
        assert!(out.starts_with("<svg"));
        assert!(out.contains("CPU &lt;核心&gt;"));
        // (0 %, start) is the bottom-left corner, (100 %, end) the top-right one.
        assert!(out.contains(r#"points="56.0,172.0 628.0,24.0""#));
        let empty = svg("x", &[], from, to, None, "");
        assert!(empty.contains("暂无数据"));
    }
}
