//! A node's filesystem mounted below a root (`/host`), seen as the node sees it: every symbolic
//! link resolved inside the root, like `chroot`. The kubelet's certificate store writes
//! `kubelet-client-current.pem` as an absolute link (`/var/lib/kubelet/pki/kubelet-client-
//! 2026-...pem`): followed by the operating system from the scanner, it would name the scanner's
//! own `/var/lib/kubelet`, and a hostile link (`/etc/shadow`, `../../../../etc/shadow`) would
//! read the scanner's files. Here an absolute target starts again at the root, `..` stops at the
//! root, and a path can never leave it.

use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Links followed while resolving one path at most, as Linux allows (`ELOOP` past it).
const MAX_LINKS: usize = 40;

/// A node's filesystem below `root`.
#[derive(Debug, Clone)]
pub struct NodeFs {
    root: PathBuf,
}

impl NodeFs {
    /// The filesystem whose `/` is `root`.
    pub fn new(root: &Path) -> Self {
        NodeFs {
            root: root.to_path_buf(),
        }
    }

    /// The root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `path` really is on the scanning machine: `path` is below the root (as
    /// `root.join(...)` makes it) or a path as the node names it (`/etc/kubernetes/...`), and
    /// every link on the way is resolved inside the root. The file itself need not exist.
    pub fn real(&self, path: &Path) -> io::Result<PathBuf> {
        let inside = path.strip_prefix(&self.root).unwrap_or(path);
        let mut resolved: Vec<OsString> = Vec::new();
        let mut pending: Vec<OsString> = Vec::new();
        push_components(inside, &mut pending, &mut resolved);
        pending.reverse();
        let mut links = 0;
        while let Some(name) = pending.pop() {
            if name == ".." {
                resolved.pop();
                continue;
            }
            let candidate = self.join(&resolved).join(&name);
            match std::fs::symlink_metadata(&candidate) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(io::Error::other("too many levels of symbolic links (a loop?)"));
                    }
                    let target = std::fs::read_link(&candidate)?;
                    let mut more = Vec::new();
                    push_components(&target, &mut more, &mut resolved);
                    // The target's components come next, in order.
                    pending.extend(more.into_iter().rev());
                }
                Ok(_) => resolved.push(name),
                // What does not exist (yet) is taken as named; the caller's read says so.
                Err(e) if e.kind() == io::ErrorKind::NotFound => resolved.push(name),
                Err(e) if e.kind() == io::ErrorKind::NotADirectory => resolved.push(name),
                Err(e) => return Err(e),
            }
        }
        Ok(self.join(&resolved))
    }

    fn join(&self, components: &[OsString]) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(components);
        path
    }

    /// Whether `path` (resolved inside the root) is a directory.
    pub fn is_dir(&self, path: &Path) -> bool {
        self.real(path).is_ok_and(|p| p.is_dir())
    }

    /// Whether `path` (resolved inside the root) is a file.
    pub fn is_file(&self, path: &Path) -> bool {
        self.real(path).is_ok_and(|p| p.is_file())
    }

    /// Whether `path` (resolved inside the root) exists, or is a link that cannot be resolved
    /// (which a read will report).
    pub fn exists(&self, path: &Path) -> bool {
        match self.real(path) {
            Ok(p) => p.exists() || std::fs::symlink_metadata(&p).is_ok(),
            Err(_) => true,
        }
    }

    /// The entries of directory `dir` (resolved inside the root), as `dir.join(name)`, sorted.
    pub fn entries(&self, dir: &Path) -> Vec<PathBuf> {
        let Ok(real) = self.real(dir) else { return Vec::new() };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(real)
            .map(|rd| rd.filter_map(Result::ok).map(|e| dir.join(e.file_name())).collect())
            .unwrap_or_default();
        entries.sort();
        entries
    }
}

/// Appends the components of `path` to `pending`: an absolute path starts again at the root
/// (clearing what was `resolved`), `.` is dropped, `..` is kept for the walk to apply, and a
/// Windows prefix (`C:`) is dropped.
fn push_components(path: &Path, pending: &mut Vec<OsString>, resolved: &mut Vec<OsString>) {
    for component in path.components() {
        match component {
            Component::RootDir => {
                pending.clear();
                resolved.clear();
            }
            Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => pending.push("..".into()),
            Component::Normal(name) => pending.push(name.to_os_string()),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_resolve_inside_the_root_and_never_leave_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("host");
        let pki = root.join("var/lib/kubelet/pki");
        std::fs::create_dir_all(&pki).expect("mkdir");
        std::fs::create_dir_all(root.join("etc")).expect("mkdir");
        std::fs::write(pki.join("kubelet-client-2026-11-01-10-00-00.pem"), b"dated").expect("write");
        std::fs::write(root.join("etc/shadow"), b"the node's own").expect("write");
        // As the kubelet writes it: an absolute link to the dated file.
        symlink(
            "/var/lib/kubelet/pki/kubelet-client-2026-11-01-10-00-00.pem",
            pki.join("kubelet-client-current.pem"),
        )
        .expect("link");
        symlink("/etc/shadow", pki.join("absolute-escape")).expect("link");
        symlink("../../../../../../../../etc/shadow", pki.join("relative-escape")).expect("link");
        symlink("loop-b", pki.join("loop-a")).expect("link");
        symlink("loop-a", pki.join("loop-b")).expect("link");
        symlink("/var/lib", root.join("etc/lib")).expect("link");
        let fs = NodeFs::new(&root);
        let read = |p: &str| std::fs::read(fs.real(&root.join(p)).expect("resolves")).expect("reads");
        assert_eq!(read("var/lib/kubelet/pki/kubelet-client-current.pem"), b"dated");
        assert_eq!(read("var/lib/kubelet/pki/absolute-escape"), b"the node's own");
        assert_eq!(read("var/lib/kubelet/pki/relative-escape"), b"the node's own");
        // A directory link in the middle, and `..` that would climb above the root.
        assert_eq!(read("etc/lib/kubelet/pki/kubelet-client-current.pem"), b"dated");
        assert_eq!(read("../../etc/shadow"), b"the node's own");
        assert_eq!(read("/etc/shadow"), b"the node's own");
        let looped = fs.real(&pki.join("loop-a")).expect_err("a loop");
        assert!(looped.to_string().contains("too many levels"), "{looped}");
        assert!(fs.is_file(&pki.join("kubelet-client-current.pem")));
        assert!(fs.is_dir(&root.join("etc/lib")));
        assert!(fs
            .real(&root.join("etc/passwd"))
            .expect("taken as named")
            .starts_with(&root));
    }
}
