//! downhill: gradient descent you can see.
//!
//! Text becomes an expression ([`Function`]), the expression its symbolic gradient and Hessian, those a
//! compiled tape, and the tape drives optimizers ([`OptimizerSpec`]) through single runs ([`run`]) and batches
//! of many starts at once ([`run_batch`], [`basin_map`]). Errors are values with spans ([`ParseError`]) or
//! data ([`ConfigError`], [`RunError`]); the library never prints, reads the environment or writes files.
//!
//! ```
//! use downhill::{Function, RunConfig, OptimizerSpec, run};
//!
//! let f = Function::resolve("peaks").unwrap();
//! let config = RunConfig::new([0.0, 1.4]).learning_rate(0.01).epochs(1000);
//! let result = run(&f, &config, &OptimizerSpec::gd()).unwrap();
//! // The seed notebook's first exercise: stuck in the poor local minimum near (0.296, 0.320).
//! assert!((result.end[0] - 0.296).abs() < 1e-3 && (result.end[1] - 0.320).abs() < 1e-3);
//! ```

pub mod batch;
pub mod catalog;
pub mod classify;
pub mod compare;
pub mod expr;
pub mod linalg;
pub mod optim;
pub mod report;
pub mod rng;
pub mod run;

pub use batch::basins::{basin_map, Attractor, BasinConfig, BasinMap};
pub use batch::{run_batch, BatchConfig, Control, LaneEnd, Precision};
pub use classify::StationaryPoint;
pub use expr::{Func, Function, ParseError, ParseErrorKind, Span};
pub use optim::{ConfigError, Method, OptimizerSpec, Options, Schedule};
pub use run::{run, Record, RunConfig, RunError, RunResult, Termination};
