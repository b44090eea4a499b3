//! The JSON API: the same shapes as the command line's `--json`, bounded work per request, errors as
//! `{"error": ..., "span": [start, end] | null}` with a 4xx status.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use downhill::batch::basins::{basin_map, BasinConfig};
use downhill::batch::{BatchConfig, Control, Precision};
use downhill::report::{DiffReport, RunReport};
use downhill::{catalog, rng, Function, Method, OptimizerSpec, Options, RunConfig, Schedule};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// The most epochs of one run.
pub const MAX_RUN_EPOCHS: u64 = 100_000;
/// The most evaluations a run may take, per epoch of [`MAX_RUN_EPOCHS`] (a line search evaluates several times per
/// epoch).
pub const MAX_EVALUATIONS_PER_EPOCH: u64 = 25;
/// The most starts per side of a basin map.
pub const MAX_GRID: usize = 512;
/// The most point-steps of one basin map (256 x 256 x 5000: the explorer's overlay keeps 256 x 256 up to 5000
/// epochs; the deadline still bounds its time).
pub const MAX_POINT_STEPS: u64 = 327_680_000;
/// The largest landscape side in samples.
pub const MAX_SAMPLES: usize = 1024;
/// How long a request may take, at each stage.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// To send a request's head; a connection that sends less (a slow-loris attack, a client that died) is
    /// closed.
    pub header: Duration,
    /// To send a request's body (408 after).
    pub body: Duration,
    /// For the work: past it the answer is 503, and the work is cancelled.
    pub deadline: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header: Duration::from_secs(10),
            body: Duration::from_secs(10),
            deadline: Duration::from_secs(20),
        }
    }
}

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    span: Option<[usize; 2]>,
}

impl ApiError {
    /// A bad request (400).
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            span: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message, "span": self.span }))).into_response()
    }
}

type ApiResult = Result<Json<Value>, ApiError>;

