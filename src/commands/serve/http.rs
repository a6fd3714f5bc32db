//! The HTTP/1.1 server of `serve`: one thread, non-blocking sockets and `poll(2)`, with every
//! resource bounded, so that the DaemonSet (0.0.0.0:9102, 128 MiB) survives whoever connects.
//!
//! Why not a crate: tiny_http (used before) spawns a thread per connection and per request,
//! has no timeouts or header limits, and panics in its accept loop at the open-file limit
//! (measured: 1,000 half-sent requests made 954 threads and 312 MB; one 256 MiB header line
//! 576 MB). hyper or axum bound all of that but need an async runtime (tokio) for three `GET`
//! routes in an otherwise blocking program. What `serve` needs is small enough to bound by
//! construction:
//!
//! - **connections**: at most [`Limits::max_connections`] (lowered to fit the open-file limit);
//!   a new one past the cap closes the connection that has waited longest for a complete request,
//!   so slow or idle clients cannot lock a scraper out;
//! - **requests**: a head (request line and headers) of at most [`Limits::max_head_bytes`],
//!   complete within [`Limits::head_timeout`] of its first byte; no bodies; pipelined requests are
//!   answered one at a time, and nothing more is read while an answer is being written;
//! - **responses**: the body is shared (`Arc<[u8]>`), never copied per request; a client that
//!   does not read gets [`Limits::write_timeout`], then is closed;
//! - **idle keep-alive** connections are closed after [`Limits::idle_timeout`];
//! - **accept errors** (`EMFILE` at the file limit, `ECONNABORTED`, ...) never stop the server: it
//!   closes its longest-waiting connection, backs off (10 ms doubling to 1 s) and listens on.
//!
//! The request parser ([`parse_request`]) is a pure function over bytes, fuzzed by the
//! `http_request` target.

use std::io::{ErrorKind, IoSlice, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the server allows each client.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most (lowered at start to fit `RLIMIT_NOFILE`).
    pub max_connections: usize,
    /// Bytes of a request's head (request line and headers) at most.
    pub max_head_bytes: usize,
    /// Time from a request's first byte to its complete head.
    pub head_timeout: Duration,
    /// Time a keep-alive connection may sit without a request.
    pub idle_timeout: Duration,
    /// Time to write one response.
    pub write_timeout: Duration,
    /// Requests answered on one connection before it is closed.
    pub max_requests_per_connection: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 256,
            max_head_bytes: 8 * 1024,
            head_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            max_requests_per_connection: 1000,
        }
    }
}

impl Limits {
    /// These limits with `max_connections` lowered so that connections, the listener and the
    /// scans' own files fit in the soft open-file limit (a quarter of it, at least 32, is kept
    /// for the scans).
    pub fn fitted_to_file_limit(mut self) -> Self {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            let soft = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX);
            let reserve = (soft / 4).max(32);
            self.max_connections = self.max_connections.min(soft.saturating_sub(reserve)).max(4);
        }
        self
    }
}

/// A parsed request: only what the routes need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// `GET`, `HEAD`, ...
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The `Accept` header asks for OpenMetrics.
    pub wants_openmetrics: bool,
    /// The client keeps the connection open after the response.
    pub keep_alive: bool,
}

/// What [`parse_request`] found at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// No complete head yet (and the buffer is within the limit).
    Incomplete,
    /// A complete request, and the bytes it took.
    Complete(Request<'a>, usize),
    /// A request to refuse with this status; the connection is closed after the answer.
    Refuse(u16),
}

/// Parses the request at the start of `buffer`, whose head may be at most `max_head` bytes.
/// Never panics, whatever the bytes.
pub fn parse_request(buffer: &[u8], max_head: usize) -> Parsed<'_> {
    let Some((head_len, consumed)) = head_end(buffer) else {
        return if buffer.len() >= max_head {
            Parsed::Refuse(431)
        } else {
            Parsed::Incomplete
        };
    };
    if head_len > max_head {
        return Parsed::Refuse(431);
    }
    let Ok(head) = std::str::from_utf8(&buffer[..head_len]) else {
        return Parsed::Refuse(400);
    };
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Parsed::Refuse(400);
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) || !target.starts_with('/') {
        return Parsed::Refuse(400);
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Parsed::Refuse(505),
    };
    let mut keep_alive = http11;
    let mut wants_openmetrics = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Parsed::Refuse(400);
        };
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
            return Parsed::Refuse(400);
        }
        let value = value.trim();
        if name.eq_ignore_ascii_case("accept") {
            wants_openmetrics |= value.contains("application/openmetrics-text");
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            || (name.eq_ignore_ascii_case("content-length") && value != "0")
        {
            // No route takes a body; reading one would be a way around the head limit.
            return Parsed::Refuse(413);
        }
    }
    let path = target.split(['?', '#']).next().unwrap_or(target);
    Parsed::Complete(
        Request {
            method,
            path,
            wants_openmetrics,
            keep_alive,
        },
        consumed,
    )
}

