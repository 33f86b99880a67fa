//! The Node module's `core-types.d.ts` is what the core's types render to today: a
//! field added to, renamed in or removed from a core request or result type changes the
//! declarations, and this test fails until the file is regenerated and committed.
//!   GUILDHALL_BLESS=1 cargo test -p guildhall-tests --test binding_types

use std::path::PathBuf;

fn check(path: &str, generated: String) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    if std::env::var("GUILDHALL_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&file, &generated).expect("write the generated file");
        return;
    }
    let current = std::fs::read_to_string(&file).unwrap_or_default();
    if current != generated {
        let first = current
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(current.lines().count().min(generated.lines().count()));
        panic!(
            "{path} differs from what the core's types generate (first at line {}: {:?} != {:?}); \
             run `GUILDHALL_BLESS=1 cargo test -p guildhall-tests --test binding_types` and commit it",
            first + 1,
            current.lines().nth(first).unwrap_or("<end>"),
            generated.lines().nth(first).unwrap_or("<end>"),
        );
    }
}

#[test]
fn binding_types_are_generated() {
    let ts = guildhall_tests::binding_types::typescript();
    // Every root type is declared.
    for name in [
        "Wallet",
        "GrantRequest",
        "BalanceChangeResult",
        "Party",
        "GuildhallEvent",
    ] {
        assert!(
            ts.contains(&format!("export interface {name} {{")),
            "{name} missing"
        );
    }
    check("bindings-node/core-types.d.ts", ts);
}
