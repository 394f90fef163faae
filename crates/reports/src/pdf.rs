//! The PDF renderings: compile a static template against the document's
//! data in a sealed [`ReportWorld`], then export with a timestamp and an
//! identifier derived from the data, so the same input always yields the
//! same bytes (two copies of a pack can be compared by checksum).

use std::fmt::Write;

use cosinum_domain::committee::documents::{Pack, Record};
use serde::Serialize;
use time::Date;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst::syntax::{DiagSpan, DiagSpanKind};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use crate::ReportError;
use crate::view::{self, PackView, RecordView};
use crate::world::{self, ReportWorld};

/// A document ready to compile: which template, what it reads, and the
/// stable facts the PDF metadata is derived from.
struct Job<'a, T: Serialize> {
    /// Named in errors: "committee pack".
    document: &'static str,
    /// [`world::PACK`] or [`world::RECORD`].
    template: &'static str,
    data: &'a T,
    /// The document's own date: what `datetime.today()` returns and the
    /// PDF creation date (never the clock).
    dated: Date,
    /// Stable across renderings of the same document, never a clock.
    ident: String,
}

fn compile<T: Serialize>(job: &Job<'_, T>) -> Result<(PagedDocument, ReportWorld), ReportError> {
    let data = serde_json::to_vec(job.data)?;
    let world = ReportWorld::new(job.template, data, job.dated);
    let warned = typst::compile::<PagedDocument>(&world);
    // typst memoises layout work process-wide; a server rendering many
    // packs would keep every one of them. Keep only recent entries.
    typst::comemo::evict(10);
    match warned.output {
        Ok(document) => Ok((document, world)),
        Err(errors) => Err(ReportError::Layout {
            document: job.document,
            diagnostics: render_diagnostics(&world, &errors),
        }),
    }
}

fn export<T: Serialize>(job: &Job<'_, T>) -> Result<Vec<u8>, ReportError> {
    let (document, world) = compile(job)?;
    let timestamp = Datetime::from_ymd(
        job.dated.year(),
        u8::from(job.dated.month()),
        job.dated.day(),
    )
    .map(Timestamp::new_utc);
    let options = PdfOptions {
        ident: Smart::Custom(job.ident.clone()),
        creator: Smart::Custom(Some("cosinum".to_owned())),
        timestamp,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| ReportError::Export {
        document: job.document,
        diagnostics: render_diagnostics(&world, &errors),
    })
}

fn pack_job<'a>(view: &'a PackView, pack: &Pack) -> Job<'a, PackView> {
    Job {
        document: "committee pack",
        template: world::PACK,
        data: view,
        dated: pack.generated_on,
        ident: format!("cosinum/pack/{}", pack.session.id),
    }
}

fn record_job<'a>(view: &'a RecordView, record: &Record) -> Job<'a, RecordView> {
    Job {
        document: "record of decisions",
        template: world::RECORD,
        data: view,
        dated: view::record_date(record),
        ident: format!("cosinum/record/{}/{}", record.session.id, record.version),
    }
}

pub(crate) fn pack(pack: &Pack) -> Result<Vec<u8>, ReportError> {
    let view = PackView::new(pack);
    export(&pack_job(&view, pack))
}

pub(crate) fn record(record: &Record) -> Result<Vec<u8>, ReportError> {
    let view = RecordView::new(record);
    export(&record_job(&view, record))
}

/// The laid-out pack, for tests that read the pages back.
#[cfg(test)]
pub(crate) fn pack_document(pack: &Pack) -> Result<PagedDocument, ReportError> {
    let view = PackView::new(pack);
    compile(&pack_job(&view, pack)).map(|(document, _)| document)
}

/// The laid-out record, for tests that read the pages back.
#[cfg(test)]
pub(crate) fn record_document(record: &Record) -> Result<PagedDocument, ReportError> {
    let view = RecordView::new(record);
    compile(&record_job(&view, record)).map(|(document, _)| document)
}

/// typst's errors as one readable message: "pack.typ:12:3: unknown
/// variable: foo (hint: …)", one per line after the first.
fn render_diagnostics(world: &ReportWorld, diagnostics: &[SourceDiagnostic]) -> String {
    let mut out = String::new();
    for (i, diag) in diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .enumerate()
    {
        if i > 0 {
            out.push_str("; ");
        }
        if let Some(place) = locate(world, diag.span) {
            let _ = write!(out, "{place}: ");
        }
        out.push_str(&diag.message);
        for hint in &diag.hints {
            let _ = write!(out, " (hint: {})", hint.v);
        }
    }
    if out.is_empty() {
        out.push_str("unknown error");
    }
    out
}

/// "pack.typ:12:3", or just the file for data errors.
fn locate(world: &ReportWorld, span: DiagSpan) -> Option<String> {
    let id = match span.get() {
        DiagSpanKind::Detached => return None,
        DiagSpanKind::Number { id, .. } | DiagSpanKind::Range { id, .. } => id,
    };
    let file = id.vpath().get_without_slash().to_owned();
    let position = world.range(span).and_then(|range| {
        use typst::World;
        let source = world.source(id).ok()?;
        source.lines().byte_to_line_column(range.start)
    });
    Some(match position {
        Some((line, column)) => format!("{file}:{}:{}", line + 1, column + 1),
        None => file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn typst_errors_name_the_template_line() {
        // Data missing what the template reads: typst stops at the first use.
        let data = serde_json::json!({ "document_title": "x" });
        let job = Job {
            document: "committee pack",
            template: world::PACK,
            data: &data,
            dated: date!(2025 - 06 - 20),
            ident: "test".into(),
        };
        let Err(error) = compile(&job) else {
            panic!("compiled without a session");
        };
        let message = error.to_string();
        assert!(
            message.starts_with("typesetting the committee pack failed: pack.typ:"),
            "{message}"
        );
        assert!(message.contains("session"), "{message}");
    }
}
