//! From the TOML as written to the checked [`Catalog`], rule by rule:
//! every error names its line and the rule (docs/catalog.md, "What
//! `catalog check` refuses").

use entitle_verify::names::is_valid_name;
use toml::Spanned;

use super::raw::{RawCatalog, RawEdition, RawLicense, RawProduct};
use super::{
    BASE_ROLES, Catalog, Edition, LicenseId, LicenseKind, LicenseType, Product, Unit, UnitId,
    Usage, line_of,
};
use crate::error::Error;
use crate::supply::included_by;

pub(super) struct Compiler<'t> {
    text: &'t str,
}

impl Compiler<'_> {
    pub(super) fn new(text: &str) -> Compiler<'_> {
        Compiler { text }
    }

    fn error<T>(
        &self,
        span: std::ops::Range<usize>,
        path: &str,
        message: impl Into<String>,
    ) -> Result<T, Error> {
        Err(Error::Catalog {
            line: line_of(self.text, span.start),
            path: path.to_string(),
            message: message.into(),
        })
    }

    fn name(&self, name: &Spanned<String>, path: &str, what: &str) -> Result<String, Error> {
        if is_valid_name(name.get_ref()) {
            Ok(name.get_ref().clone())
        } else {
            self.error(
                name.span(),
                path,
                format!(
                    "{what} {:?} is not a valid name: 1 to 32 characters of a-z 0-9 . _ -, \
                     starting with a letter or digit",
                    name.get_ref()
                ),
            )
        }
    }

    pub(super) fn compile(&self, raw: RawCatalog) -> Result<Catalog, Error> {
        if *raw.version.get_ref() != 1 {
            return self.error(
                raw.version.span(),
                "version",
                format!(
                    "catalog version {} is not supported; this entitle reads version 1",
                    raw.version.get_ref()
                ),
            );
        }
        if raw.products.is_empty() {
            return self.error(0..0, "products", "the catalog declares no product");
        }
        let mut catalog = Catalog {
            products: Vec::new(),
            licenses: Vec::new(),
            units: Vec::new(),
            order: Vec::new(),
        };
        // First the names, so that references can point anywhere.
        for (p, (product_name, product)) in raw.products.iter().enumerate() {
            let path = format!("products.{}", product_name.get_ref());
            let name = self.name(product_name, &path, "product")?;
            let mut roles = Vec::new();
            for role in &product.roles {
                let role_name = self.name(role, &format!("{path}.roles"), "role")?;
                if BASE_ROLES.contains(&role_name.as_str()) || roles.contains(&role_name) {
                    return self.error(
                        role.span(),
                        &format!("{path}.roles"),
                        format!("role {role_name:?} is declared twice"),
                    );
                }
                roles.push(role_name);
            }
            let max_users = match &product.max_users {
                Some(max) if *max.get_ref() == 0 => {
                    return self.error(
                        max.span(),
                        &format!("{path}.max_users"),
                        "must be at least 1",
                    );
                }
                max => max.as_ref().map(|m| *m.get_ref()),
            };
            catalog.products.push(Product {
                name,
                roles,
                editions: Vec::new(),
                exclusive: Vec::new(),
                max_users,
            });
            for (license_name, license) in &product.licenses {
                let lpath = format!("{path}.licenses.{}", license_name.get_ref());
                let kind = license
                    .kind
                    .as_ref()
                    .map_or(LicenseKind::User, |k| *k.get_ref());
                let name = self.name(license_name, &lpath, "license")?;
                catalog.licenses.push(LicenseType::new(p, name, kind));
                for unit in license.units.keys() {
                    let unit_name = self.name(unit, &format!("{lpath}.units"), "unit")?;
                    if !catalog
                        .units
                        .iter()
                        .any(|u| u.product == p && u.name == unit_name)
                    {
                        catalog.units.push(Unit {
                            product: p,
                            name: unit_name,
                        });
                    }
                }
            }
        }
        for (p, (product_name, product)) in raw.products.iter().enumerate() {
            let path = format!("products.{}", product_name.get_ref());
            for (license_name, raw_license) in &product.licenses {
                self.license(
                    &mut catalog,
                    p,
                    &format!("{path}.licenses.{}", license_name.get_ref()),
                    license_name,
                    raw_license,
                )?;
            }
            for (edition_name, raw_edition) in &product.editions {
                let edition = self.edition(
                    &catalog,
                    p,
                    &format!("{path}.editions.{}", edition_name.get_ref()),
                    edition_name,
                    raw_edition,
                )?;
                if let Some(product) = catalog.products.get_mut(p) {
                    product.editions.push(edition);
                }
            }
            self.fallbacks(&mut catalog, p, &path, product)?;
            self.exclusive(&mut catalog, p, &path, product)?;
        }
        catalog.order = self.order(&catalog, &raw)?;
        Ok(catalog)
    }

    /// `exclusive = [editions]`: at least two declared editions, each once.
    fn exclusive(
        &self,
        catalog: &mut Catalog,
        p: usize,
        path: &str,
        raw: &RawProduct,
    ) -> Result<(), Error> {
        let path = format!("{path}.exclusive");
        let mut editions: Vec<String> = Vec::new();
        for name in &raw.exclusive {
            let known = catalog
                .products
                .get(p)
                .is_some_and(|product| product.editions.iter().any(|e| &e.name == name.get_ref()));
            if !known {
                return self.error(
                    name.span(),
                    &path,
                    format!("unknown edition {:?}", name.get_ref()),
                );
            }
            if editions.contains(name.get_ref()) {
                return self.error(
                    name.span(),
                    &path,
                    format!("edition {:?} is listed twice", name.get_ref()),
                );
            }
            editions.push(name.get_ref().clone());
        }
        if editions.len() == 1 {
            if let Some(name) = raw.exclusive.first() {
                return self.error(
                    name.span(),
                    &path,
                    "list at least two editions, of which one is in use at a time",
                );
            }
        }
        if let Some(product) = catalog.products.get_mut(p) {
            product.exclusive = editions;
        }
        Ok(())
    }

    fn reference(
        &self,
        catalog: &Catalog,
        product: usize,
        name: &Spanned<String>,
        path: &str,
    ) -> Result<LicenseId, Error> {
        match catalog.license(product, name.get_ref()) {
            Some(id) => Ok(id),
            None => self.error(
                name.span(),
                path,
                format!("unknown license {:?}", name.get_ref()),
            ),
        }
    }

    fn unit(
        &self,
        catalog: &Catalog,
        product: usize,
        name: &Spanned<String>,
        path: &str,
    ) -> Result<UnitId, Error> {
        match catalog
            .units
            .iter()
            .position(|u| u.product == product && &u.name == name.get_ref())
        {
            Some(id) => Ok(id),
            None => self.error(
                name.span(),
                path,
                format!(
                    "no system license of this product provides unit {:?}",
                    name.get_ref()
                ),
            ),
        }
    }

    fn license(
        &self,
        catalog: &mut Catalog,
        p: usize,
        path: &str,
        name: &Spanned<String>,
        raw: &RawLicense,
    ) -> Result<(), Error> {
        let Some(id) = catalog.license(p, name.get_ref()) else {
            return self.error(name.span(), path, "internal: license vanished");
        };
        let kind = catalog
            .licenses
            .get(id)
            .map_or(LicenseKind::User, |l| l.kind);
        let span = name.span();

        // Rules a kind has no use for are refused, never accepted and
        // ignored.
        if let (Some(first), LicenseKind::Company) = (raw.includes.first(), kind) {
            return self.error(
                first.span(),
                &format!("{path}.includes"),
                "a company license has no seat count, so nothing to include",
            );
        }
        if let (Some(first), LicenseKind::System) = (raw.roles.first(), kind) {
            return self.error(
                first.span(),
                &format!("{path}.roles"),
                "a system license is counted per installation, not held by users: it has no roles",
            );
        }
        let mut requires = Vec::new();
        for r in &raw.requires {
            let target = self.reference(catalog, p, r, &format!("{path}.requires"))?;
            if target == id {
                return self.error(
                    r.span(),
                    &format!("{path}.requires"),
                    "a license cannot require itself",
                );
            }
            let target_kind = catalog.licenses.get(target).map(|l| l.kind);
            if kind == LicenseKind::System && target_kind != Some(LicenseKind::System) {
                return self.error(
                    r.span(),
                    &format!("{path}.requires"),
                    "a system license can only require system licenses",
                );
            }
            if matches!(target_kind, Some(LicenseKind::Free | LicenseKind::Team)) {
                return self.error(
                    r.span(),
                    &format!("{path}.requires"),
                    "free and team licenses cannot be required",
                );
            }
            requires.push(target);
        }
        let mut includes = Vec::new();
        for i in &raw.includes {
            let target = self.reference(catalog, p, i, &format!("{path}.includes"))?;
            if target == id {
                return self.error(
                    i.span(),
                    &format!("{path}.includes"),
                    "a license cannot include itself",
                );
            }
            if catalog.licenses.get(target).map(|l| l.kind) != Some(kind)
                || kind != LicenseKind::User
            {
                return self.error(
                    i.span(),
                    &format!("{path}.includes"),
                    "only a user license can include another, and only a user license",
                );
            }
            includes.push(target);
        }
        if !raw.units.is_empty() && kind != LicenseKind::System {
            return self.error(
                span,
                &format!("{path}.units"),
                "only system licenses provide units",
            );
        }
        let mut units = Vec::new();
        for (unit, count) in &raw.units {
            if *count.get_ref() == 0 {
                return self.error(
                    count.span(),
                    &format!("{path}.units"),
                    "a license provides at least 1 unit",
                );
            }
            units.push((
                self.unit(catalog, p, unit, &format!("{path}.units"))?,
                *count.get_ref(),
            ));
        }
        let mut requires_units = Vec::new();
        for (unit, count) in &raw.requires_units {
            if matches!(kind, LicenseKind::Free | LicenseKind::Team) {
                return self.error(
                    unit.span(),
                    &format!("{path}.requires_units"),
                    "free and team licenses cannot require units",
                );
            }
            requires_units.push((
                self.unit(catalog, p, unit, &format!("{path}.requires_units"))?,
                *count.get_ref(),
            ));
        }
        let mut roles = Vec::new();
        for role in &raw.roles {
            if !catalog.knows_role(p, role.get_ref()) {
                return self.error(
                    role.span(),
                    &format!("{path}.roles"),
                    format!(
                        "unknown role {:?}; declare it in the product's roles",
                        role.get_ref()
                    ),
                );
            }
            roles.push(role.get_ref().clone());
        }
        let team_gate = match (&raw.team_gate, kind) {
            (Some(gate), LicenseKind::Team) => {
                let target = self.reference(catalog, p, gate, &format!("{path}.team_gate"))?;
                if catalog.licenses.get(target).map(|l| l.kind) != Some(LicenseKind::User) {
                    return self.error(
                        gate.span(),
                        &format!("{path}.team_gate"),
                        "the gate must be a user license",
                    );
                }
                Some(target)
            }
            (Some(gate), _) => {
                return self.error(
                    gate.span(),
                    &format!("{path}.team_gate"),
                    "only team licenses have a team gate",
                );
            }
            (None, LicenseKind::Team) => {
                return self.error(
                    span,
                    path,
                    "a team license needs team_gate: the license every team member must hold",
                );
            }
            (None, _) => None,
        };
        let mut usages = Vec::new();
        for (usage_name, usage) in &raw.usages {
            let upath = format!("{path}.usages.{}", usage_name.get_ref());
            let mut usage_requires = Vec::new();
            for r in &usage.requires {
                let target = self.reference(catalog, p, r, &format!("{upath}.requires"))?;
                if catalog.licenses.get(target).map(|l| l.kind) != Some(LicenseKind::User) {
                    return self.error(
                        r.span(),
                        &format!("{upath}.requires"),
                        "a usage requires user licenses the same user holds; \
                         put system licenses in the license's own requires",
                    );
                }
                usage_requires.push(target);
            }
            usages.push(Usage {
                name: self.name(usage_name, &upath, "usage")?,
                requires: usage_requires,
            });
        }
        if kind != LicenseKind::User && !usages.is_empty() {
            return self.error(
                span,
                &format!("{path}.usages"),
                "only user licenses have usages",
            );
        }
        let warn_above = match (&raw.warn_above, kind) {
            (Some(n), LicenseKind::Free) => Some(*n.get_ref()),
            (Some(n), _) => {
                return self.error(
                    n.span(),
                    &format!("{path}.warn_above"),
                    "only free licenses have warn_above: the others are counted",
                );
            }
            (None, _) => None,
        };
        let mut requires_facilities = Vec::new();
        for facility in &raw.requires_facilities {
            let fpath = format!("{path}.requires_facilities");
            if matches!(kind, LicenseKind::System | LicenseKind::Free) {
                return self.error(
                    facility.span(),
                    &fpath,
                    "only user, team and company licenses require facilities",
                );
            }
            requires_facilities.push(self.name(facility, &fpath, "facility")?);
        }
        let mut requires_company = Vec::new();
        for r in &raw.requires_company {
            let cpath = format!("{path}.requires_company");
            let target = self.reference(catalog, p, r, &cpath)?;
            if matches!(kind, LicenseKind::System | LicenseKind::Free) {
                return self.error(
                    r.span(),
                    &cpath,
                    "only user, team and company licenses wait for another user's license",
                );
            }
            if target == id
                || !matches!(
                    catalog.licenses.get(target).map(|l| l.kind),
                    Some(LicenseKind::User | LicenseKind::Free | LicenseKind::Company)
                )
            {
                return self.error(
                    r.span(),
                    &cpath,
                    "requires_company names another license held by users (user, free or company)",
                );
            }
            requires_company.push(target);
        }
        if let Some(license) = catalog.licenses.get_mut(id) {
            license.requires_company = requires_company;
            license.warn_above = warn_above;
            license.requires_facilities = requires_facilities;
            license.requires = requires;
            license.includes = includes;
            license.units = units;
            license.requires_units = requires_units;
            license.roles = roles;
            license.team_gate = team_gate;
            license.usages = usages;
        }
        Ok(())
    }

    fn edition(
        &self,
        catalog: &Catalog,
        p: usize,
        path: &str,
        name: &Spanned<String>,
        raw: &RawEdition,
    ) -> Result<Edition, Error> {
        let edition_name = self.name(name, path, "edition")?;
        let license = match &raw.license {
            Some(license) => self.reference(catalog, p, license, &format!("{path}.license"))?,
            None => match catalog.license(p, &edition_name) {
                Some(id) => id,
                None => {
                    return self.error(
                        name.span(),
                        path,
                        format!("edition {edition_name:?} names no license type: add license = \"...\" (the license its seats count as)"),
                    );
                }
            },
        };
        if !matches!(
            catalog.licenses.get(license).map(|l| l.kind),
            Some(LicenseKind::User | LicenseKind::System | LicenseKind::Company)
        ) {
            return self.error(
                name.span(),
                &format!("{path}.license"),
                "an edition's seats count as a user, system or company license",
            );
        }
        let positive = |value: &Option<Spanned<u32>>, field: &str| -> Result<Option<u32>, Error> {
            match value {
                Some(v) if *v.get_ref() == 0 => {
                    self.error(v.span(), &format!("{path}.{field}"), "must be at least 1")
                }
                Some(v) => Ok(Some(*v.get_ref())),
                None => Ok(None),
            }
        };
        let included = positive(&raw.included, "included")?;
        let cap = positive(&raw.cap, "cap")?;
        if let (Some(included), Some(cap), Some(span)) =
            (included, cap, raw.included.as_ref().map(Spanned::span))
        {
            if included > cap {
                return self.error(
                    span,
                    &format!("{path}.included"),
                    format!("{included} included seats exceed the cap of {cap}"),
                );
            }
        }
        let addons = raw.addons.as_ref().is_none_or(|a| *a.get_ref());
        let packs = match &raw.packs {
            Some(packs) => {
                let ppath = format!("{path}.packs");
                if !addons {
                    return self.error(
                        packs.span(),
                        &ppath,
                        "an edition without add-ons has no packs",
                    );
                }
                if packs.get_ref().is_empty() || packs.get_ref().contains(&0) {
                    return self.error(packs.span(), &ppath, "packs are seat counts of at least 1");
                }
                if let Some(cap) = cap {
                    if let Some(big) = packs.get_ref().iter().find(|&&n| n > cap) {
                        return self.error(
                            packs.span(),
                            &ppath,
                            format!("a pack of {big} exceeds the cap of {cap}"),
                        );
                    }
                }
                Some(packs.get_ref().clone())
            }
            None => None,
        };
        let mut features: Vec<String> = Vec::new();
        for feature in &raw.features {
            let feature_name = self.name(feature, &format!("{path}.features"), "feature")?;
            if features.contains(&feature_name) {
                return self.error(
                    feature.span(),
                    &format!("{path}.features"),
                    format!("feature {feature_name:?} is listed twice"),
                );
            }
            features.push(feature_name);
        }
        let fallback_at = match &raw.fallback_at {
            Some(at) => {
                if raw.fallback.is_none() {
                    return self.error(
                        at.span(),
                        &format!("{path}.fallback_at"),
                        "fallback_at needs a fallback edition",
                    );
                }
                Some(self.date(at, &format!("{path}.fallback_at"))?)
            }
            None => None,
        };
        Ok(Edition {
            name: edition_name,
            license,
            included,
            cap,
            packs,
            addons,
            migratable: raw.migratable.unwrap_or(true),
            updates: raw.updates.unwrap_or(true),
            features,
            tenant: raw.tenant.unwrap_or_default(),
            fallback: None, // resolved once all editions are known
            fallback_at,
            withdrawn_at: match &raw.withdrawn {
                Some(at) => Some(self.date(at, &format!("{path}.withdrawn"))?),
                None => None,
            },
        })
    }

    fn date(&self, at: &Spanned<toml::value::Datetime>, path: &str) -> Result<u64, Error> {
        let datetime = at.get_ref();
        match (datetime.date, datetime.time, datetime.offset) {
            (Some(date), None, None) => {
                let seconds = jiff::civil::Date::new(
                    i16::try_from(date.year).unwrap_or(i16::MAX),
                    i8::try_from(date.month).unwrap_or(0),
                    i8::try_from(date.day).unwrap_or(0),
                )
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
                .map(|z| z.timestamp().as_second());
                match seconds.ok().and_then(|s| u64::try_from(s).ok()) {
                    Some(seconds) => Ok(seconds),
                    None => self.error(at.span(), path, "dates before 1970 are not supported"),
                }
            }
            _ => self.error(
                at.span(),
                path,
                "write a plain date, e.g. 2020-01-01 (00:00 UTC)",
            ),
        }
    }

    fn fallbacks(
        &self,
        catalog: &mut Catalog,
        p: usize,
        path: &str,
        raw: &RawProduct,
    ) -> Result<(), Error> {
        for (edition_name, raw_edition) in &raw.editions {
            let Some(fallback) = &raw_edition.fallback else {
                continue;
            };
            let fpath = format!("{path}.editions.{}.fallback", edition_name.get_ref());
            let editions = catalog
                .products
                .get(p)
                .map(|pr| pr.editions.as_slice())
                .unwrap_or_default();
            let Some(target) = editions.iter().position(|e| &e.name == fallback.get_ref()) else {
                return self.error(
                    fallback.span(),
                    &fpath,
                    format!("unknown edition {:?}", fallback.get_ref()),
                );
            };
            let Some(own) = editions
                .iter()
                .position(|e| &e.name == edition_name.get_ref())
            else {
                continue;
            };
            if target == own {
                return self.error(
                    fallback.span(),
                    &fpath,
                    "an edition cannot fall back to itself",
                );
            }
            if let Some(edition) = catalog
                .products
                .get_mut(p)
                .and_then(|pr| pr.editions.get_mut(own))
            {
                edition.fallback = Some(target);
            }
        }
        // A fallback chain must end.
        let editions = catalog
            .products
            .get(p)
            .map(|pr| pr.editions.clone())
            .unwrap_or_default();
        for (start, edition) in editions.iter().enumerate() {
            let mut at = edition.fallback;
            for _ in 0..editions.len() {
                match at {
                    Some(next) if next == start => {
                        return self.error(
                            0..0,
                            &format!("{path}.editions.{}.fallback", edition.name),
                            "fallback editions form a cycle",
                        );
                    }
                    Some(next) => at = editions.get(next).and_then(|e| e.fallback),
                    None => break,
                }
            }
        }
        Ok(())
    }

    /// The allocation order (docs/allocation.md): a license after what it
    /// requires beyond what it includes, its usages' prerequisites and its
    /// team gate, and before the licenses it includes (an Office Plus is
    /// settled before plain Office, so that a plain-Office user never takes
    /// the Office base an Office Plus user needs). A topological order, or
    /// an error naming a cycle.
    fn order(&self, catalog: &Catalog, raw: &RawCatalog) -> Result<Vec<LicenseId>, Error> {
        let n = catalog.licenses.len();
        let included: Vec<Vec<LicenseId>> = (0..n).map(|id| included_by(catalog, id)).collect();
        let mut before: Vec<Vec<LicenseId>> = vec![Vec::new(); n];
        for (id, l) in catalog.licenses.iter().enumerate() {
            let own = included.get(id).map(Vec::as_slice).unwrap_or_default();
            let deps = before.get_mut(id);
            if let Some(deps) = deps {
                deps.extend(l.requires.iter().filter(|r| !own.contains(r)));
                deps.extend(l.usages.iter().flat_map(|u| u.requires.iter().copied()));
                deps.extend(l.team_gate);
                deps.extend(l.requires_company.iter().copied());
            }
            for &inc in own {
                if let Some(deps) = before.get_mut(inc) {
                    deps.push(id);
                }
            }
        }
        let deps = |id: LicenseId| before.get(id).map(Vec::as_slice).unwrap_or_default();
        let mut order = Vec::with_capacity(n);
        let mut placed = vec![false; n];
        while order.len() < n {
            let before = order.len();
            for id in 0..n {
                let ready = deps(id)
                    .iter()
                    .all(|&d| placed.get(d).copied().unwrap_or(false));
                if !placed.get(id).copied().unwrap_or(true) && ready {
                    order.push(id);
                    if let Some(slot) = placed.get_mut(id) {
                        *slot = true;
                    }
                }
            }
            if order.len() == before {
                // Every license left waits for another one left: walking
                // from one to what it waits for must come round.
                let unplaced = |id: &LicenseId| !placed.get(*id).copied().unwrap_or(true);
                let mut walk: Vec<LicenseId> = (0..n).filter(unplaced).take(1).collect();
                while let Some(next) = walk
                    .last()
                    .and_then(|&at| deps(at).iter().copied().find(unplaced))
                {
                    if let Some(start) = walk.iter().position(|&w| w == next) {
                        walk.drain(..start);
                        break;
                    }
                    walk.push(next);
                }
                walk.sort_unstable();
                let stuck: Vec<String> = walk
                    .iter()
                    .filter_map(|&id| catalog.licenses.get(id).map(|l| l.name.clone()))
                    .collect();
                let line = raw
                    .products
                    .values()
                    .flat_map(|p| p.licenses.keys())
                    .find(|k| stuck.contains(k.get_ref()))
                    .map_or(0..0, Spanned::span);
                return self.error(
                    line,
                    "licenses",
                    format!(
                        "requires/includes form a cycle among {} (a license is settled before \
                         those it includes and after those it requires)",
                        stuck.join(", ")
                    ),
                );
            }
        }
        Ok(order)
    }
}
