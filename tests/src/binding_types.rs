//! The TypeScript declarations of the values that cross the Node module's boundary,
//! rendered from the core's own types (their `utoipa::ToSchema` derives, the same schemas
//! the HTTP host's OpenAPI document is built from), so no binding keeps a hand copy of a
//! core type. `bindings-node/core-types.d.ts` is this output; the test
//! `binding_types_are_generated` fails when it drifts (`GUILDHALL_BLESS=1` rewrites it),
//! and `bindings-node/gen-dts.mjs` puts it into `index.d.ts`.
//!
//! Node sees camelCase keys (`bindings-node/src/convert.rs`), so property names are
//! camelCased; map keys and the caller's free-form objects are left alone. Absent,
//! `null` and defaulted fields are optional (`?:`): the module drops `null`s on the way
//! out and treats missing keys as absent on the way in.

use guildhall_adapters::naming::to_camel;
use guildhall_core as core;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write;
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;

/// Every core type a Node method takes or returns (named in its `ts_args_type` /
/// `ts_return_type`); the types they contain follow by reference.
fn roots() -> Vec<(String, RefOr<Schema>)> {
    let mut out = Vec::new();
    macro_rules! add {
        ($($t:ty),* $(,)?) => {$(
            out.push((<$t as ToSchema>::name().into_owned(), <$t as utoipa::PartialSchema>::schema()));
            <$t as ToSchema>::schemas(&mut out);
        )*};
    }
    add!(
        core::economy::GrantRequest,
        core::economy::SpendRequest,
        core::economy::TransferRequest,
        core::economy::BalanceChangeResult,
        core::economy::TransferResult,
        core::economy::LedgerReport,
        core::types::Wallet,
        core::HistoryFilter,
        core::HistoryPage,
        core::inventory::PurchaseRequest,
        core::inventory::PurchaseResult,
        core::inventory::UseItemRequest,
        core::inventory::GrantItemRequest,
        core::inventory::ItemChangeResult,
        core::types::InventoryEntry,
        core::types::CatalogItem,
        core::PopularItemsQuery,
        core::RevenueQuery,
        core::ports::PopularItem,
        core::ports::DailyRevenue,
        core::mail::SendMailRequest,
        core::mail::SendMailResult,
        core::mail::BroadcastRequest,
        core::mail::Broadcast,
        core::mail::Mail,
        core::mail::ClaimResult,
        core::announce::Template,
        core::announce::Trigger,
        core::announce::Location,
        core::announce::FireRequest,
        core::announce::Message,
        core::ports::Session,
        core::party::Party,
        core::party::Invite,
        core::matchmaking::QueueRequest,
        core::matchmaking::Ticket,
        core::matchmaking::MatchRecord,
        core::matchmaking::Rating,
        core::TicketStatus,
        core::ReportResult,
        core::types::Event,
        core::Error,
        guildhall_adapters::settings::FileConfig,
    );
    out
}

/// The declared name of a core type: `Error` would shadow JavaScript's own `Error` in
/// the module, so the core's error body is `GuildhallErrorShape` (and its event
/// `GuildhallEvent`, not the DOM's `Event`); the config file's schema is
/// `GuildhallConfig`.
fn rename(name: &str) -> &str {
    match name {
        "Error" => "GuildhallErrorShape",
        "FileConfig" => "GuildhallConfig",
        "Event" => "GuildhallEvent",
        other => other,
    }
}

/// A Rust primitive named by reference (a type alias such as `Amount = i64`).
fn primitive(name: &str) -> Option<&'static str> {
    Some(match name {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" | "f32"
        | "f64" => "number",
        "String" | "str" => "string",
        "bool" => "boolean",
        "Value" => "any",
        _ => return None,
    })
}

fn doc(out: &mut String, indent: &str, text: Option<&str>) {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return;
    };
    let text = text.replace("*/", "*\\/");
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() == 1 {
        let _ = writeln!(out, "{indent}/** {} */", lines[0].trim_end());
    } else {
        let _ = writeln!(out, "{indent}/**");
        for l in lines {
            let l = l.trim_end();
            if l.is_empty() {
                let _ = writeln!(out, "{indent} *");
            } else {
                let _ = writeln!(out, "{indent} * {l}");
            }
        }
        let _ = writeln!(out, "{indent} */");
    }
}

