//! Running `az`, `kubectl` and `kubelogin` as subprocesses: captured output, one time limit for
//! everything (the program, any process it leaves behind, and reading what they print), and
//! errors that say which step failed and why, without echoing anything the command printed on
//! standard output (`az aks get-credentials --file -` prints private keys there).
//!
//! Each command runs in a process group of its own. At the deadline, or as soon as the program
//! itself has exited, the whole group is killed: a background child that keeps standard output
//! open cannot stretch the time limit, and none is left running. Output is read until the
//! deadline, not until end of file.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use crate::safe_io::read_limited;
use crate::sanitize::redact;

/// Why a command gave no usable output. Every message names the command, never its output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The program is not installed.
    #[error("`{program}` is not installed or not on PATH (choose another with --az / --kubectl)")]
    NotInstalled {
        /// The program as named.
        program: String,
    },
    /// The program could not be started.
    #[error("{command} could not start: {message}")]
    Start {
        /// The command line as shown.
        command: String,
        /// Why.
        message: String,
    },
    /// It printed more than the cap.
    #[error("{command} printed more than {max} bytes (the `--max-file-size` cap): stopped")]
    TooMuchOutput {
        /// The command line as shown.
        command: String,
        /// The cap.
        max: u64,
    },
    /// It ran past its time limit (it and everything it started were killed).
    #[error("{command} timed out after {seconds} s")]
    TimedOut {
        /// The command line as shown.
        command: String,
        /// The limit.
        seconds: u64,
    },
    /// Waiting for it failed.
    #[error("{command}: {message}")]
    Wait {
        /// The command line as shown.
        command: String,
        /// Why.
        message: String,
    },
    /// It exited with a failure; `message` is its standard error, summarised and redacted.
    #[error("{message}")]
    Failed {
        /// The whole message: command, exit status and what it said.
        message: String,
    },
    /// Its output is not UTF-8.
    #[error("{command} printed something that is not UTF-8")]
    NotUtf8 {
        /// The command line as shown.
        command: String,
    },
}

