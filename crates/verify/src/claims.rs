//! What a token says: the claims, borrowed from the token's bytes.

use core::fmt;

/// How seats are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SeatModel {
    /// Each seat belongs to one user, configured or not logged in.
    Named,
    /// A pool of seats shared by a larger group; a seat is taken while in use.
    Concurrent,
}

/// Whether a token stands alone or adds to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A base license: the server license, with its included seats.
    Base,
    /// An add-on (seat pack) that counts only beside a valid base.
    Addon,
}

impl SeatModel {
    /// The name used in the CLI and JSON: `named` or `concurrent`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SeatModel::Named => "named",
            SeatModel::Concurrent => "concurrent",
        }
    }
}

impl Kind {
    /// The name used in the CLI and JSON: `base` or `addon`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Base => "base",
            Kind::Addon => "addon",
        }
    }
}

impl fmt::Display for SeatModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The random serial number of a token (64 bits). Two tokens with the same
/// serial are the same license: stacking counts them once.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(pub [u8; 8]);

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::hex::Hex(&self.0).fmt(f)
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({self})")
    }
}

/// The feature names of a token, in the order the issuer gave them.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Features<'a>(pub(crate) &'a str);

impl<'a> Features<'a> {
    /// The features, one name at a time.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.0.split(',').filter(|name| !name.is_empty())
    }

    /// Whether the token grants `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|f| f == name)
    }

    /// Whether the token grants no feature.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of features.
    pub fn len(&self) -> usize {
        self.iter().count()
    }
}

impl fmt::Debug for Features<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The claims of a token. All times are Unix seconds (UTC).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims<'a> {
    /// Product name, e.g. `starface`.
    pub product: &'a str,
    /// Edition name, e.g. `compact`.
    pub edition: &'a str,
    /// Seats this token grants (at least 1).
    pub seats: u32,
    /// Named or concurrent seats.
    pub model: SeatModel,
    /// Most seats of this product and edition a tenant may use, however many
    /// tokens are stacked.
    pub cap: Option<u32>,
    /// Base license or add-on.
    pub kind: Kind,
    /// When the token was issued.
    pub issued_at: u64,
    /// Start of validity.
    pub not_before: u64,
    /// End of validity (exclusive); `None` for a perpetual license.
    pub expires_at: Option<u64>,
    /// Newest software build date the license covers; `None` for all builds.
    pub updates_until: Option<u64>,
    /// Customer company id the license is bound to.
    pub tenant: Option<&'a str>,
    /// Feature names.
    pub features: Features<'a>,
}
