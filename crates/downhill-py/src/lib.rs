//! downhill for Python: the module `downhill._downhill`, which the pure-Python package `downhill` (in
//! `python/downhill`) re-exports. Functions are parsed and differentiated symbolically by the `downhill` crate;
//! runs and basin maps run on its engine with the GIL released; results come back as NumPy arrays. Every error
//! is a Python exception: `ExpressionError` (a `ValueError`, with the caret line and `.span`) for a bad
//! expression, `ValueError` or `TypeError` naming the argument for bad settings. No panic reaches Python.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use downhill::batch::{PointEvaluator, Quantity};
use downhill::{
    basin_map, catalog, rng, BasinConfig, BatchConfig, Control, Function, Method, OptimizerSpec, Options, Precision,
    RunConfig, RunError, Schedule,
};
use numpy::ndarray::{Array1, Array2, ArrayD, ArrayViewD, IxDyn};
use numpy::{AllowTypeChange, IntoPyArray, PyArrayLikeDyn};
use pyo3::exceptions::{PyKeyboardInterrupt, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

pyo3::create_exception!(
    downhill,
    ExpressionError,
    PyValueError,
    "An expression that cannot be read: the message shows it with the fault marked, and `.span` is the fault's \
     (start, end) character range."
);

/// The most epochs of one run (as the command line's `run`).
const MAX_EPOCHS: u64 = 10_000_000;
/// The most evaluations of f in one run (a line search takes several an epoch).
const MAX_EVALUATIONS: u64 = 25 * MAX_EPOCHS;
/// The most starts of a basin map, and its most point-steps.
const MAX_STARTS: usize = 1 << 24;
const MAX_POINT_STEPS: f64 = 1e12;
/// The most starts and point-steps of a comparison (as the command line's `compare`).
const MAX_COMPARE_STARTS: usize = 1 << 20;
const MAX_COMPARE_STEPS: f64 = 2e10;
/// The most points `f(x, y)` evaluates in one call.
const MAX_POINTS: usize = 1 << 28;

/// The expression with carets under the span (by character, not byte).
fn marked(source: &str, span: downhill::Span) -> (String, (usize, usize)) {
    let column = |byte: usize| source[..byte.min(source.len())].chars().count();
    let (start, end) = (column(span.start), column(span.end).max(column(span.start) + 1));
    let line = source.replace(['\n', '\t', '\r'], " ");
    let marks = format!("{}{}", " ".repeat(start), "^".repeat(end - start));
    (format!("    {line}\n    {marks}"), (start, end))
}

fn expression_error(py: Python<'_>, source: &str, e: &downhill::ParseError) -> PyErr {
    let (lines, span) = marked(source, e.span);
    let err = ExpressionError::new_err(format!("{e}\n{lines}"));
    match err.value(py).setattr("span", span) {
        Ok(()) => err,
        Err(other) => other,
    }
}

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A function of x and y: a catalog name (`"peaks"`) or an expression (`"x^2 + 3*y^2"`), with its symbolic
/// gradient and Hessian. Calling it evaluates f over NumPy arrays (broadcast like NumPy's operators).
#[pyclass(frozen, module = "downhill", name = "Function")]
pub struct PyFunction {
    /// Shared with the runs made from it (a run borrows it instead of copying its expression pool).
    f: Arc<Function>,
    text: String,
    /// f's and the gradient's vector code, compiled at their first use.
    evaluators: [OnceLock<PointEvaluator>; 2],
}

impl PyFunction {
    fn parse(py: Python<'_>, text: &str) -> PyResult<PyFunction> {
        let f = Function::resolve(text).map_err(|e| expression_error(py, text, &e))?;
        Ok(PyFunction {
            f: Arc::new(f),
            text: text.to_string(),
            evaluators: Default::default(),
        })
    }

    /// `quantity` at every broadcast pair of `x` and `y`, with the GIL released, by the batch engine's vector
    /// code on every core: one array of the broadcast shape per column (a float each for two numbers).
    fn map<'py>(
        &self,
        py: Python<'py>,
        x: PyArrayLikeDyn<'py, f64, AllowTypeChange>,
        y: PyArrayLikeDyn<'py, f64, AllowTypeChange>,
        quantity: Quantity,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let (xv, yv) = (x.as_array(), y.as_array());
        let shape = broadcast(xv.shape(), yv.shape()).ok_or_else(|| {
            PyValueError::new_err(format!(
                "x and y cannot be broadcast together: shapes {:?} and {:?}",
                xv.shape(),
                yv.shape()
            ))
        })?;
        let n: usize = shape.iter().product();
        if n > MAX_POINTS {
            return Err(PyValueError::new_err(format!(
                "{n} points are too many for one call (at most {MAX_POINTS})"
            )));
        }
        let (xs, ys) = (flat(&xv, &shape)?, flat(&yv, &shape)?);
        let slot = match quantity {
            Quantity::Value => 0,
            Quantity::Gradient => 1,
        };
        let f = &self.f;
        let evaluator = &self.evaluators[slot];
        let columns = py.detach(|| {
            evaluator
                .get_or_init(|| PointEvaluator::new(f, quantity))
                .evaluate(&xs, &ys)
        });
        columns
            .into_iter()
            .map(|column| {
                if shape.is_empty() {
                    Ok(column[0].into_pyobject(py)?.into_any())
                } else {
                    let a = ArrayD::from_shape_vec(IxDyn(&shape), column).map_err(value_error)?;
                    Ok(a.into_pyarray(py).into_any())
                }
            })
            .collect()
    }
}

