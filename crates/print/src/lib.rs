//! Printable documents (打印): typst as a library, to PDF and PDF/A, with the system's Chinese
//! fonts.
//!
//! A module writes its form as typst markup that reads its data with `json("/data.json")` and
//! its pictures (SVG charts) from fixed virtual paths such as `/chart-1.svg`; this crate compiles
//! it in a [`World`] of its own and exports the pages. Facts behind the shape (NOTES.md): fonts
//! are scanned once and shared; typst's memo cache is evicted after every document or it grows
//! without bound; file ids are interned for ever, so only a fixed set of virtual paths is used;
//! a missing Chinese font is not an error in typst (text silently vanishes), so the printer
//! refuses to start without one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontVariant};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

/// The Debian package that brings the fonts the forms are set in.
pub const FONT_PACKAGE: &str = "fonts-noto-cjk";

/// Why a document could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// No font on the machine has Chinese characters: typst would print empty boxes.
    #[error(
        "系统中没有可用的中文字体，无法打印：请安装 {FONT_PACKAGE}（Debian: apt-get install {FONT_PACKAGE}）或在配置中给出字体目录"
    )]
    NoChineseFont,
    /// A font directory named in the configuration does not exist.
    #[error("字体目录不存在：{0}")]
    FontDirMissing(String),
    /// A virtual file name a module passed is not one of the fixed, simple names.
    #[error("文档附件名不合法：{0}（应为 /名称.svg、.png、.jpg 或 .json）")]
    BadFileName(String),
    /// The form's markup or data does not compile: a programming error in the form, or data
    /// the form did not expect.
    #[error("打印模板编译失败：{0}")]
    Compile(String),
    /// The compiled pages could not be written as PDF (or do not meet PDF/A).
    #[error("PDF 导出失败：{0}")]
    Export(String),
}

impl yiqiao_core::Refusal for PrintError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        // None of these is caused by a client's request: a missing font is the server's
        // set-up (503, the message says what to install), the rest are its own forms.
        match self {
            PrintError::NoChineseFont | PrintError::FontDirMissing(_) => {
                yiqiao_core::ErrorKind::Unavailable
            }
            PrintError::BadFileName(_) | PrintError::Compile(_) | PrintError::Export(_) => {
                yiqiao_core::ErrorKind::Internal
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            PrintError::NoChineseFont => "PRINT_NO_CHINESE_FONT",
            PrintError::FontDirMissing(_) => "PRINT_FONT_DIR_MISSING",
            PrintError::BadFileName(_) => "PRINT_BAD_FILE_NAME",
            PrintError::Compile(_) => "PRINT_COMPILE",
            PrintError::Export(_) => "PRINT_EXPORT",
        }
    }
}

/// Which PDF to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    /// An ordinary PDF, for printing and viewing.
    Pdf,
    /// PDF/A-2b, for archive copies (归档): fonts embedded, no transparency groups that A-1
    /// forbids, metadata in XMP.
    PdfA2b,
}

/// One document to print.
#[derive(Debug, Clone)]
pub struct Document {
    /// The typst markup of the form. It reads its data with `json("/data.json")`.
    pub source: String,
    /// The data the form shows, available to the markup as `/data.json`.
    pub data: serde_json::Value,
    /// Further files the markup reads (charts, photos), by fixed virtual names such as
    /// `/chart-1.svg`. Use the same few names for every document: typst interns every name for
    /// the life of the process.
    pub files: Vec<(String, Vec<u8>)>,
    /// Ordinary PDF or PDF/A. PDF/A needs the document's date, which the markup sets with
    /// `#set document(title: …, date: datetime(…))` from its data (never "today").
    pub standard: Standard,
}

/// Compiles documents with fonts loaded once. Cheap to share: keep one in an `Arc`.
pub struct Printer {
    library: LazyHash<Library>,
    fonts: FontStore,
    /// The family of the Chinese sans-serif font set as the default, as the font book names it.
    chinese_family: String,
    /// typst's caches are global; evicting while another document compiles is safe but
    /// wasteful, and compiling documents one at a time keeps memory flat.
    one_at_a_time: Mutex<()>,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("chinese_family", &self.chinese_family)
            .finish_non_exhaustive()
    }
}

impl Printer {
    /// Loads the system's fonts and those under `extra_font_dirs`, and refuses when none of
    /// them can set Chinese text.
    pub fn from_system(extra_font_dirs: &[PathBuf]) -> Result<Printer, PrintError> {
        let mut fonts = FontStore::new();
        for dir in extra_font_dirs {
            if !dir.is_dir() {
                return Err(PrintError::FontDirMissing(dir.display().to_string()));
            }
            fonts.extend(typst_kit::fonts::scan(dir));
        }
        fonts.extend(typst_kit::fonts::system());
        let chinese_family = chinese_family(fonts.book()).ok_or(PrintError::NoChineseFont)?;
        Ok(Printer {
            library: LazyHash::new(Library::default()),
            fonts,
            chinese_family,
            one_at_a_time: Mutex::new(()),
        })
    }

    /// The printer over the system's fonts, scanned once per process (scanning takes a
    /// noticeable fraction of a second; servers and tests share it).
    pub fn system() -> Result<Arc<Printer>, PrintError> {
        static SHARED: OnceLock<Result<Arc<Printer>, String>> = OnceLock::new();
        match SHARED.get_or_init(|| {
            Printer::from_system(&[])
                .map(Arc::new)
                .map_err(|e| e.to_string())
        }) {
            Ok(printer) => Ok(printer.clone()),
            Err(_) => Err(PrintError::NoChineseFont),
        }
    }

