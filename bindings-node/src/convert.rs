//! Conversions between JavaScript values and the core's request and result types, and
//! the one mapping of a guildhall [`CoreError`] to a JavaScript `Error`.
//!
//! JavaScript sees camelCase keys (`itemId`, `idempotencyKey`); the core speaks
//! snake_case JSON. Every key guildhall produces is converted, except inside the
//! caller's own JSON objects (`metadata`, `variables`, `properties`), whose keys are
//! kept exactly as given. Keys whose value is `null` or `undefined` are treated as
//! absent on the way in and left out on the way out. `http.js` applies the same rules
//! to the HTTP transport, so both transports hand back the same shapes.

use guildhall_core::types::PlayerId;
use guildhall_core::{Error as CoreError, ErrorCode};
use napi::bindgen_prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// Keys whose object value belongs to the caller and is passed through untouched.
const OPAQUE: [&str; 3] = ["metadata", "variables", "properties"];

pub use guildhall_adapters::naming::{to_camel, to_snake};

fn rekey(v: Value, f: fn(&str) -> String) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                if v.is_null() {
                    continue;
                }
                let v = if OPAQUE.contains(&k.as_str()) {
                    v
                } else {
                    rekey(v, f)
                };
                out.insert(f(&k), v);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|v| rekey(v, f)).collect()),
        v => v,
    }
}

/// A JavaScript request object as the core's JSON: keys to snake_case, nulls dropped.
pub fn snake_keys(v: Value) -> Value {
    rekey(v, to_snake)
}

/// A core result as JavaScript sees it: keys to camelCase, nulls dropped.
pub fn camel_keys(v: Value) -> Value {
    rekey(v, to_camel)
}

/// Parses an argument into a core type. Errors: `INVALID_ARGUMENT` naming `name`.
pub fn arg<T: DeserializeOwned>(name: &str, v: Value) -> std::result::Result<T, CoreError> {
    serde_json::from_value(snake_keys(v)).map_err(|e| {
        CoreError::invalid(name, format!("{name}: {e}"))
            .with_details(serde_json::json!({ "field": name }))
    })
}

/// Parses an optional argument (`undefined` or `null`: `None`).
pub fn opt_arg<T: DeserializeOwned>(
    name: &str,
    v: Option<Value>,
) -> std::result::Result<Option<T>, CoreError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => arg(name, v).map(Some),
    }
}

/// An options object (`undefined` or `null`: empty) with keys snake_cased. Errors:
/// `INVALID_ARGUMENT` naming the first key that is not one of `known`, so a misspelled
/// option is refused rather than ignored.
pub fn options_arg(
    name: &str,
    v: Option<Value>,
    known: &[&str],
) -> std::result::Result<Map<String, Value>, CoreError> {
    let map = match v.map(snake_keys) {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(CoreError::invalid(
                name,
                format!("{name} must be an object"),
            ))
        }
    };
    if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(CoreError::invalid(
            name,
            format!(
                "{name}: unknown option `{}`, expected one of {known:?}",
                to_camel(k)
            ),
        )
        .with_details(serde_json::json!({ "field": name, "option": to_camel(k) })));
    }
    Ok(map)
}

/// An optional field of an options object. Errors: `INVALID_ARGUMENT` for a value of
/// another type.
pub fn opt_field<T: DeserializeOwned>(
    options: &Map<String, Value>,
    key: &str,
) -> std::result::Result<Option<T>, CoreError> {
    match options.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| {
            CoreError::invalid(key, format!("{}: {e}", to_camel(key)))
                .with_details(serde_json::json!({ "field": to_camel(key) }))
        }),
    }
}

/// A string argument. Errors: `INVALID_ARGUMENT` naming `name`.
pub fn text(name: &str, v: Value) -> std::result::Result<String, CoreError> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(CoreError::invalid(name, format!("{name} must be a string"))),
    }
}

/// A player id argument. Errors: `INVALID_ARGUMENT`.
pub fn player(name: &str, v: Value) -> std::result::Result<PlayerId, CoreError> {
    PlayerId::new(text(name, v)?).map_err(|e| {
        CoreError::invalid(name, e.message).with_details(serde_json::json!({ "field": name }))
    })
}

/// A non-negative integer argument, `default` when absent. Errors: `INVALID_ARGUMENT`.
pub fn int_or(name: &str, v: Option<Value>, default: i64) -> std::result::Result<i64, CoreError> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| CoreError::invalid(name, format!("{name} must be an integer"))),
        Some(_) => Err(CoreError::invalid(
            name,
            format!("{name} must be an integer"),
        )),
    }
}

/// A `u32` argument (limits), `default` when absent. Errors: `INVALID_ARGUMENT`.
pub fn limit_or(name: &str, v: Option<Value>, default: u32) -> std::result::Result<u32, CoreError> {
    let n = int_or(name, v, i64::from(default))?;
    u32::try_from(n).map_err(|_| CoreError::invalid(name, format!("{name} is out of range")))
}

/// An optional page size: absent or `null` is `None` (the core's default applies).
pub fn opt_limit(name: &str, v: Option<Value>) -> std::result::Result<Option<u32>, CoreError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        v => limit_or(name, v, 0).map(Some),
    }
}

/// The settled outcome of one call: a result for JavaScript, or a guildhall error that
/// becomes a rejected Promise with `.code` and `.details`. Converted on the JavaScript
/// thread, where the error object can be built.
pub struct Reply(pub std::result::Result<Value, CoreError>);

impl Reply {
    /// Wraps a core outcome, converting a result to the camelCase JavaScript shape.
    pub fn from<T: Serialize>(r: std::result::Result<T, CoreError>) -> Self {
        Reply(r.and_then(|t| {
            serde_json::to_value(t)
                .map(camel_keys)
                .map_err(|e| CoreError::unavailable(format!("result not serializable: {e}")))
        }))
    }
}

impl TypeName for Reply {
    fn type_name() -> &'static str {
        "Reply"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for Reply {
    /// # Safety
    /// Called by napi on the JavaScript thread with a live `env`.
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        match val.0 {
            Ok(v) => unsafe { Value::to_napi_value(env, v) },
            Err(e) => Err(js_error(&Env::from_raw(env), &e)),
        }
    }
}

/// The one mapping of a guildhall error to JavaScript: an `Error` named
/// `GuildhallError` whose `.code` is the stable SPEC code (`'INSUFFICIENT_FUNDS'`),
/// `.message` the readable text and `.details` the structured context (camelCase keys,
/// `null` when there is none). Returned as a `napi::Error` holding that object, so a
/// rejection or throw hands exactly this object to JavaScript.
pub fn js_error(env: &Env, e: &CoreError) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut obj =
            env.create_error(napi::Error::new(Status::GenericFailure, e.message.clone()))?;
        obj.set_named_property("name", "GuildhallError")?;
        obj.set_named_property("code", e.code.as_str())?;
        obj.set_named_property("details", camel_keys(e.details.clone()))?;
        Ok(napi::Error::from(obj.to_unknown()))
    };
    build().unwrap_or_else(|err| err)
}

/// `UNAVAILABLE`, for a handle that was closed.
pub fn closed() -> CoreError {
    CoreError::new(ErrorCode::Unavailable, "this Guildhall handle is closed")
}
