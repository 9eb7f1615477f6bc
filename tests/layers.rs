//! The house's one-way rooms: inside every folder of `src/`, the files (and
//! sub-folders) import one another one way only. Each file is parsed with
//! `syn`; every path it names (`use` lines, paths in code, paths inside
//! macro calls) is resolved to the module it reaches, and two files of one
//! folder that reach each other, directly or round a longer circle, fail
//! the test with the circle named.
//!
//! Counted: everything but `#[cfg(test)]` code (tests may use fixtures from
//! any layer). A folder's `mod.rs` is a file like the others, except that
//! its `mod` declarations and `pub use` re-exports are the folder's face,
//! not imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// A module path from the crate root, e.g. `["domain", "content"]`.
type ModPath = Vec<String>;

struct SourceFile {
    module: ModPath,
    /// Whether this file is a folder's `mod.rs` (or the crate root).
    is_dir_root: bool,
    syntax: syn::File,
}

fn module_of(src: &Path, file: &Path) -> (ModPath, bool) {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs").to_string();
    let is_root = matches!(stem.as_str(), "mod" | "lib" | "main");
    if !is_root {
        parts.push(stem);
    }
    (parts, is_root)
}

fn rust_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            // The binary is another crate: it reaches the library as `qualify::`.
            && !(path.file_name().is_some_and(|n| n == "main.rs") && path.parent() == Some(root))
        {
            out.push(path);
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.require_list().is_ok_and(|l| {
                // `cfg(test)`, `cfg(all(test, …))`; not `cfg(not(test))`
                let cfg = l.tokens.to_string();
                cfg.contains("test") && !cfg.contains("not")
            })
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Use(u) => &u.attrs,
        syn::Item::Const(c) => &c.attrs,
        syn::Item::Static(s) => &s.attrs,
        syn::Item::Struct(s) => &s.attrs,
        syn::Item::Enum(e) => &e.attrs,
        syn::Item::Trait(t) => &t.attrs,
        syn::Item::Type(t) => &t.attrs,
        syn::Item::Macro(m) => &m.attrs,
        _ => &[],
    }
}

/// Collects every path a file names, as written (segments), and the test
/// modules it declares in other files.
#[derive(Default)]
struct Paths {
    /// Each path, with the inline modules (`mod x { … }`) it is written in.
    found: Vec<(Vec<String>, Vec<String>)>,
    inline: Vec<String>,
    /// Calls of `.store()` / `.store_mut()` (the session's store, for tests).
    store_calls: usize,
    test_modules: Vec<String>,
    /// Whether the visitor is in a `mod.rs`'s face (`pub use`).
    in_reexport: bool,
    is_dir_root: bool,
}

