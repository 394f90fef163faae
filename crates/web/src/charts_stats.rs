//! Charts of distributions and relations: box-and-strip plots (one row per
//! indicator: whiskers min–max, box q1–q3, median, one dot per ministry)
//! and scatter plots. Same conventions as [`crate::charts`]: server-side
//! SVG, `role="img"` with title and description, a table of the figures
//! next to each, and colour never the only cue (alert dots are also larger
//! and labelled).

use std::fmt::Write;

use crate::charts::{COLOURS, esc};

/// One row of a box-and-strip plot.
pub struct Strip {
    pub label: String,
    /// min, q1, median, q3, max.
    pub five: Option<[f64; 5]>,
    /// One dot per value: its label (empty for anonymous ones), the value,
    /// whether it is in alert.
    pub dots: Vec<(String, f64, bool)>,
}

/// A box-and-strip plot on a common axis from 0 to the largest value;
/// `marks` are reference lines (an alert band, a target).
pub fn box_strip_chart(
    id: &str,
    title: &str,
    description: &str,
    rows: &[Strip],
    marks: &[(String, f64)],
    value_label: impl Fn(f64) -> String,
) -> String {
    if rows.iter().all(|r| r.dots.is_empty()) {
        return String::new();
    }
    let (w, left, right, top, row_h) = (720.0, 170.0, 30.0, 24.0, 78.0);
    let h = top + row_h * rows.len() as f64 + 30.0;
    let max = rows
        .iter()
        .flat_map(|r| r.dots.iter().map(|d| d.1))
        .chain(marks.iter().map(|m| m.1))
        .fold(0.0_f64, f64::max)
        .max(1e-9)
        * 1.08;
    let sx = |v: f64| left + v / max * (w - left - right);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="cosinum-chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(description)
    );
    let axis_y = top + row_h * rows.len() as f64;
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{axis_y}" stroke="#dddddd"/><text x="{x:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#3a3a3a">{}</text>"##,
            axis_y + 18.0,
            esc(&value_label(v)),
            x = sx(v)
        );
    }
    for (m, v) in marks {
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{axis_y}" stroke="{}" stroke-dasharray="5 3"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="start" fill="{}">{}</text>"##,
            top - 6.0,
            COLOURS[1],
            sx(*v) + 3.0,
            top - 10.0,
            COLOURS[1],
            esc(m),
            x = sx(*v)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let mid = top + row_h * i as f64 + row_h / 2.0;
        let _ = write!(
            svg,
            r##"<text x="{}" y="{:.1}" font-size="13" text-anchor="end" fill="#161616">{}</text>"##,
            left - 10.0,
            mid + 4.0,
            esc(&r.label)
        );
        if let Some([lo, q1, med, q3, hi]) = r.five {
            let _ = write!(
                svg,
                r##"<line x1="{:.1}" x2="{:.1}" y1="{mid:.1}" y2="{mid:.1}" stroke="#666666"/><rect x="{:.1}" y="{:.1}" width="{:.1}" height="24" fill="#e3e3fd" stroke="{}"/><line x1="{m:.1}" x2="{m:.1}" y1="{:.1}" y2="{:.1}" stroke="{}" stroke-width="3"/>"##,
                sx(lo),
                sx(hi),
                sx(q1),
                mid - 12.0,
                (sx(q3) - sx(q1)).max(1.0),
                COLOURS[0],
                mid - 12.0,
                mid + 12.0,
                COLOURS[0],
                m = sx(med)
            );
        }
        let mut drawn = Drawn::default();
        for (k, (label, v, alert)) in r.dots.iter().enumerate() {
            // Alternate above and below the box so labels do not collide.
            let dy = if k % 2 == 0 { -20.0 } else { 20.0 };
            let (fill, radius) = if *alert {
                (COLOURS[1], 5.5)
            } else {
                ("#161616", 3.5)
            };
            drawn.once(
                &mut svg,
                format!(
                    r#"<circle cx="{:.1}" cy="{:.1}" r="{radius}" fill="{fill}"/>"#,
                    sx(*v),
                    mid + dy
                ),
            );
            // Only alerts are named when many dots share a row: the
            // table next to the chart names every one.
            if !label.is_empty() && (*alert || r.dots.len() <= 3) {
                drawn.once(
                    &mut svg,
                    format!(
                        r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="{fill}">{}</text>"#,
                        sx(*v),
                        mid + dy + if dy < 0.0 { -8.0 } else { 15.0 },
                        esc(label)
                    ),
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Scatter plots with more points than this leave them unlabelled.
const LABELLED_POINTS: usize = 40;

/// The marks already drawn on a chart: a mark identical to one drawn (the
/// same shape at the same place, as written) adds nothing to see, only
/// weight. At scale thousands of ministries share a handful of values, and
/// a chart drew 36,000 dots (2 MB) where 30 can be told apart.
#[derive(Default)]
struct Drawn(std::collections::HashSet<String>);

impl Drawn {
    fn once(&mut self, svg: &mut String, mark: String) {
        if !self.0.contains(&mark) {
            svg.push_str(&mark);
            self.0.insert(mark);
        }
    }
}

/// A scatter plot of labelled points; `x_title` and `y_title` name the axes.
#[allow(clippy::too_many_arguments)]
pub fn scatter_chart(
    id: &str,
    title: &str,
    description: &str,
    points: &[(String, f64, f64)],
    x_title: &str,
    y_title: &str,
    x_label: impl Fn(f64) -> String,
    y_label: impl Fn(f64) -> String,
) -> String {
    if points.is_empty() {
        return String::new();
    }
    let (w, h, left, right, top, bottom) = (720.0, 380.0, 80.0, 30.0, 20.0, 60.0);
    let bounds = |f: fn(&(String, f64, f64)) -> f64| {
        let lo = points.iter().map(f).fold(0.0_f64, f64::min);
        let hi = points.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.1).max(1e-6);
        (lo.min(0.0), hi + pad)
    };
    let (x0, x1) = bounds(|p| p.1);
    let (y0, y1) = bounds(|p| p.2);
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
        let (x, y) = (
            x0 + (x1 - x0) * f64::from(i) / 4.0,
            y0 + (y1 - y0) * f64::from(i) / 4.0,
        );
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{py:.1}" y2="{py:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="#3a3a3a">{}</text><line x1="{px:.1}" x2="{px:.1}" y1="{top}" y2="{}" stroke="#eeeeee"/><text x="{px:.1}" y="{}" font-size="12" text-anchor="middle" fill="#3a3a3a">{}</text>"##,
            w - right,
            left - 6.0,
            sy(y) + 4.0,
            esc(&y_label(y)),
            h - bottom,
            h - bottom + 18.0,
            esc(&x_label(x)),
            py = sy(y),
            px = sx(x)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{}" font-size="13" text-anchor="middle" fill="#161616">{}</text><text x="16" y="{:.1}" font-size="13" text-anchor="middle" fill="#161616" transform="rotate(-90 16 {:.1})">{}</text>"##,
        (left + w - right) / 2.0,
        h - 12.0,
        esc(x_title),
        (top + h - bottom) / 2.0,
        (top + h - bottom) / 2.0,
        esc(y_title)
    );
    // Past a few dozen points the labels would cover each other: the
    // table next to the chart names every one.
    let labelled = points.len() <= LABELLED_POINTS;
    let mut drawn = Drawn::default();
    for (label, x, y) in points {
        drawn.once(
            &mut svg,
            format!(
                r#"<circle cx="{:.1}" cy="{:.1}" r="5" fill="{}"/>"#,
                sx(*x),
                sy(*y),
                COLOURS[0],
            ),
        );
        if labelled {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#161616">{}</text>"##,
                sx(*x) + 7.0,
                sy(*y) - 6.0,
                esc(label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_strip_draws_each_dot_and_flags_alerts() {
        let rows = [Strip {
            label: "Rotation".into(),
            five: Some([0.05, 0.08, 0.1, 0.15, 0.3]),
            dots: vec![
                ("MININT".into(), 0.3, true),
                ("".into(), 0.05, false),
                ("MEF".into(), 0.1, false),
                ("MJ".into(), 0.12, false),
            ],
        }];
        let svg = box_strip_chart("d", "T <1>", "D", &rows, &[("seuil".into(), 0.2)], |v| {
            format!("{v:.2}")
        });
        assert!(
            svg.starts_with("<svg") && svg.contains("T &lt;1&gt;") && svg.contains(r#"role="img""#)
        );
        assert_eq!(svg.matches("<circle").count(), 4);
        assert_eq!(svg.matches(r#"r="5.5""#).count(), 1, "one dot in alert");
        assert!(svg.contains(">MININT<") && svg.contains(">seuil<"));
        assert!(
            !svg.contains(">MEF<"),
            "crowded rows name their alerts only"
        );
        assert_eq!(
            box_strip_chart("e", "t", "d", &[], &[], |v| v.to_string()),
            ""
        );
    }

    #[test]
    fn a_dot_drawn_over_the_same_one_is_drawn_once() {
        // Twenty ministries at 0.1: below the box or above it, two dots;
        // the one at 0.2 is apart.
        let mut dots: Vec<(String, f64, bool)> =
            (0..20).map(|i| (format!("M{i}"), 0.1, false)).collect();
        dots.push(("X".into(), 0.2, false));
        let rows = [Strip {
            label: "Rotation".into(),
            five: Some([0.1, 0.1, 0.1, 0.1, 0.2]),
            dots,
        }];
        let svg = box_strip_chart("d", "t", "d", &rows, &[], |v| format!("{v:.2}"));
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn scatter_places_every_point() {
        let pts = [("A".to_owned(), 0.1, 0.2), ("B".to_owned(), 0.3, -0.1)];
        let svg = scatter_chart(
            "s",
            "t",
            "d",
            &pts,
            "x",
            "y",
            |x| format!("{x}"),
            |y| format!("{y}"),
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains(">A<") && svg.contains(">B<"));
        // Crowded: unlabelled, and points at one place drawn once.
        let crowd: Vec<(String, f64, f64)> = (0..100)
            .map(|i| (format!("M{i}"), f64::from(i % 10), 1.0))
            .collect();
        let svg = scatter_chart(
            "s",
            "t",
            "d",
            &crowd,
            "x",
            "y",
            |x| format!("{x}"),
            |y| format!("{y}"),
        );
        assert_eq!(svg.matches("<circle").count(), 10);
        assert!(!svg.contains(">M1<"));
        assert_eq!(
            scatter_chart(
                "s",
                "t",
                "d",
                &[],
                "x",
                "y",
                |x| x.to_string(),
                |y| y.to_string()
            ),
            ""
        );
    }
}
