//! Tests of the rendered documents. The PDFs are checked on the laid-out
//! pages (text read back from the frames), not on the compressed bytes.

mod odt;
mod pack;
mod record;
mod sample;
mod svg;

use std::path::Path;

use typst::layout::{Frame, FrameItem};
use typst_layout::PagedDocument;

/// The text of each page, in layout order, with no-break spaces made
/// plain and runs of spaces collapsed, so tests can compare phrases.
pub(crate) fn page_texts(document: &PagedDocument) -> Vec<String> {
    document
        .pages()
        .iter()
        .map(|page| {
            let mut text = String::new();
            collect_text(&page.frame, &mut text);
            normalise(&text)
        })
        .collect()
}

fn collect_text(frame: &Frame, out: &mut String) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Text(run) => {
                out.push_str(&run.text);
                out.push(' ');
            }
            FrameItem::Group(group) => collect_text(&group.frame, out),
            _ => {}
        }
    }
}

/// No-break spaces (French punctuation, thousands) as plain spaces, and
/// any run of whitespace as one space.
pub(crate) fn normalise(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Filled rectangles of a given colour on a page (the chart bars).
pub(crate) fn rects_filled_with(frame: &Frame, hex: &str) -> usize {
    use typst::visualize::{Geometry, Paint};
    frame
        .items()
        .map(|(_, item)| match item {
            FrameItem::Group(group) => rects_filled_with(&group.frame, hex),
            FrameItem::Shape(shape, _) => usize::from(
                matches!(shape.geometry, Geometry::Rect(_))
                    && matches!(&shape.fill, Some(Paint::Solid(c)) if c.to_hex() == hex),
            ),
            _ => 0,
        })
        .sum()
}

/// Writes the sample documents to `$COSINUM_SAMPLE_DIR`, to look at them
/// (`COSINUM_SAMPLE_DIR=/tmp cargo test -p cosinum-reports samples`);
/// does nothing otherwise.
#[test]
fn samples_for_inspection() {
    let Some(dir) = std::env::var_os("COSINUM_SAMPLE_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let pack = crate::pack_pdf(&sample::pack()).unwrap();
    std::fs::write(dir.join("pack-sample.pdf"), pack).unwrap();
    let draft = sample::record("draft");
    std::fs::write(
        dir.join("record-sample.pdf"),
        crate::record_pdf(&draft).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("record-sample.odt"),
        crate::record_odt(&draft).unwrap(),
    )
    .unwrap();
    let chart = &sample::pack().sheets[0].fiche.charts[0];
    std::fs::write(dir.join("chart-sample.svg"), crate::chart_svg(chart)).unwrap();
}