/// A coordinate as one contiguous run of the broadcast shape's values: the array's own memory where it already
/// is that, else a copy.
fn flat<'a>(a: &'a ArrayViewD<'_, f64>, shape: &[usize]) -> PyResult<Cow<'a, [f64]>> {
    if a.shape() == shape {
        if let Some(s) = a.as_slice() {
            return Ok(Cow::Borrowed(s));
        }
    }
    if a.len() == 1 {
        return Ok(Cow::Owned(vec![
            a.iter().copied().next().unwrap_or(0.0);
            shape.iter().product()
        ]));
    }
    let b = a
        .broadcast(IxDyn(shape))
        .ok_or_else(|| PyValueError::new_err("x and y cannot be broadcast together"))?;
    if shape.is_empty() {
        return Ok(Cow::Owned(b.iter().copied().collect()));
    }
    // Row by row along the last axis, the rows counted by an odometer over the other axes (ndarray's
    // n-dimensional iterators cost several times more than the evaluation itself).
    let (strides, base) = (b.strides(), b.as_ptr());
    let last = shape.len() - 1;
    let (len, step) = (shape[last], strides[last]);
    let rows: usize = shape[..last].iter().product();
    let mut out = Vec::with_capacity(rows * len);
    let mut index = vec![0usize; last];
    for _ in 0..rows {
        let row: isize = index.iter().zip(strides).map(|(&i, &s)| i as isize * s).sum();
        // SAFETY: every offset is an index within the view's shape times the view's strides, an element of
        // the array it views (a broadcast axis has stride 0).
        out.extend((0..len).map(|j| unsafe { *base.offset(row + j as isize * step) }));
        for k in (0..last).rev() {
            index[k] += 1;
            if index[k] < shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
    Ok(Cow::Owned(out))
}

/// NumPy's broadcasting of two shapes, `None` where they do not broadcast.
fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
            let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
            match (da, db) {
                (p, q) if p == q => Some(p),
                (1, q) => Some(q),
                (p, 1) => Some(p),
                _ => None,
            }
        })
        .collect()
}

#[pymethods]
impl PyFunction {
    #[new]
    fn new(py: Python<'_>, text: String) -> PyResult<PyFunction> {
        PyFunction::parse(py, &text)
    }

    /// The catalog name, or None for an expression.
    #[getter]
    fn name(&self) -> Option<&'static str> {
        self.f.name()
    }

    /// The expression, in the input grammar.
    #[getter]
    fn expression(&self) -> String {
        self.f.text()
    }

    /// The two partial derivatives (df/dx, df/dy), in the input grammar.
    #[getter]
    fn gradient(&self) -> (String, String) {
        let [dx, dy] = self.f.gradient_text();
        (dx, dy)
    }

    /// The Hessian's rows ((fxx, fxy), (fyx, fyy)), in the input grammar.
    #[getter]
    fn hessian(&self) -> ((String, String), (String, String)) {
        let [[a, b], [c, d]] = self.f.hessian_text();
        ((a, b), (c, d))
    }

    /// The expression in LaTeX.
    fn latex(&self) -> String {
        self.f.latex()
    }

    /// The catalog's plotting domain (xmin, xmax, ymin, ymax), or None for an expression.
    #[getter]
    fn domain(&self) -> Option<(f64, f64, f64, f64)> {
        self.f
            .name()
            .and_then(catalog::lookup)
            .map(|e| (e.domain[0], e.domain[1], e.domain[2], e.domain[3]))
    }

    /// The catalog's documented extrema, each a dict with `point`, `value` and `kind`; empty for an expression.
    #[getter]
    fn extrema<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let Some(entry) = self.f.name().and_then(catalog::lookup) else {
            return Ok(Vec::new());
        };
        entry
            .extrema
            .iter()
            .map(|x| {
                let d = PyDict::new(py);
                d.set_item("point", (x.point[0], x.point[1]))?;
                d.set_item("value", x.value)?;
                d.set_item("kind", serde_json::to_value(x.kind).map_err(value_error)?.as_str())?;
                Ok(d)
            })
            .collect()
    }

    /// f at every (x, y): arrays of any shapes that broadcast together (or numbers), a float for two numbers.
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        x: PyArrayLikeDyn<'py, f64, AllowTypeChange>,
        y: PyArrayLikeDyn<'py, f64, AllowTypeChange>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut out = self.map(py, x, y, Quantity::Value)?;
        Ok(out.remove(0))
    }

    /// The gradient at every (x, y), as two arrays (df/dx, df/dy) of the broadcast shape.
    fn grad<'py>(
        &self,
        py: Python<'py>,
        x: PyArrayLikeDyn<'py, f64, AllowTypeChange>,
        y: PyArrayLikeDyn<'py, f64, AllowTypeChange>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let out = self.map(py, x, y, Quantity::Gradient)?;
        PyTuple::new(py, out)
    }

    fn __repr__(&self) -> String {
        match self.f.name() {
            Some(name) => format!("Function({name:?}: {})", self.f.text()),
            None => format!("Function({:?})", self.f.text()),
        }
    }
}

