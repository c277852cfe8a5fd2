//! Server-rendered SVG charts (our own drawing, no scripts): a bar chart whose bars may go below
//! zero (surplus/deficit), used for the monthly trends and a DRG's cost distribution.

use std::fmt::Write;

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar: its label under the axis, its value, and the value as shown above the bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub shown: String,
}

const W: i64 = 720;
const H: i64 = 240;
const LEFT: i64 = 16;
const TOP: i64 = 28;
const BOTTOM: i64 = 40;

/// A bar chart with a title; negative values are drawn below the zero line in another colour.
/// Integer geometry, so the same data always gives the same bytes.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{t}"><title>{t}</title><rect width="{W}" height="{H}" fill="#fff"/><text x="{LEFT}" y="18" font-size="14" fill="#222">{t}</text>"##,
        t = esc(title)
    );
    let max = bars.iter().map(|b| b.value.max(0)).max().unwrap_or(0);
    let min = bars.iter().map(|b| b.value.min(0)).min().unwrap_or(0);
    let span = (max - min).max(1);
    let plot_h = H - TOP - BOTTOM;
    // y of a value: the top of the plot is `max`, its bottom `min`.
    let y = |v: i64| TOP + ((max - v) as i128 * plot_h as i128 / span as i128) as i64;
    let zero = y(0);
    let n = bars.len().max(1) as i64;
    let slot = (W - 2 * LEFT) / n;
    let width = (slot * 7 / 10).max(1);
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{zero}" x2="{}" y2="{zero}" stroke="#888" stroke-width="1"/>"##,
        W - LEFT
    );
    for (i, b) in bars.iter().enumerate() {
        let x = LEFT + i as i64 * slot + (slot - width) / 2;
        let (top, height, fill) = if b.value >= 0 {
            (y(b.value), zero - y(b.value), "#3b78c2")
        } else {
            (zero, y(b.value) - zero, "#c2493b")
        };
        let cx = x + width / 2;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{top}" width="{width}" height="{height}" fill="{fill}"><title>{l}：{v}</title></rect><text x="{cx}" y="{ty}" font-size="10" text-anchor="middle" fill="#333">{v}</text><text x="{cx}" y="{ly}" font-size="10" text-anchor="middle" fill="#555">{l}</text>"##,
            l = esc(&b.label),
            v = esc(&b.shown),
            ty = if b.value >= 0 {
                top - 3
            } else {
                top + height + 11
            },
            ly = H - 8,
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_bars_hang_below_the_zero_line_and_text_is_escaped() {
        let svg = bars(
            "结余<亏损>",
            &[
                Bar {
                    label: "1月".into(),
                    value: 100,
                    shown: "100".into(),
                },
                Bar {
                    label: "2月".into(),
                    value: -50,
                    shown: "-50".into(),
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("结余&lt;亏损&gt;"));
        assert!(svg.contains("#c2493b") && svg.contains("#3b78c2"));
        // Zero line at 28 + 100 × 172 / 150 = 142; the negative bar starts there.
        assert!(svg.contains(r#"y1="142""#), "{svg}");
        assert!(svg.contains(r#"y="142" width"#), "{svg}");
    }

    #[test]
    fn no_bars_still_draws_an_empty_chart() {
        let svg = bars("空", &[]);
        assert!(svg.contains("<title>空</title>") && svg.ends_with("</svg>"));
    }
}
