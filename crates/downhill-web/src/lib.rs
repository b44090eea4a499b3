//! `downhill serve`: the explorer. An axum server bound to 127.0.0.1 only, with the page and every asset
//! embedded in the binary (no CDN, no external fonts), and a JSON API over the same engine as the command line.

pub mod api;

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::Router;

/// The largest request body accepted (413 beyond).
pub const MAX_BODY: usize = 64 * 1024;

const INDEX: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/app.js");

/// Every route.
pub fn router() -> Router {
    Router::new()
        .route("/", get(|| async { Html(INDEX) }))
        .route(
            "/app.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response() }),
        )
        .route("/api/functions", get(api::functions))
        .route("/api/diff", post(api::diff))
        .route("/api/run", post(api::run))
        .route("/api/basins", post(api::basins))
        .route("/api/landscape", post(api::landscape))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// Serves on a bound listener until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router()).with_graceful_shutdown(shutdown).await
}

/// Binds 127.0.0.1:`port` (0: any free port), reports the address through `ready`, and serves until Ctrl-C.
pub fn run(port: u16, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        ready(listener.local_addr()?);
        serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })
}
