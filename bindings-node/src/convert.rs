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

/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`,
/// 2^53 - 1). Whole numbers within ±this cross as integers; results beyond it refuse.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// One argument of a call, converted to JSON on the JavaScript thread when the call is
/// made. A value JSON cannot hold (NaN, Infinity, a function, a symbol, a number beyond
/// the safe integers, a bigint beyond 64 bits) is kept as the reason, with the path of
/// the offending field inside the argument, so the call's Promise rejects with
/// `INVALID_ARGUMENT` naming it instead of throwing. `undefined` (a missing argument)
/// is `null`, which every optional argument takes as absent.
pub struct Arg(std::result::Result<Value, Bad>);

/// Why an argument could not become JSON: the path inside it (empty: the argument
/// itself) and the reason.
#[derive(Debug)]
pub struct Bad {
    path: String,
    reason: String,
}

impl Arg {
    /// An argument given as JSON already (tests, and calls made from Rust).
    pub fn json(v: Value) -> Self {
        Arg(Ok(v))
    }

    /// The JSON value, or `INVALID_ARGUMENT` naming the field (`name` for the argument
    /// itself, else the path inside it, e.g. `amount`).
    pub fn value(self, name: &str) -> std::result::Result<Value, CoreError> {
        self.0.map_err(|b| {
            let field = if b.path.is_empty() { name } else { &b.path };
            CoreError::invalid(field, format!("{field}: {}", b.reason))
        })
    }
}

impl From<Value> for Arg {
    fn from(v: Value) -> Self {
        Arg::json(v)
    }
}

impl TypeName for Arg {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ValidateNapiValue for Arg {}

impl FromNapiValue for Arg {
    /// # Safety
    /// Called by napi on the JavaScript thread with a live `env` and value.
    unsafe fn from_napi_value(
        env: napi::sys::napi_env,
        v: napi::sys::napi_value,
    ) -> napi::Result<Self> {
        let mut path = String::new();
        Ok(Arg(unsafe { js_to_json(env, v, &mut path, 0) }))
    }
}

const MAX_DEPTH: u32 = 64;

fn bad(path: &str, reason: impl Into<String>) -> Bad {
    Bad {
        path: path.to_string(),
        reason: reason.into(),
    }
}

fn status(path: &str, s: napi::sys::napi_status) -> std::result::Result<(), Bad> {
    if s == napi::sys::Status::napi_ok {
        Ok(())
    } else {
        Err(bad(path, "could not be read"))
    }
}

/// A JavaScript number as JSON: whole numbers within the safe integers as integers,
/// other finite numbers as floats; NaN, the infinities and whole numbers beyond the
/// safe integers (not exact any more) refused.
pub fn number_to_json(path: &str, n: f64) -> std::result::Result<Value, Bad> {
    if !n.is_finite() {
        return Err(bad(path, format!("must be a finite number, got {n}")));
    }
    if n.trunc() == n {
        if n.abs() <= MAX_SAFE_INTEGER as f64 {
            return Ok(Value::from(n as i64));
        }
        return Err(bad(
            path,
            format!(
                "{n} is beyond Number.MAX_SAFE_INTEGER (2^53 - 1), where numbers are not exact: pass it as a bigint"
            ),
        ));
    }
    Ok(serde_json::Number::from_f64(n)
        .map(Value::Number)
        .unwrap_or(Value::Null))
}

/// A bigint's sign and 64-bit words as JSON: within a signed 64-bit integer, else refused.
pub fn bigint_to_json(
    path: &str,
    negative: bool,
    words: &[u64],
) -> std::result::Result<Value, Bad> {
    let magnitude = match words.iter().rposition(|w| *w != 0) {
        None => 0,
        Some(0) => words[0],
        Some(_) => u64::MAX,
    };
    let v = if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            Some((magnitude as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    };
    v.map(Value::from).ok_or_else(|| {
        bad(
            path,
            "is out of range: a bigint must fit in a signed 64-bit integer",
        )
    })
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// Walks a JavaScript value into JSON, keeping the path for a refusal.
///
/// # Safety
/// `env` and `v` must be live on the JavaScript thread.
unsafe fn js_to_json(
    env: napi::sys::napi_env,
    v: napi::sys::napi_value,
    path: &mut String,
    depth: u32,
) -> std::result::Result<Value, Bad> {
    use napi::sys;
    use std::ptr;
    let mut ty = 0;
    status(path, unsafe { sys::napi_typeof(env, v, &mut ty) })?;
    match ty {
        sys::ValueType::napi_undefined | sys::ValueType::napi_null => Ok(Value::Null),
        sys::ValueType::napi_boolean => {
            let mut b = false;
            status(path, unsafe { sys::napi_get_value_bool(env, v, &mut b) })?;
            Ok(Value::Bool(b))
        }
        sys::ValueType::napi_number => {
            let mut n = 0f64;
            status(path, unsafe { sys::napi_get_value_double(env, v, &mut n) })?;
            number_to_json(path, n)
        }
        sys::ValueType::napi_bigint => {
            let (mut sign, mut count) = (0, 0usize);
            status(path, unsafe {
                sys::napi_get_value_bigint_words(
                    env,
                    v,
                    ptr::null_mut(),
                    &mut count,
                    ptr::null_mut(),
                )
            })?;
            let mut words = vec![0u64; count];
            status(path, unsafe {
                sys::napi_get_value_bigint_words(env, v, &mut sign, &mut count, words.as_mut_ptr())
            })?;
            bigint_to_json(path, sign != 0, &words)
        }
        sys::ValueType::napi_string => unsafe { String::from_napi_value(env, v) }
            .map(Value::String)
            .map_err(|_| bad(path, "could not be read")),
        sys::ValueType::napi_object => {
            if depth >= MAX_DEPTH {
                return Err(bad(path, "is nested too deeply"));
            }
            let mut is_array = false;
            status(path, unsafe { sys::napi_is_array(env, v, &mut is_array) })?;
            if is_array {
                let mut len = 0u32;
                status(path, unsafe {
                    sys::napi_get_array_length(env, v, &mut len)
                })?;
                let mut out = Vec::with_capacity(len as usize);
                for i in 0..len {
                    let mut el = ptr::null_mut();
                    status(path, unsafe { sys::napi_get_element(env, v, i, &mut el) })?;
                    let at = path.len();
                    path.push_str(&format!("[{i}]"));
                    out.push(unsafe { js_to_json(env, el, path, depth + 1) }?);
                    path.truncate(at);
                }
                return Ok(Value::Array(out));
            }
            let mut names = ptr::null_mut();
            status(path, unsafe {
                sys::napi_get_all_property_names(
                    env,
                    v,
                    sys::KeyCollectionMode::own_only,
                    sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                    sys::KeyConversion::numbers_to_strings,
                    &mut names,
                )
            })?;
            let mut len = 0u32;
            status(path, unsafe {
                sys::napi_get_array_length(env, names, &mut len)
            })?;
            let mut out = Map::new();
            for i in 0..len {
                let mut key = ptr::null_mut();
                status(path, unsafe {
                    sys::napi_get_element(env, names, i, &mut key)
                })?;
                let k = unsafe { String::from_napi_value(env, key) }
                    .map_err(|_| bad(path, "has a key that could not be read"))?;
                let mut val = ptr::null_mut();
                status(path, unsafe {
                    sys::napi_get_property(env, v, key, &mut val)
                })?;
                let at = path.len();
                push_key(path, &k);
                let j = unsafe { js_to_json(env, val, path, depth + 1) }?;
                path.truncate(at);
                out.insert(k, j);
            }
            Ok(Value::Object(out))
        }
        sys::ValueType::napi_function => Err(bad(path, "must be data, not a function")),
        sys::ValueType::napi_symbol => Err(bad(path, "must be data, not a symbol")),
        _ => Err(bad(
            path,
            "must be data (a string, number, bigint, boolean, array or object)",
        )),
    }
}

/// The message of a serde error without a leading SPEC code (`INVALID_ARGUMENT: ...`),
/// which a core type's own validation puts in front of its text.
fn without_code(message: String) -> String {
    match message.split_once(": ") {
        Some((code, rest)) if ErrorCode::ALL.iter().any(|c| c.as_str() == code) => rest.to_string(),
        _ => message,
    }
}

/// Parses JSON into a core type. Errors: `INVALID_ARGUMENT` whose `details.field` is the
/// offending field as JavaScript names it (`player`, `attachments.currencies[0].amount`),
/// or `name` when the argument itself is wrong.
pub fn parse<T: DeserializeOwned>(name: &str, v: Value) -> std::result::Result<T, CoreError> {
    serde_path_to_error::deserialize(snake_keys(v)).map_err(|e| {
        let path = e.path().to_string();
        let field = if path.is_empty() || path == "." {
            name.to_string()
        } else {
            path.split('.').map(to_camel).collect::<Vec<_>>().join(".")
        };
        let message = without_code(e.into_inner().to_string());
        CoreError::invalid(&field, format!("{field}: {message}"))
    })
}

/// Parses an argument into a core type. Errors: `INVALID_ARGUMENT` naming the field.
pub fn arg<T: DeserializeOwned>(
    name: &str,
    a: impl Into<Arg>,
) -> std::result::Result<T, CoreError> {
    parse(name, a.into().value(name)?)
}

/// Parses an optional argument (`undefined` or `null`: `None`).
pub fn opt_arg<T: DeserializeOwned>(
    name: &str,
    a: impl Into<Arg>,
) -> std::result::Result<Option<T>, CoreError> {
    match a.into().value(name)? {
        Value::Null => Ok(None),
        v => parse(name, v).map(Some),
    }
}

/// An options object (`undefined` or `null`: empty) with keys snake_cased. Errors:
/// `INVALID_ARGUMENT` naming the first key that is not one of `known`, so a misspelled
/// option is refused rather than ignored.
pub fn options_arg(
    name: &str,
    a: impl Into<Arg>,
    known: &[&str],
) -> std::result::Result<Map<String, Value>, CoreError> {
    let map = match snake_keys(a.into().value(name)?) {
        Value::Null => Map::new(),
        Value::Object(m) => m,
        _ => {
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
        Some(v) => parse(&to_camel(key), v.clone()).map(Some),
    }
}

/// A string argument. Errors: `INVALID_ARGUMENT` naming `name`.
pub fn text(name: &str, a: impl Into<Arg>) -> std::result::Result<String, CoreError> {
    match a.into().value(name)? {
        Value::String(s) => Ok(s),
        _ => Err(CoreError::invalid(name, format!("{name} must be a string"))),
    }
}

/// A player id argument. Errors: `INVALID_ARGUMENT` naming `name`.
pub fn player(name: &str, a: impl Into<Arg>) -> std::result::Result<PlayerId, CoreError> {
    PlayerId::new(text(name, a)?).map_err(|e| CoreError::invalid(name, e.message))
}

/// A non-negative integer argument, `default` when absent. Errors: `INVALID_ARGUMENT`.
pub fn int_or(name: &str, a: impl Into<Arg>, default: i64) -> std::result::Result<i64, CoreError> {
    match a.into().value(name)? {
        Value::Null => Ok(default),
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| CoreError::invalid(name, format!("{name} must be an integer"))),
        _ => Err(CoreError::invalid(
            name,
            format!("{name} must be an integer"),
        )),
    }
}

/// A `u32` argument (limits), `default` when absent. Errors: `INVALID_ARGUMENT`.
pub fn limit_or(
    name: &str,
    a: impl Into<Arg>,
    default: u32,
) -> std::result::Result<u32, CoreError> {
    let n = int_or(name, a, i64::from(default))?;
    u32::try_from(n).map_err(|_| CoreError::invalid(name, format!("{name} is out of range")))
}

/// An optional page size: absent or `null` is `None` (the core's default applies).
pub fn opt_limit(name: &str, a: impl Into<Arg>) -> std::result::Result<Option<u32>, CoreError> {
    match a.into().value(name)? {
        Value::Null => Ok(None),
        v => limit_or(name, v, 0).map(Some),
    }
}

/// The first integer in `v` that a JavaScript number cannot hold exactly (beyond
/// ±(2^53 - 1)), with its path (camelCase keys as JavaScript sees them).
pub fn unsafe_integer(v: &Value) -> Option<(String, String)> {
    fn walk(v: &Value, path: &mut String) -> Option<String> {
        match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => {
                let exact = n.as_i64().is_some_and(|i| i.abs() <= MAX_SAFE_INTEGER);
                (!exact).then(|| n.to_string())
            }
            Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
                let at = path.len();
                path.push_str(&format!("[{i}]"));
                let r = walk(x, path);
                if r.is_none() {
                    path.truncate(at);
                }
                r
            }),
            Value::Object(m) => m.iter().find_map(|(k, x)| {
                let at = path.len();
                push_key(path, k);
                let r = walk(x, path);
                if r.is_none() {
                    path.truncate(at);
                }
                r
            }),
            _ => None,
        }
    }
    let mut path = String::new();
    walk(v, &mut path).map(|n| (path, n))
}

/// A result as JavaScript numbers can hold it: an integer beyond ±(2^53 - 1) is not
/// rounded (that would misstate money) but refused with `BALANCE_LIMIT`, whose details
/// say the call itself completed and hold the exact value as a decimal string.
pub fn exact(v: Value) -> std::result::Result<Value, CoreError> {
    match unsafe_integer(&v) {
        None => Ok(v),
        Some((field, value)) => Err(CoreError::new(
            ErrorCode::BalanceLimit,
            format!(
                "the call completed, but its result holds {field} = {value}, beyond the largest integer a JavaScript number holds exactly (2^53 - 1); keep maxBalance at or below Number.MAX_SAFE_INTEGER for currencies used from JavaScript"
            ),
        )
        .with_details(serde_json::json!({
            "field": field, "value": value, "limit": MAX_SAFE_INTEGER, "completed": true,
        }))),
    }
}

/// An event as JavaScript numbers hold it: an integer beyond ±(2^53 - 1) becomes the
/// nearest number (an event only reports; the reads that answer with money refuse
/// instead, see [`exact`]).
pub fn rounded(v: Value) -> Value {
    match v {
        Value::Number(n) if unsafe_integer(&Value::Number(n.clone())).is_some() => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Value::Array(a) => Value::Array(a.into_iter().map(rounded).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, rounded(v))).collect()),
        v => v,
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
                .and_then(exact)
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