/// A request's body, read within the limit and at most [`crate::MAX_BODY`] bytes (a larger `Content-Length`
/// is refused before anything is read).
async fn body(limits: Limits, req: Request) -> Result<Bytes, ApiError> {
    let status = |status: StatusCode, message: &str| ApiError {
        status,
        message: message.into(),
        span: None,
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > crate::MAX_BODY as u64) {
        return Err(status(StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large"));
    }
    match tokio::time::timeout(limits.body, axum::body::to_bytes(req.into_body(), crate::MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(status(StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large")),
        Err(_) => Err(status(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
        )),
    }
}

/// A request object: JSON whose top level is an object (serde would also take an array of the fields in
/// order, which would slip past the check for unknown fields). A field of the wrong type or out of its type's
/// range is named, in plain words: "epochs: expected a whole number of 0 or more, got -5".
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad(format!("the request is not valid JSON ({})", plain(&e.to_string()))))?;
    from_object(value, "")
}

/// `value` (which must be an object) as a `T`; errors name the field, after `context` ("runs[2]: ").
fn from_object<T: DeserializeOwned>(value: Value, context: &str) -> Result<T, ApiError> {
    let Value::Object(fields) = &value else {
        return Err(ApiError::bad(format!("{context}expected a JSON object of settings")));
    };
    match T::deserialize(&value) {
        Ok(t) => Ok(t),
        Err(e) => {
            // Which field? Each one alone, the others left at their defaults.
            let culprit = fields.iter().find(|(k, v)| {
                let one = Value::Object([((*k).clone(), (*v).clone())].into_iter().collect());
                T::deserialize(&one).is_err()
            });
            let message = e.to_string();
            Err(ApiError::bad(match culprit {
                Some((k, _)) if message.starts_with("unknown field") => {
                    let known = message
                        .split_once("expected one of ")
                        .map(|(_, list)| plain(list).replace('`', ""))
                        .unwrap_or_default();
                    format!("{context}unknown setting '{k}' (the settings are {known})")
                }
                Some((k, _)) => format!("{context}{k}: {}", plain(&message)),
                None => format!("{context}{}", plain(&message)),
            }))
        }
    }
}

/// serde's message in plain words: its type names as a reader would say them, without the position.
fn plain(message: &str) -> String {
    let message = match message.find(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    let mut m = message.to_string();
    for (from, to) in [
        ("invalid type: ", ""),
        ("invalid value: ", ""),
        ("invalid length ", "a list of length "),
        ("expected u64", "expected a whole number of 0 or more"),
        ("expected u32", "expected a whole number of 0 or more"),
        ("expected usize", "expected a whole number of 0 or more"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected a string", "expected text in quotes"),
        ("expected an array of length 2", "expected a list of two numbers"),
        ("expected an array of length 4", "expected a list of four numbers"),
        // The expected side before the got side: "map, expected a sequence" names both kinds.
        ("expected a sequence", "expected a list"),
        ("expected a map", "expected an object"),
        ("integer `", "got `"),
        ("floating point `", "got `"),
        ("string \"", "got the text \""),
        ("sequence,", "got a list,"),
        ("map,", "got an object,"),
        ("boolean `", "got `"),
        ("null", "got null"),
    ] {
        m = m.replace(from, to);
    }
    // serde puts what it got first: "got `-5`, expected a whole number" reads better the other way round.
    match m.split_once(", expected ") {
        Some((got, expected)) => format!("expected {expected}, {got}"),
        None => m,
    }
}

/// The cancel flags of running work, so that a shutdown can stop all of it.
static RUNNING: Mutex<Vec<Weak<AtomicBool>>> = Mutex::new(Vec::new());

/// How many requests' work is running now.
pub fn running() -> usize {
    let running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    running.iter().filter(|w| w.strong_count() > 0).count()
}

/// Cancels all running work (at shutdown).
pub fn cancel_all() {
    let running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    for flag in running.iter().filter_map(Weak::upgrade) {
        flag.store(true, Ordering::Relaxed);
    }
}

fn function(spec: &str) -> Result<Function, ApiError> {
    Function::resolve(spec).map_err(|e| ApiError {
        status: StatusCode::BAD_REQUEST,
        message: e.to_string(),
        span: Some([e.span.start, e.span.end]),
    })
}

/// Runs blocking work off the async threads, within the deadline: all of a request's work, parsing and
/// differentiating its function included. Work past the deadline (or running at shutdown) is told to stop
/// through the flag it is given.
async fn compute<T: Send + 'static>(
    limits: Limits,
    work: impl FnOnce(&AtomicBool) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|w| w.strong_count() > 0);
        running.push(Arc::downgrade(&cancel));
    }
    let flag = cancel.clone();
    let result = tokio::time::timeout(limits.deadline, tokio::task::spawn_blocking(move || work(&flag))).await;
    if result.is_err() {
        cancel.store(true, Ordering::Relaxed);
    }
    match result {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "the work failed".into(),
            span: None,
        }),
        Err(_) => Err(ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "the work took too long".into(),
            span: None,
        }),
    }
}

fn to_json<T: serde::Serialize>(v: T) -> ApiResult {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| ApiError::bad(e.to_string()))
}