/// Where the head ends: its length without the blank line, and the bytes including it.
fn head_end(buffer: &[u8]) -> Option<(usize, usize)> {
    let at = buffer.iter().position(|&b| b == b'\n')?;
    let mut start = 0;
    let mut line_end = at;
    loop {
        let line = &buffer[start..line_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() && start > 0 {
            return Some((start.saturating_sub(1), line_end + 1));
        }
        start = line_end + 1;
        line_end = start + buffer.get(start..)?.iter().position(|&b| b == b'\n')?;
    }
}

/// A response: status, content type and a shared body.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body, shared between every response that sends it.
    pub body: Arc<[u8]>,
}

impl Response {
    /// A plain-text response.
    pub fn text(status: u16, body: &'static str) -> Self {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: Arc::from(body.as_bytes()),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for (the rest of) a request head; `since` is when its first byte came, or when
    /// the connection became idle.
    Reading { since: Instant, started: bool },
    /// Writing a response, begun at `since`.
    Writing { since: Instant },
    /// The last response is out and the write side shut (FIN sent); what the client still sends
    /// is read and dropped until it closes or [`LINGER`] passes. Closing with unread input would
    /// make the kernel reset the connection, and a reset discards the answers the client has not
    /// read yet (Apache's "lingering close").
    Closing { since: Instant },
}

/// How long a closing connection drains what the client still sends, and how much of it.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

struct Connection {
    stream: TcpStream,
    input: Vec<u8>,
    phase: Phase,
    /// Head and body of the response being written, and how much of both is written.
    head: Vec<u8>,
    body: Option<Arc<[u8]>>,
    written: usize,
    close_after: bool,
    answered: u32,
    /// The peer shut its side: answer what it sent, then close.
    peer_closed: bool,
    /// Close without draining (a refused request: its sender gets no more of our time).
    abrupt: bool,
    /// Bytes drained while closing.
    drained: usize,
}

impl Connection {
    fn new(stream: TcpStream, now: Instant) -> Self {
        Connection {
            stream,
            input: Vec::new(),
            phase: Phase::Reading {
                since: now,
                started: false,
            },
            head: Vec::new(),
            body: None,
            written: 0,
            close_after: false,
            answered: 0,
            peer_closed: false,
            abrupt: false,
            drained: 0,
        }
    }

    /// Whether the connection is past its deadline at `now`.
    fn expired(&self, limits: &Limits, now: Instant) -> bool {
        now > self.deadline(limits)
    }

    /// When the connection's deadline passes.
    fn deadline(&self, limits: &Limits) -> Instant {
        match self.phase {
            Phase::Reading { since, started: true } => since + limits.head_timeout,
            Phase::Reading { since, started: false } => since + limits.idle_timeout,
            Phase::Writing { since } => since + limits.write_timeout,
            Phase::Closing { since } => since + LINGER,
        }
    }

    /// How long it has waited for a complete request (`None` while writing): the connection
    /// closed first when the cap is reached.
    fn waiting_since(&self) -> Option<Instant> {
        match self.phase {
            Phase::Reading { since, .. } | Phase::Closing { since } => Some(since),
            Phase::Writing { .. } => None,
        }
    }

    fn start_response(&mut self, head_only: bool, response: Response, keep_alive: bool, now: Instant) {
        self.head.clear();
        let _ = write!(
            self.head,
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n",
            response.status,
            reason(response.status),
            response.content_type,
            response.body.len(),
            if keep_alive { "" } else { "Connection: close\r\n" }
        );
        self.body = (!head_only).then_some(response.body);
        self.written = 0;
        self.close_after = !keep_alive;
        self.phase = Phase::Writing { since: now };
    }

    /// Answers the next complete request in the input, if there is one. Returns false when the
    /// connection is to be closed now.
    fn answer_next(&mut self, limits: &Limits, route: &dyn Fn(&Request) -> Response, now: Instant) -> bool {
        match parse_request(&self.input, limits.max_head_bytes) {
            Parsed::Incomplete => {
                if let Phase::Reading { started, since } = &mut self.phase {
                    if !*started && !self.input.is_empty() {
                        *started = true;
                        *since = now;
                    }
                }
                true
            }
            Parsed::Refuse(status) => {
                self.input.clear();
                self.abrupt = true;
                self.start_response(false, Response::text(status, "bad request\n"), false, now);
                true
            }
            Parsed::Complete(request, consumed) => {
                let response = route(&request);
                self.answered += 1;
                let keep_alive = request.keep_alive && self.answered < limits.max_requests_per_connection;
                let head_only = request.method == "HEAD";
                self.input.drain(..consumed);
                self.start_response(head_only, response, keep_alive, now);
                true
            }
        }
    }

