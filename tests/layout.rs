//! `docs/architecture.md` names every file of the code, configuration and tests: a file added
//! without a line there fails here, so the layout a newcomer reads cannot go stale.

use std::path::{Path, PathBuf};

/// Where the files that must be listed live (relative to the repository root).
const ROOTS: &[&str] = &["src", "worklet", "www", "tests", ".ci", ".cargo", "server"];
/// Single files at the root that must be listed.
const FILES: &[&str] = &["Cargo.toml", "Trunk.toml", "webdriver.json", ".gitignore"];
/// Never listed: dependencies, lock files, generated output, pictures.
const SKIP: &[&str] = &["node_modules", "target", "screenshots", "package-lock.json"];

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if SKIP.iter().any(|s| name == *s) {
            continue;
        }
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_file_is_in_the_documented_layout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let mut files = Vec::new();
    for dir in ROOTS {
        walk(&root.join(dir), &mut files);
    }
    let mut missing: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .chain(FILES.iter().map(|f| (*f).to_owned()))
        .filter(|f| !doc.contains(&format!("`{f}`")))
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "docs/architecture.md does not name these files (add a line for each): {missing:?}"
    );
    assert!(
        files.len() > 100,
        "the walk found the tree: {}",
        files.len()
    );
}
