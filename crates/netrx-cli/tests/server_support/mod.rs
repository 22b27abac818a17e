//! Shared helpers of the server tests: a child `netrx serve` on a real SQLite
//! file in a temporary directory, accounts made with `netrx user`, and a small
//! HTTP/1.1 client over loopback TCP (no client library: the bytes on the wire
//! are what a user's curl would send).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_netrx");

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("netrx-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `netrx serve`.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// What it printed on stdout before serving.
    pub banner: String,
}

impl Server {
    /// Start `netrx serve --db DB --addr 127.0.0.1:0 EXTRA…` and wait for its URL.
    pub fn start(db: &Path, extra: &[&str]) -> Server {
        Self::start_env(db, extra, &[])
    }

    pub fn start_env(db: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn netrx serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut banner = String::new();
            let mut line = String::new();
            while r.read_line(&mut line).unwrap_or(0) > 0 {
                banner.push_str(&line);
                if line.starts_with("Stop with") {
                    let _ = tx.send(banner.clone());
                }
                line.clear();
            }
            let _ = tx.send(banner);
        });
        let banner = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("netrx serve printed its URL");
        let url = banner
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {banner:?}"));
        let addr: SocketAddr = url.trim_start_matches("http://").trim_end_matches('/').parse().unwrap();
        Server { child, addr, banner }
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Send SIGTERM (through the shell's `kill` builtin: no extra package needed).
    pub fn sigterm(&self) {
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", self.child.id())])
            .status();
    }

    /// SIGTERM and wait for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        self.sigterm();
        self.child.wait().unwrap()
    }

    pub fn req(&self, method: &str, path: &str) -> Req {
        Req::new(self.addr, method, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `netrx ARGS…` with optional stdin; (exit code, stdout, stderr).
pub fn netrx(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut c = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let o = c.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Add a user with `netrx user add --password-stdin` and return a bearer token from `netrx user token`.
pub fn user_with_token(db: &Path, name: &str, role: &str, password: &str) -> String {
    let dbs = db.to_str().unwrap();
    let (code, _, err) = netrx(
        &["user", "add", name, "--role", role, "--password-stdin", "--db", dbs],
        Some(&format!("{password}\n")),
    );
    assert_eq!(code, 0, "user add {name}: {err}");
    token(db, name)
}

pub fn token(db: &Path, name: &str) -> String {
    let (code, out, err) = netrx(&["user", "token", name, "--db", db.to_str().unwrap()], None);
    assert_eq!(code, 0, "user token {name}: {err}");
    let t = out.trim().to_string();
    assert!(t.starts_with("nrx_") && !t.contains(char::is_whitespace), "{out:?}");
    t
}

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("no ETag in {self:?}"))
            .to_string()
    }

    /// Assert the status and, for 4xx, the API's error shape.
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(self.status, status, "{self:?}");
        if status >= 400 {
            let v = self.json();
            assert!(
                v["error"].is_string() && v["message"].is_string(),
                "error shape: {}",
                self.body
            );
            assert!(v.get("field").is_some(), "error shape has field: {}", self.body);
        }
        self
    }
}

/// A request being built.
pub struct Req {
    addr: SocketAddr,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Req {
    pub fn new(addr: SocketAddr, method: &str, path: &str) -> Req {
        Req {
            addr,
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Req {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Req {
        self.header("Authorization", &format!("Bearer {token}"))
    }

    pub fn if_match(self, etag: &str) -> Req {
        self.header("If-Match", etag)
    }

    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Req {
        self.body = Some(b.into());
        self
    }

    pub fn json(self, v: &serde_json::Value) -> Req {
        self.header("Content-Type", "application/json").body(v.to_string())
    }

    /// Send; `Err` if the connection fails (e.g. the server was killed).
    pub fn try_send(self) -> std::io::Result<Resp> {
        let mut s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(10))?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.method, self.path, self.addr
        );
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        let body = self.body.unwrap_or_default();
        if !body.is_empty() || matches!(self.method.as_str(), "POST" | "PUT" | "PATCH") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())?;
        // A server may answer (413) and close before reading a huge body; that is fine.
        let _ = s.write_all(&body);
        read_response(&mut s)
    }

    pub fn send(self) -> Resp {
        let what = format!("{} {}", self.method, self.path);
        self.try_send().unwrap_or_else(|e| panic!("{what}: {e}"))
    }
}

/// Read one HTTP/1.1 response (Content-Length, chunked, or until close).
pub fn read_response(s: &mut impl Read) -> std::io::Result<Resp> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    let header_end;
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed before headers",
            ));
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            header_end = p;
            break;
        }
    }
    let head = String::from_utf8_lossy(&raw[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut rest = raw[header_end + 4..].to_vec();
    let get = |k: &str| {
        headers
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let body = if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while rest.len() < len {
            let n = s.read(&mut buf)?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed in body"));
            }
            rest.extend_from_slice(&buf[..n]);
        }
        rest.truncate(len);
        rest
    } else {
        loop {
            let n = s.read(&mut buf)?;
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&buf[..n]);
        }
        if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            dechunk(&rest)
        } else {
            rest
        }
    };
    Ok(Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(p) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..p]).split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[p + 2..p + 2 + size]);
        b = &b[p + 2 + size + 2..];
    }
    out
}

/// A valid minimal case file.
pub fn case(id: &str, ki67: f64) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "patient": { "age_years": 61, "sex": "female", "name": "Ann Example", "birth_date": "1963-04-02", "mrn": "MRN-0042" },
        "tumor": { "primary_site": "pancreas", "differentiation": "well", "ki67_percent": ki67 }
    })
}

/// A tiny deterministic generator (xorshift64*), seeded and printed by each test for reproducibility.
pub struct Rng(pub u64);

impl Rng {
    pub fn from_time() -> Rng {
        let seed = std::env::var("NETRX_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("random seed {seed} (rerun with NETRX_TEST_SEED={seed})");
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A fingerprint of the stored cases: (revisions, cases, sum of body lengths, last revision time).
pub fn store_fingerprint(db: &Path) -> (i64, i64, i64, String) {
    let c = netrx_store::connect(db).unwrap();
    c.query_row(
        "SELECT (SELECT COUNT(*) FROM case_revisions), (SELECT COUNT(*) FROM cases), \
         (SELECT COALESCE(SUM(LENGTH(body)), 0) FROM case_revisions), \
         (SELECT COALESCE(MAX(created_at), '') FROM case_revisions)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .unwrap()
}

/// netrx-store's whole-database check (SQLite integrity_check plus revision invariants).
pub fn integrity(db: &Path) -> Vec<String> {
    let c = netrx_store::connect(db).unwrap();
    netrx_store::integrity::check(&c).unwrap()
}
