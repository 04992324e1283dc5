//! The pools licenses are taken from: the supply, less what each site's
//! contingent holds apart.

use crate::Warning;
use std::collections::HashMap;

use crate::catalog::{Catalog, LicenseId};
use crate::setup::Setup;
use crate::supply::Supply;

/// Where each license is drawn from: the shared pool of the license
/// (bucket = license id), or a site's contingent (buckets after them).
pub(super) struct Buckets<'s> {
    /// Licenses each bucket holds.
    pub(super) capacity: Vec<u64>,
    /// The license of each bucket.
    pub(super) license: Vec<LicenseId>,
    /// (site, license) to its contingent's bucket.
    pub(super) contingents: HashMap<(&'s str, LicenseId), usize>,
    /// Contingents cut to what is available.
    pub(super) warnings: Vec<Warning>,
}

impl<'s> Buckets<'s> {
    /// The shared pools hold what no site is assigned; contingents are
    /// honoured in site order as far as the licenses go, so that together
    /// they never exceed what is available.
    #[inline]
    pub(super) fn new(
        catalog: &Catalog,
        supply: &Supply,
        setup: &'s Setup,
        concurrent: &[Option<u64>],
    ) -> Buckets<'s> {
        let n = catalog.licenses.len();
        // A license with concurrent seats hands out only its named ones.
        let mut capacity: Vec<u64> = (0..n)
            .map(|l| match concurrent.get(l).copied().flatten() {
                Some(named) => named,
                None => supply.available.get(l).copied().unwrap_or(0),
            })
            .collect();
        let mut license: Vec<LicenseId> = (0..n).collect();
        let mut contingents = HashMap::new();
        let mut warnings = Vec::new();
        for (site, assigned) in &setup.contingents {
            for &(id, wanted) in assigned {
                let Some(left) = capacity.get_mut(id) else {
                    continue;
                };
                let given = wanted.min(*left);
                *left = left.saturating_sub(given);
                if given < wanted {
                    warnings.push(Warning::new("contingent_cut", format!(
                        "site {site}: contingent of {wanted} {} cut to {given}: no more are available",
                        catalog.display_name(id)
                    )));
                }
                contingents.insert((site.as_str(), id), capacity.len());
                capacity.push(given);
                license.push(id);
            }
        }
        Buckets {
            capacity,
            license,
            contingents,
            warnings,
        }
    }

    /// The bucket a user of `site` draws `license` from.
    #[inline(always)]
    pub(super) fn of(&self, site: &'s str, license: LicenseId) -> usize {
        if self.contingents.is_empty() {
            license
        } else {
            self.contingent(site, license)
        }
    }

    #[inline]
    pub(super) fn contingent(&self, site: &'s str, license: LicenseId) -> usize {
        self.contingents
            .get(&(site, license))
            .copied()
            .unwrap_or(license)
    }
}
