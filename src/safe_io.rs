//! The one way files are read and written.
//!
//! Reading: every path, from the command line or from inside a document (a kubeconfig's
//! `certificate-authority`, a node root's files, `--baseline`, `--data`, policies), is opened by
//! [`read_regular`]: opened without blocking (a FIFO cannot hang the open), checked with `fstat`
//! on the open descriptor (what is checked is what is read), read only when it is a regular file,
//! and never past a size cap (checked arithmetic: a cap of `u64::MAX` means "no cap", not 0).
//! Anything else, standard input and a command's output, goes through [`read_limited`].
//!
//! Writing: [`write_atomically`] writes a temporary file beside the target and renames it into
//! place, so a reader never sees half a report and an existing symbolic link at the target is
//! refused rather than followed (a link planted where a report goes cannot redirect it).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Default per-file size cap: real certificates, kubeconfigs, cluster documents, SARIF baselines
/// and policies are far smaller.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Default cap on a whole document (`--k8s-objects`, `--facts`, the output of a live `kubectl`
/// or `az` call): 1 GiB. `kubectl get secrets -A -o json` of a large cluster is tens of
/// megabytes, a saved facts document of 100,000 certificates hundreds.
pub const DEFAULT_MAX_DOCUMENT_SIZE: u64 = 1024 * 1024 * 1024;

/// Why an input could not be read. Messages never quote the input.
#[derive(Debug)]
pub enum ReadError {
    /// The operating system refused (not found, permission, a loop of links, would block, ...).
    Io(io::Error),
    /// A directory where a file was expected.
    Directory,
    /// Not a regular file: a FIFO, socket or device, which may block or never end.
    Special(&'static str),
    /// More than `max` bytes (at least `size`).
    TooLarge {
        /// Bytes seen (at least).
        size: u64,
        /// The cap.
        max: u64,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{}", io_message(e)),
            ReadError::Directory => write!(f, "is a directory, expected a file"),
            ReadError::Special(kind) => write!(
                f,
                "is {kind}, not a regular file: not read (it could block or never end); copy its content to a file"
            ),
            ReadError::TooLarge { size, max } => write!(
                f,
                "file is larger than the {max}-byte cap ({size} bytes or more); raise it with `--max-file-size`"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Describes an I/O error in a lowercase sentence, without the path or the data.
pub fn io_message(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::WouldBlock => "would block: it is not an ordinary file (a device or kernel interface?)".into(),
        _ if err.raw_os_error() == Some(libc::ELOOP) => "too many levels of symbolic links (a symlink loop)".into(),
        _ => format!("cannot read: {err}"),
    }
}

/// What a file type is, in words, when it is not a regular file or a directory.
pub fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    let _ = file_type;
    "a special file"
}

/// Opens `path` for reading without blocking and checks, on the open file, that it is a regular
/// file. Links are followed (a `--certs` tree may be made of them); what they lead to is checked.
pub fn open_regular(path: &Path) -> Result<File, ReadError> {
    open_regular_with_metadata(path).map(|(file, _)| file)
}

/// [`open_regular`], also returning the open file's metadata (one `fstat` for both uses).
fn open_regular_with_metadata(path: &Path) -> Result<(File, std::fs::Metadata), ReadError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one,
        // and a read that would block (a device, `/proc/kmsg`) fails instead of hanging.
        // O_NOCTTY: a terminal device never becomes our controlling terminal.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return Err(ReadError::Directory);
    }
    if !file_type.is_file() {
        return Err(ReadError::Special(special_kind(&file_type)));
    }
    Ok((file, metadata))
}

