//! The server under hostile requests: overflowing work checks, enormous expressions, work past the deadline,
//! bodies and heads that never arrive, JSON that is not an object. Each test is named after what it guards.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use downhill_web::api::Limits;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server with short limits, so the tests of them are quick.
async fn start() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits {
        header: Duration::from_millis(500),
        body: Duration::from_millis(500),
        deadline: Duration::from_millis(1500),
    };
    tokio::spawn(downhill_web::serve_with(listener, std::future::pending(), limits));
    addr
}

/// Sends raw bytes, reads until the server closes (or 10 s), returns the status (0 for none).
async fn raw(addr: SocketAddr, bytes: &[u8]) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

async fn post(addr: SocketAddr, path: &str, body: &str) -> (u16, Value) {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, text) = raw(addr, head.as_bytes()).await;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_work_check_does_not_overflow() {
    let addr = start().await;
    let t = Instant::now();
    let (status, v) = post(
        addr,
        "/api/basins",
        r#"{"function": "abs(x)+abs(y)", "grid": 2, "epochs": 4611686018427387904}"#,
    )
    .await;
    assert_eq!(status, 400, "{v}");
    // Refused at the run's own bound on epochs, before any multiplication.
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("epochs: expected a whole number from 1 to 100000"),
        "{v}"
    );
    assert!(t.elapsed() < Duration::from_millis(500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enormous_derivative_is_refused_without_stalling_other_requests() {
    let addr = start().await;
    let product: String = (1..300).map(|i| format!("(x+{i})")).collect::<Vec<_>>().join("*");
    let body = format!(r#"{{"function": "{product}", "start": [0.1, 0], "epochs": 1}}"#);
    let slow = tokio::spawn(async move { post(addr, "/api/run", &body).await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Parsing and differentiating run off the async threads: a small request meanwhile is answered at once.
    let t = Instant::now();
    let (status, _) = post(
        addr,
        "/api/run",
        r#"{"function": "x^2", "start": [1, 1], "epochs": 10}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert!(t.elapsed() < Duration::from_millis(400), "{:?}", t.elapsed());
    let (status, v) = slow.await.unwrap();
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("too large to differentiate"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_past_the_deadline_is_cancelled() {
    let addr = start().await;
    let before = downhill_web::api::running();
    // At the full point-step limit, 40 sines (and their 40 cosines in the gradient) take about 30 s with the
    // vector functions on a 2-core Zen 3: far past the 1.5 s deadline. (Adam orbits its minima, so no start
    // stops early.)
    let terms: Vec<String> = (1..=40).map(|k| format!("sin({k}*x+y)")).collect();
    let body = format!(
        r#"{{"function": "{}", "grid": 256, "epochs": 1000, "optimizer": "adam"}}"#,
        terms.join("+")
    );
    let (status, v) = post(addr, "/api/basins", &body).await;
    assert_eq!(status, 503, "{v}");
    // The work stops soon after, instead of running to its end.
    let t = Instant::now();
    while downhill_web::api::running() > before && t.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        downhill_web::api::running() <= before,
        "still running {:?} after the 503",
        t.elapsed()
    );
}

#[tokio::test]
async fn bodies_and_heads_that_never_arrive_time_out() {
    let addr = start().await;
    let t = Instant::now();
    let (status, _) = raw(
        addr,
        b"POST /api/run HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999\r\n\r\n",
    )
    .await;
    assert_eq!(status, 413);
    assert!(t.elapsed() < Duration::from_millis(400));
    let (status, _) = raw(
        addr,
        b"POST /api/run HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\n\r\n{",
    )
    .await;
    assert_eq!(status, 408);
    // A head that never ends: the connection is closed.
    let t = Instant::now();
    let (status, _) = raw(addr, b"POST /api/run HTTP/1.1\r\nHost: local").await;
    assert!(status == 0 || status == 408, "{status}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[tokio::test]
async fn request_bodies_must_be_objects() {
    let addr = start().await;
    for body in [r#"["peaks", [0, 1.4]]"#, "3", r#""peaks""#, "null"] {
        let (status, v) = post(addr, "/api/run", body).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            v["error"].as_str().unwrap().contains("expected a JSON object"),
            "{body}: {v}"
        );
    }
}

#[tokio::test]
async fn undefined_expressions_are_refused_with_their_span() {
    let addr = start().await;
    let (status, v) = post(addr, "/api/run", r#"{"function": "(1/0)-(1/0)+x^2"}"#).await;
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("undefined"), "{v}");
    assert_eq!(v["span"], serde_json::json!([0, 5]));
    let (status, v) = post(
        addr,
        "/api/basins",
        r#"{"function": "sqrt(-1 - x^2) + y", "grid": 8, "epochs": 5}"#,
    )
    .await;
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("nothing to map"), "{v}");
}