/// Whether a schema admits `null` (then the field is optional on the Node side).
fn nullable(s: &Value) -> bool {
    match s.get("type") {
        Some(Value::String(t)) if t == "null" => return true,
        Some(Value::Array(ts)) if ts.iter().any(|t| t == "null") => return true,
        _ => {}
    }
    ["oneOf", "anyOf"].iter().any(|k| {
        s.get(*k)
            .and_then(Value::as_array)
            .is_some_and(|v| v.iter().any(nullable))
    })
}

/// The TypeScript type of a schema (without `null`: see [`nullable`]).
fn ts(s: &Value, indent: &str) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return primitive(name).unwrap_or(rename(name)).to_string();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let mut parts: Vec<String> = alts
                .iter()
                .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .map(|a| ts(a, indent))
                .collect();
            parts.dedup();
            return match parts.len() {
                0 => "null".into(),
                1 => parts.remove(0),
                _ => parts.join(" | "),
            };
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let parts: Vec<String> = all.iter().map(|a| ts(a, indent)).collect();
        return parts.join(" & ");
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let parts: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| v.to_string().replace('"', "'"))
            .collect();
        return parts.join(" | ");
    }
    if let Some(c) = s.get("const") {
        return c.to_string().replace('"', "'");
    }
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let types: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    match types.as_slice() {
        [] => "any".into(),
        ["string"] => "string".into(),
        ["integer"] | ["number"] => "number".into(),
        ["boolean"] => "boolean".into(),
        ["array"] => {
            let item = s
                .get("items")
                .map(|i| ts(i, indent))
                .unwrap_or("any".into());
            if item.contains(' ') {
                format!("Array<{item}>")
            } else {
                format!("{item}[]")
            }
        }
        ["object"] => object(s, indent),
        many => many
            .iter()
            .map(|t| match *t {
                "integer" | "number" => "number",
                "string" => "string",
                "boolean" => "boolean",
                _ => "any",
            })
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

/// An object schema: its properties as an inline type literal, or a map.
fn object(s: &Value, indent: &str) -> String {
    let props = s.get("properties").and_then(Value::as_object);
    match props {
        Some(props) if !props.is_empty() => {
            let inner = format!("{indent}  ");
            let mut out = String::from("{\n");
            fields(&mut out, s, props, &inner);
            let _ = write!(out, "{indent}}}");
            out
        }
        _ => match s.get("additionalProperties") {
            Some(Value::Object(v)) if !v.is_empty() => {
                format!("Record<string, {}>", ts(&Value::Object(v.clone()), indent))
            }
            _ => "Record<string, any>".into(),
        },
    }
}

fn fields(out: &mut String, s: &Value, props: &Map<String, Value>, indent: &str) {
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, p) in props {
        doc(out, indent, p.get("description").and_then(Value::as_str));
        let optional = !required.contains(&name.as_str()) || nullable(p);
        let _ = writeln!(
            out,
            "{indent}{}{}: {}",
            to_camel(name),
            if optional { "?" } else { "" },
            ts(p, indent)
        );
    }
}

/// The declarations: one `interface` per object type, one `type` per other schema, in
/// name order.
pub fn typescript() -> String {
    let mut schemas: BTreeMap<String, Value> = BTreeMap::new();
    for (name, schema) in roots() {
        if primitive(&name).is_some() {
            continue;
        }
        let v = serde_json::to_value(&schema).expect("a schema serialises");
        schemas.entry(rename(&name).to_string()).or_insert(v);
    }
    let mut out = String::from(
        "// The core's request and result types as the Node module sees them (camelCase keys).\n\
         // Generated from guildhall-core's schemas by guildhall-tests (src/binding_types.rs);\n\
         // do not edit: `GUILDHALL_BLESS=1 cargo test -p guildhall-tests --test binding_types`\n\
         // rewrites it.\n",
    );
    for (name, s) in &schemas {
        out.push('\n');
        doc(&mut out, "", s.get("description").and_then(Value::as_str));
        let props = s.get("properties").and_then(Value::as_object);
        match props {
            Some(props) if s.get("type").and_then(Value::as_str) == Some("object") => {
                let _ = writeln!(out, "export interface {name} {{");
                fields(&mut out, s, props, "  ");
                out.push_str("}\n");
            }
            _ => {
                let _ = writeln!(out, "export type {name} = {}", ts(s, ""));
            }
        }
    }
    out
}