/// The function argument: a `Function` or a string to parse.
fn function_of(py: Python<'_>, function: &Bound<'_, PyAny>) -> PyResult<(Arc<Function>, String)> {
    if let Ok(f) = function.cast::<PyFunction>() {
        let f = f.get();
        return Ok((f.f.clone(), f.text.clone()));
    }
    match function.extract::<String>() {
        Ok(text) => {
            let f = PyFunction::parse(py, &text)?;
            Ok((f.f, f.text))
        }
        Err(_) => Err(PyTypeError::new_err(format!(
            "function must be a downhill.Function or a string (a catalog name or an expression), not {}",
            function.get_type().name()?
        ))),
    }
}

/// The optimizer by name and its hyper-parameters from keyword arguments, with PyTorch's names (`betas`,
/// `line_search_fn`) as well as the command line's.
fn optimizer(name: &str, hyper: Option<&Bound<'_, PyDict>>) -> PyResult<(Method, OptimizerSpec)> {
    let method = method(name)?;
    let spec = OptimizerSpec::new(method, &options(hyper)?).map_err(value_error)?;
    Ok((method, spec))
}

fn method(name: &str) -> PyResult<Method> {
    Method::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Method::ALL.iter().map(|(_, n)| *n).collect();
        PyValueError::new_err(format!(
            "optimizer: unknown optimizer {name:?}; one of {}",
            names.join(", ")
        ))
    })
}

/// Hyper-parameters from keyword arguments.
fn options(hyper: Option<&Bound<'_, PyDict>>) -> PyResult<Options> {
    let mut o = Options::default();
    if let Some(hyper) = hyper {
        for (key, value) in hyper.iter() {
            let key: String = key.extract()?;
            let float = |v: &Bound<'_, PyAny>| -> PyResult<Option<f64>> {
                v.extract::<f64>()
                    .map(Some)
                    .map_err(|_| PyTypeError::new_err(format!("{key} must be a number")))
            };
            let count = |v: &Bound<'_, PyAny>| -> PyResult<Option<u32>> {
                v.extract::<u32>()
                    .map(Some)
                    .map_err(|_| PyTypeError::new_err(format!("{key} must be a whole number from 0 to 2^32 - 1")))
            };
            let pair = |v: &Bound<'_, PyAny>| -> PyResult<Option<[f64; 2]>> {
                v.extract::<(f64, f64)>()
                    .map(|(a, b)| Some([a, b]))
                    .map_err(|_| PyTypeError::new_err(format!("{key} must be a pair of numbers")))
            };
            let flag = |v: &Bound<'_, PyAny>| -> PyResult<bool> {
                v.extract::<bool>()
                    .map_err(|_| PyTypeError::new_err(format!("{key} must be True or False")))
            };
            match key.as_str() {
                "momentum" => o.momentum = float(&value)?,
                "dampening" => o.dampening = float(&value)?,
                "weight_decay" => o.weight_decay = float(&value)?,
                "alpha" => o.alpha = float(&value)?,
                "beta1" => o.beta1 = float(&value)?,
                "beta2" => o.beta2 = float(&value)?,
                "betas" => {
                    let b = pair(&value)?;
                    o.beta1 = b.map(|b| b[0]);
                    o.beta2 = b.map(|b| b[1]);
                }
                "eps" => o.eps = float(&value)?,
                "lr_decay" => o.lr_decay = float(&value)?,
                "initial_accumulator_value" => o.initial_accumulator_value = float(&value)?,
                "centered" => o.centered = flag(&value)?,
                "amsgrad" => o.amsgrad = flag(&value)?,
                "nesterov" => {
                    return Err(PyValueError::new_err(
                        "nesterov: choose optimizer=\"nesterov\" instead of a flag",
                    ))
                }
                "max_step" => o.max_step = float(&value)?,
                "momentum_decay" => o.momentum_decay = float(&value)?,
                "rho" => o.rho = float(&value)?,
                "etas" => o.etas = pair(&value)?,
                "step_sizes" => o.step_sizes = pair(&value)?,
                "r" => o.r = float(&value)?,
                "weight_lr_power" => o.weight_lr_power = float(&value)?,
                "c1" => o.c1 = float(&value)?,
                "c2" => o.c2 = float(&value)?,
                "history_size" => o.history_size = count(&value)?,
                "max_iter" => o.max_iter = count(&value)?,
                "max_eval" => o.max_eval = count(&value)?,
                "tolerance_grad" => o.tolerance_grad = float(&value)?,
                "tolerance_change" => o.tolerance_change = float(&value)?,
                "line_search" | "line_search_fn" => {
                    o.strong_wolfe = match value.extract::<Option<String>>()?.as_deref() {
                        None | Some("none") => false,
                        Some("strong_wolfe") => true,
                        Some(other) => {
                            return Err(PyValueError::new_err(format!(
                                "{key} must be None or \"strong_wolfe\" (got {other:?})"
                            )))
                        }
                    }
                }
                other => {
                    return Err(PyTypeError::new_err(format!(
                        "unexpected keyword argument {other:?}: not a setting of any optimizer"
                    )))
                }
            }
        }
    }
    Ok(o)
}

