//! What can go wrong producing a document.

/// Why a document could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The template could not be laid out with this data; `diagnostics`
    /// has typst's messages with their template line and column.
    #[error("typesetting the {document} failed: {diagnostics}")]
    Layout {
        document: &'static str,
        diagnostics: String,
    },
    #[error("exporting the {document} to PDF failed: {diagnostics}")]
    Export {
        document: &'static str,
        diagnostics: String,
    },
    #[error("serialising the document data: {0}")]
    Data(#[from] serde_json::Error),
    #[error("writing the OpenDocument archive: {0}")]
    Archive(#[from] zip::result::ZipError),
    #[error("writing the OpenDocument archive: {0}")]
    Io(#[from] std::io::Error),
}
