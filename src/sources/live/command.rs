//! Running `az` and `kubectl` as subprocesses: captured output, a time limit, and errors that say
//! which step failed and why, without echoing anything the command printed on standard output
//! (`az aks get-credentials --file -` prints private keys there).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::safe_io::read_limited;
use crate::sanitize::redact;

/// Runs `program args...`, returning its standard output, or a one-line reason.
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
) -> Result<String, String> {
    let shown = format!("`{} {}`", program.display(), args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "`{}` is not installed or not on PATH (choose another with --az / --kubectl)",
                program.display()
            ),
            _ => format!("{shown} could not start: {e}"),
        })?;
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let overflow = Arc::new(AtomicBool::new(false));
    let capped_reader = |pipe: Box<dyn Read + Send>| {
        let overflow = Arc::clone(&overflow);
        std::thread::spawn(move || match read_limited(pipe, max_output) {
            Ok(bytes) => bytes,
            Err(_) => {
                overflow.store(true, Ordering::Relaxed);
                Vec::new()
            }
        })
    };
    let out_reader = capped_reader(Box::new(stdout));
    let err_reader = capped_reader(Box::new(stderr));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if overflow.load(Ordering::Relaxed) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{shown} printed more than {max_output} bytes (the `--max-file-size` cap): stopped"
            ));
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{shown} timed out after {} s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("{shown}: {e}")),
        }
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if overflow.load(Ordering::Relaxed) {
        return Err(format!(
            "{shown} printed more than {max_output} bytes (the `--max-file-size` cap): stopped"
        ));
    }
    if !status.success() {
        let reason = stderr_summary(&err);
        let code = status
            .code()
            .map(|c| format!("exit {c}"))
            .unwrap_or_else(|| "killed".into());
        return Err(redact(&format!(
            "{shown} failed ({code}): {}",
            if reason.is_empty() { "no message" } else { &reason }
        )));
    }
    String::from_utf8(out).map_err(|_| format!("{shown} printed something that is not UTF-8"))
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
