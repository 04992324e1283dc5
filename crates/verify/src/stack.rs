//! Stacking: licenses of the same product, edition, tenant and seat model
//! add up, never beyond the cap.
//!
//! Works on a slice of verified licenses without allocating: pools and their
//! members are found by scanning. That is quadratic in the number of
//! licenses, which for the tens or hundreds an installation holds costs far
//! less than verifying their signatures (see docs/performance.md).

use core::marker::PhantomData;

use crate::claims::{Claims, Kind, SeatModel, Serial};
use crate::error::Error;
use crate::verifier::{License, Validity};

/// A license that stacks: its claims, serial and the validity in force.
///
/// [`License`] is one; a life-cycle layer that applies renewals has its own
/// (whose validity is the renewal's). Stacking itself decides nothing about
/// trust: only verified licenses should be handed to [`pools`].
pub trait Member<'a> {
    /// The verified claims.
    fn claims(&self) -> &Claims<'a>;
    /// The serial number.
    fn serial(&self) -> Serial;
    /// The validity in force.
    fn validity(&self) -> Validity;
}

impl<'a> Member<'a> for License<'a> {
    fn claims(&self) -> &Claims<'a> {
        License::claims(self)
    }
    fn serial(&self) -> Serial {
        License::serial(self)
    }
    fn validity(&self) -> Validity {
        License::validity(self)
    }
}

/// The licenses of `licenses` grouped into pools, in order of first appearance.
pub fn pools<'l, 'a, M: Member<'a>>(licenses: &'l [M]) -> Pools<'l, 'a, M> {
    Pools {
        licenses,
        next: 0,
        claims: PhantomData,
    }
}

/// Iterator over the [`Pool`]s of a set of licenses; see [`pools`].
#[derive(Debug, Clone)]
pub struct Pools<'l, 'a, M = License<'a>> {
    licenses: &'l [M],
    next: usize,
    claims: PhantomData<Claims<'a>>,
}

impl<'l, 'a, M: Member<'a>> Iterator for Pools<'l, 'a, M> {
    type Item = Pool<'l, 'a, M>;

    fn next(&mut self) -> Option<Pool<'l, 'a, M>> {
        while let Some(head) = self.licenses.get(self.next) {
            let earlier = self.licenses.get(..self.next).unwrap_or_default();
            self.next = self.next.saturating_add(1);
            if !earlier.iter().any(|l| same_pool(l, head)) {
                return Some(Pool {
                    licenses: self.licenses,
                    head,
                    claims: PhantomData,
                });
            }
        }
        None
    }
}

fn same_pool<'a, M: Member<'a>>(a: &M, b: &M) -> bool {
    let (a, b) = (a.claims(), b.claims());
    a.product == b.product && a.edition == b.edition && a.tenant == b.tenant && a.model == b.model
}

/// The licenses of one product, edition, tenant and seat model, added up.
#[derive(Debug)]
pub struct Pool<'l, 'a, M = License<'a>> {
    licenses: &'l [M],
    head: &'l M,
    claims: PhantomData<Claims<'a>>,
}

impl<M> Clone for Pool<'_, '_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Pool<'_, '_, M> {}

