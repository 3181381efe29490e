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

/// The page's elements are reached through `src/dom.rs`'s table only: the page edge's
/// methods take an `Id`, and nothing in the Rust code looks an element up by a literal id
/// (`get_element_by_id("...")`, a `"#id ..."` selector) around it.
#[test]
fn no_element_is_named_by_a_literal_id_outside_the_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let html = std::fs::read_to_string(root.join("www/index.html")).unwrap();
    let ids: Vec<&str> = html
        .split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    let mut found = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
    {
        if file.ends_with("src/dom.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let by_id = line.contains("get_element_by_id(\"");
            let selector = ids.iter().any(|id| {
                line.contains(&format!("\"#{id} ")) || line.contains(&format!("\"#{id}\""))
            });
            if by_id || selector {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "use dom::Id instead: {found:#?}");
    assert!(ids.len() > 80, "the page's ids were found: {}", ids.len());
}