/// What every run shares: checked settings as a single run's configuration.
#[allow(clippy::too_many_arguments)]
fn config(
    method: Method,
    spec: &OptimizerSpec,
    start: [f64; 2],
    lr: Option<f64>,
    epochs: u64,
    ascent: bool,
    gtol: Option<f64>,
    schedule: Option<&str>,
    warmup: u64,
    clip_grad_norm: Option<f64>,
    noise: Option<f64>,
    noise_seed: u64,
) -> PyResult<RunConfig> {
    let learning_rate = lr.unwrap_or(method.default_learning_rate());
    downhill::optim::check_learning_rate(learning_rate).map_err(|e| PyValueError::new_err(format!("lr: {e}")))?;
    let mut c = RunConfig::new(start).learning_rate(learning_rate).epochs(epochs);
    c.ascent = ascent;
    c.gtol = gtol;
    if let Some(s) = schedule {
        c.schedule = Schedule::parse(s).map_err(|e| PyValueError::new_err(format!("schedule: {e}")))?;
    }
    c.training.warmup = warmup;
    c.training.clip_grad_norm = clip_grad_norm;
    c.training.noise = noise.map(|sigma| downhill::optim::Noise {
        sigma,
        seed: noise_seed,
        stream: 0,
    });
    c.validate().map_err(value_error)?;
    c.training.validate(epochs).map_err(value_error)?;
    spec.check_training(&c.training).map_err(value_error)?;
    Ok(c)
}

/// The settings every start of a batch job (a basin map, a comparison) shares.
struct Batch<'a> {
    lr: Option<f64>,
    epochs: u64,
    ascent: bool,
    gtol: f64,
    precision: Precision,
    schedule: Option<&'a str>,
    warmup: u64,
    clip_grad_norm: Option<f64>,
}

impl Batch<'_> {
    /// The batch engine's configuration for `method`, checked as a single run's.
    fn config(&self, method: Method, spec: OptimizerSpec) -> PyResult<BatchConfig> {
        let c = config(
            method,
            &spec,
            [0.0, 0.0],
            self.lr,
            self.epochs,
            self.ascent,
            Some(self.gtol),
            self.schedule,
            self.warmup,
            self.clip_grad_norm,
            None,
            0,
        )?;
        Ok(BatchConfig {
            epochs: self.epochs,
            learning_rate: c.learning_rate,
            schedule: c.schedule,
            training: c.training,
            ascent: self.ascent,
            gtol: Some(self.gtol),
            spec,
            precision: self.precision,
            bounds: None,
        })
    }
}

/// `precision="f64"` or `"f32"`.
fn precision_of(name: &str) -> PyResult<Precision> {
    Precision::from_name(name)
        .ok_or_else(|| PyValueError::new_err(format!("precision must be \"f64\" or \"f32\" (got {name:?})")))
}

/// The region given as `domain`, else the catalog's plotting domain, else [-3, 3]^2; checked.
fn region(f: &Function, domain: Option<(f64, f64, f64, f64)>) -> PyResult<[f64; 4]> {
    let domain = match domain {
        Some((a, b, c, d)) => [a, b, c, d],
        None => f
            .name()
            .and_then(catalog::lookup)
            .map(|e| e.domain)
            .unwrap_or([-3.0, 3.0, -3.0, 3.0]),
    };
    downhill::run::check_region("domain", domain).map_err(value_error)
}

fn check_epochs(epochs: u64, spec: &OptimizerSpec) -> PyResult<()> {
    if epochs > MAX_EPOCHS {
        return Err(PyValueError::new_err(format!(
            "epochs: {epochs} is too many for one run (at most {MAX_EPOCHS})"
        )));
    }
    let evaluations = epochs.saturating_mul(spec.evaluations_per_update());
    if evaluations > MAX_EVALUATIONS {
        return Err(PyValueError::new_err(format!(
            "epochs: {epochs} may take {evaluations} evaluations of f; at most {MAX_EVALUATIONS} in one run"
        )));
    }
    Ok(())
}

