//! Import and export for cosinum: the Panorama open-data files published by
//! DINSIC/DINUM (CSV and XLSX, 2016–2018 editions, see
//! `shared/reference/major-projects.md` §1.3), and generic CSV / Excel files
//! both ways (French conventions: `;`, UTF-8 BOM, dd/mm/yyyy).
//!
//! Nothing here touches the database: readers return plain rows or a list of
//! every problem found, writers take rows of cells. Messages meant for users
//! are in French.

pub mod csv_out;
mod error;
pub mod funding;
pub mod inventory;
pub mod observatoire;
pub mod panorama;
pub mod plans;
pub mod publication;
mod sheet;
pub mod talent;
pub mod template;
mod text;
pub mod xlsx_out;
mod xlsx_read;

pub use error::{ImportError, ImportErrors};
pub use panorama::{PanoramaFile, PanoramaRow, read_panorama};
