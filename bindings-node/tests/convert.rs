//! The pure conversions of the Node module (key casing, argument errors), tested without
//! a JavaScript engine. The addon itself is exercised by the node:test suites in test/.

use guildhall_core::ErrorCode;
use guildhall_node::convert::{arg, camel_keys, player, snake_keys, to_camel, to_snake};

use serde_json::json;

#[test]
fn keys_round_trip_and_opaque_objects_are_kept() {
    let js = json!({
        "itemId": "1", "idempotencyKey": "k", "quantity": null,
        "metadata": { "orderId": 7, "x_y": null },
        "nested": [{ "expiresInSecs": 5 }]
    });
    let core = snake_keys(js);
    assert_eq!(
        core,
        json!({
            "item_id": "1", "idempotency_key": "k",
            "metadata": { "orderId": 7, "x_y": null },
            "nested": [{ "expires_in_secs": 5 }]
        })
    );
    let back = camel_keys(core);
    assert_eq!(back["itemId"], "1");
    assert_eq!(back["metadata"]["orderId"], 7);
    assert_eq!(back["nested"][0]["expiresInSecs"], 5);
    assert_eq!(to_camel("a_b_c"), "aB".to_string() + "C");
    assert_eq!(to_snake("alreadySnake_x"), "already_snake_x");
}

#[test]
fn bad_arguments_are_invalid_argument() {
    let e = arg::<guildhall_core::economy::GrantRequest>("request", json!({ "player": "a" }))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    let e = arg::<guildhall_core::economy::GrantRequest>(
        "request",
        json!({ "player": "a", "currency": "gold", "amount": 1.5 }),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(
        player("player", json!(5)).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

#[test]
fn numbers_cross_exactly_or_are_refused() {
    use guildhall_node::convert::{bigint_to_json, exact, number_to_json, MAX_SAFE_INTEGER};
    assert_eq!(
        number_to_json("amount", 4_294_967_296.0).unwrap(),
        json!(4_294_967_296i64)
    );
    assert_eq!(
        number_to_json("a", 1e12).unwrap(),
        json!(1_000_000_000_000i64)
    );
    assert_eq!(
        number_to_json("a", 9_007_199_254_740_991.0).unwrap(),
        json!(MAX_SAFE_INTEGER)
    );
    assert!(number_to_json("a", 9_007_199_254_740_992.0).is_err());
    assert!(number_to_json("a", f64::NAN).is_err());
    assert!(number_to_json("a", f64::INFINITY).is_err());
    assert_eq!(number_to_json("a", 1.5).unwrap(), json!(1.5));
    assert_eq!(bigint_to_json("a", false, &[]).unwrap(), json!(0));
    assert_eq!(
        bigint_to_json("a", true, &[1u64 << 63]).unwrap(),
        json!(i64::MIN)
    );
    assert!(bigint_to_json("a", false, &[1u64 << 63]).is_err());
    assert!(bigint_to_json("a", false, &[0, 1]).is_err());
    let e = exact(json!({ "balance": MAX_SAFE_INTEGER + 2 })).unwrap_err();
    assert_eq!(e.code, ErrorCode::BalanceLimit);
    assert_eq!(e.details["value"], "9007199254740993");
    assert_eq!(e.details["field"], "balance");
    assert!(exact(json!({ "balance": MAX_SAFE_INTEGER, "rating": 1e300 })).is_ok());
}
