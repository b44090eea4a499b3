//! `downhill serve`: the explorer. An axum server bound to 127.0.0.1 only, with the page and every asset
//! embedded in the binary (no CDN, no external fonts), and a JSON API over the same engine as the command line.

pub mod api;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::Router;

/// The largest request body accepted (413 beyond).
pub const MAX_BODY: usize = 64 * 1024;

const INDEX: &str = include_str!("../assets/index.html");

/// The page's ES modules (one job each) and the bundled third-party libraries (`vendor/build.sh`), by path.
pub const SCRIPTS: &[(&str, &str)] = &[
    ("/js/main.js", include_str!("../assets/js/main.js")),
    ("/js/api.js", include_str!("../assets/js/api.js")),
    ("/js/state.js", include_str!("../assets/js/state.js")),
    ("/js/controls.js", include_str!("../assets/js/controls.js")),
    ("/js/runs.js", include_str!("../assets/js/runs.js")),
    ("/js/plot.js", include_str!("../assets/js/plot.js")),
    ("/js/view3d.js", include_str!("../assets/js/view3d.js")),
    ("/js/anim.js", include_str!("../assets/js/anim.js")),
    ("/js/loss.js", include_str!("../assets/js/loss.js")),
    ("/js/basins.js", include_str!("../assets/js/basins.js")),
    ("/js/present.js", include_str!("../assets/js/present.js")),
    ("/vendor/d3.js", include_str!("../assets/vendor/d3.js")),
    ("/vendor/three.js", include_str!("../assets/vendor/three.js")),
];

/// Every route, with the default limits.
pub fn router() -> Router {
    router_with(api::Limits::default())
}

/// Every route, with these limits.
pub fn router_with(limits: api::Limits) -> Router {
    let mut router = Router::new().route("/", get(|| async { Html(INDEX) }));
    for &(path, script) in SCRIPTS {
        router =
            router.route(
                path,
                get(move || async move {
                    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], script).into_response()
                }),
            );
    }
    router
        .route("/api/functions", get(api::functions))
        .route("/api/diff", post(api::diff))
        .route("/api/optimizers", get(api::optimizers))
        .route("/api/run", post(api::run))
        .route("/api/runs", post(api::runs))
        .route("/api/basins", post(api::basins))
        .route("/api/landscape", post(api::landscape))
        .route("/api/eval", post(api::eval))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(limits)
}

/// Serves on a bound listener until `shutdown` completes, with the default limits.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, shutdown, api::Limits::default()).await
}

/// Serves on a bound listener until `shutdown` completes. Each connection is HTTP/1 with a time limit on
/// request heads, and on bodies and work ([`api::Limits`]); at shutdown, running work is cancelled
/// ([`api::cancel_all`]) and open connections get a few seconds to finish.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: api::Limits,
) -> std::io::Result<()> {
    let app = router_with(limits);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                tower::ServiceExt::oneshot(app.clone(), req.map(axum::body::Body::new))
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header);
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(3), connection).await;
                }
            }
        });
    }
    api::cancel_all();
    let _ = stop.send(true);
    Ok(())
}

/// Binds 127.0.0.1:`port` (0: any free port), reports the address through `ready`, and serves until Ctrl-C.
/// Work still running after that is cancelled, and the process does not wait for it.
pub fn run(port: u16, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        ready(listener.local_addr()?);
        serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}