impl Paths {
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                if n.ident != "self" {
                    path.push(n.ident.to_string());
                }
                self.push(path);
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                self.push(path);
            }
            syn::UseTree::Glob(_) => self.push(prefix.clone()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }

    /// Paths inside macro calls' tokens: `ident :: ident …` runs.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut run: Vec<String> = Vec::new();
        let mut colons = 0;
        for tt in tokens {
            match tt {
                proc_macro2::TokenTree::Ident(i) => {
                    if colons == 2 || run.is_empty() {
                        run.push(i.to_string());
                    } else {
                        self.flush(&mut run);
                        run.push(i.to_string());
                    }
                    colons = 0;
                }
                proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' && !run.is_empty() => {
                    colons += 1;
                }
                proc_macro2::TokenTree::Group(g) => {
                    self.flush(&mut run);
                    colons = 0;
                    self.tokens(g.stream());
                }
                _ => {
                    self.flush(&mut run);
                    colons = 0;
                }
            }
        }
        self.flush(&mut run);
    }

    fn flush(&mut self, run: &mut Vec<String>) {
        if run.len() > 1 {
            let path = std::mem::take(run);
            self.push(path);
        }
        run.clear();
    }

    fn push(&mut self, path: Vec<String>) {
        self.found.push((self.inline.clone(), path));
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if is_cfg_test(item_attrs(item)) {
            if let syn::Item::Mod(m) = item
                && m.content.is_none()
            {
                self.test_modules.push(m.ident.to_string());
            }
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        // `mod x;` declares a room; only an inline module's body is code.
        if m.content.is_some() {
            self.inline.push(m.ident.to_string());
            syn::visit::visit_item_mod(self, m);
            self.inline.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let reexport = self.is_dir_root && matches!(u.vis, syn::Visibility::Public(_));
        self.in_reexport = reexport;
        if !reexport {
            self.use_tree(&mut Vec::new(), &u.tree);
        }
        self.in_reexport = false;
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        if p.segments.len() > 1 {
            self.push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if (call.method == "store" || call.method == "store_mut") && call.args.is_empty() {
            self.store_calls += 1;
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }

    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        // `#[serde(deserialize_with = "super::days::one")]` names a path in a string.
        let text = a.meta.to_token_stream_string();
        for piece in text.split('"').skip(1).step_by(2) {
            if piece.starts_with("super::") || piece.starts_with("crate::") {
                self.push(piece.split("::").map(str::to_string).collect());
            }
        }
    }
}

trait MetaText {
    fn to_token_stream_string(&self) -> String;
}

impl MetaText for syn::Meta {
    fn to_token_stream_string(&self) -> String {
        quote::ToTokens::to_token_stream(self).to_string()
    }
}

/// Resolve a path as written in `file` to a module path from the crate
/// root; `None` for paths that leave the crate (std, other crates, locals).
fn resolve(
    file: &SourceFile,
    inline: &[String],
    path: &[String],
    children: &BTreeSet<String>,
    imported: &BTreeMap<String, ModPath>,
) -> Option<ModPath> {
    // The module whose `super` / `self` the file speaks from.
    let mut here = file.module.clone();
    here.extend(inline.iter().cloned());
    let mut base: ModPath;
    let mut rest = path;
    match path.first()?.as_str() {
        "crate" => {
            base = Vec::new();
            rest = &path[1..];
        }
        "self" => {
            base = here;
            rest = &path[1..];
        }
        "super" => {
            base = here;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        first if children.contains(first) => {
            base = here;
        }
        first => {
            // A name brought in by a `use` of this file.
            let target = imported.get(first)?;
            let mut out = target.clone();
            out.extend(path[1..].iter().cloned());
            return Some(out);
        }
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The room of `folder` that `module` lies in, if it lies inside `folder`.
fn room(folder: &[String], module: &[String]) -> Option<String> {
    if module.len() > folder.len() && module.starts_with(folder) {
        Some(module[folder.len()].clone())
    } else if module == folder {
        // The folder's own `mod.rs` items.
        Some("mod".to_string())
    } else {
        None
    }
}

fn find_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = stack.iter().position(|n| n == next).unwrap();
                    let mut circle = stack[start..].to_vec();
                    circle.push(next.clone());
                    return Some(circle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if !state.contains_key(node.as_str())
            && let Some(c) = visit(node, edges, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// Every `.rs` file under `src` (but the binary's `main.rs`), parsed.
fn source_files(src: &Path) -> Vec<(PathBuf, SourceFile)> {
    let mut paths = Vec::new();
    rust_files(src, src, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let syntax = syn::parse_file(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
            let (module, is_dir_root) = module_of(src, &path);
            let file = SourceFile {
                module,
                is_dir_root,
                syntax,
            };
            (path, file)
        })
        .collect()
}

/// Modules that only tests declare (`#[cfg(test)] mod tests;`): their files
/// are tests whole.
fn test_only(files: &[SourceFile]) -> BTreeSet<ModPath> {
    let mut test_only: BTreeSet<ModPath> = BTreeSet::new();
    for f in files {
        let mut p = Paths {
            is_dir_root: f.is_dir_root,
            ..Paths::default()
        };
        p.visit_file(&f.syntax);
        for m in p.test_modules {
            let mut module = f.module.clone();
            module.push(m);
            test_only.insert(module);
        }
    }
    test_only
}

/// Every folder's edges between its rooms, with the file and path behind each.
fn folder_edges(src: &Path) -> BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, String>>> {
    let files: Vec<SourceFile> = source_files(src).into_iter().map(|(_, f)| f).collect();
    let test_only = test_only(&files);
    let modules: BTreeSet<ModPath> = files.iter().map(|f| f.module.clone()).collect();
    let mut out: BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, String>>> = BTreeMap::new();
    for f in &files {
        if test_only.iter().any(|t| f.module.starts_with(t)) {
            continue;
        }
        let mut p = Paths {
            is_dir_root: f.is_dir_root,
            ..Paths::default()
        };
        p.visit_file(&f.syntax);
        let children: BTreeSet<String> = modules
            .iter()
            .filter(|m| m.len() == f.module.len() + 1 && m.starts_with(&f.module))
            .map(|m| m.last().unwrap().clone())
            .collect();
        // Names brought in by `use` (the last segment, or the module itself).
        let mut imported: BTreeMap<String, ModPath> = BTreeMap::new();
        let empty = BTreeMap::new();
        for (inline, path) in &p.found {
            if matches!(
                path.first().map(String::as_str),
                Some("crate" | "super" | "self")
            ) && let Some(target) = resolve(f, inline, path, &children, &empty)
                && let Some(last) = path.last()
            {
                imported.insert(last.clone(), target);
            }
        }
        // The module the file is: a mod.rs is its folder's room `mod`.
        let own: ModPath = f.module.clone();
        for (inline, path) in &p.found {
            let Some(target) = resolve(f, inline, path, &children, &imported) else {
                continue;
            };
            // The deepest module the path reaches (items are not modules).
            let mut reached = target.clone();
            while !reached.is_empty() && !modules.contains(&reached) {
                reached.pop();
            }
            if test_only.iter().any(|t| reached.starts_with(t)) {
                continue;
            }
            // Every folder the file lies in: the room it is in there, and
            // the room the path reaches there.
            for depth in 0..=own.len() {
                let folder = own[..depth].to_vec();
                let from = if depth == own.len() {
                    if !f.is_dir_root {
                        continue;
                    }
                    "mod".to_string()
                } else {
                    own[depth].clone()
                };
                let Some(to) = room(&folder, &reached) else {
                    continue;
                };
                if to != from {
                    out.entry(folder.clone())
                        .or_default()
                        .entry(from.clone())
                        .or_default()
                        .entry(to)
                        .or_insert_with(|| path.join("::"));
                }
            }
        }
    }
    out
}

#[test]
fn no_folder_has_a_circle_of_imports() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let folders = folder_edges(&src);
    let mut circles = Vec::new();
    for (folder, edges) in &folders {
        let plain: BTreeMap<String, BTreeSet<String>> = edges
            .iter()
            .map(|(k, v)| (k.clone(), v.keys().cloned().collect()))
            .collect();
        if let Some(circle) = find_circle(&plain) {
            let why: Vec<String> = circle
                .windows(2)
                .map(|w| format!("{} → {} ({})", w[0], w[1], edges[&w[0]][&w[1]]))
                .collect();
            let all: Vec<String> = edges
                .iter()
                .flat_map(|(from, tos)| {
                    tos.iter()
                        .map(move |(to, path)| format!("  {from} → {to} ({path})"))
                })
                .collect();
            circles.push(format!(
                "src/{}: {}\n every import between its rooms:\n{}",
                folder.join("/"),
                why.join(", "),
                all.join("\n")
            ));
        }
    }
    assert!(
        circles.is_empty(),
        "circles of imports:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_check_sees_a_circle_when_there_is_one() {
    // Two rooms that name each other, through a `use` and a path in a macro.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("room")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod room;\n").unwrap();
    std::fs::write(src.join("room/mod.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(
        src.join("room/a.rs"),
        "use super::b::B;\npub struct A(pub B);\n",
    )
    .unwrap();
    std::fs::write(
        src.join("room/b.rs"),
        "pub struct B;\npub fn f() { println!(\"{}\", crate::room::a::name()); }\n",
    )
    .unwrap();
    let folders = folder_edges(src);
    let edges = &folders[&vec!["room".to_string()]];
    let plain: BTreeMap<String, BTreeSet<String>> = edges
        .iter()
        .map(|(k, v)| (k.clone(), v.keys().cloned().collect()))
        .collect();
    let circle = find_circle(&plain).expect("a → b → a is a circle");
    assert_eq!(circle.first(), circle.last());
    assert!(circle.contains(&"a".to_string()) && circle.contains(&"b".to_string()));

    // A test module's imports do not count.
    std::fs::write(
        src.join("room/b.rs"),
        "pub struct B;\n#[cfg(test)]\nmod tests { use super::super::a::A; }\n",
    )
    .unwrap();
    let folders = folder_edges(src);
    let edges = &folders[&vec!["room".to_string()]];
    assert!(edges.get("b").is_none(), "{edges:?}");
}

#[test]
fn the_faces_reach_the_store_only_through_ops() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let folders = folder_edges(&src);
    let root = &folders[&Vec::<String>::new()];
    for face in ["cli", "tui"] {
        let reached = root.get(face).cloned().unwrap_or_default();
        assert!(
            !reached.contains_key("store"),
            "src/{face} names the store ({}); it should ask ops",
            reached["store"]
        );
        assert!(reached.contains_key("ops"), "src/{face} calls ops");
    }
    // nor through the session's store, which is for tests
    let mut files = Vec::new();
    rust_files(&src, &src.join("cli"), &mut files);
    rust_files(&src, &src.join("tui"), &mut files);
    for file in files {
        let syntax = syn::parse_file(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let mut p = Paths::default();
        p.visit_file(&syntax);
        assert_eq!(
            p.store_calls,
            0,
            "{} calls the session's store; it should ask ops",
            file.display()
        );
    }
}

/// The most lines a source file holds outside its tests: a file that grows
/// past it holds more than one responsibility, and is split by them.
const MOST_LINES: usize = 700;

/// The lines of a file outside its `#[cfg(test)]` items (a test module, a
/// test-only function or import, wherever it is): the file's lines less the
/// lines each such item spans, from its attributes to its end.
fn lines_outside_tests(text: &str) -> Result<usize, syn::Error> {
    #[derive(Default)]
    struct TestLines(usize);
    impl<'ast> Visit<'ast> for TestLines {
        fn visit_item(&mut self, item: &'ast syn::Item) {
            if is_cfg_test(item_attrs(item)) {
                let span = syn::spanned::Spanned::span(item);
                self.0 += span.end().line - span.start().line + 1;
                return;
            }
            syn::visit::visit_item(self, item);
        }
    }
    let syntax = syn::parse_file(text)?;
    let mut tests = TestLines::default();
    tests.visit_file(&syntax);
    Ok(text.lines().count() - tests.0)
}

/// Each source file under `src` (the binary's `main.rs` too) over
/// [`MOST_LINES`] outside its tests, with its count; a file that only tests
/// declare is tests whole.
fn files_over(src: &Path) -> Vec<(String, usize)> {
    let (paths, files): (Vec<PathBuf>, Vec<SourceFile>) = source_files(src).into_iter().unzip();
    let test_only = test_only(&files);
    let mut counted: Vec<PathBuf> = paths
        .into_iter()
        .zip(&files)
        .filter(|(_, f)| !test_only.iter().any(|t| f.module.starts_with(t)))
        .map(|(path, _)| path)
        .collect();
    let main = src.join("main.rs");
    if main.exists() {
        counted.push(main);
    }
    let mut over = Vec::new();
    for file in counted {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines = lines_outside_tests(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        if lines > MOST_LINES {
            let name = file.strip_prefix(src).unwrap().display().to_string();
            over.push((name, lines));
        }
    }
    over
}

#[test]
fn no_source_file_is_over_700_lines_outside_its_tests() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let over: Vec<String> = files_over(&src)
        .into_iter()
        .map(|(name, lines)| format!("  src/{name}: {lines} lines outside its tests"))
        .collect();
    assert!(
        over.is_empty(),
        "files over {MOST_LINES} lines outside their tests (split each by responsibility):\n{}",
        over.join("\n")
    );
}

#[test]
fn the_line_count_leaves_out_the_tests() {
    let code = |n: usize| -> String {
        (0..n)
            .map(|i| format!("pub const C{i}: u8 = 0;\n"))
            .collect()
    };
    let tests = |n: usize| -> String {
        let body: String = (0..n).map(|i| format!("    fn t{i}() {{}}\n")).collect();
        format!("#[cfg(test)]\nmod tests {{\n{body}}}\n")
    };
    // 690 lines of code and a test module of 103: under
    let under = format!("{}{}", code(690), tests(100));
    assert_eq!(under.lines().count(), 793);
    assert_eq!(lines_outside_tests(&under).unwrap(), 690);
    // 701 lines of code around a test module, and a test-only import: over
    let over = format!(
        "{}#[cfg(test)]\nuse std::fmt;\n{}{}",
        code(400),
        tests(50),
        code(301)
    );
    assert_eq!(over.lines().count(), 756);
    assert_eq!(lines_outside_tests(&over).unwrap(), 701);
    // a test module declared in another file counts its two lines only;
    // code that is not for tests counts whole
    let declared = format!(
        "{}#[cfg(test)]\nmod tests;\n#[cfg(not(test))]\nfn f() {{}}\n",
        code(3)
    );
    assert_eq!(lines_outside_tests(&declared).unwrap(), 5);

    // the same files in a crate: only the one over is named, and the file
    // of a test module declared elsewhere is tests whole
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("room")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod room;\n").unwrap();
    std::fs::write(
        src.join("room/mod.rs"),
        "pub mod over;\npub mod under;\n#[cfg(test)]\nmod tests;\n",
    )
    .unwrap();
    std::fs::write(src.join("room/under.rs"), &under).unwrap();
    std::fs::write(src.join("room/over.rs"), &over).unwrap();
    std::fs::write(src.join("room/tests.rs"), code(800)).unwrap();
    std::fs::write(src.join("main.rs"), code(701)).unwrap();
    assert_eq!(
        files_over(src),
        vec![
            ("room/over.rs".to_string(), 701),
            ("main.rs".to_string(), 701)
        ]
    );
}
