//! The sheets' bar charts as SVG for the HTML pages: the same bars, shares
//! and French values as the PDF (both come from [`ChartView`]).
//!
//! Sized by `viewBox` only, so the page's CSS decides the width; no font
//! is named, so an inline chart uses the page's font. Screen readers get
//! the title and every value (`role="img"`, `aria-label`, `<title>`,
//! `<desc>`).

use std::fmt::Write;

use cosinum_domain::committee::fiche::Chart;

use crate::view::ChartView;
use crate::xml::escape;

/// DSFR "bleu France".
const BAR_COLOUR: &str = "#000091";
const WIDTH: f64 = 640.0;
/// Labels end here (right-aligned), bars start a little after.
const LABEL_END: f64 = 200.0;
const BAR_START: f64 = 210.0;
/// Room left after the longest bar for its value.
const BAR_MAX: f64 = 330.0;
const ROW: f64 = 28.0;
const BAR_HEIGHT: f64 = 18.0;
const PADDING: f64 = 6.0;
/// Longer labels are shortened on screen (the full text stays in the
/// bar's tooltip and in the description).
const LABEL_CHARS: usize = 30;

pub(crate) fn bar_chart(chart: &Chart) -> String {
    let view = ChartView::new(chart);
    let rows = view.bars.len().max(1);
    let height = PADDING * 2.0 + ROW * rows as f64;
    let description = if view.bars.is_empty() {
        "Aucune donnée.".to_owned()
    } else {
        view.bars
            .iter()
            .map(|b| format!("{} : {}", b.label, b.value))
            .collect::<Vec<_>>()
            .join(" ; ")
    };

    let mut svg = String::new();
    let _ = write!(
        svg,
        // aria-label rather than aria-labelledby: ids would clash when a
        // page shows several charts.
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{title}" font-size="13"><title>{title}</title><desc>{description}</desc>"#,
        title = escape(&view.title),
        description = escape(&description),
    );
    if view.bars.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="{BAR_START}" y="{}" fill="#3a3a3a">Aucune donnée</text>"##,
            PADDING + ROW / 2.0 + 4.0
        );
    }
    for (i, bar) in view.bars.iter().enumerate() {
        let top = PADDING + ROW * i as f64;
        let middle = top + ROW / 2.0;
        let length = (bar.share * BAR_MAX).max(0.0);
        let _ = write!(
            svg,
            concat!(
                r#"<g><title>{full} : {value}</title>"#,
                r##"<text x="{LABEL_END}" y="{baseline:.1}" text-anchor="end" fill="#161616">{label}</text>"##,
                r#"<rect x="{BAR_START}" y="{bar_top:.1}" width="{length:.1}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>"#,
                r##"<text x="{value_x:.1}" y="{baseline:.1}" fill="#161616">{value}</text></g>"##,
            ),
            full = escape(&bar.label),
            label = escape(&shorten(&bar.label)),
            value = escape(&bar.value),
            baseline = middle + 4.5,
            bar_top = middle - BAR_HEIGHT / 2.0,
            length = length,
            value_x = BAR_START + length + 6.0,
            LABEL_END = LABEL_END,
            BAR_START = BAR_START,
            BAR_HEIGHT = BAR_HEIGHT,
            BAR_COLOUR = BAR_COLOUR,
        );
    }
    svg.push_str("</svg>");
    svg
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let kept: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", kept.trim_end())
    }
}
