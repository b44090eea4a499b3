//! Every request body the fuzzer kept (`fuzz/corpus/request/`), replayed on a stable build.

mod support {
    pub mod request_check;
}

#[test]
fn the_request_corpus_gets_json_answers_and_never_a_500() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/request");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "an empty corpus at {}", dir.display());
    for path in files {
        if let Err(e) = support::request_check::check(&std::fs::read(&path).unwrap()) {
            panic!("{}: {e}", path.display());
        }
    }
}