/// `GET /api/functions`: the catalog.
pub async fn functions() -> ApiResult {
    to_json(catalog::entries())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffRequest {
    function: String,
}

/// `POST /api/diff {function}`: gradient and Hessian, plain and LaTeX.
pub async fn diff(State(limits): State<Limits>, req: Request) -> ApiResult {
    let req: DiffRequest = parse(&body(limits, req).await?)?;
    compute(limits, move |_| {
        let f = function(&req.function)?;
        to_json(DiffReport::new(&req.function, &f, true)).map(|Json(v)| v)
    })
    .await
    .map(Json)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RunRequest {
    function: String,
    start: Option<[f64; 2]>,
    seed: Option<u64>,
    lr: Option<f64>,
    epochs: Option<i64>,
    optimizer: Option<String>,
    ascent: bool,
    momentum: Option<f64>,
    dampening: Option<f64>,
    weight_decay: Option<f64>,
    alpha: Option<f64>,
    beta1: Option<f64>,
    beta2: Option<f64>,
    eps: Option<f64>,
    lr_decay: Option<f64>,
    initial_accumulator_value: Option<f64>,
    centered: bool,
    amsgrad: bool,
    max_step: Option<f64>,
    momentum_decay: Option<f64>,
    rho: Option<f64>,
    etas: Option<[f64; 2]>,
    step_sizes: Option<[f64; 2]>,
    r: Option<f64>,
    weight_lr_power: Option<f64>,
    c1: Option<f64>,
    c2: Option<f64>,
    history_size: Option<u32>,
    max_iter: Option<u32>,
    max_eval: Option<u32>,
    line_search: Option<String>,
    tolerance_grad: Option<f64>,
    tolerance_change: Option<f64>,
    schedule: Option<String>,
    warmup: Option<u64>,
    clip_grad_norm: Option<f64>,
    gtol: Option<f64>,
    /// Also answer f and the gradient at the start and after every update (`values`, `gradients`).
    history: bool,
}

fn method(name: Option<&str>) -> Result<Method, ApiError> {
    let name = name.unwrap_or("gd");
    Method::from_name(name).ok_or_else(|| ApiError::bad(format!("unknown optimizer '{name}'")))
}

/// A run's settings checked, ready to run.
struct Prepared {
    method: Method,
    spec: OptimizerSpec,
    config: RunConfig,
    seed: Option<u64>,
    history: bool,
}

/// Checks a run's settings as the command line does, and within the explorer's bounds: epochs from 1 to
/// [`MAX_RUN_EPOCHS`] (no run without steps), and as many evaluations as that many epochs of a line search.
fn prepare(req: &RunRequest) -> Result<Prepared, ApiError> {
    let method = method(req.optimizer.as_deref())?;
    let options = Options {
        momentum: req.momentum,
        dampening: req.dampening,
        weight_decay: req.weight_decay,
        alpha: req.alpha,
        beta1: req.beta1,
        beta2: req.beta2,
        eps: req.eps,
        lr_decay: req.lr_decay,
        initial_accumulator_value: req.initial_accumulator_value,
        centered: req.centered,
        amsgrad: req.amsgrad,
        max_step: req.max_step,
        momentum_decay: req.momentum_decay,
        rho: req.rho,
        etas: req.etas,
        step_sizes: req.step_sizes,
        r: req.r,
        weight_lr_power: req.weight_lr_power,
        c1: req.c1,
        c2: req.c2,
        history_size: req.history_size,
        max_iter: req.max_iter,
        max_eval: req.max_eval,
        tolerance_grad: req.tolerance_grad,
        tolerance_change: req.tolerance_change,
        strong_wolfe: match req.line_search.as_deref() {
            None | Some("none") => false,
            Some("strong_wolfe") => true,
            Some(other) => {
                return Err(ApiError::bad(format!(
                    "line_search must be none or strong_wolfe (got '{other}')"
                )))
            }
        },
    };
    let spec = OptimizerSpec::new(method, &options).map_err(|e| ApiError::bad(e.to_string()))?;
    // Signed, so that -5 gets the same message as 0 (the range, not "a whole number of 0 or more").
    let epochs = req.epochs.unwrap_or(1000);
    if !(1..=MAX_RUN_EPOCHS as i64).contains(&epochs) {
        return Err(ApiError::bad(format!(
            "epochs: expected a whole number from 1 to {MAX_RUN_EPOCHS}, got {epochs}"
        )));
    }
    let epochs = epochs as u64;
    let evaluations = epochs.saturating_mul(spec.evaluations_per_update());
    if evaluations > MAX_RUN_EPOCHS * MAX_EVALUATIONS_PER_EPOCH {
        return Err(ApiError::bad(format!(
            "epochs {epochs} of {} may take {evaluations} evaluations (at most {})",
            method.name(),
            MAX_RUN_EPOCHS * MAX_EVALUATIONS_PER_EPOCH
        )));
    }
    let seed = req.start.is_none().then(|| req.seed.unwrap_or(0));
    let start = req.start.unwrap_or_else(|| rng::random_start(seed.unwrap_or(0)));
    let mut config = RunConfig::new(start)
        .learning_rate(req.lr.unwrap_or(method.default_learning_rate()))
        .epochs(epochs)
        .ascent(req.ascent);
    if let Some(s) = &req.schedule {
        config.schedule = Schedule::parse(s).map_err(|e| ApiError::bad(e.to_string()))?;
    }
    config.training = downhill::optim::TrainingLoop {
        warmup: req.warmup.unwrap_or(0),
        clip_grad_norm: req.clip_grad_norm,
        noise: None,
    };
    config.gtol = req.gtol;
    config.validate().map_err(|e| ApiError::bad(e.to_string()))?;
    spec.check_training(&config.training)
        .map_err(|e| ApiError::bad(e.to_string()))?;
    Ok(Prepared {
        method,
        spec,
        config,
        seed,
        history: req.history,
    })
}

impl Prepared {
    /// The run, in the command line's `--json` shape; with `history`, also `values` and `gradients`: f and its
    /// gradient at the start and after each update (one per point of `[start, ...trajectory]`, null where not
    /// finite), for a loss chart and a CSV.
    fn run(&self, name: &str, f: &Function) -> Result<Value, ApiError> {
        let r = downhill::run(f, &self.config, &self.spec).map_err(|e| ApiError::bad(e.to_string()))?;
        let report = RunReport::new(name, f, self.method, self.spec, &self.config, self.seed, &r);
        let Json(mut v) = to_json(report)?;
        if self.history {
            let (value, gradient) = f.value_gradient_with(r.start, &mut Vec::new());
            let values: Vec<f64> = std::iter::once(value).chain(r.values.iter().copied()).collect();
            let gradients: Vec<[f64; 2]> = std::iter::once(gradient).chain(r.gradients.iter().copied()).collect();
            v["values"] = json!(values);
            v["gradients"] = json!(gradients);
        }
        Ok(v)
    }
}

/// `POST /api/run {function, start, lr, epochs, optimizer, ascent, ...options}`.
pub async fn run(State(limits): State<Limits>, req: Request) -> ApiResult {
    let req: RunRequest = parse(&body(limits, req).await?)?;
    let prepared = prepare(&req)?;
    let name = req.function;
    compute(limits, move |_| prepared.run(&name, &function(&name)?))
        .await
        .map(Json)
}

/// The most runs of one `POST /api/runs`.
pub const MAX_RUNS: usize = 16;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RunsRequest {
    function: String,
    runs: Vec<Value>,
    /// Every run's history (see [`RunRequest`]'s `history`).
    history: bool,
}

/// `POST /api/runs {function, runs: [{start, optimizer, lr, epochs, ...}, ...]}`: every run on one function in
/// one request (the explorer redraws them all while a slider moves), each with its own settings, answered
/// `{"runs": [report, ...]}` in order. The function is parsed and differentiated once; the runs go side by side
/// on the cores. An error names the run it is about ("runs[2]: epochs: ...").
pub async fn runs(State(limits): State<Limits>, req: Request) -> ApiResult {
    let req: RunsRequest = parse(&body(limits, req).await?)?;
    at_most(req.runs.len(), MAX_RUNS, "runs")?;
    let mut prepared = Vec::with_capacity(req.runs.len());
    for (k, settings) in req.runs.into_iter().enumerate() {
        let context = format!("runs[{k}]: ");
        let run: RunRequest = from_object(settings, &context)?;
        if !run.function.is_empty() {
            return Err(ApiError::bad(format!(
                "{context}the function is given once, beside \"runs\", for all of them"
            )));
        }
        let mut p = prepare(&run).map_err(|e| ApiError {
            message: context.clone() + &e.message,
            ..e
        })?;
        p.history |= req.history;
        prepared.push(p);
    }
    let name = req.function;
    compute(limits, move |cancel| {
        let f = function(&name)?;
        let reports: Vec<Result<Value, ApiError>> = prepared
            .par_iter()
            .enumerate()
            .map(|(k, p)| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(ApiError::bad("cancelled"));
                }
                p.run(&name, &f).map_err(|e| ApiError {
                    message: format!("runs[{k}]: {}", e.message),
                    ..e
                })
            })
            .collect();
        Ok(json!({ "runs": reports.into_iter().collect::<Result<Vec<_>, _>>()? }))
    })
    .await
    .map(Json)
}

