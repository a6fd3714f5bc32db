//! Running `az` and `kubectl` as subprocesses: captured output, a time limit, and errors that say
//! which step failed and why, without echoing anything the command printed on standard output
//! (`az aks get-credentials --file -` prints private keys there).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::facts::input::redact;

/// Runs `program args...`, returning its standard output, or a one-line reason.
pub fn run(program: &Path, args: &[String], env: &[(&str, &str)], timeout: Duration) -> Result<String, String> {
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
    let mut stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let mut stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
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
    if !status.success() {
        let reason: String = String::from_utf8_lossy(&err)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(3)
            .collect::<Vec<_>>()
            .join(" / ");
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
