//! Conversions between Python objects and the core's Rust types: JSON values, request
//! shapes given as dicts, instants, senders, and results turned into Python objects.

use chrono::{DateTime, Utc};
use guildhall_core::mail::Sender;
use guildhall_core::types::PlayerId;
use guildhall_core::Error;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::Borrowed;
use pyo3::IntoPyObjectExt;
use serde::de::DeserializeOwned;

/// A JSON value as Python objects (dict, list, str, int, float, bool, None).
pub fn json_to_py(py: Python<'_>, v: &serde_json::Value) -> PyResult<Py<PyAny>> {
    Ok(pythonize::pythonize(py, v)?.unbind())
}

/// A Python object as `T` through serde (dicts for structs, lists for sequences). A shape
/// that does not fit is `INVALID_ARGUMENT` naming `what`.
pub fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, what: &str) -> Result<T, Error> {
    pythonize::depythonize(obj).map_err(|e| Error::invalid(what, format!("{what}: {e}")))
}

/// An argument given as a Python value of the shape of `T` (a dict for a struct),
/// converted while the GIL is held. Errors raise `guildhall.InvalidArgument`.
pub struct Arg<T>(pub T);

impl<'a, 'py, T: DeserializeOwned> FromPyObject<'a, 'py> for Arg<T> {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        let name = std::any::type_name::<T>()
            .rsplit("::")
            .next()
            .unwrap_or("value")
            .to_string();
        from_py(&obj.to_owned(), &name)
            .map(Arg)
            .map_err(|e| crate::errors::to_py_err(py, e))
    }
}

/// A JSON object argument (metadata, variables, properties); `None` is `null`.
#[derive(Default)]
pub struct Json(pub serde_json::Value);

impl<'a, 'py> FromPyObject<'a, 'py> for Json {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        if obj.is_none() {
            return Ok(Json(serde_json::Value::Null));
        }
        from_py(&obj.to_owned(), "json")
            .map(Json)
            .map_err(|e| crate::errors::to_py_err(py, e))
    }
}

impl Json {
    /// The value as a JSON object map (`null` is empty). Errors: `INVALID_ARGUMENT`.
    pub fn into_map(
        self,
        field: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        match self.0 {
            serde_json::Value::Null => Ok(Default::default()),
            serde_json::Value::Object(m) => Ok(m),
            _ => Err(Error::invalid(field, format!("{field} is a dict"))),
        }
    }
}

/// An instant: a timezone-aware `datetime`, or seconds since the UNIX epoch (int or float).
/// A naive `datetime` is refused, since its zone would be a guess.
pub struct Instant(pub DateTime<Utc>);

impl<'a, 'py> FromPyObject<'a, 'py> for Instant {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        let bad = |m: &str| crate::errors::to_py_err(py, Error::invalid("instant", m));
        let secs: f64 = if let Ok(f) = obj.extract::<f64>() {
            f
        } else if obj.hasattr("tzinfo")? && obj.hasattr("timestamp")? {
            if obj.call_method0("utcoffset")?.is_none() {
                return Err(bad(
                    "a naive datetime has no time zone: pass an aware one (tzinfo=timezone.utc)",
                ));
            }
            obj.call_method0("timestamp")?.extract()?
        } else {
            return Err(bad("an instant is an aware datetime or UNIX seconds"));
        };
        let micros = (secs * 1_000_000.0).round();
        if !micros.is_finite() || micros.abs() > 8.0e18 {
            return Err(bad("instant out of range"));
        }
        DateTime::<Utc>::from_timestamp_micros(micros as i64)
            .map(Instant)
            .ok_or_else(|| bad("instant out of range"))
    }
}

/// A mail sender: `"system"`, `"admin:<name>"`, `"player:<id>"`, or a dict
/// `{"kind": "admin", "id": "..."}`.
pub struct SenderArg(pub Sender);

impl<'a, 'py> FromPyObject<'a, 'py> for SenderArg {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        let r = if let Ok(s) = obj.cast::<PyString>() {
            parse_sender(&s.to_cow()?)
        } else {
            from_py::<Sender>(&obj.to_owned(), "sender")
        };
        r.map(SenderArg)
            .map_err(|e| crate::errors::to_py_err(py, e))
    }
}

/// Parses `system`, `admin:<name>` or `player:<id>`. Errors: `INVALID_ARGUMENT`.
pub fn parse_sender(s: &str) -> Result<Sender, Error> {
    if s == "system" {
        Ok(Sender::system())
    } else if let Some(name) = s.strip_prefix("admin:") {
        Ok(Sender::admin(name))
    } else if let Some(id) = s.strip_prefix("player:") {
        Ok(Sender::player(&PlayerId::new(id)?))
    } else {
        Err(Error::invalid(
            "sender",
            "a sender is 'system', 'admin:<name>' or 'player:<id>'",
        ))
    }
}

/// A player id from a Python string. Errors: `INVALID_ARGUMENT`.
pub fn pid(s: &str) -> Result<PlayerId, Error> {
    PlayerId::new(s)
}

/// A core result value that becomes a Python object once the GIL is held again.
pub trait ToPy: Send + 'static {
    /// The Python object.
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

macro_rules! to_py_via_into {
    ($($t:ty),*) => {$(
        impl ToPy for $t {
            fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                self.into_py_any(py)
            }
        }
    )*};
}
to_py_via_into!(String, i64, u64, usize, bool, f64, chrono::NaiveDate);

impl ToPy for () {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(py.None())
    }
}

impl ToPy for serde_json::Value {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self)
    }
}

impl<A: ToPy, B: ToPy> ToPy for (A, B) {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let a = self.0.to_py(py)?;
        let b = self.1.to_py(py)?;
        (a, b).into_py_any(py)
    }
}

impl<T: ToPy> ToPy for Option<T> {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Some(v) => v.to_py(py),
            None => Ok(py.None()),
        }
    }
}

impl<T: ToPy> ToPy for Vec<T> {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let list = PyList::empty(py);
        for v in self {
            list.append(v.to_py(py)?)?;
        }
        Ok(list.into_any().unbind())
    }
}

/// A fresh dict of `pairs` (for `to_dict`).
pub fn dict_of<'py>(
    py: Python<'py>,
    pairs: Vec<(&'static str, Bound<'py, PyAny>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in pairs {
        d.set_item(k, v)?;
    }
    Ok(d)
}