/// One run: where it went, what it ended at and why, as NumPy arrays.
#[pyclass(frozen, module = "downhill", name = "RunResult")]
pub struct PyRunResult {
    /// The positions after each update, an (n, 2) array (the start not included, as in the seed notebook).
    #[pyo3(get)]
    trajectory: Py<PyAny>,
    /// f at each trajectory point.
    #[pyo3(get)]
    values: Py<PyAny>,
    /// The gradient at each trajectory point, an (n, 2) array.
    #[pyo3(get)]
    gradients: Py<PyAny>,
    /// The start (x, y).
    #[pyo3(get)]
    start: (f64, f64),
    /// The last position.
    #[pyo3(get)]
    end: (f64, f64),
    /// f at the end.
    #[pyo3(get)]
    value: f64,
    /// The gradient at the end.
    #[pyo3(get)]
    gradient: (f64, f64),
    /// Updates applied.
    #[pyo3(get)]
    epochs_run: u64,
    /// Evaluations of f and its gradient (several an update for a line search).
    #[pyo3(get)]
    evaluations: u64,
    /// Why it stopped: max_epochs, converged, stalled, diverged or left_domain.
    #[pyo3(get)]
    termination: String,
    /// What the end is, from the Hessian: minimum, maximum, saddle, flat or none.
    #[pyo3(get)]
    stationary_point: String,
    /// The seed of a random start, or None.
    #[pyo3(get)]
    seed: Option<u64>,
    /// The optimizer.
    #[pyo3(get)]
    optimizer: String,
    /// The learning rate.
    #[pyo3(get)]
    lr: f64,
    /// The command line's `run --json` object without its trajectories (filled in from the arrays by
    /// `to_dict`: printing every position as JSON cost as much as a short run itself).
    json: String,
    /// Schedule-Free's averaged points, an (n, 2) array; None for every other method.
    averaged: Option<Py<PyAny>>,
}

#[pymethods]
impl PyRunResult {
    /// The command line's `run --json` object, as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let d = py.import("json")?.call_method1("loads", (&self.json,))?;
        d.set_item("trajectory", self.trajectory.bind(py).call_method0("tolist")?)?;
        if let Some(a) = &self.averaged {
            d.get_item("averaged")?
                .set_item("trajectory", a.bind(py).call_method0("tolist")?)?;
        }
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "RunResult({}, lr {}: ({:.6}, {:.6}) -> ({:.6}, {:.6}), f = {:.6}, {} epochs, {}, {})",
            self.optimizer,
            self.lr,
            self.start.0,
            self.start.1,
            self.end.0,
            self.end.1,
            self.value,
            self.epochs_run,
            self.termination,
            self.stationary_point
        )
    }

    fn _repr_html_(&self) -> String {
        let rows = [
            ("optimizer", format!("{} (lr {})", self.optimizer, self.lr)),
            ("start", format!("({}, {})", self.start.0, self.start.1)),
            ("end", format!("({}, {})", self.end.0, self.end.1)),
            ("value", format!("{}", self.value)),
            (
                "gradient",
                format!("({:.4e}, {:.4e})", self.gradient.0, self.gradient.1),
            ),
            (
                "stopped",
                format!("{} after {} epochs", self.termination, self.epochs_run),
            ),
            ("end point", self.stationary_point.clone()),
        ];
        let body: String = rows
            .iter()
            .map(|(k, v)| format!("<tr><th style=\"text-align:left\">{k}</th><td>{}</td></tr>", html(v)))
            .collect();
        format!("<table><caption>downhill.RunResult</caption>{body}</table>")
    }
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn points_array(py: Python<'_>, points: &[[f64; 2]]) -> PyResult<Py<PyAny>> {
    let flat: Vec<f64> = points.iter().flatten().copied().collect();
    let a = Array2::from_shape_vec((points.len(), 2), flat).map_err(value_error)?;
    Ok(a.into_pyarray(py).into_any().unbind())
}

