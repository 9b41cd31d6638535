//! Every example in the repository parses without syntax errors.

use meshc_syntax::{parse, FileId};

#[test]
fn examples_parse() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(root).expect("examples dir") {
        let dir = entry.expect("entry").path();
        for file in std::fs::read_dir(&dir).expect("example dir") {
            let path = file.expect("entry").path();
            if path.extension().is_some_and(|e| e == "mesh") {
                let text = std::fs::read_to_string(&path).expect("read");
                let (ast, errors) = parse(FileId(0), &text);
                assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
                assert!(!ast.items.is_empty());
                seen += 1;
            }
        }
    }
    assert!(seen > 0);
}