impl<'l, 'a, M: Member<'a>> Pool<'l, 'a, M> {
    /// Product name.
    pub fn product(&self) -> &'a str {
        self.head.claims().product
    }

    /// Edition name.
    pub fn edition(&self) -> &'a str {
        self.head.claims().edition
    }

    /// Tenant, if the licenses are bound to one.
    pub fn tenant(&self) -> Option<&'a str> {
        self.head.claims().tenant
    }

    /// Seat model.
    pub fn model(&self) -> SeatModel {
        self.head.claims().model
    }

    /// Whether `license` belongs to this pool (same product, edition, tenant
    /// and seat model), whether or not its serial repeats another's.
    pub fn contains(&self, license: &M) -> bool {
        same_pool(license, self.head)
    }

    /// The licenses of this pool, each serial once, in input order.
    pub fn members(&self) -> impl Iterator<Item = &'l M> + use<'l, 'a, M> {
        let (licenses, head) = (self.licenses, self.head);
        licenses.iter().enumerate().filter_map(move |(i, license)| {
            let earlier = licenses.get(..i).unwrap_or_default();
            let duplicate = earlier
                .iter()
                .any(|e| e.serial() == license.serial() && same_pool(e, head));
            (same_pool(license, head) && !duplicate).then_some(license)
        })
    }

    /// One pass over the members: whether a base license is among them,
    /// the seats bought, and the smallest cap any of them declares. Every
    /// count below comes from here, so the members are walked once per
    /// question (and the walk is compiled once, not per question).
    fn sum(&self) -> Sum {
        let mut sum = Sum {
            has_base: false,
            bought: 0,
            cap: None,
        };
        for license in self.members() {
            let claims = license.claims();
            sum.has_base |= claims.kind == Kind::Base;
            sum.bought = sum.bought.saturating_add(u64::from(claims.seats));
            sum.cap = match (sum.cap, claims.cap) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        sum
    }

    /// Whether a base license is among the members; without one the
    /// add-ons count for nothing.
    pub fn has_base(&self) -> bool {
        self.sum().has_base
    }

    /// `Ok` when the pool is usable; [`Error::AddonWithoutBase`] when it
    /// holds only add-ons.
    pub fn check(&self) -> Result<(), Error> {
        if self.has_base() {
            Ok(())
        } else {
            Err(Error::AddonWithoutBase)
        }
    }

    /// Seats bought: the sum over all members.
    pub fn seats_bought(&self) -> u64 {
        self.sum().bought
    }

    /// The cap: the smallest cap any member declares.
    pub fn cap(&self) -> Option<u32> {
        self.cap_within(None)
    }

    /// The cap under an outside limit as well (a signed catalog's cap for
    /// the edition): the smallest of the members' caps and `limit`. This and
    /// [`Pool::seats_within`] are the one place a cap is applied.
    pub fn cap_within(&self, limit: Option<u32>) -> Option<u32> {
        self.sum().cap_within(limit)
    }

    /// Usable seats: `min(seats bought, cap)`, or 0 without a base license.
    pub fn seats(&self) -> u64 {
        self.seats_within(None)
    }

    /// Usable seats under an outside limit too; see [`Pool::cap_within`].
    pub fn seats_within(&self, limit: Option<u32>) -> u64 {
        self.sum().seats_within(limit)
    }

    /// Seats bought that the cap does not let anyone use.
    pub fn seats_over_cap(&self) -> u64 {
        self.seats_over_cap_within(None)
    }

    /// Seats bought that the cap, under an outside limit too, does not let
    /// anyone use.
    pub fn seats_over_cap_within(&self, limit: Option<u32>) -> u64 {
        let sum = self.sum();
        if !sum.has_base {
            return 0;
        }
        sum.bought.saturating_sub(sum.seats_within(limit))
    }

    /// The features of all members, each once, in order of first appearance.
    pub fn features(&self) -> impl Iterator<Item = &'a str> + use<'l, 'a, M> {
        let members = *self;
        self.members().enumerate().flat_map(move |(k, license)| {
            license.claims().features.iter().filter(move |feature| {
                !members
                    .members()
                    .take(k)
                    .any(|earlier| earlier.claims().features.contains(feature))
            })
        })
    }

    /// Whether any member grants `feature`.
    pub fn has_feature(&self, feature: &str) -> bool {
        self.members()
            .any(|l| l.claims().features.contains(feature))
    }

    /// When the pool's seat count next drops: the earliest expiry of its
    /// members; `None` when all are perpetual.
    pub fn expires_at(&self) -> Option<u64> {
        self.members().filter_map(|l| l.validity().expires_at).min()
    }

    /// The earliest end of update entitlement among the members.
    pub fn updates_until(&self) -> Option<u64> {
        self.members()
            .filter_map(|l| l.validity().updates_until)
            .min()
    }
}

/// What one walk over a pool's members finds; see `Pool::sum`.
#[derive(Debug, Clone, Copy)]
struct Sum {
    has_base: bool,
    bought: u64,
    cap: Option<u32>,
}

impl Sum {
    fn cap_within(self, limit: Option<u32>) -> Option<u32> {
        match (self.cap, limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn seats_within(self, limit: Option<u32>) -> u64 {
        if !self.has_base {
            return 0;
        }
        self.cap_within(limit)
            .map_or(self.bought, |cap| self.bought.min(u64::from(cap)))
    }
}
