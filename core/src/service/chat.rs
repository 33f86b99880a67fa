//! Chat services (SPEC.md Chat).
