//! A minimal blocking HTTP/1.1 client over `std::net::TcpStream`, which is all a synchronous
//! test needs against the fake (and proves the fake needs no async caller).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// A response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub(crate) fn rate_remaining(&self) -> u32 {
        self.header("x-ratelimit-remaining")
            .and_then(|v| v.parse().ok())
            .expect("x-ratelimit-remaining")
    }
}

/// A request builder.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    base: String,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

pub(crate) fn get(base: &str, path: &str) -> Request {
    request(base, "GET", path)
}

pub(crate) fn request(base: &str, method: &str, path: &str) -> Request {
    Request {
        base: base.to_owned(),
        method: method.to_owned(),
        path: path.to_owned(),
        headers: vec![
            (
                "accept".to_owned(),
                "application/vnd.github+json".to_owned(),
            ),
            ("user-agent".to_owned(), "ao-tests".to_owned()),
        ],
        body: None,
    }
}

impl Request {
    pub(crate) fn token(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn json(mut self, body: &Value) -> Self {
        self.body = Some(body.to_string());
        self.header("content-type", "application/json")
    }

    pub(crate) fn raw_body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    /// Sends the request on a fresh connection and reads the whole response.
    pub(crate) fn send(&self) -> Response {
        let host = self
            .base
            .strip_prefix("http://")
            .expect("the fake serves plain http");
        let mut stream = TcpStream::connect(host).expect("connect to the fake");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("read timeout");
        let body = self.body.as_deref().unwrap_or("");
        let mut head = format!(
            "{} {} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-length: {}\r\n",
            self.method,
            self.path,
            body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("write head");
        stream.write_all(body.as_bytes()).expect("write body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read response");
        parse(&raw)
    }
}

fn parse(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}
