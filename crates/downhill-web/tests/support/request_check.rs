//! The property the request fuzz target checks (`fuzz/fuzz_targets/request.rs`), shared with the test that
//! replays its corpus: whatever bytes arrive as a request body, every endpoint answers with a JSON success or
//! a 4xx (or 503 past the deadline) carrying an error message, never a 500 and never a panic.

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

const ENDPOINTS: [&str; 4] = ["/api/diff", "/api/run", "/api/basins", "/api/landscape"];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// The first byte picks the endpoint, the rest is the body.
pub fn check(data: &[u8]) -> Result<(), String> {
    let Some((&pick, body)) = data.split_first() else {
        return Ok(());
    };
    let path = ENDPOINTS[pick as usize % ENDPOINTS.len()];
    // A short deadline: heavy but valid work is cut off (503) instead of slowing the fuzzer down.
    let limits = downhill_web::api::Limits {
        header: Duration::from_secs(1),
        body: Duration::from_secs(1),
        deadline: Duration::from_millis(100),
    };
    let router = downhill_web::router_with(limits);
    let request = Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .body(Body::from(body.to_vec()))
        .map_err(|e| e.to_string())?;
    runtime().block_on(async {
        let response = router.oneshot(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| e.to_string())?;
        let json: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{path} answered {status} with a body that is not JSON: {e}"))?;
        match status {
            StatusCode::OK => Ok(()),
            s if s.is_client_error() || s == StatusCode::SERVICE_UNAVAILABLE => {
                if json["error"].as_str().is_some_and(|m| !m.is_empty()) {
                    Ok(())
                } else {
                    Err(format!("{path} answered {status} without a message: {json}"))
                }
            }
            s => Err(format!("{path} answered {s}: {json}")),
        }
    })
}
