//! Every input the fuzzers kept (`fuzz/corpus/TARGET/`), replayed against the same properties on a stable
//! build: what `cargo fuzz` once found stays checked in CI without nightly.

mod support {
    pub mod fuzz_checks;
}

use support::fuzz_checks as check;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "an empty corpus at {}", dir.display());
    out
}

#[test]
fn the_parser_corpus_parses_or_fails_cleanly() {
    for (name, data) in corpus("parse") {
        if let Err(e) = check::parse(&check::text(&data)) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn the_round_trip_corpus_prints_and_parses_back() {
    for (name, data) in corpus("round_trip") {
        if let Err(e) = check::round_trip(&check::text(&data)) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn the_machine_code_corpus_matches_the_interpreter() {
    for (name, data) in corpus("compiled") {
        if let Err(e) = check::compiled(&data) {
            panic!("{name}: {e}");
        }
    }
}