/// `GET /api/optimizers`: every method with its name in prose, default learning rate, whether it searches
/// along a line (one start at a time), the hyper-parameters it takes (the request fields of `/api/run`) and
/// their defaults (the command line's `options` object), so that a page need not hard-code them.
pub async fn optimizers() -> ApiResult {
    let list: Vec<Value> = Method::ALL
        .iter()
        .map(|&(m, name)| {
            let defaults = OptimizerSpec::new(m, &Options::default())
                .ok()
                .and_then(|spec| serde_json::to_value(spec).ok());
            let settings: Vec<Value> = m
                .options()
                .iter()
                .map(|&option| json!({ "name": option, "default": setting_default(option, defaults.as_ref()) }))
                .collect();
            json!({
                "name": name,
                "title": m.title(),
                "default_lr": m.default_learning_rate(),
                "line_search": m.is_line_search(),
                "options": m.options(),
                "defaults": defaults,
                "settings": settings,
            })
        })
        .collect();
    Ok(Json(json!(list)))
}

/// The domain asked for, else the catalog's, else [-3, 3]²; checked as the command line checks it.
fn domain_of(spec: &str, d: Option<[f64; 4]>) -> Result<[f64; 4], ApiError> {
    let d = d
        .or(catalog::lookup(spec).map(|e| e.domain))
        .unwrap_or([-3.0, 3.0, -3.0, 3.0]);
    downhill::run::check_region("the domain", d).map_err(|e| ApiError::bad(e.to_string()))
}

