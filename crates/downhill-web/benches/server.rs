//! Server latencies on loopback for the README: `cargo bench -p downhill-web --bench server`.
//! Targets (issue 5): a 1000-epoch run under 5 ms, a 256x256-start, 200-epoch basin overlay under 50 ms.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn post(addr: SocketAddr, path: &str, body: &str) -> usize {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    assert!(
        out.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&out[..out.len().min(300)])
    );
    out.len()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(downhill_web::serve(listener, std::future::pending()));
        let cases = [
            (
                "run: peaks, 1000 epochs",
                "/api/run",
                r#"{"function": "peaks", "start": [0, 1.4], "epochs": 1000}"#,
                31,
                5.0,
            ),
            (
                "runs: 5 optimizers from one start, 1000 epochs",
                "/api/runs",
                r#"{"function": "peaks", "runs": [{"start": [0, 1.4]}, {"start": [0, 1.4], "optimizer": "momentum"},
                    {"start": [0, 1.4], "optimizer": "adam"}, {"start": [0, 1.4], "optimizer": "rmsprop"},
                    {"start": [0, 1.4], "optimizer": "newton", "lr": 1}]}"#,
                31,
                f64::NAN,
            ),
            (
                "basins: 256x256 starts, 200 epochs, f64",
                "/api/basins",
                r#"{"function": "peaks", "grid": 256, "epochs": 200}"#,
                7,
                50.0,
            ),
            (
                "basins: 256x256 starts, 200 epochs, f32",
                "/api/basins",
                r#"{"function": "peaks", "grid": 256, "epochs": 200, "precision": "f32"}"#,
                7,
                50.0,
            ),
            (
                "landscape: 256x256 samples",
                "/api/landscape",
                r#"{"function": "peaks", "width": 256, "height": 256}"#,
                11,
                f64::NAN,
            ),
        ];
        println!(
            "{:<44} {:>9} {:>9} {:>10}",
            "request (loopback, whole round trip)", "ms", "bytes", "target ms"
        );
        for (name, path, body, reps, target) in cases {
            let mut times = Vec::new();
            let mut bytes = 0;
            for _ in 0..reps {
                let t = Instant::now();
                bytes = post(addr, path, body).await;
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            times.sort_by(f64::total_cmp);
            let ms = times[reps / 2];
            let verdict = if target.is_nan() {
                String::new()
            } else if ms <= target {
                format!("{target} ok")
            } else {
                format!("{target} MISSED")
            };
            println!("{name:<44} {ms:>9.2} {bytes:>9} {verdict:>10}");
        }
    });
}
