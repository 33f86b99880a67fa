//! The exception hierarchy and the one place a core [`Error`] becomes a Python exception.
//!
//! `guildhall.GuildhallError` is the base; one subclass per stable code of
//! [`ErrorCode::ALL`], named by the code in CamelCase (`INSUFFICIENT_FUNDS` →
//! `guildhall.InsufficientFunds`). Each class carries its code as the class attribute
//! `code`; each raised instance has `.code`, `.message` and `.details` (the error's
//! JSON details as Python objects, `None` when there are none).

use guildhall_core::{Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};
use std::ffi::CString;

pyo3::create_exception!(
    guildhall,
    GuildhallError,
    pyo3::exceptions::PyException,
    "Base of every guildhall error. `.code` is the stable code string (e.g. \
     'INSUFFICIENT_FUNDS'), `.message` a readable explanation, `.details` structured context."
);

static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// The Python class name of a code: `INSUFFICIENT_FUNDS` → `InsufficientFunds`.
pub fn class_name(code: ErrorCode) -> String {
    code.as_str()
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_string() + &c.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect()
}

fn classes(py: Python<'_>) -> &Vec<Py<PyType>> {
    CLASSES.get_or_init(py, || {
        let base = py.get_type::<GuildhallError>();
        ErrorCode::ALL
            .iter()
            .map(|code| {
                let name = CString::new(format!("guildhall.{}", class_name(*code)))
                    .expect("class names have no NUL");
                let doc = CString::new(format!(
                    "Raised with code {} (HTTP status {} on the HTTP host).",
                    code.as_str(),
                    code.http_status()
                ))
                .expect("docs have no NUL");
                let ty = PyErr::new_type(py, &name, Some(&doc), Some(&base), None)
                    .expect("creating an exception class");
                ty.bind(py)
                    .setattr("code", code.as_str())
                    .expect("setting the class code");
                ty
            })
            .collect()
    })
}

/// The class raised for `code`.
pub fn class_of(py: Python<'_>, code: ErrorCode) -> Bound<'_, PyType> {
    let i = ErrorCode::ALL
        .iter()
        .position(|c| *c == code)
        .expect("every code is in ErrorCode::ALL");
    classes(py)[i].bind(py).clone()
}

/// Adds `GuildhallError`, every subclass and `ERROR_CLASSES` (code → class) to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<GuildhallError>();
    base.setattr("code", py.None())?;
    m.add("GuildhallError", &base)?;
    let by_code = PyDict::new(py);
    for code in ErrorCode::ALL {
        let ty = class_of(py, code);
        m.add(class_name(code).as_str(), &ty)?;
        by_code.set_item(code.as_str(), &ty)?;
    }
    m.add("ERROR_CLASSES", by_code)?;
    Ok(())
}

/// The Python exception for a core error: the code's class, with `.code`, `.message`
/// and `.details`. This is the only conversion from [`Error`] to Python.
pub fn to_py_err(py: Python<'_>, e: Error) -> PyErr {
    let ty = class_of(py, e.code);
    let err = PyErr::from_type(ty, (format!("{}: {}", e.code.as_str(), e.message),));
    let value = err.value(py);
    let details = crate::convert::json_to_py(py, &e.details).unwrap_or_else(|_| py.None());
    let set = value
        .setattr("code", e.code.as_str())
        .and_then(|_| value.setattr("message", &e.message))
        .and_then(|_| value.setattr("details", details));
    match set {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// A core result into a Python one.
pub fn py_result<T>(py: Python<'_>, r: guildhall_core::Result<T>) -> PyResult<T> {
    r.map_err(|e| to_py_err(py, e))
}