    /// Reads what is there (at most up to the head limit). Returns false when the connection
    /// failed.
    fn read_some(&mut self, limits: &Limits) -> bool {
        let mut chunk = [0u8; 4096];
        loop {
            let room = limits.max_head_bytes.saturating_sub(self.input.len()).min(chunk.len());
            if room == 0 {
                return true;
            }
            match self.stream.read(&mut chunk[..room]) {
                Ok(0) => {
                    self.peer_closed = true;
                    return true;
                }
                Ok(n) => self.input.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return false,
            }
        }
    }

    /// Reads and drops what a closing connection's client still sends. Returns false once the
    /// client has closed (or the connection failed).
    fn drain(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return false,
                Ok(n) => {
                    self.drained += n;
                    if self.drained > LINGER_BYTES {
                        return false;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return false,
            }
        }
    }

    /// Writes what it can of the response. Returns false when the connection is to be closed.
    fn write_some(&mut self, now: Instant) -> bool {
        loop {
            let body = self.body.as_deref().unwrap_or(&[]);
            let total = self.head.len() + body.len();
            if self.written >= total {
                if self.close_after {
                    if self.abrupt {
                        return false;
                    }
                    let _ = self.stream.shutdown(std::net::Shutdown::Write);
                    self.input.clear();
                    self.phase = Phase::Closing { since: now };
                    return true;
                }
                self.head.clear();
                self.body = None;
                self.phase = Phase::Reading {
                    since: now,
                    started: false,
                };
                return true;
            }
            let slices: [IoSlice; 2] = if self.written < self.head.len() {
                [IoSlice::new(&self.head[self.written..]), IoSlice::new(body)]
            } else {
                [IoSlice::new(&body[self.written - self.head.len()..]), IoSlice::new(&[])]
            };
            match self.stream.write_vectored(&slices) {
                Ok(0) => return false,
                Ok(n) => self.written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return false,
            }
        }
    }
}

impl Connection {
    /// Does what the socket allows: read, answer each complete request, write each answer
    /// (pipelined requests one after the other, nothing read while writing). Returns false when
    /// the connection is to be closed.
    fn step(&mut self, readable: bool, limits: &Limits, route: &dyn Fn(&Request) -> Response, now: Instant) -> bool {
        if let Phase::Closing { .. } = self.phase {
            return readable && self.drain() && !self.expired(limits, now);
        }
        if readable && matches!(self.phase, Phase::Reading { .. }) && !self.read_some(limits) {
            return false;
        }
        // Each turn answers a request (consuming input) or writes (or stops): it ends.
        loop {
            match self.phase {
                Phase::Reading { .. } => {
                    if !self.answer_next(limits, route, now) {
                        return false;
                    }
                    if matches!(self.phase, Phase::Reading { .. }) {
                        break;
                    }
                }
                Phase::Writing { .. } => {
                    if !self.write_some(now) {
                        return false;
                    }
                    if !matches!(self.phase, Phase::Reading { .. }) {
                        break;
                    }
                }
                Phase::Closing { .. } => break,
            }
        }
        if let Phase::Closing { .. } = self.phase {
            return !self.expired(limits, now);
        }
        if self.peer_closed && matches!(self.phase, Phase::Reading { .. }) {
            return false;
        }
        !self.expired(limits, now)
    }
}

/// Serves `route` on `listener` forever. Never returns under normal operation; `log` receives a
/// line for each kind of trouble (rate-limited by the backoff).
pub fn serve(listener: TcpListener, limits: Limits, route: &dyn Fn(&Request) -> Response, log: &dyn Fn(&str)) -> ! {
    if let Err(e) = listener.set_nonblocking(true) {
        log(&format!(
            "serve: cannot make the listener non-blocking ({e}); requests may wait"
        ));
    }
    let mut connections: Vec<Connection> = Vec::with_capacity(limits.max_connections);
    let mut backoff = Duration::ZERO;
    let mut accept_paused_until: Option<Instant> = None;
    let mut fds: Vec<libc::pollfd> = Vec::with_capacity(limits.max_connections + 1);
    loop {
        let now = Instant::now();
        // Who is waited for, and until when.
        let listening = accept_paused_until.is_none_or(|t| now >= t);
        fds.clear();
        fds.push(libc::pollfd {
            fd: listener.as_raw_fd(),
            events: if listening { libc::POLLIN } else { 0 },
            revents: 0,
        });
        let mut wake = now + Duration::from_secs(1);
        if let Some(t) = accept_paused_until {
            wake = wake.min(t);
        }
        for c in &connections {
            let events = match c.phase {
                Phase::Reading { .. } | Phase::Closing { .. } => libc::POLLIN,
                Phase::Writing { .. } => libc::POLLOUT,
            };
            fds.push(libc::pollfd {
                fd: c.stream.as_raw_fd(),
                events,
                revents: 0,
            });
            wake = wake.min(c.deadline(&limits));
        }
        let timeout_ms = wake.saturating_duration_since(now).as_millis().clamp(1, 1000) as libc::c_int;
        // SAFETY: `fds` is a valid, initialised array of `fds.len()` pollfd structs.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if ready < 0 {
            // EINTR (a signal) or ENOMEM: look again.
            std::thread::sleep(Duration::from_millis(1));
            continue;
        }
        let now = Instant::now();
        // Existing connections first: their events are at the indexes they had.
        let mut keep = vec![true; connections.len()];
        for (i, c) in connections.iter_mut().enumerate() {
            let revents = fds[i + 1].revents;
            keep[i] = revents & (libc::POLLERR | libc::POLLNVAL) == 0
                && c.step(revents & (libc::POLLIN | libc::POLLHUP) != 0, &limits, route, now);
        }
        let mut flags = keep.into_iter();
        connections.retain(|_| flags.next().unwrap_or(true));

        if !listening || fds[0].revents & libc::POLLIN == 0 {
            continue;
        }
        // Accept what is waiting (bounded per round, so connections are served in between).
        for _ in 0..64 {
            match listener.accept() {
                Ok((stream, _)) => {
                    backoff = Duration::ZERO;
                    accept_paused_until = None;
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    if connections.len() >= limits.max_connections {
                        close_longest_waiting(&mut connections);
                    }
                    if connections.len() < limits.max_connections {
                        connections.push(Connection::new(stream, now));
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    // At the file limit (EMFILE, ENFILE) the listener stays readable: make room,
                    // and wait before trying again instead of spinning.
                    close_longest_waiting(&mut connections);
                    backoff = (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                    accept_paused_until = Some(now + backoff);
                    if backoff >= Duration::from_secs(1) || backoff == Duration::from_millis(10) {
                        log(&format!(
                            "serve: cannot accept a connection ({e}); retrying in {} ms",
                            backoff.as_millis()
                        ));
                    }
                    break;
                }
            }
        }
    }
}

/// Closes the connection that has waited longest for a complete request (none while all are
/// writing).
fn close_longest_waiting(connections: &mut Vec<Connection>) {
    let oldest = connections
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.waiting_since().map(|t| (t, i)))
        .min()
        .map(|(_, i)| i);
    if let Some(i) = oldest {
        connections.swap_remove(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_parsed_with_their_limits() {
        let get =
            b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: application/openmetrics-text; version=1.0.0\r\n\r\nGET /";
        let Parsed::Complete(request, consumed) = parse_request(get, 8192) else {
            panic!("complete")
        };
        assert_eq!(request.path, "/metrics");
        assert!(request.wants_openmetrics && request.keep_alive);
        assert_eq!(&get[consumed..], b"GET /");
        assert_eq!(
            parse_request(b"GET /metrics HTTP/1.1\r\nHost:", 8192),
            Parsed::Incomplete
        );
        assert_eq!(parse_request(&[b'a'; 100], 100), Parsed::Refuse(431));
        let bare_lf = b"GET / HTTP/1.0\nConnection: keep-alive\n\n";
        assert!(matches!(
            parse_request(bare_lf, 8192),
            Parsed::Complete(Request { keep_alive: true, .. }, 39)
        ));
        assert!(matches!(
            parse_request(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 8192),
            Parsed::Complete(Request { keep_alive: false, .. }, _)
        ));
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"get / HTTP/1.1\r\n\r\n",
            b"GET x HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\n\xff: x\r\n\r\n",
        ] {
            assert_eq!(
                parse_request(bad, 8192),
                Parsed::Refuse(400),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(parse_request(b"GET / HTTP/2.0\r\n\r\n", 8192), Parsed::Refuse(505));
        assert_eq!(
            parse_request(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 8192),
            Parsed::Refuse(413)
        );
        assert_eq!(
            parse_request(b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 8192),
            Parsed::Refuse(413)
        );
        // A head over the limit is refused even when it is complete.
        let long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(200));
        assert_eq!(parse_request(long.as_bytes(), 100), Parsed::Refuse(431));
    }
}