    /// The Chinese font family documents are set in unless they choose another.
    pub fn chinese_family(&self) -> &str {
        &self.chinese_family
    }

    /// Compiles the document and writes it as PDF (or PDF/A).
    pub fn pdf(&self, document: &Document) -> Result<Vec<u8>, PrintError> {
        let world = DocumentWorld::new(self, document)?;
        let _guard = self
            .one_at_a_time
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let result = compile_and_export(&world, document.standard);
        // Without this typst's memo cache grows by hundreds of MB over a few thousand pages.
        typst::comemo::evict(10);
        result
    }
}

fn compile_and_export(
    world: &DocumentWorld<'_>,
    standard: Standard,
) -> Result<Vec<u8>, PrintError> {
    let compiled = typst::compile::<PagedDocument>(world).output;
    let pages = compiled.map_err(|errors| PrintError::Compile(describe(world, &errors)))?;
    let standards = match standard {
        Standard::Pdf => PdfStandards::default(),
        Standard::PdfA2b => PdfStandards::new(&[PdfStandard::A_2b])
            .map_err(|e| PrintError::Export(e.message().to_string()))?,
    };
    let options = PdfOptions {
        standards,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&pages, &options).map_err(|errors| {
        let mut message = describe(world, &errors);
        if message.contains("missing document date") {
            // PDF/A must carry a date and the printer never uses "today" (see `today`).
            message.push_str("（归档件须在模板中写明 #set document(date: …)）");
        }
        PrintError::Export(message)
    })
}

/// The family of a font that has 中 in its sans-serif regular face, preferring Noto Sans CJK SC
/// (NOTES.md: without it the fallback picks Japanese glyph shapes).
fn chinese_family(book: &FontBook) -> Option<String> {
    if book.contains_family("noto sans cjk sc") {
        return Some("Noto Sans CJK SC".to_string());
    }
    let index = book.select_fallback(None, FontVariant::default(), "中")?;
    book.info(index).map(|info| info.family.clone())
}

/// The messages of typst's diagnostics with the line they point at, for the log and the
/// engineer fixing the form.
fn describe(world: &DocumentWorld<'_>, errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|error| {
            let line = typst::WorldExt::range(world, error.span)
                .map(|range| {
                    world
                        .main_source
                        .lines()
                        .byte_to_line(range.start)
                        .map_or(0, |l| l + 1)
                })
                .filter(|line| *line > 0)
                .map(|line| format!("（第 {} 行）", line.saturating_sub(PREAMBLE_LINES)))
                .unwrap_or_default();
            format!("{}{}", error.message, line)
        })
        .collect::<Vec<_>>()
        .join("；")
}

const MAIN: &str = "/main.typ";
const DATA: &str = "/data.json";
/// Lines the printer puts before every form (see [`preamble`]).
const PREAMBLE_LINES: usize = 1;

/// Sets the Chinese font and language before the form's own markup, so a form that sets
/// nothing still prints Chinese in Simplified Chinese shapes.
fn preamble(family: &str) -> String {
    format!("#set text(font: (\"{family}\",), lang: \"zh\", region: \"cn\")\n")
}

fn file_id(path: &str) -> Result<FileId, PrintError> {
    let vpath = VirtualPath::new(path).map_err(|_| PrintError::BadFileName(path.to_string()))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// A fixed, simple attachment name: `/` then letters, digits or `-`/`_`, then a known suffix.
fn valid_attachment_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('/') else {
        return false;
    };
    let Some((stem, suffix)) = rest.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty()
        && stem.len() <= 40
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && matches!(suffix, "svg" | "png" | "jpg" | "jpeg" | "json")
        && name != DATA
}

/// One document's view of the world: the printer's fonts and library, the form, its data and
/// its attachments. Nothing is read from the disk.
struct DocumentWorld<'a> {
    printer: &'a Printer,
    main: FileId,
    main_source: Source,
    files: HashMap<FileId, Bytes>,
}

impl<'a> DocumentWorld<'a> {
    fn new(printer: &'a Printer, document: &Document) -> Result<Self, PrintError> {
        let main = file_id(MAIN)?;
        let text = format!("{}{}", preamble(&printer.chinese_family), document.source);
        let main_source = Source::new(main, text);
        let mut files = HashMap::new();
        let data = serde_json::to_vec(&document.data)
            .map_err(|e| PrintError::Compile(format!("数据无法写成 JSON：{e}")))?;
        files.insert(file_id(DATA)?, Bytes::new(data));
        for (name, bytes) in &document.files {
            if !valid_attachment_name(name) {
                return Err(PrintError::BadFileName(name.clone()));
            }
            files.insert(file_id(name)?, Bytes::new(bytes.clone()));
        }
        Ok(DocumentWorld {
            printer,
            main,
            main_source,
            files,
        })
    }
}

impl World for DocumentWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.printer.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.printer.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.main_source.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main {
            return Ok(Bytes::from_string(self.main_source.clone()));
        }
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(PathBuf::from(format!("{id:?}"))))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.printer.fonts.font(index)
    }

    /// Forms print the dates in their data, never "today": the same data prints the same page.
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::valid_attachment_name;

    #[test]
    fn attachment_names_are_fixed_simple_names() {
        assert!(valid_attachment_name("/chart-1.svg"));
        assert!(valid_attachment_name("/photo_2.jpg"));
        assert!(!valid_attachment_name("chart.svg"));
        assert!(!valid_attachment_name("/../etc/passwd.svg"));
        assert!(!valid_attachment_name("/a/b.svg"));
        assert!(!valid_attachment_name("/data.json"));
        assert!(!valid_attachment_name("/chart.exe"));
    }
}
