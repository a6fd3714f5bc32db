//! How paths are shown in facts, reports and messages: the way the user gave them, relative to
//! the working directory when they lie below it, so that the scanning machine's layout stays out
//! of the output.

use std::path::{Component, Path};

/// Shows a path as the user would recognise it: relative to the working directory when it lies
/// below it, with `/` separators, and with no `./` prefix.
pub fn display_path(path: &Path) -> String {
    // The common case, a plain relative path (`d014/svc-7250.crt`), is shown as it is: the
    // component walk below would give the same text (this runs once per file of a directory).
    if let Some(text) = path.to_str() {
        if is_plain_relative(text) {
            return text.to_string();
        }
    }
    display_components(path)
}

/// [`display_path`] by walking the path's components.
fn display_components(path: &Path) -> String {
    // The working directory is read once: this runs for every file of a large directory.
    static CWD: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    let shown = match CWD.get_or_init(|| std::env::current_dir().ok()) {
        Some(cwd) if path.is_absolute() => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    let mut joined = String::with_capacity(shown.as_os_str().len() + 1);
    let mut absolute = false;
    for component in shown.components() {
        let part = match component {
            Component::CurDir => continue,
            Component::RootDir => {
                absolute = true;
                continue;
            }
            other => shown_name(other.as_os_str()),
        };
        if !joined.is_empty() {
            joined.push('/');
        }
        joined.push_str(&part);
    }
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Whether `text` is a relative path of plain names: not empty, no leading, trailing or doubled
/// `/`, and no `.` component.
fn is_plain_relative(text: &str) -> bool {
    !text.is_empty() && text.split('/').all(|name| !name.is_empty() && name != ".")
}

/// A name as shown: itself when it is UTF-8; otherwise its valid parts as they are and each
/// byte that is not UTF-8 as `%XX` (never U+FFFD: two different names must not be shown as one,
/// and SARIF keeps `%80`-`%FF` as they are, so its URI names the real file).
fn shown_name(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, str> {
    if let Some(text) = name.to_str() {
        return std::borrow::Cow::Borrowed(text);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for byte in chunk.invalid() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        std::borrow::Cow::Owned(out)
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy()
    }
}

/// Joins a displayed root and a relative path inside it.
pub fn join_display(root: &str, relative: &Path) -> String {
    let rel = display_path(relative);
    if rel == "." {
        root.to_string()
    } else if root == "." {
        rel
    } else {
        format!("{}/{}", root.trim_end_matches('/'), rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths_are_shown_as_the_component_walk_shows_them() {
        for text in [
            "a",
            "d014/svc-7250.crt",
            "a/../b",
            "..",
            "a b/c\td.pem",
            "./a/b",
            "a/./b",
            "a//b",
            "a/b/",
            "/a/b",
            ".",
            "",
            ".hidden/x",
        ] {
            let path = Path::new(text);
            assert_eq!(display_path(path), display_components(path), "{text:?}");
        }
        assert!(is_plain_relative("d014/svc-7250.crt") && !is_plain_relative("a//b") && !is_plain_relative("./a"));
    }

    #[test]
    fn display_path_drops_dot_prefix_and_keeps_relative_paths() {
        assert_eq!(display_path(Path::new("./testdata/a.pem")), "testdata/a.pem");
        assert_eq!(display_path(Path::new("testdata")), "testdata");
        assert_eq!(display_path(Path::new(".")), ".");
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_stay_distinct() {
        use std::os::unix::ffi::OsStrExt;
        let a = display_path(Path::new(std::ffi::OsStr::from_bytes(b"certs/a\xff.pem")));
        let b = display_path(Path::new(std::ffi::OsStr::from_bytes(b"certs/a\xfe.pem")));
        assert_eq!(a, "certs/a%FF.pem");
        assert_eq!(b, "certs/a%FE.pem");
        let mixed = display_path(Path::new(std::ffi::OsStr::from_bytes(b"\xc3\xa9t\xe9.pem")));
        assert_eq!(mixed, "\u{e9}t%E9.pem");
    }

    #[test]
    fn display_path_strips_the_working_directory() {
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(display_path(&cwd.join("x/y.crt")), "x/y.crt");
    }

    #[test]
    fn join_display_joins_root_and_relative() {
        assert_eq!(join_display("certs", Path::new("a/b.pem")), "certs/a/b.pem");
        assert_eq!(join_display(".", Path::new("b.pem")), "b.pem");
        assert_eq!(join_display("certs/", Path::new("")), "certs/");
    }
}
