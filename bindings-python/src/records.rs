//! Results as Python records. The record classes are generated from the core's own
//! types (`guildhall/_records.py`, written by guildhall-tests' `binding_types` and
//! checked for drift in the test command); here a core result crosses through serde:
//! its serde form (pythonize) is handed to the `_from` of the class that
//! `_records.BY_SCHEMA` names for the core type (its `utoipa::ToSchema` name). Free-form
//! JSON (metadata, payloads, senders, attachments) stays dicts; instants become aware
//! `datetime`s in UTC and days `date`s.

use crate::convert::ToPy;
use guildhall_core as core;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use serde::Serialize;

static BY_SCHEMA: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// The record of one core value whose type is named `schema` in `BY_SCHEMA`.
pub fn record<T: Serialize>(py: Python<'_>, schema: &str, value: &T) -> PyResult<Py<PyAny>> {
    let classes = BY_SCHEMA.get_or_try_init(py, || -> PyResult<_> {
        Ok(py
            .import("guildhall._records")?
            .getattr("BY_SCHEMA")?
            .cast_into::<PyDict>()?
            .unbind())
    })?;
    let class = classes.bind(py).get_item(schema)?.ok_or_else(|| {
        pyo3::exceptions::PyTypeError::new_err(format!("no Python record for `{schema}`"))
    })?;
    let data = pythonize::pythonize(py, value)?;
    Ok(class.call_method1(intern!(py, "_from"), (data,))?.unbind())
}

macro_rules! records {
    ($($t:path),* $(,)?) => {$(
        impl ToPy for $t {
            fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                record(py, &<$t as utoipa::ToSchema>::name(), &self)
            }
        }
    )*};
}

// Every core result type (`guildhall_core::surface`) has its class in _records.py.
core::for_each_result_type!(records);
