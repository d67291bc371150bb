//! Slow and stalled clients cannot hold the standalone server's sockets:
//! a request head not complete within the header read timeout (slowloris)
//! or a connection that never sends is closed, and a body that stalls gets
//! a JSON 408. Meanwhile other clients are served. Only HTTP.

#[expect(dead_code, reason = "this file uses a subset of the shared helpers")]
mod standalone_support;

use standalone_support::Standalone;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const CONFIG: &str = "[server]\nheader_read_timeout_secs = 1\nbody_read_timeout_secs = 1\n";

/// True once the server has closed `stream` (EOF or reset), reading
/// without blocking.
fn closed_by_server(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).expect("nonblocking");
    let mut buf = [0u8; 512];
    let closed = match (&mut &*stream).read(&mut buf) {
        Ok(0) => true,
        Ok(_) => closed_by_server(stream),
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(_) => true,
    };
    stream.set_nonblocking(false).expect("blocking");
    closed
}

#[test]
fn slowloris_and_silent_connections_are_closed_while_others_are_served() {
    let provider = Standalone::start(CONFIG);
    let mut trickling: Vec<TcpStream> = (0..40)
        .map(|_| {
            let mut s = TcpStream::connect(provider.address()).expect("connect");
            s.write_all(b"GET /tokeninfo HTTP/1.1\r\nHost: x\r\n")
                .expect("head start");
            s
        })
        .collect();
    let silent: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(provider.address()).expect("connect"))
        .collect();
    let started = Instant::now();
    let http = provider.http();
    while started.elapsed() < Duration::from_secs(8) {
        // A header line every 200 ms keeps a server without a head timeout waiting forever.
        for s in &mut trickling {
            let _ = s.write_all(b"X-Slow: 1\r\n");
        }
        assert_eq!(
            http.get("/.well-known/openid-configuration").status,
            200,
            "others are served meanwhile"
        );
        let open_trickling = trickling.iter().filter(|s| !closed_by_server(s)).count();
        let open_silent = silent.iter().filter(|s| !closed_by_server(s)).count();
        if open_trickling == 0 && open_silent == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let waited = started.elapsed();
    assert!(
        trickling.iter().all(closed_by_server) && silent.iter().all(closed_by_server),
        "after {waited:?}, some slow connections are still open"
    );
    assert!(
        waited >= Duration::from_millis(900),
        "closed before the timeout: {waited:?}"
    );
}

#[test]
fn a_stalled_body_gets_a_json_408_after_the_body_read_timeout() {
    let provider = Standalone::start(CONFIG);
    let mut stream = TcpStream::connect(provider.address()).expect("connect");
    stream
        .write_all(b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\ngrant_type=")
        .expect("send");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let started = Instant::now();
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("application/json"), "{text}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    let journal = provider
        .http()
        .get("/__admin/journal?endpoint=token")
        .json();
    assert_eq!(journal["entries"][0]["status"], 408, "journaled");
}

#[test]
fn the_default_header_read_timeout_closes_a_slowloris_within_ten_seconds() {
    let provider = Standalone::start("");
    let mut stream = TcpStream::connect(provider.address()).expect("connect");
    stream.write_all(b"GET / HTTP/1.1\r\n").expect("head start");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(25) && !closed_by_server(&stream) {
        let _ = stream.write_all(b"X-Slow: 1\r\n");
        std::thread::sleep(Duration::from_millis(250));
    }
    let waited = started.elapsed();
    assert!(
        (Duration::from_secs(9)..Duration::from_secs(20)).contains(&waited),
        "closed after {waited:?}, not at the documented 10 s"
    );
}
