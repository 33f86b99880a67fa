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

/// Every core type an operation takes or returns (`guildhall_core::surface`), the error
/// body and the config file; the types they contain follow by reference.
fn roots() -> Vec<(String, RefOr<Schema>)> {
    let mut out = Vec::new();
    macro_rules! add {
        ($($t:ty),* $(,)?) => {$(
            out.push((<$t as ToSchema>::name().into_owned(), <$t as utoipa::PartialSchema>::schema()));
            <$t as ToSchema>::schemas(&mut out);
        )*};
    }
    core::for_each_request_type!(add);
    core::for_each_result_type!(add);
    add!(core::Error, guildhall_adapters::settings::FileConfig);
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

/// Every schema reachable from the roots, by core type name, as JSON Schema.
pub fn schemas() -> BTreeMap<String, Value> {
    let mut schemas = BTreeMap::new();
    for (name, schema) in roots() {
        if primitive(&name).is_some() {
            continue;
        }
        let v = serde_json::to_value(&schema).expect("a schema serialises");
        schemas.entry(name).or_insert(v);
    }
    schemas
}

/// The declarations: one `interface` per object type, one `type` per other schema, in
/// name order.
pub fn typescript() -> String {
    let schemas: BTreeMap<String, Value> = schemas()
        .into_iter()
        .map(|(name, v)| (rename(&name).to_string(), v))
        .collect();
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

// ----- Python -----------------------------------------------------------------------

/// The result types the Python module hands back as records: (core type, Python class).
/// A few keep the Python names they were published under.
const PY_RECORDS: &[(&str, &str)] = &[
    ("Balance", "Balance"),
    ("Wallet", "Wallet"),
    ("BalanceChangeResult", "BalanceChange"),
    ("TransferResult", "Transfer"),
    ("LedgerEntry", "LedgerEntry"),
    ("HistoryPage", "HistoryPage"),
    ("LedgerMismatch", "LedgerMismatch"),
    ("LedgerReport", "LedgerReport"),
    ("Price", "Price"),
    ("CatalogItem", "CatalogItem"),
    ("InventoryEntry", "InventoryEntry"),
    ("PurchaseResult", "Purchase"),
    ("ItemChangeResult", "ItemChange"),
    ("PopularItem", "PopularItem"),
    ("DailyRevenue", "DailyRevenue"),
    ("Mail", "Mail"),
    ("SendMailResult", "SendMailResult"),
    ("ClaimResult", "ClaimResult"),
    ("Broadcast", "Broadcast"),
    ("Template", "Template"),
    ("Trigger", "Trigger"),
    ("Message", "Message"),
    ("Session", "Session"),
    ("PartyMember", "PartyMember"),
    ("Invite", "Invite"),
    ("Party", "Party"),
    ("ChatMessage", "ChatMessage"),
    ("ChatPage", "ChatPage"),
    ("ChatMute", "ChatMute"),
    ("Ticket", "Ticket"),
    ("TicketStatus", "TicketStatus"),
    ("Rating", "Rating"),
    ("RatingChange", "RatingChange"),
    ("MatchRecord", "MatchRecord"),
    ("ReportResult", "ReportResult"),
    ("GroupMember", "GroupMember"),
    ("GroupJoinRequest", "GroupJoinRequest"),
    ("GroupInvite", "GroupInvite"),
    ("Group", "Group"),
    ("GroupSummary", "GroupSummary"),
    ("GroupPage", "GroupPage"),
    ("GroupLeaveResult", "GroupLeaveResult"),
    ("GroupBankResult", "GroupBankResult"),
    ("GroupBank", "GroupBank"),
    ("Achievement", "Achievement"),
    ("AchievementStatus", "AchievementStatus"),
    ("ProgressResult", "ProgressResult"),
    ("AchievementClaimResult", "AchievementClaimResult"),
    ("Event", "Event"),
    ("FriendshipResult", "Friendship"),
    ("BlockResult", "BlockResult"),
    ("Friend", "Friend"),
    ("PendingRequest", "PendingRequest"),
    ("FriendRequests", "FriendRequests"),
    ("Leaderboard", "Leaderboard"),
    ("SubmitScoreResult", "SubmitScoreResult"),
    ("RankedScore", "RankedScore"),
    ("StandingsPage", "StandingsPage"),
    ("PlayerStanding", "PlayerStanding"),
    ("Period", "Period"),
    ("GrantedReward", "GrantedReward"),
    ("LeaderboardPeriod", "LeaderboardPeriod"),
    ("JoinTournamentResult", "JoinTournamentResult"),
    ("TradeItem", "TradeItem"),
    ("TradeOffer", "TradeOffer"),
    ("TradeSide", "TradeSide"),
    ("TradeStep", "TradeStep"),
    ("Trade", "Trade"),
    ("TradeResult", "TradeResult"),
    ("PlayerTrades", "PlayerTrades"),
    // Characters and the account bank.
    ("Character", "Character"),
    ("CharacterResult", "CharacterResult"),
    ("CharacterSelection", "CharacterSelection"),
    ("CharacterList", "CharacterList"),
    ("BankMoveResult", "BankMoveResult"),
    ("AccountBank", "AccountBank"),
    ("EquippedItem", "EquippedItem"),
    ("Equipment", "Equipment"),
    ("EquipResult", "EquipResult"),
    ("LootEntry", "LootEntry"),
    ("LootTable", "LootTable"),
    ("LootDrop", "LootDrop"),
    ("LootResult", "LootResult"),
    ("LootPreview", "LootPreview"),
    ("MemberChoice", "MemberChoice"),
    ("LootRoll", "LootRoll"),
    ("LootRollResult", "LootRollResult"),
    ("RoomMember", "RoomMember"),
    ("Room", "Room"),
    ("RoomResult", "RoomResult"),
    ("RoomLogEntry", "RoomLogEntry"),
    ("RoomLogPage", "RoomLogPage"),
    ("LobbyRoom", "LobbyRoom"),
    ("LobbyPlayer", "LobbyPlayer"),
    ("LobbyView", "LobbyView"),
    ("LobbyPushResult", "LobbyPushResult"),
    ("GrantPart", "GrantPart"),
    ("PaymentLogEntry", "PaymentLogEntry"),
    ("PaymentLogPage", "PaymentLogPage"),
    ("PaymentRecord", "PaymentRecord"),
    ("FileMeta", "FileMeta"),
    ("FileList", "FileList"),
    ("FileContent", "FileContent"),
];

/// Fields whose core name is a Python keyword: (core type, core field, Python attribute).
const PY_FIELD_NAMES: &[(&str, &str, &str)] = &[
    ("TransferResult", "from", "from_player"),
    ("TransferResult", "to", "to_player"),
];

/// Records with methods of their own (`_record.py`): the generated class takes them in.
const PY_METHODS: &[&str] = &["Wallet", "LedgerReport", "Party", "Mail"];

fn py_class(core_name: &str) -> Option<&'static str> {
    PY_RECORDS
        .iter()
        .find(|(c, _)| *c == core_name)
        .map(|(_, p)| *p)
}

fn py_attr<'a>(core_type: &str, field: &'a str) -> &'a str {
    PY_FIELD_NAMES
        .iter()
        .find(|(t, f, _)| *t == core_type && *f == field)
        .map_or(field, |(_, _, p)| p)
}