/// Runs an optimizer on a function from one start.
#[pyfunction]
#[pyo3(signature = (function, start=None, optimizer=String::from("gd"), lr=None, epochs=1000, ascent=false, gtol=None,
    seed=None, schedule=None, warmup=0, clip_grad_norm=None, noise=None, noise_seed=0, **hyper_parameters))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    function: &Bound<'_, PyAny>,
    start: Option<(f64, f64)>,
    optimizer: String,
    lr: Option<f64>,
    epochs: u64,
    ascent: bool,
    gtol: Option<f64>,
    seed: Option<u64>,
    schedule: Option<String>,
    warmup: u64,
    clip_grad_norm: Option<f64>,
    noise: Option<f64>,
    noise_seed: u64,
    hyper_parameters: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyRunResult> {
    let (f, text) = function_of(py, function)?;
    let (method, spec) = self::optimizer(&optimizer, hyper_parameters)?;
    check_epochs(epochs, &spec)?;
    let (start, seed) = match (start, seed) {
        (Some((x, y)), _) => ([x, y], None),
        (None, Some(s)) => (rng::random_start(s), Some(s)),
        (None, None) => {
            let s: u64 = py.import("random")?.call_method1("getrandbits", (32,))?.extract()?;
            (rng::random_start(s), Some(s))
        }
    };
    let c = config(
        method,
        &spec,
        start,
        lr,
        epochs,
        ascent,
        gtol,
        schedule.as_deref(),
        warmup,
        clip_grad_norm,
        noise,
        noise_seed,
    )?;
    let r = py.detach(|| downhill::run(&f, &c, &spec)).map_err(|e| match e {
        RunError::NotFiniteAtStart(at) => match at.cause {
            Some(cause) => {
                let (lines, _) = marked(f.source(), cause.span);
                PyValueError::new_err(format!(
                    "start: the function is not finite at ({}, {}): {}\n{lines}",
                    at.point[0], at.point[1], cause.reason
                ))
            }
            None => PyValueError::new_err(format!(
                "start: the gradient is not finite at ({}, {})",
                at.point[0], at.point[1]
            )),
        },
        RunError::Config(e) => value_error(e),
    })?;
    let mut report = downhill::report::RunReport::new(&text, &f, method, spec, &c, seed, &r);
    report.trajectory = &[];
    if let Some(a) = &mut report.averaged {
        a.trajectory = &[];
    }
    let json = serde_json::to_string(&report).map_err(value_error)?;
    let averaged = match r.averaged_end {
        Some(_) => Some(points_array(py, &r.averaged)?),
        None => None,
    };
    let values = Array1::from_vec(r.values.clone()).into_pyarray(py).into_any().unbind();
    let name = |v: serde_json::Result<serde_json::Value>| -> String {
        v.ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    };
    Ok(PyRunResult {
        trajectory: points_array(py, &r.trajectory)?,
        values,
        gradients: points_array(py, &r.gradients)?,
        start: (r.start[0], r.start[1]),
        end: (r.end[0], r.end[1]),
        value: r.value,
        gradient: (r.gradient[0], r.gradient[1]),
        epochs_run: r.epochs_run,
        evaluations: r.evaluations,
        termination: name(serde_json::to_value(r.termination)),
        stationary_point: r.stationary_point.name().to_string(),
        seed,
        optimizer: method.name().to_string(),
        lr: c.learning_rate,
        json,
        averaged,
    })
}

/// A basin map: which start of a grid ends where.
#[pyclass(frozen, module = "downhill", name = "BasinMap")]
pub struct PyBasinMap {
    /// An (ny, nx) int array, row 0 at ymin: the attractor's index, or -1 diverged, -2 not converged, -3 left the
    /// domain, -4 undefined at the start.
    #[pyo3(get)]
    labels: Py<PyAny>,
    /// An (ny, nx) array of the updates each start took.
    #[pyo3(get)]
    steps: Py<PyAny>,
    /// The attractors, each a dict with `point`, `value`, `kind` and `fraction` (its share of the starts).
    #[pyo3(get)]
    attractors: Py<PyAny>,
    /// (xmin, xmax, ymin, ymax) of the starts.
    #[pyo3(get)]
    domain: (f64, f64, f64, f64),
    /// Seconds the engine took.
    #[pyo3(get)]
    elapsed_s: f64,
    /// Updates taken over all starts.
    #[pyo3(get)]
    point_steps: u64,
}

#[pymethods]
impl PyBasinMap {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let n = self.attractors.bind(py).len()?;
        let shape: Vec<usize> = self.labels.bind(py).getattr("shape")?.extract()?;
        Ok(format!(
            "BasinMap({}x{} starts, {n} attractors, {:.3} s)",
            shape.get(1).copied().unwrap_or(0),
            shape.first().copied().unwrap_or(0),
            self.elapsed_s
        ))
    }
}

/// Runs an optimizer from every start of a grid over the domain, on every core, and labels each start with the
/// attractor it reached.
#[pyfunction]
#[pyo3(signature = (function, grid=None, domain=None, optimizer=String::from("gd"), lr=None, epochs=1000,
    precision=String::from("f64"), ascent=false, gtol=None, schedule=None, warmup=0, clip_grad_norm=None,
    **hyper_parameters))]
