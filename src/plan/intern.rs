//! Field names and record paths, stored once for the life of the process.
//!
//! A plan names a field in every test it makes. Shared counts (`Arc`) made each of those
//! names cost an atomic increment when planned and an atomic decrement when dropped, two of
//! them a test (name and path): about 6% of a request's time, measured. Interned, a
//! [`FieldRef`](super::FieldRef) holds plain `&'static` references that cost nothing to copy
//! or drop, and plans stay free of lifetimes (`Send`, `'static`, cacheable).
//!
//! What is kept: each *distinct* name and path once, however many schemas name it and
//! however often a schema is loaded again, so memory is bounded by the field names a process
//! has seen (a few kilobytes for the built-in schemas). Only schema definitions are
//! interned, never request text: no client can make this grow. The tables are locked only
//! while a schema is built, never per request.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use super::schema::PathStep;

/// The one stored copy of `name`.
///
/// ```
/// # use spark_filter::plan::{FieldDef, FieldRef, FieldType};
/// // Interning is internal; FieldRef::of shows it: two references share one name.
/// let def = FieldDef::new("City", FieldType::Character);
/// let (a, b) = (FieldRef::of(0, &def), FieldRef::of(0, &def));
/// assert!(std::ptr::eq(a.name, b.name));
/// ```
pub(crate) fn name(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = lock(&NAMES);
    if let Some(kept) = names.get(name) {
        return kept;
    }
    let kept: &'static str = Box::leak(name.into());
    names.insert(kept);
    kept
}

/// The one stored copy of `path`.
pub(crate) fn path(path: &[PathStep]) -> &'static [PathStep] {
    static PATHS: OnceLock<Mutex<HashSet<&'static [PathStep]>>> = OnceLock::new();
    let mut paths = lock(&PATHS);
    if let Some(kept) = paths.get(path) {
        return kept;
    }
    let kept: &'static [PathStep] = Box::leak(path.into());
    paths.insert(kept);
    kept
}

/// A table, created on first use. A panic elsewhere while it was held cannot leave it
/// half-written (an insert is one call), so a poisoned lock is taken as it is.
fn lock<T: Default>(table: &'static OnceLock<Mutex<T>>) -> MutexGuard<'static, T> {
    table
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_text_is_stored_once() {
        let a = name(&String::from("InternTestName"));
        let b = name("InternTestName");
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "InternTestName");
        let p = [PathStep::Key("A".into()), PathStep::Each];
        let (x, y) = (path(&p), path(&p.clone()));
        assert!(std::ptr::eq(x, y));
        assert_eq!(x, p);
        assert!(path(&[]).is_empty());
    }
}
