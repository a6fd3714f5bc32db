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
        let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
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
