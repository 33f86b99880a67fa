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