#[allow(clippy::too_many_arguments)]
fn basins(
    py: Python<'_>,
    function: &Bound<'_, PyAny>,
    grid: Option<&Bound<'_, PyAny>>,
    domain: Option<(f64, f64, f64, f64)>,
    optimizer: String,
    lr: Option<f64>,
    epochs: u64,
    precision: String,
    ascent: bool,
    gtol: Option<f64>,
    schedule: Option<String>,
    warmup: u64,
    clip_grad_norm: Option<f64>,
    hyper_parameters: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyBasinMap> {
    let (f, _) = function_of(py, function)?;
    let (method, spec) = self::optimizer(&optimizer, hyper_parameters)?;
    // 400 x 400 starts by default; a number n for n x n, or a pair (nx, ny).
    let [nx, ny] = match grid.map(|g| (g, g.extract::<usize>())) {
        None => [400, 400],
        Some((_, Ok(n))) => [n, n],
        Some((grid, Err(_))) => {
            let (a, b) = grid
                .extract::<(usize, usize)>()
                .map_err(|_| PyTypeError::new_err("grid must be a whole number or a pair (nx, ny)"))?;
            [a, b]
        }
    };
    if nx < 2 || ny < 2 || nx.saturating_mul(ny) > MAX_STARTS {
        return Err(PyValueError::new_err(format!(
            "grid: {nx}x{ny} starts; give from 2x2 to {MAX_STARTS} starts"
        )));
    }
    let work = (nx * ny) as f64 * epochs as f64 * spec.evaluations_per_update() as f64;
    if work > MAX_POINT_STEPS {
        return Err(PyValueError::new_err(format!(
            "grid {nx}x{ny} x {epochs} epochs is {work:.2e} point-steps; at most {MAX_POINT_STEPS:.0e}"
        )));
    }
    let precision = precision_of(&precision)?;
    let domain = region(&f, domain)?;
    let run = Batch {
        lr,
        epochs,
        ascent,
        gtol: gtol.unwrap_or(precision.default_gtol()),
        precision,
        schedule: schedule.as_deref(),
        warmup,
        clip_grad_norm,
    }
    .config(method, spec)?;
    let config = BasinConfig::new([nx, ny], domain, run);
    // The map runs on a worker thread while this one, holding the GIL in turns, watches for Ctrl-C.
    let cancel = AtomicBool::new(false);
    let clock = std::time::Instant::now();
    let map = std::thread::scope(|scope| -> PyResult<_> {
        let worker = scope.spawn(|| {
            let control = Control {
                cancel: Some(&cancel),
                progress: None,
            };
            basin_map(&f, &config, &control)
        });
        let mut interrupted = None;
        while !worker.is_finished() {
            py.detach(|| std::thread::sleep(std::time::Duration::from_millis(20)));
            if let Err(e) = py.check_signals() {
                cancel.store(true, Ordering::SeqCst);
                interrupted = Some(e);
                break;
            }
        }
        let map = py.detach(|| worker.join());
        match (interrupted, map) {
            (Some(e), _) => Err(e),
            (None, Ok(map)) => Ok(map),
            (None, Err(_)) => Err(PyKeyboardInterrupt::new_err("the basin map stopped")),
        }
    })?;
    let elapsed_s = clock.elapsed().as_secs_f64();
    let total = (nx * ny) as f64;
    let labels = Array2::from_shape_vec((ny, nx), map.labels.clone()).map_err(value_error)?;
    let steps = Array2::from_shape_vec((ny, nx), map.steps.clone()).map_err(value_error)?;
    let attractors: Vec<Bound<'_, PyDict>> = map
        .attractors
        .iter()
        .map(|a| {
            let d = PyDict::new(py);
            d.set_item("point", (a.point[0], a.point[1]))?;
            d.set_item("value", a.value)?;
            d.set_item("kind", a.kind.name())?;
            d.set_item("fraction", a.count as f64 / total)?;
            Ok(d)
        })
        .collect::<PyResult<_>>()?;
    Ok(PyBasinMap {
        labels: labels.into_pyarray(py).into_any().unbind(),
        steps: steps.into_pyarray(py).into_any().unbind(),
        attractors: pyo3::types::PyList::new(py, attractors)?.into_any().unbind(),
        domain: (domain[0], domain[1], domain[2], domain[3]),
        elapsed_s,
        point_steps: map.point_steps,
    })
}

/// Compares optimizers from the same seeded random starts (or one start), each at its own best learning rate
/// from a log grid (`tune_lr`) or at the rate given, as the command line's `compare --json`: a dict with the
/// criterion and, per method, the chosen rate, its outcome and every rate's (the sensitivity).
#[pyfunction]
#[pyo3(signature = (function, optimizers=None, starts=256, start=None, seed=0, lr=None, tune_lr=None, epochs=1000,
    gtol=None, precision=String::from("f64"), ascent=false, reach=None, domain=None, schedule=None, warmup=0,
    clip_grad_norm=None, **hyper_parameters))]
