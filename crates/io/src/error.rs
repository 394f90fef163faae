//! Import errors: one per problem, located by file, spreadsheet row and column,
//! so a user can fix everything in one pass instead of one error per upload.

use std::fmt;

/// One problem found while importing a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// File name (without directory) as the user knows it.
    pub file: String,
    /// 1-based row number as a spreadsheet shows it; 0 when the problem
    /// concerns the whole file (unreadable, wrong format…).
    pub row: usize,
    /// Column header the problem is about; empty when it concerns a whole row
    /// or the whole file.
    pub column: String,
    /// What is wrong and, when possible, what was expected (in French).
    pub message: String,
}

impl ImportError {
    /// An error about the whole file (row 0, no column).
    pub fn file_level(file: &str, message: impl Into<String>) -> ImportError {
        ImportError {
            file: file.to_owned(),
            row: 0,
            column: String::new(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ImportError {
    /// "{file}, ligne {row}, colonne « {column} » : {message}"; the row and
    /// column parts are left out when they do not apply (row 0, no column)
    /// rather than printing "ligne 0" or an empty « ».
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.row > 0 {
            write!(f, ", ligne {}", self.row)?;
        }
        if !self.column.is_empty() {
            write!(f, ", colonne « {} »", self.column)?;
        }
        write!(f, " : {}", self.message)
    }
}

impl std::error::Error for ImportError {}

/// Every problem found in one import, in file order (never empty when
/// returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportErrors(pub Vec<ImportError>);

impl ImportErrors {
    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ImportErrors {
    /// One problem per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

impl From<ImportError> for ImportErrors {
    fn from(e: ImportError) -> ImportErrors {
        ImportErrors(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_french_and_one_per_line() {
        let e = ImportError {
            file: "a.csv".into(),
            row: 4,
            column: "Coût estimé".into(),
            message: "nombre illisible".into(),
        };
        assert_eq!(
            e.to_string(),
            "a.csv, ligne 4, colonne « Coût estimé » : nombre illisible"
        );
        let all = ImportErrors(vec![e.clone(), ImportError::file_level("a.csv", "vide")]);
        assert_eq!(
            all.to_string(),
            "a.csv, ligne 4, colonne « Coût estimé » : nombre illisible\na.csv : vide"
        );
    }
}
