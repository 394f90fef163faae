//! The committee's printable documents: the pack (cover, agenda, attendance
//! and briefing sheets) and the record of decisions as PDF, the record as an
//! editable OpenDocument text, and the sheets' bar charts as SVG for pages.
//!
//! The PDFs are laid out by an embedded typst compiler. User text never
//! becomes typst markup: the static templates in `templates/` read the
//! document as JSON (`json("data.json")`), so a title containing `#` or `]`
//! is printed, not evaluated. Every number and date is formatted in Rust
//! (module `view`) so the printed figures match the pages exactly, and the
//! compiler only ever sees the bundled free fonts and the document's own
//! dates, which makes the output byte-for-byte reproducible.

mod error;
mod french;
mod odt;
mod pdf;
mod svg;
mod view;
mod world;
mod xml;

use cosinum_domain::committee::documents::{Pack, Record};
use cosinum_domain::committee::fiche::Chart;

pub use error::ReportError;

/// The committee pack as a PDF: cover, table of contents, agenda,
/// attendance, then one section per briefing sheet.
pub fn pack_pdf(pack: &Pack) -> Result<Vec<u8>, ReportError> {
    pdf::pack(pack)
}

/// One version of the record of decisions as a PDF (a draft carries a
/// "PROJET" mark on every page).
pub fn record_pdf(record: &Record) -> Result<Vec<u8>, ReportError> {
    pdf::record(record)
}

/// One version of the record of decisions as an OpenDocument text, for the
/// secretariat to edit in LibreOffice or Word before circulating it.
pub fn record_odt(record: &Record) -> Result<Vec<u8>, ReportError> {
    odt::record(record)
}

/// A horizontal bar chart as a standalone, accessible SVG (`role="img"`,
/// its title as `<title>`), sized by its `viewBox` so pages can scale it.
pub fn chart_svg(chart: &Chart) -> String {
    svg::bar_chart(chart)
}

#[cfg(test)]
mod tests;
