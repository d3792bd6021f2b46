//! The core builds alone: with `--no-default-features` the library has no C compiler, async
//! runtime or argument parser among its dependencies, and at most 30 crates in all
//! (issue 12). `cargo tree` answers offline from Cargo.lock in well under a second; the
//! build is a `cargo check` of the library into its own target directory, so it never waits
//! on the lock of the build that is running this test.

use std::path::Path;
use std::process::Command;

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// The distinct crates of the normal (non-dev, non-build) dependency tree, the package
/// itself included.
fn crates(extra: &[&str]) -> Vec<String> {
    let out = cargo()
        .args([
            "tree",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
            "--locked",
        ])
        .args(extra)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn core_dependencies_are_few_and_light() {
    let core = crates(&["--no-default-features"]);
    for heavy in [
        "rusqlite",
        "libsqlite3-sys",
        "cc",
        "tokio",
        "tokio-postgres",
        "postgres",
        "clap",
    ] {
        assert!(
            !core.iter().any(|c| c == heavy),
            "{heavy} is in the core's dependencies: {core:?}"
        );
    }
    assert!(
        core.len() <= 30,
        "{} crates without default features (at most 30): {core:?}",
        core.len()
    );
    // The defaults do bring the drivers and the command line in.
    let full = crates(&[]);
    for c in ["rusqlite", "clap"] {
        assert!(full.iter().any(|n| n == c), "{c} missing from the defaults");
    }
}

#[test]
fn core_builds_without_default_features() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-default-features");
    let out = cargo()
        .args([
            "check",
            "--lib",
            "--no-default-features",
            "--offline",
            "--locked",
            "--quiet",
            "--message-format",
            "short",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo check runs");
    assert!(
        out.status.success(),
        "the library does not build without default features:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
