//! Prints a function's value-and-gradient tape: `cargo run -p downhill --example tape -- peaks`.
fn main() {
    let spec = std::env::args().nth(1).unwrap_or_else(|| "peaks".into());
    let f = downhill::Function::resolve(&spec).unwrap();
    let t = if std::env::var("TAPE").as_deref() == Ok("gradient") {
        &f.tapes().gradient
    } else {
        &f.tapes().value_gradient
    };
    println!(
        "value+gradient tape: {} ops, {} exp calls",
        t.len(),
        t.count_calls(downhill::Func::Exp)
    );
    for (i, op) in t.ops().iter().enumerate() {
        println!("{i:3} {op:?}");
    }
    println!("outputs {:?}", t.outputs());
}
