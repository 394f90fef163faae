//! Small server-side SVG charts for pages (and later PDF packs): accessible
//! (`role="img"`, title and description; every chart sits next to a table of
//! its figures), DSFR colours, no JavaScript.

use std::fmt::Write;

/// DSFR illustrative colours (blue France, red Marianne, and neutral tones).
/// DSFR colours with at least 3:1 contrast on white (RGAA 3.3); lines also
/// alternate solid and dashed, so colour is never the only cue.
pub(crate) const COLOURS: [&str; 6] = [
    "#000091", "#c9191e", "#6a6af4", "#666666", "#18753c", "#b34000",
];
const LEGEND_PER_LINE: usize = 3;

/// One line of a line chart.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn nice_bounds(min: f64, max: f64) -> (f64, f64) {
    if !(min.is_finite() && max.is_finite()) {
        return (0.0, 1.0);
    }
    if (max - min).abs() < f64::EPSILON {
        return (min - 1.0, max + 1.0);
    }
    let pad = (max - min) * 0.08;
    // Amounts never go below zero: keep the axis there rather than pad past it.
    let low = if min >= 0.0 {
        (min - pad).max(0.0)
    } else {
        min - pad
    };
    (low, max + pad)
}

/// A line chart. `x_label(x)` and `y_label(y)` format the axis ticks.
pub fn line_chart(
    id: &str,
    title: &str,
    description: &str,
    series: &[Series],
    x_label: impl Fn(f64) -> String,
    y_label: impl Fn(f64) -> String,
) -> String {
    line_chart_with(
        id,
        title,
        description,
        series,
        XTicks::Even(&x_label),
        y_label,
    )
}

/// A line chart over categories (periods): point `i` of each series sits at
/// x = i, and the x axis shows `labels[i]` under it.
pub fn category_line_chart(
    id: &str,
    title: &str,
    description: &str,
    series: &[Series],
    labels: &[String],
    y_label: impl Fn(f64) -> String,
) -> String {
    line_chart_with(
        id,
        title,
        description,
        series,
        XTicks::Categories(labels),
        y_label,
    )
}

