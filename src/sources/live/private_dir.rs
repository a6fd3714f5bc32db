//! Private temporary directories (0700) for what must touch the disk, such as the temporary
//! kubeconfig kubectl reads: removed on drop and on termination signals.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Private temporary directories in use, removed on SIGINT, SIGTERM or SIGHUP as well as on drop:
/// the temporary kubeconfig holds `client-key-data`.
static PRIVATE_DIRS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Once per process: a thread that waits for SIGINT, SIGTERM or SIGHUP, removes every private
/// directory and exits with 128 + the signal number, as the shell would report it.
#[cfg(unix)]
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new().name("signals".into()).spawn(move || {
            if let Some(signal) = signals.forever().next() {
                if let Ok(dirs) = PRIVATE_DIRS.lock() {
                    for dir in dirs.iter() {
                        let _ = std::fs::remove_dir_all(dir);
                    }
                }
                std::process::exit(128 + signal);
            }
        });
    });
}

#[cfg(not(unix))]
fn clean_up_on_signals() {}

/// A private temporary directory (0700) that is removed on drop and on termination signals.
pub struct PrivateDir(PathBuf);

impl PrivateDir {
    /// Creates one.
    pub fn new() -> std::io::Result<Self> {
        clean_up_on_signals();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("aks-certscan-{}-{stamp}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        // Registered before it exists, so that no signal can come between creation and registration.
        if let Ok(mut dirs) = PRIVATE_DIRS.lock() {
            dirs.push(path.clone());
        }
        if let Err(e) = builder.create(&path) {
            forget_dir(&path);
            return Err(e);
        }
        Ok(PrivateDir(path))
    }

    /// Writes `text` to a new file `name` in it, readable only by the user (0600).
    pub fn write_private(&self, name: &str, text: &str) -> std::io::Result<PathBuf> {
        let path = self.0.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path)?.write_all(text.as_bytes())?;
        Ok(path)
    }
}

fn forget_dir(path: &Path) {
    if let Ok(mut dirs) = PRIVATE_DIRS.lock() {
        dirs.retain(|d| d != path);
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        forget_dir(&self.0);
    }
}