#[allow(clippy::too_many_arguments)]
fn compare<'py>(
    py: Python<'py>,
    function: &Bound<'py, PyAny>,
    optimizers: Option<Vec<String>>,
    starts: usize,
    start: Option<(f64, f64)>,
    seed: u64,
    lr: Option<f64>,
    tune_lr: Option<&Bound<'py, PyAny>>,
    epochs: u64,
    gtol: Option<f64>,
    precision: String,
    ascent: bool,
    reach: Option<f64>,
    domain: Option<(f64, f64, f64, f64)>,
    schedule: Option<String>,
    warmup: u64,
    clip_grad_norm: Option<f64>,
    hyper_parameters: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    use downhill::compare::{compare_method, log_grid, random_starts, Criterion};
    let (f, text) = function_of(py, function)?;
    let names = optimizers.unwrap_or_else(|| vec!["gd".into(), "momentum".into(), "adam".into()]);
    if names.is_empty() {
        return Err(PyValueError::new_err("optimizers: give at least one"));
    }
    let methods = names.iter().map(|n| method(n)).collect::<PyResult<Vec<_>>>()?;
    let o = options(hyper_parameters)?;
    if let Some(name) = o
        .given()
        .into_iter()
        .find(|n| !methods.iter().any(|m| m.options().contains(n)))
    {
        return Err(PyTypeError::new_err(format!(
            "{name} does not apply to {}",
            names.join(", ")
        )));
    }
    let specs = methods
        .iter()
        .map(|&m| OptimizerSpec::new(m, &o.for_method(m)).map_err(value_error))
        .collect::<PyResult<Vec<_>>>()?;
    let rates: Option<Vec<f64>> = match tune_lr {
        None => None,
        Some(t) if t.is_instance_of::<pyo3::types::PyBool>() => t.extract::<bool>()?.then(|| log_grid(1e-5, 1.0, 16)),
        Some(t) => {
            let (lo, hi, count) = t
                .extract::<(f64, f64, usize)>()
                .map_err(|_| PyTypeError::new_err("tune_lr must be True or (lo, hi, count)"))?;
            if !(lo > 0.0 && lo < hi && (2..=64).contains(&count)) {
                return Err(PyValueError::new_err(format!(
                    "tune_lr: need 0 < lo < hi and 2 <= count <= 64 (got {lo}, {hi}, {count})"
                )));
            }
            Some(log_grid(lo, hi, count))
        }
    };
    if rates.is_some() && lr.is_some() {
        return Err(PyValueError::new_err("lr and tune_lr: give one of them"));
    }
    let entry = f.name().and_then(catalog::lookup);
    let domain = region(&f, domain)?;
    if !(1..=MAX_COMPARE_STARTS).contains(&starts) {
        return Err(PyValueError::new_err(format!(
            "starts: give from 1 to {MAX_COMPARE_STARTS} (got {starts})"
        )));
    }
    let points = match start {
        Some((x, y)) => vec![[x, y]],
        None => random_starts(seed, starts, domain),
    };
    let per_method = rates.as_ref().map_or(1, Vec::len);
    let per_epoch: u64 = specs.iter().map(|s| s.evaluations_per_update()).sum();
    let work = (per_epoch as usize * per_method * points.len()) as f64 * epochs as f64;
    if work > MAX_COMPARE_STEPS {
        return Err(PyValueError::new_err(format!(
            "{} optimizers x {per_method} rates x {} starts x {epochs} epochs is {work:.2e} point-steps; at most \
             {MAX_COMPARE_STEPS:.0e}",
            specs.len(),
            points.len()
        )));
    }
    let precision = precision_of(&precision)?;
    let gtol = gtol.unwrap_or(precision.default_gtol());
    let criterion = Criterion::for_function(entry, ascent, domain, reach);
    let mut reports = Vec::new();
    let clock = std::time::Instant::now();
    let shared = Batch {
        lr,
        epochs,
        ascent,
        gtol,
        precision,
        schedule: schedule.as_deref(),
        warmup,
        clip_grad_norm,
    };
    for (&m, &spec) in methods.iter().zip(&specs) {
        let batch = shared.config(m, spec)?;
        let one = [batch.learning_rate];
        let grid: &[f64] = rates.as_deref().unwrap_or(&one);
        let result = py.detach(|| compare_method(&f, &points, &batch, grid, &criterion, &Control::NONE));
        py.check_signals()?;
        reports.push(serde_json::json!({
            "optimizer": m.name(),
            "options": spec,
            "learning_rate": result.chosen.learning_rate,
            "outcome": result.chosen,
            "sensitivity": result.sensitivity,
        }));
    }
    let report = serde_json::json!({
        "function": text,
        "expression": f.text(),
        "starts": points.len(),
        "start": start.map(|(x, y)| [x, y]),
        "seed": start.is_none().then_some(seed),
        "domain": domain,
        "epochs": epochs,
        "gtol": gtol,
        "precision": if precision == Precision::F32 { "f32" } else { "f64" },
        "ascent": ascent,
        "criterion": criterion,
        "criterion_text": criterion.describe(ascent),
        "tuned_over": rates,
        "methods": reports,
        "elapsed_s": clock.elapsed().as_secs_f64(),
        "point_steps": work,
    });
    let text = serde_json::to_string(&report).map_err(value_error)?;
    py.import("json")?.call_method1("loads", (text,))
}

/// The catalog's function names.
#[pyfunction]
fn functions() -> Vec<&'static str> {
    catalog::entries().iter().map(|e| e.name).collect()
}

/// The optimizers' names.
#[pyfunction]
fn optimizers() -> Vec<&'static str> {
    Method::ALL.iter().map(|(_, n)| *n).collect()
}

/// The hyper-parameters `optimizer` takes (beta1 and beta2 for `betas`; line_search for `line_search_fn`),
/// for `sweep`.
#[pyfunction]
fn _options_of(optimizer: String) -> PyResult<Vec<&'static str>> {
    Ok(method(&optimizer)?.options().to_vec())
}

#[pymodule]
fn _downhill(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFunction>()?;
    m.add_class::<PyRunResult>()?;
    m.add_class::<PyBasinMap>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(basins, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(functions, m)?)?;
    m.add_function(wrap_pyfunction!(optimizers, m)?)?;
    m.add_function(wrap_pyfunction!(_options_of, m)?)?;
    m.add("ExpressionError", m.py().get_type::<ExpressionError>())?;
    Ok(())
}