/// Runs `program args...`, returning its standard output.
///
/// Standard output and standard error are each read up to `max_output` bytes: a command that
/// prints more is stopped at once and reported (a flooding `az` cannot fill memory). What the
/// command printed on standard error is summarised (three lines, 300 characters) and passed
/// through [`redact`], because `az` error messages can quote tokens and secrets.
pub fn run(
    program: &Path,
    args: &[String],
    env: &[(&str, &str)],
    timeout: Duration,
    max_output: u64,
) -> Result<String, CommandError> {
    let shown = format!("`{} {}`", program.display(), args.join(" "));
    let deadline = Instant::now() + timeout;
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CommandError::NotInstalled {
            program: program.display().to_string(),
        },
        _ => CommandError::Start {
            command: shown.clone(),
            message: e.to_string(),
        },
    })?;
    let group = Group(child.id());
    let overflow = Arc::new(AtomicBool::new(false));
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        group.kill(&mut child);
        return Err(CommandError::Start {
            command: shown,
            message: "no pipe to read its output".into(),
        });
    };
    let out = reader(Box::new(stdout), max_output, &overflow);
    let err = reader(Box::new(stderr), max_output, &overflow);
    let too_much = || CommandError::TooMuchOutput {
        command: shown.clone(),
        max: max_output,
    };
    let status = loop {
        if overflow.load(Ordering::Relaxed) {
            group.kill(&mut child);
            return Err(too_much());
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                group.kill(&mut child);
                return Err(CommandError::TimedOut {
                    command: shown,
                    seconds: timeout.as_secs(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                group.kill(&mut child);
                return Err(CommandError::Wait {
                    command: shown,
                    message: e.to_string(),
                });
            }
        }
    };
    // The program has exited: whatever it left running in its group goes too, so that the pipes
    // close. What was already written is still read.
    group.kill_rest();
    let (Some(out), Some(err)) = (out.until(deadline), err.until(deadline)) else {
        return Err(CommandError::TimedOut {
            command: shown,
            seconds: timeout.as_secs(),
        });
    };
    if overflow.load(Ordering::Relaxed) {
        return Err(too_much());
    }
    if !status.success() {
        let reason = stderr_summary(&err);
        let code = status
            .code()
            .map(|c| format!("exit {c}"))
            .unwrap_or_else(|| "killed".into());
        return Err(CommandError::Failed {
            message: redact(&format!(
                "{shown} failed ({code}): {}",
                if reason.is_empty() { "no message" } else { &reason }
            )),
        });
    }
    String::from_utf8(out).map_err(|_| CommandError::NotUtf8 { command: shown })
}

/// The process group of a child started with `process_group(0)`: its id is the child's.
struct Group(u32);

impl Group {
    /// Kills the program and everything in its group, and reaps the program.
    fn kill(&self, child: &mut Child) {
        self.kill_rest();
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Kills whatever is left in the group.
    fn kill_rest(&self) {
        #[cfg(unix)]
        if let Ok(pgid) = libc::pid_t::try_from(self.0) {
            // SAFETY: killpg only sends a signal; a group that no longer exists gives ESRCH.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }
}

/// A pipe read on its own thread, up to a cap.
struct Reader(mpsc::Receiver<Vec<u8>>);

fn reader(pipe: Box<dyn Read + Send>, max: u64, overflow: &Arc<AtomicBool>) -> Reader {
    let (tx, rx) = mpsc::channel();
    let flag = Arc::clone(overflow);
    let spawned = std::thread::Builder::new()
        .name("command-output".into())
        .spawn(move || {
            let bytes = match read_limited(pipe, max) {
                Ok(bytes) => bytes,
                Err(_) => {
                    flag.store(true, Ordering::Relaxed);
                    Vec::new()
                }
            };
            let _ = tx.send(bytes);
        });
    if spawned.is_err() {
        overflow.store(true, Ordering::Relaxed);
    }
    Reader(rx)
}

impl Reader {
    /// What was read, or `None` when the pipe is still open at `deadline`.
    fn until(self, deadline: Instant) -> Option<Vec<u8>> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.0.recv_timeout(left).ok()
    }
}

/// The first three non-blank lines of a command's standard error, at most 300 characters, with
/// control characters dropped.
fn stderr_summary(err: &[u8]) -> String {
    let text = String::from_utf8_lossy(err);
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect::<Vec<_>>()
        .join(" / ");
    let clean: String = joined.chars().filter(|c| !c.is_control()).collect();
    match clean.char_indices().nth(300) {
        Some((at, _)) => format!("{}...", &clean[..at]),
        None => clean,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> (Result<String, CommandError>, Duration) {
        let start = Instant::now();
        let out = run(
            Path::new("/bin/sh"),
            &["-c".to_string(), script.to_string()],
            &[],
            timeout,
            1 << 20,
        );
        (out, start.elapsed())
    }

    #[test]
    fn a_background_child_holding_stdout_does_not_stretch_the_limit() {
        // The program exits at once, leaving a child that keeps the pipe open for 30 s.
        let (out, took) = sh("echo done; sleep 30 & exit 0", Duration::from_secs(3));
        assert_eq!(out.expect("output"), "done\n");
        assert!(took < Duration::from_secs(2), "took {took:?}");
    }

    #[test]
    fn the_whole_group_is_killed_at_the_deadline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("grandchild.pid");
        let script = format!("sh -c 'echo $$ > {}; sleep 30' & sleep 30", marker.display());
        let (out, took) = sh(&script, Duration::from_millis(700));
        assert!(matches!(out, Err(CommandError::TimedOut { .. })), "{out:?}");
        assert!(took < Duration::from_secs(3), "took {took:?}");
        let pid: i32 = std::fs::read_to_string(&marker)
            .expect("the grandchild started")
            .trim()
            .parse()
            .expect("pid");
        std::thread::sleep(Duration::from_millis(200));
        // Gone, or a zombie waiting for a reaper (a container's init may never reap it).
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| rest.trim().chars().next()))
            .flatten();
        assert!(
            state.is_none() || state == Some('Z'),
            "the grandchild {pid} outlived the deadline (state {state:?})"
        );
    }

    #[test]
    fn failures_name_the_command_and_redact_what_it_said() {
        let (out, _) = sh("echo 'password: hunter2' >&2; exit 3", Duration::from_secs(5));
        let message = out.expect_err("failed").to_string();
        assert!(message.contains("failed (exit 3)"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
