//! `downhill diff`: the symbolic gradient and Hessian.

use crate::diagnostic::CliError;

/// Prints the derivatives of a function.
pub fn run(spec: &str, hessian: bool, latex: bool, json: bool) -> Result<(), CliError> {
    let f = crate::settings::function(spec)?;
    if json {
        let v =
            serde_json::to_value(downhill::report::DiffReport::new(spec, &f, hessian)).map_err(anyhow::Error::from)?;
        return crate::emit_json(&v);
    }
    let mut rows: Vec<(&str, String)> = Vec::new();
    if latex {
        let g = f.gradient_latex();
        rows.push(("f(x, y)", f.latex()));
        rows.push(("\\frac{\\partial f}{\\partial x}", g[0].clone()));
        rows.push(("\\frac{\\partial f}{\\partial y}", g[1].clone()));
        if hessian {
            let h = f.hessian_latex();
            rows.push(("\\frac{\\partial^2 f}{\\partial x^2}", h[0][0].clone()));
            rows.push(("\\frac{\\partial^2 f}{\\partial x \\partial y}", h[0][1].clone()));
            rows.push(("\\frac{\\partial^2 f}{\\partial y^2}", h[1][1].clone()));
        }
    } else {
        let g = f.gradient_text();
        rows.push(("f", f.text()));
        rows.push(("df/dx", g[0].clone()));
        rows.push(("df/dy", g[1].clone()));
        if hessian {
            let h = f.hessian_text();
            rows.push(("d2f/dx2", h[0][0].clone()));
            rows.push(("d2f/dxdy", h[0][1].clone()));
            rows.push(("d2f/dy2", h[1][1].clone()));
        }
    }
    let width = if latex { 0 } else { 8 };
    let out: String = rows
        .iter()
        .map(|(label, text)| format!("{label:<width$} = {text}\n"))
        .collect();
    crate::emit(&out)
}
