//! # guildhall for Python
//!
//! The native part of the `guildhall` Python package (`guildhall._native`): the whole
//! core API twice over, as [`client::Client`] (blocking; the GIL is released while Rust
//! works, so many Flask threads can call it at once) and [`client::AsyncClient`]
//! (awaitables driven by one Rust-owned tokio runtime; the asyncio event loop never
//! blocks). Results are typed Python records generated from the core's types
//! (`guildhall/_records.py`, filled through serde by [`records`]); every refusal is raised
//! as a subclass of `guildhall.GuildhallError`, one per stable error code ([`errors`]).
//!
//! The workspace's `cargo build` builds it as the extension module (`.cargo/config.toml`
//! sets `PYO3_BUILD_EXTENSION_MODULE`); maturin (`bindings-python/pyproject.toml`, the
//! `extension-module` feature) packages the wheel.

use pyo3::prelude::*;

pub mod awaitable;
pub mod client;
pub mod convert;
pub mod errors;
pub mod records;

/// The one tokio runtime every client of this process shares (worker threads = cores).
/// Created on first use, so a process that forks (gunicorn) before opening a client is
/// safe; open clients after the fork.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// The `guildhall._native` module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    client::register(m)?;
    awaitable::register(m)?;
    Ok(())
}
