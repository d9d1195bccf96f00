//! A feed publisher for the source tests: a small HTTP/1.1 server on 127.0.0.1 that
//! serves the files of a folder (from ../shared/data, or written by a test) with an
//! ETag, answers 304 to a matching `If-None-Match`, and misbehaves on request the way
//! real publishers do:
//! - `/cut/<file>`: promises the whole file, sends half, and hangs up;
//! - `/away/<file>`: redirects to the same file on another host (127.0.0.2);
//! - `/huge`: announces three gigabytes;
//! - `/here/<file>`: redirects to `/<file>` on the same host;
//! - `/static/<file>?<query>`: the file whatever the query, without ETag, as a TAXII
//!   answer that ignores its filters and sends no `X-TAXII-*` headers; a path ending
//!   in `/` serves its `index.json`.
//!
//! Any other path can be made to hang up the same way while a test wants it
//! ([`FeedServer::cut`]). It counts the requests per path and the 304s it gave, for
//! the tests to check.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct Counts {
    pub requests: BTreeMap<String, u64>,
    pub not_modified: u64,
}

#[derive(Debug)]
pub struct FeedServer {
    pub port: u16,
    pub counts: Arc<Mutex<Counts>>,
    /// Paths answered as `/cut/…` is: half the file, then the connection closed.
    pub cut_paths: Arc<Mutex<std::collections::BTreeSet<String>>>,
}

impl FeedServer {
    pub fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            path.trim_start_matches('/')
        )
    }

    pub fn requests(&self, path: &str) -> u64 {
        let counts = self.counts.lock().expect("counts");
        counts.requests.get(path).copied().unwrap_or(0)
    }

    pub fn not_modified(&self) -> u64 {
        self.counts.lock().expect("counts").not_modified
    }

    /// Makes the server hang up half-way through `path` (or stop doing so).
    pub fn cut(&self, path: &str, cut: bool) {
        let mut paths = self.cut_paths.lock().expect("cut paths");
        if cut {
            paths.insert(path.to_owned());
        } else {
            paths.remove(path);
        }
    }
}

/// Serves `root` until the test process ends.
pub fn serve(root: PathBuf) -> FeedServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("bound").port();
    let counts = Arc::new(Mutex::new(Counts::default()));
    let cut_paths = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let (shared, shared_cuts) = (Arc::clone(&counts), Arc::clone(&cut_paths));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            let counts = Arc::clone(&shared);
            let cuts = Arc::clone(&shared_cuts);
            std::thread::spawn(move || {
                let _ = answer(stream, &root, port, &counts, &cuts);
            });
        }
    });
    FeedServer {
        port,
        counts,
        cut_paths,
    }
}

fn etag_of(bytes: &[u8]) -> String {
    // FNV-1a: stable, and enough to tell versions of a test file apart.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{hash:016x}\"")
}

fn answer(
    mut stream: TcpStream,
    root: &std::path::Path,
    port: u16,
    counts: &Mutex<Counts>,
    cuts: &Mutex<std::collections::BTreeSet<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let mut if_none_match = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(value.trim().to_owned());
            }
        }
    }
    {
        let mut counts = counts.lock().expect("counts");
        *counts.requests.entry(path.clone()).or_default() += 1;
    }
    let respond = |stream: &mut TcpStream, status: &str, headers: &str, body: &[u8]| {
        let head = format!(
            "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)
    };
    if path == "/huge" {
        let head = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3000000000\r\n\r\n";
        stream.write_all(head.as_bytes())?;
        let zeros = vec![b' '; 1 << 16];
        for _ in 0..64 {
            stream.write_all(&zeros)?;
        }
        return Ok(());
    }
    if let Some(rest) = path.strip_prefix("/away/") {
        let location = format!("Location: http://127.0.0.2:{port}/{rest}\r\n");
        return respond(&mut stream, "302 Found", &location, b"");
    }
    if let Some(rest) = path.strip_prefix("/here/") {
        let location = format!("Location: /{rest}\r\n");
        return respond(&mut stream, "302 Found", &location, b"");
    }
    if let Some(rest) = path.strip_prefix("/static/") {
        let file = rest.split('?').next().unwrap_or_default();
        let file = if file.is_empty() || file.ends_with('/') {
            format!("{file}index.json")
        } else {
            file.to_owned()
        };
        let Ok(bytes) = std::fs::read(root.join(file)) else {
            return respond(&mut stream, "404 Not Found", "", b"not here");
        };
        let media_type = "Content-Type: application/taxii+json;version=2.1\r\n";
        return respond(&mut stream, "200 OK", media_type, &bytes);
    }
    let (cut, file) = match path.strip_prefix("/cut/") {
        Some(rest) => (true, rest.to_owned()),
        None => (
            cuts.lock().expect("cut paths").contains(&path),
            path.trim_start_matches('/').to_owned(),
        ),
    };
    let Ok(bytes) = std::fs::read(root.join(&file)) else {
        return respond(&mut stream, "404 Not Found", "", b"not here");
    };
    let etag = etag_of(&bytes);
    if if_none_match.as_deref() == Some(etag.as_str()) {
        counts.lock().expect("counts").not_modified += 1;
        let head =
            format!("HTTP/1.1 304 Not Modified\r\nConnection: close\r\nETag: {etag}\r\n\r\n");
        return stream.write_all(head.as_bytes());
    }
    if cut {
        let head = format!(
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            bytes.len()
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(&bytes[..bytes.len() / 2])?;
        return stream.shutdown(std::net::Shutdown::Both);
    }
    respond(&mut stream, "200 OK", &format!("ETag: {etag}\r\n"), &bytes)
}