/// A field taken out of a request object: absent or null is `None`; the wrong type is named in plain words.
fn take<T: DeserializeOwned>(fields: &mut serde_json::Map<String, Value>, key: &str) -> Result<Option<T>, ApiError> {
    match fields.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::deserialize(&v)
            .map(Some)
            .map_err(|e| ApiError::bad(format!("{key}: {}", plain(&e.to_string())))),
    }
}

/// `POST /api/basins {function, grid, domain, precision, optimizer, lr, epochs, ascent, ...}`: attractors and
/// the label grid. Every setting of `/api/run` but the start (the map starts from every point of its grid) is
/// taken and checked as there: the optimizer's hyper-parameters, schedule, warmup and clipping; epochs default
/// to 200.
pub async fn basins(State(limits): State<Limits>, req: Request) -> ApiResult {
    let Value::Object(mut fields) = parse::<Value>(&body(limits, req).await?)? else {
        return Err(ApiError::bad("expected a JSON object of settings"));
    };
    let grid = take::<usize>(&mut fields, "grid")?.unwrap_or(128);
    let domain = take::<[f64; 4]>(&mut fields, "domain")?;
    let precision = match take::<String>(&mut fields, "precision")?.as_deref() {
        None | Some("f64") => Precision::F64,
        Some("f32") => Precision::F32,
        Some(other) => return Err(ApiError::bad(format!("unknown precision '{other}' (f64 or f32)"))),
    };
    for key in ["start", "seed", "history"] {
        if fields.contains_key(key) {
            return Err(ApiError::bad(format!(
                "{key}: a basin map starts from every point of its grid (grid, domain)"
            )));
        }
    }
    fields.entry("epochs").or_insert(json!(200));
    let req: RunRequest = from_object(Value::Object(fields), "")?;
    let prepared = prepare(&req)?;
    let epochs = prepared.config.epochs;
    if !(2..=MAX_GRID).contains(&grid) {
        return Err(ApiError::bad(format!("grid {grid} is out of range (2 to {MAX_GRID})")));
    }
    // Checked: 2 x 2 starts times 2^62 epochs once wrapped round to 0.
    let work = (grid as u64 * grid as u64).checked_mul(epochs);
    if work.is_none_or(|w| w > MAX_POINT_STEPS) {
        return Err(ApiError::bad(format!(
            "grid {grid} x {epochs} epochs is too much work (at most {MAX_POINT_STEPS} point-steps)"
        )));
    }
    let domain = domain_of(&req.function, domain)?;
    let run = prepared.config;
    let lr = run.learning_rate;
    let config = BasinConfig {
        grid: [grid, grid],
        domain,
        run: BatchConfig {
            epochs,
            learning_rate: lr,
            schedule: run.schedule,
            training: run.training,
            ascent: run.ascent,
            gtol: Some(run.gtol.unwrap_or(precision.default_gtol())),
            spec: prepared.spec,
            precision,
            bounds: None,
        },
        cluster_tol: 0.01 * (domain[1] - domain[0]).max(domain[3] - domain[2]),
        stationary_tol: (1e-5 * (domain[1] - domain[0]).max(domain[3] - domain[2]) / lr).min(1e-2),
        repeats: 1,
    };
    let name = req.function;
    compute(limits, move |cancel| {
        let f = function(&name)?;
        let started = Instant::now();
        let control = Control {
            cancel: Some(cancel),
            progress: None,
        };
        let map = basin_map(&f, &config, &control);
        let total = (grid * grid) as f64;
        if map.undefined as f64 == total {
            return Err(ApiError::bad(
                "the function is not finite wherever the map's runs ended, so there is nothing to map",
            ));
        }
        let attractors: Vec<Value> = map
            .attractors
            .iter()
            .map(|a| json!({"point": a.point, "value": a.value, "kind": a.kind, "fraction": a.count as f64 / total}))
            .collect();
        Ok(json!({
            "grid": [grid, grid],
            "domain": domain,
            "attractors": attractors,
            "diverged_fraction": map.diverged as f64 / total,
            "unconverged_fraction": map.not_converged as f64 / total,
            "left_domain_fraction": map.left_domain as f64 / total,
            "undefined_fraction": map.undefined as f64 / total,
            "elapsed_s": started.elapsed().as_secs_f64(),
            "point_steps": map.point_steps,
            "labels": map.labels,
        }))
    })
    .await
    .map(Json)
}

