//! The module map at the top of `lib.rs` is a promise: each core module uses only the
//! ones listed before it (so there are no cycles), and none of them knows the platform.
//! This test reads the map and every core file and holds the code to it.

use std::path::Path;

/// The core modules in the order the map lists them.
fn core_order(lib: &str) -> Vec<String> {
    let core = lib
        .split("//! Shell")
        .next()
        .expect("the map has a shell part");
    core.lines()
        .filter_map(|line| line.strip_prefix("//! - [`"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_string)
        .collect()
}

/// The source of module `name` without its tests: `src/<name>.rs`, or every file
/// under `src/<name>/`.
fn sources(root: &Path, name: &str) -> Vec<(String, String)> {
    let file = root.join(format!("src/{name}.rs"));
    let mut paths = Vec::new();
    if file.exists() {
        paths.push(file);
    } else {
        let mut dirs = vec![root.join(format!("src/{name}"))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("a module directory") {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    paths.push(path);
                }
            }
        }
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a source file");
            // Tests may use anything, and comments may point anywhere; the module's own
            // code may not.
            let code = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default()
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (path.display().to_string(), code)
        })
        .collect()
}

/// The crate modules `code` names (`crate::x`).
fn uses(code: &str) -> Vec<String> {
    code.match_indices("crate::")
        .map(|(at, _)| {
            code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| !m.is_empty())
        .collect()
}

#[test]
fn each_core_module_uses_only_those_listed_before_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let order = core_order(&lib);
    assert!(order.len() >= 10, "the map lists the core: {order:?}");
    for (i, module) in order.iter().enumerate() {
        for (path, code) in sources(root, module) {
            for used in uses(&code) {
                let earlier = order[..i].contains(&used) || &used == module;
                // `testkit` and the like are test-only and never in production code.
                assert!(
                    earlier,
                    "{path}: `{module}` uses `crate::{used}`, which the map in lib.rs lists \
                     after it (or not at all)"
                );
            }
            for platform in ["worker::", "wasm_bindgen", "crate::edge"] {
                assert!(
                    !code.contains(platform),
                    "{path}: the core knows the platform (`{platform}`)"
                );
            }
        }
    }
}

#[test]
fn the_check_can_fail() {
    // A module listed early that used one listed later would be caught.
    assert_eq!(
        uses("use crate::room::Room;\nfn f() { crate::games::x() }"),
        ["room", "games"]
    );
    let lib = "//! Core\n//! - [`ids`]: a\n//! - [`room`]: b\n//! Shell\n//! - [`x`]";
    assert_eq!(core_order(lib), ["ids", "room"]);
}
