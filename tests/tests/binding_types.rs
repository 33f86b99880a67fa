//! The Node module's `core-types.d.ts` and the Python module's `_records.py` and
//! `__init__.pyi` are what the core's types render to today: a field added to, renamed
//! in or removed from a core request or result type changes them, and these tests fail
//! until the files are regenerated and committed.
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

#[test]
fn python_records_and_stubs_are_generated() {
    let records = guildhall_tests::binding_types::python_records();
    assert!(records.contains("class Wallet(_record._WalletMethods, _Record):"));
    assert!(records.contains("\"TransferResult\": Transfer,"));
    check("bindings-python/python/guildhall/_records.py", records);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bindings-python/stubs");
    let head = std::fs::read_to_string(root.join("head.pyi")).expect("stubs/head.pyi");
    let tail = std::fs::read_to_string(root.join("tail.pyi")).expect("stubs/tail.pyi");
    let stub = format!(
        "{head}{}{tail}",
        guildhall_tests::binding_types::python_record_stubs()
    );
    check("bindings-python/python/guildhall/__init__.pyi", stub);
}
