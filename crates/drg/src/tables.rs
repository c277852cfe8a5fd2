//! Reading a version folder from disk (`<dir>/<version>/…`, layout of FORMAT.md).

use std::path::{Path, PathBuf};

use crate::domain::{TableError, Version, VersionFiles};

/// Why a version could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("读取分组方案文件 {path} 失败：{source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Table(#[from] TableError),
}

impl yiqiao_core::Refusal for LoadError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        match self {
            LoadError::Read { .. } => yiqiao_core::ErrorKind::NotFound,
            LoadError::Table(_) => yiqiao_core::ErrorKind::Unprocessable,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            LoadError::Read { .. } => "DRG_VERSION_NOT_FOUND",
            LoadError::Table(_) => "DRG_TABLE_INVALID",
        }
    }
}

/// Read the files of one version folder (e.g. `…/drg/zj-drg-2022`).
pub fn read_files(folder: &Path) -> Result<VersionFiles, LoadError> {
    let mut files = VersionFiles::default();
    for name in VersionFiles::NAMES {
        let path = folder.join(name);
        let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Read {
            path: path.clone(),
            source,
        })?;
        if let Some(slot) = files.get_mut(name) {
            *slot = text;
        }
    }
    for name in VersionFiles::OPTIONAL {
        let path = folder.join(name);
        if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Read {
                path: path.clone(),
                source,
            })?;
            if let Some(slot) = files.get_mut(name) {
                *slot = text;
            }
        }
    }
    Ok(files)
}

/// Load and compile version `version` from data directory `dir` (which holds one folder per
/// version). `dir` may also be the version folder itself.
pub fn load(dir: &Path, version: &str) -> Result<Version, LoadError> {
    let folder = if dir.join("version.tsv").is_file() {
        dir.to_path_buf()
    } else {
        dir.join(version)
    };
    let v = Version::compile(&read_files(&folder)?)?;
    if v.name() != version {
        return Err(LoadError::Table(TableError {
            file: "version.tsv".into(),
            line: 1,
            message: format!("目录中的方案是 {}，不是所要求的 {version}", v.name()),
        }));
    }
    Ok(v)
}

/// The folder of a version: `dir` itself when it holds `version.tsv`, else `dir/<version>`.
pub fn version_folder(dir: &Path, version: &str) -> PathBuf {
    if dir.join("version.tsv").is_file() {
        dir.to_path_buf()
    } else {
        dir.join(version)
    }
}
