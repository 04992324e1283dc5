//! Configured entries (`office`, `voicemail:mobile`) resolved to license
//! types of the catalog, cached by their text.

use crate::catalog::{Catalog, LicenseId, LicenseKind};
use crate::error::Error;
use crate::users::User;

/// A configured entry, resolved.
pub(super) struct Entry<'u> {
    pub(super) text: &'u str,
    pub(super) license: LicenseId,
    pub(super) usage: Option<usize>,
    /// How many times the user's line lists it (three phones).
    pub(super) quantity: u32,
}

/// Resolves configured entries to license ids, caching by text.
pub(super) struct Resolver<'c> {
    catalog: &'c Catalog,
    /// FxHash: the resolver hashes tens of thousands of short, trusted
    /// entry names; SipHash's flooding protection buys nothing there and
    /// costs a third of the allocation's time.
    cache: rustc_hash::FxHashMap<String, (LicenseId, Option<usize>)>,
}

impl<'c> Resolver<'c> {
    pub(super) fn new(catalog: &'c Catalog) -> Self {
        Resolver {
            catalog,
            cache: rustc_hash::FxHashMap::default(),
        }
    }

    pub(super) fn entry<'u>(&mut self, text: &'u str, user: &User) -> Result<Entry<'u>, Error> {
        if let Some(&(license, usage)) = self.cache.get(text) {
            return Ok(Entry {
                text,
                license,
                usage,
                quantity: 1,
            });
        }
        let bad = |message: String| Error::Users {
            line: user.line,
            message,
        };
        let (name, usage_name) = match text.split_once(':') {
            Some((name, usage)) => (name, Some(usage)),
            None => (text, None),
        };
        let license = self.catalog.resolve(name).map_err(bad)?;
        let def = self
            .catalog
            .licenses
            .get(license)
            .ok_or_else(|| bad(format!("unknown license {name:?}")))?;
        if def.kind == LicenseKind::System {
            return Err(bad(format!(
                "{name} is a system license, counted per installation; it is not configured per user"
            )));
        }
        let usage = match usage_name {
            Some(u) => Some(def.usages.iter().position(|x| x.name == u).ok_or_else(|| {
                let known: Vec<&str> = def.usages.iter().map(|x| x.name.as_str()).collect();
                bad(format!(
                    "{name} has no usage {u:?} (usages: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            })?),
            None => None,
        };
        self.cache.insert(text.to_string(), (license, usage));
        Ok(Entry {
            text,
            license,
            usage,
            quantity: 1,
        })
    }
}
