//! Decisions of the groups module (SPEC.md), pure functions with their unit tests.
