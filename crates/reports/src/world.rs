//! A sealed typst world: the static templates compiled into this crate,
//! the document's data as the only other file, typst-assets' bundled fonts
//! only and a fixed "today". Nothing is read from disk or the network, so a
//! document renders the same on every machine and every day.

use std::sync::LazyLock;

use time::Date;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// Where the templates find their data: `json("data.json")`.
const DATA_PATH: &str = "/data.json";

/// The templates, by their path in the virtual project.
const TEMPLATES: [(&str, &str); 3] = [
    ("/common.typ", include_str!("../templates/common.typ")),
    ("/pack.typ", include_str!("../templates/pack.typ")),
    ("/record.typ", include_str!("../templates/record.typ")),
];

/// The template of the committee pack.
pub(crate) const PACK: &str = "/pack.typ";
/// The template of the record of decisions.
pub(crate) const RECORD: &str = "/record.typ";

/// Parsing the fonts and building the standard library take a while: do it
/// once per process, every document shares them.
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    // Only the free fonts typst ships (Libertinus Serif, New Computer
    // Modern, DejaVu Sans Mono): a document never depends on the host.
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

fn file_id(path: &str) -> FileId {
    // The paths are constants of this crate; a bad one is a programming
    // error that every test would catch.
    let vpath = VirtualPath::new(path).expect("static virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One document being compiled.
pub(crate) struct ReportWorld {
    main: FileId,
    templates: Vec<Source>,
    data_id: FileId,
    data: Bytes,
    today: Date,
}

impl ReportWorld {
    /// `main` is one of [`PACK`] or [`RECORD`]; `data` is the JSON it reads;
    /// `today` is what `datetime.today()` says.
    pub(crate) fn new(main: &str, data: Vec<u8>, today: Date) -> Self {
        ReportWorld {
            main: file_id(main),
            templates: TEMPLATES
                .iter()
                .map(|(path, text)| Source::new(file_id(path), (*text).to_owned()))
                .collect(),
            data_id: file_id(DATA_PATH),
            data: Bytes::new(data),
            today,
        }
    }

    fn template(&self, id: FileId) -> Option<&Source> {
        self.templates.iter().find(|s| s.id() == id)
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        match self.template(id) {
            Some(source) => Ok(source.clone()),
            None if id == self.data_id => Err(FileError::NotSource),
            None => Err(not_found(id)),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if let Some(source) = self.template(id) {
            Ok(Bytes::from_string(source.text().to_owned()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Datetime::from_ymd(
            self.today.year(),
            u8::from(self.today.month()),
            self.today.day(),
        )
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}
