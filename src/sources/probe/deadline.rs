//! A TCP stream whose reads and writes share one deadline.
//!
//! Per-read timeouts do not bound a handshake: a server that sends one byte every half second
//! resets them forever. Before every call this wrapper sets the socket timeout to the time left
//! until the deadline, and fails with `TimedOut` once it has passed. On Linux an expired socket
//! timeout surfaces as `WouldBlock`, which is mapped to `TimedOut` too.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// A stream with an overall deadline.
#[derive(Debug)]
pub struct DeadlineStream {
    inner: TcpStream,
    deadline: Instant,
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("{what} timed out"))
}

impl DeadlineStream {
    /// Connects to `host:port` (every resolved address in turn) before `deadline`.
    pub fn connect(host: &str, port: u16, deadline: Instant) -> io::Result<Self> {
        let addrs = resolve(host, port, deadline)?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, format!("`{host}` resolves to no address"));
        for addr in addrs {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timed_out("connect"));
            }
            match TcpStream::connect_timeout(&addr, left) {
                Ok(inner) => {
                    let _ = inner.set_nodelay(true);
                    return Ok(DeadlineStream { inner, deadline });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn left(&self, what: &str) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(timed_out(what))
        } else {
            Ok(left)
        }
    }
}

/// Resolves `host:port` before `deadline`. The system resolver has no timeout of its own (a
/// black-hole DNS server holds it for 15 s and more), so it runs on a helper thread that is left
/// behind when the deadline passes.
pub fn resolve(host: &str, port: u16, deadline: Instant) -> io::Result<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    resolve_with(host, port, deadline, |host, port| {
        (host, port).to_socket_addrs().map(Iterator::collect)
    })
}

/// [`resolve`] with the resolver given (tests stand in a resolver that never answers).
fn resolve_with(
    host: &str,
    port: u16,
    deadline: Instant,
    resolver: impl FnOnce(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + 'static,
) -> io::Result<Vec<SocketAddr>> {
    let (send, receive) = std::sync::mpsc::channel();
    let owned = host.to_string();
    std::thread::Builder::new().name("resolve".into()).spawn(move || {
        let _ = send.send(resolver(&owned, port));
    })?;
    let left = deadline.saturating_duration_since(Instant::now());
    match receive.recv_timeout(left) {
        Ok(result) => result,
        Err(_) => Err(timed_out(&format!("name resolution of `{host}`"))),
    }
}

fn map_timeout(e: io::Error, what: &str) -> io::Error {
    if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) {
        timed_out(what)
    } else {
        e
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left("read")?;
        self.inner.set_read_timeout(Some(left))?;
        self.inner.read(buf).map_err(|e| map_timeout(e, "read"))
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.left("write")?;
        self.inner.set_write_timeout(Some(left))?;
        self.inner.write(buf).map_err(|e| map_timeout(e, "write"))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_resolution_is_bounded_by_the_deadline() {
        // A resolver stuck like one asking a black-hole DNS server.
        let start = Instant::now();
        let result = resolve_with("black.hole", 443, start + Duration::from_millis(300), |_, _| {
            std::thread::sleep(Duration::from_secs(30));
            Ok(Vec::new())
        });
        let err = result.expect_err("timed out");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("name resolution of `black.hole`"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    }

    #[test]
    fn addresses_need_no_resolver() {
        let addrs = resolve("127.0.0.1", 9, Instant::now()).expect("literal");
        assert_eq!(addrs, [SocketAddr::from(([127, 0, 0, 1], 9))]);
    }
}