/// The schema without its `null` alternative.
fn non_null(s: &Value) -> Value {
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let rest: Vec<&Value> = alts
                .iter()
                .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if rest.len() == 1 {
                return rest[0].clone();
            }
        }
    }
    if let Some(Value::Array(ts)) = s.get("type") {
        let rest: Vec<&Value> = ts.iter().filter(|t| *t != "null").collect();
        if rest.len() == 1 {
            let mut out = s.clone();
            out["type"] = rest[0].clone();
            return out;
        }
    }
    s.clone()
}

fn ref_name(s: &Value) -> Option<&str> {
    s.get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap_or(r))
}

/// The Python type of a field schema, for the stub.
fn py_type(s: &Value, all: &BTreeMap<String, Value>) -> String {
    if nullable(s) {
        return format!("Optional[{}]", py_type(&non_null(s), all));
    }
    if let Some(name) = ref_name(s) {
        if let Some(p) = primitive(name) {
            return match p {
                "number" if name.starts_with('f') => "float".into(),
                "number" => "int".into(),
                "string" => "str".into(),
                "boolean" => "bool".into(),
                _ => "Any".into(),
            };
        }
        if let Some(class) = py_class(name) {
            return class.into();
        }
        return match all.get(name) {
            Some(t) if t.get("enum").is_some() => "str".into(),
            _ => "dict[str, Any]".into(),
        };
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") => match s.get("format").and_then(Value::as_str) {
            Some("date-time") => "datetime".into(),
            Some("date") => "date".into(),
            _ => "str".into(),
        },
        Some("integer") => "int".into(),
        Some("number") => "float".into(),
        Some("boolean") => "bool".into(),
        Some("array") => match s.get("items") {
            Some(Value::Bool(false)) | None => match s.get("prefixItems").and_then(Value::as_array)
            {
                Some(items) => format!(
                    "tuple[{}]",
                    items
                        .iter()
                        .map(|i| py_type(i, all))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "list[Any]".into(),
            },
            Some(items) => format!("list[{}]", py_type(items, all)),
        },
        Some("object") => match s.get("additionalProperties") {
            Some(Value::Object(v)) if !v.is_empty() => {
                format!("dict[str, {}]", py_type(&Value::Object(v.clone()), all))
            }
            _ => "dict[str, Any]".into(),
        },
        _ => "Any".into(),
    }
}

