//! The `aks-certscan` binary: parse, run, map the outcome to an exit code, and print the error
//! when there is one (the only place errors are printed).

use std::process::ExitCode;

use aks_certscan::cli::{self, ParseFailure};
use aks_certscan::commands::{self, ExitStatus};

fn main() -> ExitCode {
    open_standard_descriptors();
    no_library_backtraces();
    let mode = match cli::parse(std::env::args_os()) {
        Ok(mode) => mode,
        Err(ParseFailure::Clap(e)) => e.exit(),
        Err(ParseFailure::Usage(e)) => {
            aks_certscan::log::line(&format!("error: {e}"));
            return ExitCode::from(ExitStatus::Error.code());
        }
    };
    match commands::run(mode) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            aks_certscan::log::line(&format!("error: {err}"));
            ExitCode::from(ExitStatus::Error.code())
        }
    }
}

/// Turns off the backtraces libraries capture in their error values (`RUST_LIB_BACKTRACE=0`),
/// unless the user set `RUST_LIB_BACKTRACE` themselves; panics still follow `RUST_BACKTRACE`.
/// regorus makes `anyhow` errors in the normal course of evaluating rules, and with
/// `RUST_BACKTRACE=1` in the environment (common on developers' machines and in CI) each one
/// walked the stack: 11,000 walks and about a tenth of the CPU time of a 100,000-certificate scan,
/// for backtraces nothing ever prints (errors are shown as messages).
fn no_library_backtraces() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // Called first thing in `main`, before any other thread exists.
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
}

/// Opens `/dev/null` on any of descriptors 0, 1 and 2 that is closed (`2>&-`). Otherwise the
/// next file opened (a report, the facts document) would get that number, and lines meant for
/// standard error would be written into it.
fn open_standard_descriptors() {
    for fd in 0..=2 {
        // SAFETY: fcntl(F_GETFD) only asks whether the descriptor is open; open(2) takes a valid
        // NUL-terminated path and returns the lowest free descriptor, which is `fd`.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) == -1 {
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
                if null >= 0 && null != fd {
                    libc::close(null);
                }
            }
        }
    }
}

/// mimalloc, except that running out of memory is exit status 2 with a message instead of an
/// abort (status 134, no message): under a memory cap (a container's limit, `ulimit -v`), a
/// policy or an input that needs more is a clear usage error like any other.
struct ExitOnOutOfMemory;

/// Writes the message with `write(2)` (allocating is what just failed) and exits at once.
#[cold]
fn out_of_memory(size: usize) -> ! {
    const BEFORE: &[u8] = b"error: out of memory: an allocation of ";
    const AFTER: &[u8] = b" bytes failed; a policy or an input needs more memory than this process may use (docs/security.md, \"Time and memory\")\n";
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut n = size;
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // SAFETY: write(2) and _exit(2) are async-signal-safe and take valid pointers and lengths.
    unsafe {
        for part in [BEFORE, &digits[start..], AFTER] {
            libc::write(2, part.as_ptr().cast(), part.len());
        }
        libc::_exit(2);
    }
}

// SAFETY: every call is forwarded to mimalloc unchanged; only a null result is acted upon.
unsafe impl std::alloc::GlobalAlloc for ExitOnOutOfMemory {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::GlobalAlloc::alloc(&mimalloc::MiMalloc, layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::GlobalAlloc::alloc_zeroed(&mimalloc::MiMalloc, layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::GlobalAlloc::dealloc(&mimalloc::MiMalloc, ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { std::alloc::GlobalAlloc::realloc(&mimalloc::MiMalloc, ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: ExitOnOutOfMemory = ExitOnOutOfMemory;
