//! Decisions of the friends module (SPEC.md), pure functions with their unit tests.
