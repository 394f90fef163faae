//! The record of decisions as an OpenDocument text (ODF 1.3), written by
//! hand: the format is a zip of a few XML files, and the secretariat only
//! needs real headings, a table and page numbers to edit it in LibreOffice
//! or Word. It prints the same wording as the PDF (both read
//! [`RecordView`]).

mod content;
mod styles;

use std::io::{Cursor, Write};

use cosinum_domain::committee::documents::Record;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::ReportError;
use crate::view::{self, RecordView};
use crate::xml::escape;

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

pub(crate) fn record(record: &Record) -> Result<Vec<u8>, ReportError> {
    let view = RecordView::new(record);
    // The entries carry the record's own date, never the clock, so the same
    // version always gives the same bytes.
    let dated = view::record_date(record);
    let stamp = u16::try_from(dated.year())
        .ok()
        .and_then(|year| {
            DateTime::from_date_and_time(year, u8::from(dated.month()), dated.day(), 0, 0, 0).ok()
        })
        .unwrap_or_default();
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(stamp);
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(stamp);

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // ODF requires `mimetype` first and uncompressed, so tools can sniff
    // the type at a fixed offset.
    zip.start_file("mimetype", stored)?;
    zip.write_all(MIMETYPE.as_bytes())?;
    let entries = [
        ("META-INF/manifest.xml", styles::manifest()),
        ("meta.xml", styles::meta(&view, dated)),
        ("styles.xml", styles::styles(&view)),
        ("content.xml", content::content(&view)),
    ];
    for (name, xml) in entries {
        zip.start_file(name, deflated)?;
        zip.write_all(xml.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Paragraph text with its spacing kept: ODF collapses repeated spaces
/// and ignores tabs unless written as elements.
pub(crate) fn text_content(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut spaces = 0usize;
    let flush = |out: &mut String, spaces: &mut usize| {
        match *spaces {
            0 => {}
            1 => out.push(' '),
            n => {
                out.push(' ');
                out.push_str(&format!(r#"<text:s text:c="{}"/>"#, n - 1));
            }
        }
        *spaces = 0;
    };
    for c in text.chars() {
        match c {
            ' ' => spaces += 1,
            '\t' => {
                flush(&mut out, &mut spaces);
                out.push_str("<text:tab/>");
            }
            '\n' => {
                flush(&mut out, &mut spaces);
                out.push_str("<text:line-break/>");
            }
            c => {
                flush(&mut out, &mut spaces);
                out.push_str(&escape(c.encode_utf8(&mut [0; 4])));
            }
        }
    }
    flush(&mut out, &mut spaces);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_survives_and_markup_is_escaped() {
        assert_eq!(text_content("a  b"), r#"a <text:s text:c="1"/>b"#);
        assert_eq!(text_content("x\ty"), "x<text:tab/>y");
        assert_eq!(text_content("<b> & \"c\""), "&lt;b&gt; &amp; &quot;c&quot;");
    }
}
