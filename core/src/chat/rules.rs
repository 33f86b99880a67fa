//! Decisions of the chat module (SPEC.md), pure functions with their unit tests.