/// The Python expression turning the JSON value `v` of a field schema into the field.
fn py_conv(s: &Value, v: &str) -> String {
    if nullable(s) {
        let inner = py_conv(&non_null(s), v);
        return if inner == v {
            inner
        } else {
            format!("None if {v} is None else {inner}")
        };
    }
    if let Some(name) = ref_name(s) {
        return match py_class(name) {
            Some(class) => format!("{class}._from({v})"),
            None => v.to_string(),
        };
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") => match s.get("format").and_then(Value::as_str) {
            Some("date-time") => format!("_instant({v})"),
            Some("date") => format!("_day({v})"),
            _ => v.to_string(),
        },
        Some("array") => {
            if s.get("prefixItems").is_some() {
                return format!("tuple({v})");
            }
            match s.get("items") {
                Some(items) if items.is_object() => {
                    let inner = py_conv(items, "x");
                    if inner == "x" {
                        v.to_string()
                    } else {
                        format!("[{inner} for x in {v}]")
                    }
                }
                _ => v.to_string(),
            }
        }
        _ => v.to_string(),
    }
}

/// A record's fields in order: its required fields as declared, then the others by name.
fn py_fields(s: &Value) -> Vec<(String, Value, bool)> {
    let props = s
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let required: Vec<String> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let mut out: Vec<(String, Value, bool)> = required
        .iter()
        .filter_map(|r| props.get(r).map(|p| (r.clone(), p.clone(), true)))
        .collect();
    for (name, p) in &props {
        if !required.contains(name) {
            out.push((name.clone(), p.clone(), false));
        }
    }
    out
}