/// A setting's default in the request's own words (`beta1`, not `betas[0]`; `line_search`, not
/// `strong_wolfe`), from the method's resolved options: a number, true or false, a pair, or a word.
fn setting_default(option: &str, defaults: Option<&Value>) -> Value {
    let Some(d) = defaults else { return Value::Null };
    match option {
        "beta1" => d["betas"][0].clone(),
        "beta2" => d["betas"][1].clone(),
        // Schedule-Free SGD's momentum is its first beta.
        "momentum" if d.get("momentum").is_none() => d["betas"][0].clone(),
        "line_search" => json!(if d["strong_wolfe"] == true {
            "strong_wolfe"
        } else {
            "none"
        }),
        _ => d.get(option).cloned().unwrap_or(Value::Null),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct LandscapeRequest {
    function: String,
    domain: Option<[f64; 4]>,
    width: Option<usize>,
    height: Option<usize>,
}

/// `POST /api/landscape {function, domain, width, height}`: f on a grid of samples (rows from ymax, so the
/// first row is the top of a picture), with the finite range.
pub async fn landscape(State(limits): State<Limits>, req: Request) -> ApiResult {
    let req: LandscapeRequest = parse(&body(limits, req).await?)?;
    let (w, h) = (req.width.unwrap_or(256), req.height.unwrap_or(256));
    if !(2..=MAX_SAMPLES).contains(&w) || !(2..=MAX_SAMPLES).contains(&h) {
        return Err(ApiError::bad(format!("width and height must be 2 to {MAX_SAMPLES}")));
    }
    let d = domain_of(&req.function, req.domain)?;
    compute(limits, move |cancel| {
        let f = function(&req.function)?;
        let mut slots = Vec::new();
        let mut values = Vec::with_capacity(w * h);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for j in 0..h {
            if cancel.load(Ordering::Relaxed) {
                return Err(ApiError::bad("cancelled"));
            }
            let y = d[3] - (d[3] - d[2]) * (j as f64 + 0.5) / h as f64;
            for i in 0..w {
                let x = d[0] + (d[1] - d[0]) * (i as f64 + 0.5) / w as f64;
                let v = f.value_with([x, y], &mut slots);
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
                values.push(if v.is_finite() { Some(v) } else { None });
            }
        }
        Ok(json!({
            "function": req.function,
            "expression": f.text(),
            "domain": d,
            "width": w,
            "height": h,
            "min": lo.is_finite().then_some(lo),
            "max": hi.is_finite().then_some(hi),
            "values": values,
        }))
    })
    .await
    .map(Json)
}

/// The most points of one `POST /api/eval`.
pub const MAX_POINTS: usize = 2048;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct EvalRequest {
    function: String,
    points: Vec<[f64; 2]>,
}

/// `POST /api/eval {function, points: [[x, y], ...]}`: f and its gradient at each point, `{"values": [...],
/// "gradients": [[df/dx, df/dy], ...]}`, null where not finite (the explorer's hover readout and gradient
/// field). At most [`MAX_POINTS`] points.
pub async fn eval(State(limits): State<Limits>, req: Request) -> ApiResult {
    let req: EvalRequest = parse(&body(limits, req).await?)?;
    at_most(req.points.len(), MAX_POINTS, "points")?;
    compute(limits, move |_| {
        let f = function(&req.function)?;
        let mut scratch = Vec::new();
        let (values, gradients): (Vec<f64>, Vec<[f64; 2]>) = req
            .points
            .iter()
            .map(|&p| f.value_gradient_with(p, &mut scratch))
            .unzip();
        Ok(json!({ "values": values, "gradients": gradients }))
    })
    .await
    .map(Json)
}

/// An error naming the bound where a request lists more than `max` of `what`.
fn at_most(n: usize, max: usize, what: &str) -> Result<(), ApiError> {
    if n > max {
        return Err(ApiError::bad(format!(
            "{n} {what} is too many for one request (at most {max})"
        )));
    }
    Ok(())
}