/// Where the x axis has its ticks.
enum XTicks<'a> {
    /// Five, evenly spaced, formatted by the function.
    Even(&'a dyn Fn(f64) -> String),
    /// One per category, at x = its index.
    Categories(&'a [String]),
}

fn line_chart_with(
    id: &str,
    title: &str,
    description: &str,
    series: &[Series],
    x_ticks: XTicks<'_>,
    y_label: impl Fn(f64) -> String,
) -> String {
    // The legend wraps, three entries per line, below the x axis.
    let legend_lines = series.len().div_ceil(LEGEND_PER_LINE).max(1) as f64;
    let (w, left, right, top) = (720.0, 70.0, 40.0, 20.0);
    let bottom = 40.0 + 20.0 * legend_lines;
    let h = 220.0 + bottom;
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .collect();
    if all.is_empty() {
        return String::new();
    }
    let (x0, x1) = nice_bounds(
        all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min),
        all.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max),
    );
    let (y0, y1) = nice_bounds(
        all.iter()
            .map(|p| p.1)
            .fold(f64::INFINITY, f64::min)
            .min(0.0),
        all.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
    );
    let sx = |x: f64| left + (x - x0) / (x1 - x0) * (w - left - right);
    let sy = |y: f64| top + (1.0 - (y - y0) / (y1 - y0)) * (h - top - bottom);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="cosinum-chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(description)
    );
    for i in 0..=4 {
        let y = y0 + (y1 - y0) * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{py:.1}" y2="{py:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="#3a3a3a">{}</text>"##,
            w - right,
            left - 6.0,
            sy(y) + 4.0,
            esc(&y_label(y)),
            py = sy(y)
        );
    }
    let ticks: Vec<(f64, String)> = match x_ticks {
        XTicks::Even(f) => (0..=4)
            .map(|i| {
                let x = x0 + (x1 - x0) * f64::from(i) / 4.0;
                (x, f(x))
            })
            .collect(),
        XTicks::Categories(labels) => labels
            .iter()
            .enumerate()
            .map(|(i, l)| (i as f64, l.clone()))
            .collect(),
    };
    for (x, label) in ticks {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" font-size="12" text-anchor="middle" fill="#3a3a3a">{}</text>"##,
            sx(x),
            h - bottom + 18.0,
            esc(&label)
        );
    }
    for (i, s) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let dash = if i % 2 == 1 {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2.5"{dash} points="{}"/>"#,
            path.join(" ")
        );
        for &(x, y) in &s.points {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                sx(x),
                sy(y)
            );
        }
        let ly = h - bottom + 40.0 + 20.0 * (i / LEGEND_PER_LINE) as f64;
        let lx = left + (i % LEGEND_PER_LINE) as f64 * 215.0;
        let _ = write!(
            svg,
            r##"<line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="3"{dash}/><text x="{}" y="{}" font-size="12" fill="#161616">{}</text>"##,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0,
            esc(&s.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar chart of labelled values (negative values go left);
/// bars for which `alert` holds are drawn in red, the others in blue (the
/// value is always written too: colour is never the only cue). Beyond
/// [`MAX_BARS`] bars only the largest values are drawn (a chart of thousands of
/// bars is unreadable and heavy); the description and a last line say how
/// many were left out, the data table next to the chart keeps them all.
pub fn bar_chart(
    id: &str,
    title: &str,
    description: &str,
    bars: &[(String, f64)],
    value_label: impl Fn(f64) -> String,
    alert: impl Fn(f64) -> bool,
) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let (bars, left_out) = largest_bars(bars, MAX_BARS);
    let description = if left_out > 0 {
        format!(
            "{description} Les {MAX_BARS} plus grandes valeurs sur {} sont représentées.",
            bars.len() + left_out
        )
    } else {
        description.to_string()
    };
    let row = 26.0;
    let (w, left, right, top) = (720.0, 230.0, 70.0, 10.0);
    let notes = if left_out > 0 { 1.0 } else { 0.0 };
    let h = top * 2.0 + row * (bars.len() as f64 + notes);
    let min = bars.iter().map(|b| b.1).fold(0.0_f64, f64::min);
    let max = bars
        .iter()
        .map(|b| b.1)
        .fold(0.0_f64, f64::max)
        .max(min + 1e-9);
    let sx = |v: f64| left + (v - min) / (max - min) * (w - left - right);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="cosinum-chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&description)
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let (a, b) = (sx(0.0).min(sx(*v)), sx(0.0).max(sx(*v)));
        let colour = if alert(*v) { COLOURS[1] } else { COLOURS[0] };
        let short: String = label.chars().take(34).collect();
        let _ = write!(
            svg,
            r##"<text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="#161616">{}</text><rect x="{a:.1}" y="{:.1}" width="{:.1}" height="{}" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#3a3a3a">{}</text>"##,
            left - 8.0,
            y + row * 0.65,
            esc(&short),
            y + 4.0,
            (b - a).max(1.0),
            row - 8.0,
            b + 6.0,
            y + row * 0.65,
            esc(&value_label(*v))
        );
    }
    if left_out > 0 {
        let _ = write!(
            svg,
            r##"<text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="#3a3a3a">… et {left_out} autres (voir le tableau)</text>"##,
            left - 8.0,
            top + row * (bars.len() as f64 + 0.65),
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{0:.1}" x2="{0:.1}" y1="0" y2="{1:.1}" stroke="#161616"/>"##,
        sx(0.0),
        top + row * bars.len() as f64 + top
    );
    svg.push_str("</svg>");
    svg
}

/// Most bars a bar chart draws.
pub const MAX_BARS: usize = 30;

/// `bars` as they are when there are at most `max`; otherwise the `max` of
/// largest value, largest first, and how many were left out.
fn largest_bars(bars: &[(String, f64)], max: usize) -> (Vec<(String, f64)>, usize) {
    if bars.len() <= max {
        return (bars.to_vec(), 0);
    }
    let mut sorted: Vec<&(String, f64)> = bars.iter().collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    (
        sorted.into_iter().take(max).cloned().collect(),
        bars.len() - max,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_accessible_and_escape_text() {
        let s = vec![Series {
            label: "Coût <estimé>".into(),
            points: vec![(0.0, 1.0), (1.0, 2.0)],
        }];
        let svg = line_chart(
            "c1",
            "Titre & co",
            "Desc",
            &s,
            |x| format!("{x}"),
            |y| format!("{y:.1}"),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains(r#"role="img""#)
                && svg.contains("<title id=\"c1-t\">Titre &amp; co</title>")
        );
        assert!(svg.contains("Coût &lt;estimé&gt;"));
        assert_eq!(
            line_chart("c2", "t", "d", &[], |x| x.to_string(), |y| y.to_string()),
            ""
        );
        let bars = bar_chart(
            "b",
            "t",
            "d",
            &[("A".into(), 0.5), ("B".into(), -0.2)],
            |v| format!("{v}"),
            |v| v > 0.1,
        );
        assert_eq!(bars.matches("<rect").count(), 2);
        assert_eq!(
            bars.matches(COLOURS[1]).count(),
            1,
            "only the value in alert is red"
        );
    }

    #[test]
    fn long_bar_charts_keep_the_largest_values_and_say_so() {
        let bars: Vec<(String, f64)> = (0..100).map(|i| (format!("M{i}"), f64::from(i))).collect();
        let svg = bar_chart("b", "t", "d", &bars, |v| format!("{v}"), |_| false);
        assert_eq!(svg.matches("<rect").count(), MAX_BARS);
        assert!(svg.contains(">M99<") && svg.contains(">M70<") && !svg.contains(">M69<"));
        assert!(svg.contains("Les 30 plus grandes valeurs sur 100"));
        assert!(svg.contains("et 70 autres"));
        let few = bar_chart("b", "t", "d", &bars[..3], |v| format!("{v}"), |_| false);
        assert!(
            few.find(">M0<") < few.find(">M2<"),
            "order kept when all fit"
        );
        assert!(!few.contains("autres"));
    }
}
