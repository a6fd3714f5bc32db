//! Policy sources: the bundled `policies/` tree compiled into the binary, and user directories.
//!
//! Bundled files keep their repository path (`policies/cert/certificate_expired.rego`) so that
//! compile errors point at a file a contributor can open.

use std::path::Path;

use include_dir::{include_dir, Dir};

use super::error::PolicyError;

static BUNDLED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/policies");

/// One `.rego` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    /// Path shown in messages (`policies/...` for bundled files, as given for user files).
    pub path: String,
    /// The Rego source.
    pub text: String,
    /// Shipped inside the binary.
    pub bundled: bool,
}

impl PolicyFile {
    /// A `_test.rego` file (loaded only by `policy test`).
    pub fn is_test(&self) -> bool {
        self.path.ends_with("_test.rego")
    }
}

/// SHA-256 over `files` (path, length and text of each, in path order): the same policies give
/// the same digest on any machine.
pub fn digest(files: &[PolicyFile]) -> String {
    let mut sorted: Vec<&PolicyFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut all = Vec::new();
    for f in sorted {
        all.extend_from_slice(f.path.as_bytes());
        all.push(0);
        all.extend_from_slice(f.text.len().to_string().as_bytes());
        all.push(0);
        all.extend_from_slice(f.text.as_bytes());
    }
    crate::facts::x509::sha256_hex(&all)
}

/// Every bundled `.rego` file, in path order.
pub fn bundled() -> Vec<PolicyFile> {
    let mut files = Vec::new();
    collect_bundled(&BUNDLED, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn collect_bundled(dir: &Dir<'static>, out: &mut Vec<PolicyFile>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "rego") {
            if let Some(text) = file.contents_utf8() {
                out.push(PolicyFile {
                    path: format!("policies/{}", file.path().display()),
                    text: text.to_string(),
                    bundled: true,
                });
            }
        }
    }
    for sub in dir.dirs() {
        collect_bundled(sub, out);
    }
}

/// The `.rego` files of `dirs` (tests included), each directory once however it is named, and
/// without the files that are the bundled policies themselves (`--policy policies` in this
/// repository): `scan --policy` and `policy test` read user directories the same way.
pub fn user_files(dirs: &[std::path::PathBuf]) -> Result<Vec<PolicyFile>, PolicyError> {
    let bundled: std::collections::HashSet<String> = bundled().into_iter().map(|f| f.text).collect();
    let mut seen = std::collections::HashSet::new();
    let mut files = Vec::new();
    for dir in dirs {
        let identity = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        if !seen.insert(identity) {
            continue;
        }
        files.extend(load_dir(dir)?.into_iter().filter(|f| !bundled.contains(&f.text)));
    }
    Ok(files)
}

/// Every `.rego` file under a user directory (or the file itself), in path order.
pub fn load_dir(dir: &Path) -> Result<Vec<PolicyFile>, PolicyError> {
    if !dir.exists() {
        return Err(PolicyError::Load {
            path: dir.display().to_string(),
            message: "no such file or directory".into(),
        });
    }
    let mut files = Vec::new();
    // The same walker as `--certs`: links followed, each real directory once, loops and special
    // files reported.
    let walk = if dir.is_dir() {
        crate::walk::walk(dir)
    } else {
        crate::walk::Walk {
            files: vec![dir.to_path_buf()],
            errors: Vec::new(),
        }
    };
    if let Some((path, problem)) = walk.errors.first() {
        return Err(PolicyError::Load {
            path: path.display().to_string(),
            message: problem.to_string(),
        });
    }
    for path in walk.files.iter().filter(|p| p.extension().is_some_and(|e| e == "rego")) {
        let text = crate::safe_io::read_regular_text(path, crate::safe_io::DEFAULT_MAX_FILE_SIZE).map_err(|e| {
            PolicyError::Load {
                path: path.display().to_string(),
                message: e.to_string(),
            }
        })?;
        files.push(PolicyFile {
            path: crate::paths::display_path(path),
            text,
            bundled: false,
        });
    }
    if files.is_empty() {
        return Err(PolicyError::Load {
            path: dir.display().to_string(),
            message: "holds no `.rego` file".into(),
        });
    }
    Ok(files)
}