/// Reads a whole regular file of at most `max` bytes.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let (file, metadata) = open_regular_with_metadata(path)?;
    let size = metadata.len();
    if size > max {
        return Err(ReadError::TooLarge { size, max });
    }
    // The size is a hint: a file can grow after `fstat` (or be a `/proc` file that says 0). One
    // byte more, so that reading to the end needs no second allocation: growing a 100 MiB
    // document by doubling copied it several times and faulted in twice the pages.
    let hint = usize::try_from(size.saturating_add(1)).unwrap_or(0);
    let mut file = file;
    let mut bytes = Vec::with_capacity(hint);
    if size > 0 && hint > 0 {
        // One read for the whole file: when it brings exactly the size `fstat` gave, that is the
        // file as it was then, and the read that would only find the end is saved (one system
        // call of four per file, on 100,000 small certificates). Anything else (a short read, a
        // file that grew) goes on reading to the end as before.
        bytes.resize(hint, 0);
        let read = loop {
            match file.read(&mut bytes) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        bytes.truncate(read);
        if read as u64 == size {
            return Ok(bytes);
        }
    }
    let already = bytes.len() as u64;
    (&mut file)
        .take(max.saturating_add(1).saturating_sub(already))
        .read_to_end(&mut bytes)?;
    let read = bytes.len() as u64;
    if read > max {
        return Err(ReadError::TooLarge { size: read, max });
    }
    Ok(bytes)
}

/// Reads a whole regular file as UTF-8 text of at most `max` bytes.
pub fn read_regular_text(path: &Path, max: u64) -> Result<String, ReadError> {
    let bytes = read_regular(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// Reads everything from `reader` (standard input, a command's output), refusing more than `max`
/// bytes: reading stops one byte past the cap, whatever the other side keeps sending.
pub fn read_limited(reader: impl Read, max: u64) -> Result<Vec<u8>, ReadError> {
    read_limited_with(reader, max, 0)
}

fn read_limited_with(reader: impl Read, max: u64, hint: usize) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(hint);
    // `max + 1` overflows at `u64::MAX`: saturate (a cap that large is no cap).
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    let read = bytes.len() as u64;
    if read > max {
        return Err(ReadError::TooLarge { size: read, max });
    }
    Ok(bytes)
}

/// Writes `path` through `write`: to a temporary file in the same directory, renamed over the
/// target when complete. Refuses a target that is a symbolic link or a directory; writes
/// straight to a device or FIFO that already exists (`/dev/null`, `/dev/stdout`, a pipe).
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            if is_standard_stream(path) {
                return write_in_place(path, write);
            }
            return Err(io::Error::other(
                "is a symbolic link: refusing to write through it (remove the link, or name the file it points to)",
            ));
        }
        Ok(meta) if meta.is_dir() => return Err(io::Error::other("is a directory")),
        Ok(meta) if !meta.is_file() => return write_in_place(path, write),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let (temp, file) = create_temporary_beside(path)?;
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        write(&mut out)?;
        out.flush()?;
        // Keep an existing report's permissions; a new one gets the default (umask) mode.
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&temp, meta.permissions());
        }
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Writes an output to `path` (through [`write_atomically`]), or to standard output when `None`,
/// calling `write` once through a buffer. When standard output is closed early (`scan | head`),
/// the rest is dropped quietly: a command's exit code still reflects what it found.
pub fn write_output(path: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    match path {
        Some(p) if p != Path::new("/dev/stdout") && p != Path::new("-") => write_atomically(p, write),
        _ => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            match write(&mut out).and_then(|()| out.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    // Nothing more can reach the reader: drop what is buffered without retrying.
                    drop(out.into_parts());
                    Ok(())
                }
                other => other,
            }
        }
    }
}

