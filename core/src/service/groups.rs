//! Group services (SPEC.md Groups).
