//! Who holds what, as the allocation goes: per user and license, held or
//! denied (and why), and what each pool has given out.

use super::Denial;
use super::pools::Buckets;
use crate::catalog::LicenseId;

/// The allocation's working state: licenses in use, and what each user
/// (by position in id order) holds or was denied.
pub(super) struct Ledger {
    pub(super) used: Vec<u64>,
    pub(super) licenses: usize,
    pub(super) held: Vec<bool>,
    /// By cell (`user * licenses + license`): 1 + the index in `denials`,
    /// or 0 when not denied.
    pub(super) denied: Vec<u32>,
    pub(super) denials: Vec<Denial>,
}

/// One user's row of the [`Ledger`].
pub(super) struct Held<'l> {
    pub(super) held: &'l [bool],
    pub(super) denied: &'l [u32],
    pub(super) denials: &'l [Denial],
    pub(super) used: &'l [u64],
}

impl Held<'_> {
    #[inline]
    pub(super) fn holds(&self, license: LicenseId) -> bool {
        self.held.get(license).copied().unwrap_or(false)
    }

    #[inline]
    pub(super) fn was_denied(&self, license: LicenseId) -> bool {
        self.denied.get(license).is_some_and(|&d| d > 0)
    }

    #[inline]
    pub(super) fn denial(&self, license: LicenseId) -> Option<Denial> {
        let index = self.denied.get(license)?.checked_sub(1)?;
        self.denials.get(usize::try_from(index).ok()?).cloned()
    }

    #[inline]
    pub(super) fn used(&self, bucket: usize) -> u64 {
        self.used.get(bucket).copied().unwrap_or(0)
    }
}

impl Ledger {
    #[inline]
    pub(super) fn new(users: usize, licenses: usize, buckets: usize) -> Ledger {
        let cells = users.saturating_mul(licenses);
        Ledger {
            used: vec![0; buckets],
            licenses,
            held: vec![false; cells],
            denied: vec![0; cells],
            denials: Vec::new(),
        }
    }

    #[inline]
    pub(super) fn cell(&self, user: usize, license: LicenseId) -> usize {
        user.saturating_mul(self.licenses).saturating_add(license)
    }

    #[inline]
    pub(super) fn of(&self, user: usize) -> Held<'_> {
        let row = self.cell(user, 0)..self.cell(user, self.licenses);
        Held {
            held: self.held.get(row.clone()).unwrap_or_default(),
            denied: self.denied.get(row).unwrap_or_default(),
            denials: &self.denials,
            used: &self.used,
        }
    }

    #[inline]
    pub(super) fn holds(&self, user: usize, license: LicenseId) -> bool {
        self.held
            .get(self.cell(user, license))
            .copied()
            .unwrap_or(false)
    }

    #[inline]
    pub(super) fn hold(&mut self, user: usize, license: LicenseId) {
        let cell = self.cell(user, license);
        if let Some(slot) = self.held.get_mut(cell) {
            *slot = true;
        }
    }

    /// Consumes `license` and each license it includes that the user does
    /// not hold yet, from the buckets of the user's `site`.
    #[inline]
    pub(super) fn take(
        &mut self,
        user: usize,
        license: LicenseId,
        includes: &[LicenseId],
        site: &str,
        buckets: &Buckets,
    ) {
        for &taken in std::iter::once(&license).chain(includes) {
            if taken != license && self.holds(user, taken) {
                continue;
            }
            if let Some(count) = self.used.get_mut(buckets.of(site, taken)) {
                *count = count.saturating_add(1);
            }
            self.hold(user, taken);
        }
    }

    #[inline]
    pub(super) fn deny(&mut self, user: usize, license: LicenseId, denial: Denial) {
        let cell = self.cell(user, license);
        self.denials.push(denial);
        let index = u32::try_from(self.denials.len()).unwrap_or(u32::MAX);
        if let Some(slot) = self.denied.get_mut(cell) {
            *slot = index;
        }
    }
}
