//! Typed access to versioned documents ([`crate::ports::Doc`]): each document type
//! names its kind; reads carry the version a guarded write must match.

use crate::error::{Error, Result};
use crate::ports::{Doc, DocWrite};
use serde::{de::DeserializeOwned, Serialize};

/// A document type stored under one kind.
pub trait Document: Serialize + DeserializeOwned {
    /// The kind it is stored under.
    const KIND: &'static str;
}

/// A document as read, with its version (0: absent, to be created).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// Id within the kind.
    pub id: String,
    /// The value.
    pub value: T,
    /// Version read.
    pub version: i64,
}

impl<T: Document> Versioned<T> {
    /// Decodes a stored document. Errors: `UNAVAILABLE` when it does not decode.
    pub fn decode(doc: Doc) -> Result<Self> {
        let value = serde_json::from_value(doc.body).map_err(|e| {
            Error::unavailable(format!("stored {} {} unreadable: {e}", doc.kind, doc.id))
        })?;
        Ok(Self {
            id: doc.id,
            value,
            version: doc.version,
        })
    }

    /// A new document (version 0).
    pub fn new(id: impl Into<String>, value: T) -> Self {
        Self {
            id: id.into(),
            value,
            version: 0,
        }
    }

    /// The guarded write replacing it with its current value.
    pub fn put(&self) -> DocWrite {
        DocWrite {
            kind: T::KIND.into(),
            id: self.id.clone(),
            expected_version: self.version,
            body: Some(serde_json::to_value(&self.value).unwrap_or_default()),
        }
    }

    /// The guarded write deleting it.
    pub fn delete(&self) -> DocWrite {
        DocWrite {
            kind: T::KIND.into(),
            id: self.id.clone(),
            expected_version: self.version,
            body: None,
        }
    }
}
