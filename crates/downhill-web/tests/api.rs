//! The API on a real loopback socket: every endpoint, bad JSON, oversized bodies, absurd work (4xx, fast),
//! and many concurrent requests.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(downhill_web::serve(listener, std::future::pending()));
    addr
}

/// One HTTP/1.1 request; returns the status and the body.
async fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").expect("a header");
    let status = std::str::from_utf8(&out[9..12]).unwrap().parse().unwrap();
    (status, out[split + 4..].to_vec())
}

async fn post(addr: SocketAddr, path: &str, body: &str) -> (u16, Value) {
    let (status, bytes) = request(addr, "POST", path, body.as_bytes()).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_endpoint_answers_in_the_clis_shapes() {
    let addr = start().await;
    let (status, page) = request(addr, "GET", "/", b"").await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("<canvas") && page.contains("/js/main.js"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "the page must not load anything from outside"
    );
    for &(path, _) in downhill_web::SCRIPTS {
        let (status, script) = request(addr, "GET", path, b"").await;
        assert_eq!(status, 200, "{path}");
        let script = String::from_utf8(script).unwrap();
        assert!(
            !script.contains("https://") && !script.contains("fetch(\"http"),
            "{path} loads from outside"
        );
    }

    let (status, bytes) = request(addr, "GET", "/api/functions", b"").await;
    assert_eq!(status, 200);
    let catalog: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(catalog[0]["name"], "peaks");

    let (status, v) = post(addr, "/api/diff", r#"{"function": "x^2*y"}"#).await;
    assert_eq!(status, 200);
    assert_eq!(v["gradient"][0], "2*x*y");
    assert_eq!(v["hessian"][0][1], "2*x");
    assert!(v["gradient_latex"][1].as_str().unwrap().contains("x^{2}"));

    let (status, v) = post(
        addr,
        "/api/run",
        r#"{"function": "peaks", "start": [0, 1.4], "lr": 0.01, "epochs": 1000}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert!((v["end"][0].as_f64().unwrap() - 0.296446).abs() < 1e-5);
    assert_eq!(v["trajectory"].as_array().unwrap().len(), 1000);
    assert_eq!(v["stationary_point"], "minimum");
    let (status, v) = post(
        addr,
        "/api/run",
        r#"{"function": "peaks", "start": [1, 1], "optimizer": "adam", "beta1": 0.8, "ascent": true}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["options"]["betas"][0], 0.8);

    let (status, v) = post(
        addr,
        "/api/basins",
        r#"{"function": "himmelblau", "grid": 64, "epochs": 2000, "lr": 0.005}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["labels"].as_array().unwrap().len(), 64 * 64);
    let minima = v["attractors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "minimum")
        .count();
    assert_eq!(minima, 4);
    // The optimizer's own settings reach the map: heavy-ball momentum 0.5 and 0.95 from the same grid send
    // some starts to different minima of peaks.
    let shares = |momentum: f64| async move {
        let body = format!(
            r#"{{"function": "peaks", "grid": 48, "epochs": 400, "lr": 0.02, "optimizer": "momentum", "momentum": {momentum}}}"#
        );
        let (status, v) = post(addr, "/api/basins", &body).await;
        assert_eq!(status, 200, "{v}");
        v["labels"].clone()
    };
    assert_ne!(shares(0.5).await, shares(0.95).await);

    let (status, v) = post(
        addr,
        "/api/landscape",
        r#"{"function": "x^2 + y^2", "domain": [-1, 1, -1, 1], "width": 3, "height": 3}"#,
    )
    .await;
    assert_eq!(status, 200);
    let values: Vec<f64> = v["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    // Pixel centres at ±2/3 and 0: the middle is 0, the corners 8/9; the first row is the top (ymax).
    assert!(values[4].abs() < 1e-12 && (values[0] - 8.0 / 9.0).abs() < 1e-12);
    assert_eq!(v["min"], 0.0);
}

#[tokio::test]
async fn points_and_histories_carry_f_and_the_gradient() {
    let addr = start().await;
    // f = x^2*y: at (2, 3) f = 12 and the gradient (2xy, x^2) = (12, 4); ln(x) is not finite at x = -1.
    let (status, v) = post(
        addr,
        "/api/eval",
        r#"{"function": "x^2*y", "points": [[2, 3], [0, 0]]}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["values"], serde_json::json!([12.0, 0.0]));
    assert_eq!(v["gradients"], serde_json::json!([[12.0, 4.0], [0.0, 0.0]]));
    let (status, v) = post(addr, "/api/eval", r#"{"function": "ln(x) + y", "points": [[-1, 0]]}"#).await;
    assert_eq!(status, 200);
    assert!(v["values"][0].is_null() && v["gradients"][0][1] == 1.0);
    let many = format!(r#"{{"function": "x", "points": [{}]}}"#, vec!["[0, 0]"; 2049].join(","));
    let (status, v) = post(addr, "/api/eval", &many).await;
    assert_eq!(status, 400);
    assert_eq!(v["error"], "2049 points is too many for one request (at most 2048)");

    // gd on x^2 + 3y^2 from (1, 1) at lr 0.1: each step multiplies x by 0.8 and y by 0.4.
    let body = r#"{"function": "x^2 + 3*y^2", "history": true,
        "runs": [{"start": [1, 1], "lr": 0.1, "epochs": 3, "gtol": 0}]}"#;
    let (status, v) = post(addr, "/api/runs", body).await;
    assert_eq!(status, 200, "{v}");
    let run = &v["runs"][0];
    let values: Vec<f64> = run["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(values.len(), 4, "the start and three updates");
    for (k, &f) in values.iter().enumerate() {
        let (x, y) = (0.8f64.powi(k as i32), 0.4f64.powi(k as i32));
        assert!((f - (x * x + 3.0 * y * y)).abs() < 1e-12, "f after {k} updates: {f}");
        let g = &run["gradients"][k];
        assert!((g[0].as_f64().unwrap() - 2.0 * x).abs() < 1e-12 && (g[1].as_f64().unwrap() - 6.0 * y).abs() < 1e-12);
    }
    // Without it, no history.
    let (_, v) = post(addr, "/api/runs", &body.replace(r#""history": true,"#, "")).await;
    assert!(v["runs"][0].get("values").is_none());
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_a_reason_and_a_span() {
    let addr = start().await;
    let (status, v) = post(addr, "/api/diff", r#"{"function": "exq(x) + y"}"#).await;
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("did you mean 'exp'"));
    assert_eq!(v["span"], serde_json::json!([0, 3]));
    for (path, body, reason) in [
        ("/api/run", "not json", "not valid JSON"),
        ("/api/run", "[1, 2]", "expected a JSON object"),
        (
            "/api/run",
            r#"{"function": "peaks", "speed": 3}"#,
            "unknown setting 'speed' (the settings are function, start,",
        ),
        (
            "/api/run",
            r#"{"function": "peaks", "epochs": -5}"#,
            "epochs: expected a whole number from 1 to 100000, got -5",
        ),
        (
            "/api/run",
            r#"{"function": "peaks", "epochs": 0}"#,
            "epochs: expected a whole number from 1 to 100000, got 0",
        ),
        (
            "/api/run",
            r#"{"function": "peaks", "lr": "fast"}"#,
            "lr: expected a number, got the text \"fast\"",
        ),
        (
            "/api/run",
            r#"{"function": "peaks", "start": [1]}"#,
            "start: expected a list of two numbers",
        ),
        (
            "/api/runs",
            r#"{"function": "peaks", "runs": [{"start": [0, 0]}, {"start": [0, 0], "epochs": 0}]}"#,
            "runs[1]: epochs: expected a whole number from 1",
        ),
        (
            "/api/runs",
            r#"{"function": "peaks", "runs": [{"start": [0, 0], "optimizer": "adam", "momentum": 0.5}]}"#,
            "runs[0]: ",
        ),
        (
            "/api/runs",
            r#"{"function": "peaks", "runs": [{"function": "x^2", "start": [0, 0]}]}"#,
            "given once",
        ),
        (
            "/api/runs",
            r#"{"function": "peaks", "runs": [3]}"#,
            "runs[0]: expected a JSON object",
        ),
        (
            "/api/runs",
            r#"{"function": "peaks", "runs": {"start": [0, 0]}}"#,
            "runs: expected a list, got an object",
        ),
        (
            "/api/run",
            r#"{"function": "peaks", "etas": {"a": 1}}"#,
            "etas: expected a list of two numbers, got an object",
        ),
        (
            "/api/run",
            r#"{"function": "peaks", "epochs": 100000000}"#,
            "from 1 to 100000",
        ),
        ("/api/run", r#"{"function": "peaks", "lr": -1}"#, "learning rate"),
        (
            "/api/run",
            r#"{"function": "peaks", "optimizer": "sgdd"}"#,
            "unknown optimizer",
        ),
        (
            "/api/run",
            r#"{"function": "peaks", "momentum": 0.9}"#,
            "does not apply",
        ),
        ("/api/run", r#"{"function": "ln(x)", "start": [-1, 0]}"#, "not finite"),
        (
            "/api/basins",
            r#"{"function": "peaks", "grid": 100000}"#,
            "out of range",
        ),
        (
            "/api/basins",
            r#"{"function": "peaks", "start": [0, 0]}"#,
            "start: a basin map starts from every point of its grid",
        ),
        (
            "/api/basins",
            r#"{"function": "peaks", "optimizer": "adam", "momentum": 0.5}"#,
            "momentum",
        ),
        (
            "/api/basins",
            r#"{"function": "peaks", "grid": "big"}"#,
            "grid: expected a whole number of 0 or more, got the text \"big\"",
        ),
        (
            "/api/basins",
            r#"{"function": "peaks", "grid": 512, "epochs": 100000}"#,
            "too much work",
        ),
        ("/api/landscape", r#"{"function": "peaks", "width": 100000}"#, "2 to"),
        (
            "/api/landscape",
            r#"{"function": "peaks", "domain": [1, 0, 0, 1]}"#,
            "domain",
        ),
    ] {
        let t = Instant::now();
        let (status, v) = post(addr, path, body).await;
        assert!((400..500).contains(&status), "{path} {body}: {status}");
        let error = v["error"].as_str().unwrap_or("");
        assert!(error.contains(reason), "{path} {body}: {v}");
        // Plain words: neither serde's vocabulary nor its positions.
        for jargon in ["invalid type", "invalid value", "u64", "f64", " at line ", "column"] {
            assert!(!error.contains(jargon), "{path} {body}: {error}");
        }
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{path} {body} took {:?}",
            t.elapsed()
        );
    }
    let big = format!(r#"{{"function": "{}"}}"#, "x+".repeat(40_000));
    let (status, _) = request(addr, "POST", "/api/diff", big.as_bytes()).await;
    assert_eq!(status, 413);
    let (status, _) = request(addr, "GET", "/api/nothing", b"").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn runs_come_back_together_each_with_its_own_settings() {
    let addr = start().await;
    let runs: Vec<String> = (0..17)
        .map(|k| format!(r#"{{"start": [0, 1.4], "epochs": {}}}"#, k + 1))
        .collect();
    let (status, v) = post(
        addr,
        "/api/runs",
        &format!(r#"{{"function": "peaks", "runs": [{}]}}"#, runs.join(",")),
    )
    .await;
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("at most 16"), "{v}");

    let body = r#"{"function": "peaks", "runs": [
        {"start": [0, 1.4], "lr": 0.01, "epochs": 1000},
        {"start": [0, 1.4], "optimizer": "momentum", "momentum": 0.5, "lr": 0.005, "epochs": 300},
        {"start": [-1, -1], "optimizer": "adam", "lr": 0.05, "epochs": 200, "ascent": true}
    ]}"#;
    let (status, v) = post(addr, "/api/runs", body).await;
    assert_eq!(status, 200, "{v}");
    let reports = v["runs"].as_array().unwrap();
    assert_eq!(reports.len(), 3);
    // The seed's run, as /api/run gives it.
    assert!((reports[0]["end"][0].as_f64().unwrap() - 0.296446).abs() < 1e-5);
    assert_eq!(reports[1]["optimizer"], "momentum");
    assert_eq!(reports[1]["options"]["momentum"], 0.5);
    assert_eq!(reports[1]["trajectory"].as_array().unwrap().len(), 300);
    assert_eq!(reports[2]["ascent"], true);
    assert_eq!(reports[2]["learning_rate"], 0.05);
    // Each the same as the single-run endpoint's answer.
    let (_, one) = post(
        addr,
        "/api/run",
        r#"{"function": "peaks", "start": [-1, -1], "optimizer": "adam", "lr": 0.05, "epochs": 200, "ascent": true}"#,
    )
    .await;
    assert_eq!(one["trajectory"], reports[2]["trajectory"]);

    let (status, v) = post(addr, "/api/runs", r#"{"function": "peaks", "runs": []}"#).await;
    assert_eq!((status, v["runs"].as_array().map(Vec::len)), (200, Some(0)));
}

#[tokio::test]
async fn the_optimizers_and_their_settings_are_listed() {
    let addr = start().await;
    let (status, bytes) = request(addr, "GET", "/api/optimizers", b"").await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_slice(&bytes).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), downhill::Method::ALL.len());
    let adam = list.iter().find(|m| m["name"] == "adam").unwrap();
    assert_eq!(adam["title"], "Adam");
    assert_eq!(adam["default_lr"], 0.01);
    assert!(adam["options"].as_array().unwrap().contains(&Value::from("beta1")));
    assert_eq!(adam["defaults"]["betas"], serde_json::json!([0.9, 0.999]));
    let newton = list.iter().find(|m| m["name"] == "newton").unwrap();
    assert_eq!(newton["default_lr"], 1.0);
    let lbfgs = list.iter().find(|m| m["name"] == "lbfgs").unwrap();
    assert_eq!(lbfgs["line_search"], true);
    // Every setting has its default in the request's words, and a request with all of them at those defaults
    // is accepted and runs as the method's defaults do.
    let setting = |m: &Value, name: &str| {
        m["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["default"]
            .clone()
    };
    assert_eq!(setting(adam, "beta2"), 0.999);
    assert_eq!(setting(adam, "amsgrad"), false);
    assert_eq!(setting(lbfgs, "line_search"), "none");
    let sf_sgd = list.iter().find(|m| m["name"] == "sf-sgd").unwrap();
    assert_eq!(setting(sf_sgd, "momentum"), 0.9);
    for m in list {
        let mut run = serde_json::Map::new();
        for s in m["settings"].as_array().unwrap() {
            assert!(!s["default"].is_null(), "{}: {} has no default", m["name"], s["name"]);
            run.insert(s["name"].as_str().unwrap().to_string(), s["default"].clone());
        }
        run.insert("optimizer".into(), m["name"].clone());
        run.insert("start".into(), serde_json::json!([0.5, -0.5]));
        run.insert("epochs".into(), serde_json::json!(20));
        let both = format!(
            r#"{{"function": "peaks", "runs": [{}, {{"optimizer": {}, "start": [0.5, -0.5], "epochs": 20}}]}}"#,
            Value::Object(run),
            m["name"]
        );
        let (status, v) = post(addr, "/api/runs", &both).await;
        assert_eq!(status, 200, "{}: {v}", m["name"]);
        assert_eq!(v["runs"][0]["trajectory"], v["runs"][1]["trajectory"], "{}", m["name"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_requests_are_served() {
    let addr = start().await;
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            tokio::spawn(async move {
                let body = format!(
                    r#"{{"function": "peaks", "start": [{}, 0.5], "epochs": 500}}"#,
                    -2.0 + i as f64 / 16.0
                );
                post(addr, "/api/run", &body).await
            })
        })
        .collect();
    for t in tasks {
        let (status, v) = t.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(v["epochs_run"], 500);
    }
}