fn py_doc(text: Option<&str>, indent: &str) -> String {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => String::new(),
        Some(t) => {
            let t = t.replace('\\', "\\\\").replace("\"\"\"", "'''");
            let body = t
                .lines()
                .map(|l| {
                    if l.trim().is_empty() {
                        String::new()
                    } else {
                        format!("{indent}{}", l.trim_end())
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            format!("{indent}\"\"\"{}\"\"\"\n", body.trim_start())
        }
    }
}

/// `guildhall/_records.py`: the Python module's result records, one class per core
/// result type, each built from the core value's serde form (`_from`).
pub fn python_records() -> String {
    let all = schemas();
    let mut out = String::from(
        "# The result records of the guildhall Python module, generated from guildhall-core's\n\
         # schemas by guildhall-tests (src/binding_types.rs); do not edit:\n\
         # `GUILDHALL_BLESS=1 cargo test -p guildhall-tests --test binding_types` rewrites it.\n\
         # The native module turns a core result into its serde form and calls `_from` of the\n\
         # class named in BY_SCHEMA; the shared behaviour (read-only, ==, repr, to_dict) and the\n\
         # few methods of their own live in _record.py.\n\
         # ruff: noqa\n\n\
         from ._record import _Record, _instant, _day\n\
         from . import _record\n",
    );
    for (core_name, class) in PY_RECORDS {
        let s = &all[*core_name];
        let fields = py_fields(s);
        let base = if PY_METHODS.contains(class) {
            format!("_record._{class}Methods, _Record")
        } else {
            "_Record".to_string()
        };
        let _ = write!(out, "\n\nclass {class}({base}):\n");
        out.push_str(&py_doc(
            s.get("description").and_then(Value::as_str),
            "    ",
        ));
        let names: Vec<String> = fields
            .iter()
            .map(|(f, _, _)| format!("\"{}\"", py_attr(core_name, f)))
            .collect();
        let tuple = if names.len() == 1 {
            format!("({},)", names[0])
        } else {
            format!("({})", names.join(", "))
        };
        let _ = writeln!(out, "    __slots__ = {tuple}");
        let _ = writeln!(out, "    __guildhall_fields__ = {tuple}");
        out.push_str("\n    @classmethod\n    def _from(cls, d):\n        o = object.__new__(cls)\n        s = object.__setattr__\n");
        for (f, p, required) in &fields {
            let get = if *required && !nullable(p) {
                format!("d[\"{f}\"]")
            } else {
                format!("d.get(\"{f}\")")
            };
            let conv = py_conv(p, "v");
            if conv == "v" {
                let _ = writeln!(out, "        s(o, \"{}\", {get})", py_attr(core_name, f));
            } else {
                let _ = writeln!(out, "        v = {get}");
                let _ = writeln!(out, "        s(o, \"{}\", {conv})", py_attr(core_name, f));
            }
        }
        out.push_str("        return o\n");
    }
    out.push_str("\n\n#: The record class of each core result type, by the core type's name.\nBY_SCHEMA = {\n");
    for (core_name, class) in PY_RECORDS {
        let _ = writeln!(out, "    \"{core_name}\": {class},");
    }
    out.push_str("}\n");
    out
}

/// The record part of `guildhall/__init__.pyi` (the rest is the hand-written
/// `bindings-python/stubs/head.pyi` and `tail.pyi`).
pub fn python_record_stubs() -> String {
    let all = schemas();
    let mut out = String::from(
        "# ----- Records (read-only; each has to_dict() and ==). Generated from guildhall-core's\n\
         # schemas by guildhall-tests (src/binding_types.rs). -----\n",
    );
    for (core_name, class) in PY_RECORDS {
        let s = &all[*core_name];
        let base = if PY_METHODS.contains(class) {
            format!("_{class}Methods, _Record")
        } else {
            "_Record".to_string()
        };
        let _ = write!(out, "\nclass {class}({base}):\n");
        out.push_str(&py_doc(
            s.get("description").and_then(Value::as_str),
            "    ",
        ));
        for (f, p, _) in py_fields(s) {
            let _ = writeln!(out, "    {}: {}", py_attr(core_name, &f), py_type(&p, &all));
        }
    }
    out
}