/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`: links the system provides to this process's own
/// streams, which users name on purpose.
pub fn is_standard_stream(path: &Path) -> bool {
    path == Path::new("/dev/stdout") || path == Path::new("/dev/stderr") || path.starts_with("/dev/fd/")
}

/// The descriptor a standard stream's path names (`/dev/stderr` is 2, `/dev/fd/7` is 7).
fn standard_descriptor(path: &Path) -> Option<i32> {
    if path == Path::new("/dev/stdout") {
        return Some(1);
    }
    if path == Path::new("/dev/stderr") {
        return Some(2);
    }
    path.strip_prefix("/dev/fd/").ok()?.to_str()?.parse().ok()
}

fn write_in_place(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    // A standard stream is written through the descriptor this process already has, not opened
    // again: opening `/dev/stdout` makes a new open file at offset 0 without O_APPEND, which
    // overwrites a log the shell opened with `>>`. A duplicate shares offset and flags.
    let file = match standard_descriptor(path) {
        #[cfg(unix)]
        Some(fd) => {
            use std::os::fd::FromRawFd;
            // SAFETY: dup(2) returns a new descriptor this function then owns (or -1).
            let copy = unsafe { libc::dup(fd) };
            if copy < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `copy` is a fresh descriptor owned by nothing else.
            unsafe { File::from_raw_fd(copy) }
        }
        _ => OpenOptions::new().write(true).open(path)?,
    };
    let mut out = BufWriter::with_capacity(1 << 16, file);
    write(&mut out)?;
    out.flush()
}

/// A private temporary file (0600, created new, never through a link), removed when dropped:
/// where an output too large to hold in memory is put together before it is written.
#[derive(Debug)]
pub struct Spill {
    path: PathBuf,
    file: Option<BufWriter<File>>,
}

impl Spill {
    /// Creates one beside `near` (the output it is for), or in the temporary directory.
    pub fn new(near: Option<&Path>) -> io::Result<Spill> {
        let beside = near.filter(|p| !is_standard_stream(p) && !p.starts_with("/dev/"));
        let anchor = match beside {
            Some(p) => p.to_path_buf(),
            None => std::env::temp_dir().join("aks-certscan.spill"),
        };
        let (path, file) = create_temporary_beside(&anchor)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
        }
        Ok(Spill {
            path,
            file: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// Where to write.
    pub fn writer(&mut self) -> io::Result<&mut dyn Write> {
        match self.file.as_mut() {
            Some(f) => Ok(f),
            None => Err(io::Error::other("the spill file is already being read")),
        }
    }

    /// Everything written, to read back from the start (through the same open file: the path
    /// is never opened again).
    pub fn reader(&mut self) -> io::Result<impl Read + '_> {
        use std::io::Seek;
        let Some(writer) = self.file.take() else {
            return Err(io::Error::other("the spill file was read already"));
        };
        let mut file = writer.into_inner().map_err(|e| e.into_error())?;
        file.seek(io::SeekFrom::Start(0))?;
        Ok(io::BufReader::with_capacity(1 << 20, file))
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        self.file.take();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Creates a new file (never an existing one, never through a link) beside `path`.
fn create_temporary_beside(path: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new().read(true).write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_cap_of_u64_max_is_no_cap() {
        let bytes = read_limited(&b"hello"[..], u64::MAX).expect("read");
        assert_eq!(bytes, b"hello");
        assert!(matches!(
            read_limited(&b"hello"[..], 4),
            Err(ReadError::TooLarge { size: 5, max: 4 })
        ));
    }

    #[test]
    fn whole_files_are_read_whatever_size_fstat_gives() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Exactly the size fstat gives (read in one call), up to the cap and one byte over it.
        let file = dir.path().join("cert.pem");
        let text: Vec<u8> = (0..5000u32).map(|i| b"ABCDEFGHIJ\n"[i as usize % 11]).collect();
        std::fs::write(&file, &text).expect("write");
        assert_eq!(read_regular(&file, 5000).expect("read"), text);
        assert!(matches!(
            read_regular(&file, 4999),
            Err(ReadError::TooLarge { size: 5000, max: 4999 })
        ));
        // A file that says it is empty but is not (procfs): read to its end all the same.
        let status = read_regular(Path::new("/proc/self/status"), 1 << 20).expect("procfs");
        assert!(status.starts_with(b"Name:") && status.ends_with(b"\n"), "{status:?}");
    }

    #[test]
    fn fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("p");
        let c = std::ffi::CString::new(fifo.to_str().expect("utf8")).expect("cstring");
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(read_regular(&fifo, 10), Err(ReadError::Special(k)) if k.contains("FIFO")));
        assert!(matches!(read_regular(dir.path(), 10), Err(ReadError::Directory)));
    }

    #[test]
    fn writes_replace_files_and_refuse_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("report.sarif");
        write_atomically(&target, |w| w.write_all(b"one")).expect("write");
        write_atomically(&target, |w| w.write_all(b"two")).expect("rewrite");
        assert_eq!(std::fs::read(&target).expect("read"), b"two");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").expect("victim");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&victim, &link).expect("symlink");
        let err = write_atomically(&link, |w| w.write_all(b"evil")).expect_err("refused");
        assert!(err.to_string().contains("symbolic link"));
        assert_eq!(std::fs::read(&victim).expect("read"), b"precious");
        // A failed write leaves no temporary file behind.
        let failed = write_atomically(&dir.path().join("x"), |_| Err(io::Error::other("boom")));
        assert!(failed.is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }
}
