//! Key casing between the core's snake_case JSON and JavaScript's camelCase, in one
//! place: the Node module converts every key it passes with these, and the generated
//! TypeScript declarations (guildhall-tests' `binding_types`) name fields with them.

/// `itemId` → `item_id` (an already snake_case key is unchanged).
pub fn to_snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `item_id` → `itemId`.
pub fn to_camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
