//! What a vendor orders: one licence's request, from `issue`'s flags or a
//! row of `issue --batch` (CSV or JSON lines), and how it becomes a
//! checked [`LicenseSpec`]. Both paths go through [`Request::to_spec`].

use std::collections::BTreeMap;
use std::path::Path;

use entitle_allocate::Catalog;
use entitle_issue::{LicenseSpec, check_order_id};
use entitle_verify::{Kind, SeatModel};
use serde::{Deserialize, Serialize};

use crate::cli::{KindArg, ModelArg};
use crate::error::CliError;
use crate::input::parse_date;

/// The columns of a batch, named like `issue`'s flags.
pub const COLUMNS: [&str; 14] = [
    "order",
    "product",
    "edition",
    "kind",
    "seats",
    "cap",
    "model",
    "tenant",
    "not_before",
    "expires",
    "updates_until",
    "features",
    "reseller",
    "distributor",
];

/// Most seats (or cap) a token may grant unless a catalog's edition caps
/// higher: beyond it, a count is a typo, never a sale.
const MOST_SEATS_UNCHECKED: u64 = 100_000;

/// One licence as ordered, before the catalog fills anything in. Two
/// requests are the same order content exactly when they are equal; the
/// issuance ledger keeps the first one of each order id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Product name.
    pub product: String,
    /// Edition or license type.
    pub edition: String,
    /// Base license or add-on.
    pub kind: KindArg,
    /// Seats; `None`: the catalog's included seats.
    pub seats: Option<u32>,
    /// Cap; `None`: the catalog's, or none.
    pub cap: Option<u32>,
    /// Named or concurrent seats.
    pub model: ModelArg,
    /// Customer company id.
    pub tenant: Option<String>,
    /// Start of validity, Unix seconds; `None`: the time of issue.
    pub not_before: Option<u64>,
    /// End of term, Unix seconds; `None`: perpetual.
    pub expires: Option<u64>,
    /// Newest build date covered; `None`: the catalog's rule, or all.
    pub updates_until: Option<u64>,
    /// Features, in byte order.
    pub features: Vec<String>,
    /// The company id of the reseller that sold it (for the portal's
    /// Reseller view); not in the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reseller: Option<String>,
    /// The company id of the distributor that sold it to the reseller
    /// (the portal's Distributor view); not in the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distributor: Option<String>,
}

impl Request {
    /// The spec to sign at `now`: checked against the catalog when there is
    /// one (which fills in included seats, cap, features and update
    /// window), and against the unchecked seat limit otherwise.
    pub fn to_spec(&self, catalog: Option<&Catalog>, now: u64) -> Result<LicenseSpec, CliError> {
        let mut spec = LicenseSpec::new(&self.product, &self.edition, self.seats.unwrap_or(0));
        spec.model = match self.model {
            ModelArg::Named => SeatModel::Named,
            ModelArg::Concurrent => SeatModel::Concurrent,
        };
        spec.kind = match self.kind {
            KindArg::Base => Kind::Base,
            KindArg::Addon => Kind::Addon,
        };
        spec.cap = self.cap;
        spec.tenant.clone_from(&self.tenant);
        spec.features.clone_from(&self.features);
        spec.not_before = self.not_before;
        spec.expires_at = self.expires;
        spec.updates_until = self.updates_until;
        spec.issued_at = Some(now);
        let mut most = MOST_SEATS_UNCHECKED;
        if let Some(catalog) = catalog {
            entitle_issue::prepare_spec(catalog, &mut spec, now)
                .map_err(|e| CliError::input(format!("the catalog forbids it: {e}")))?;
            if let Some(cap) = catalog
                .edition(&spec.product, &spec.edition)
                .and_then(|(_, e)| e.cap)
            {
                most = u64::from(cap);
            }
        }
        for (flag, count) in [("seats", Some(spec.seats)), ("cap", spec.cap)] {
            if let Some(count) = count.filter(|&n| u64::from(n) > most) {
                return Err(CliError::input(format!(
                    "{flag} {count}: more than {most} is refused without a catalog whose edition caps higher",
                )));
            }
        }
        spec.validate(now)?;
        Ok(spec)
    }
}

/// A row of a batch: where it is, its order id and its request.
#[derive(Debug, Clone)]
pub struct Row {
    /// Its line in the file (1-based; a CSV header is line 1).
    pub line: u64,
    /// The order id.
    pub order: String,
    /// What it orders.
    pub request: Request,
}

/// Reads a batch file: JSON lines when it ends in `.jsonl`/`.ndjson` or
/// starts with `{`, CSV with a header line otherwise.
pub fn read_rows(path: &Path, text: &str) -> Result<Vec<Row>, CliError> {
    let json = path
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "ndjson")
        || text.trim_start().starts_with('{');
    let rows = if json {
        json_rows(text)
    } else {
        csv_rows(text)
    };
    let rows = rows.map_err(|(line, why)| match line {
        Some(line) => CliError::input(format!("{} line {line}: {why}", path.display())),
        None => CliError::input(format!("{}: {why}", path.display())),
    })?;
    if rows.is_empty() {
        return Err(CliError::input(format!(
            "{}: no orders in it",
            path.display()
        )));
    }
    Ok(rows)
}

type RowError = (Option<u64>, String);

fn csv_rows(text: &str) -> Result<Vec<Row>, RowError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| (Some(1), e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    check_columns(headers.iter().map(String::as_str)).map_err(|why| (Some(1), why))?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(csv::Position::line);
            (line, csv_message(&e))
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cells: BTreeMap<&str, &str> = headers
            .iter()
            .map(String::as_str)
            .zip(record.iter())
            .filter(|(_, v)| !v.is_empty())
            .collect();
        rows.push(row(line, &cells).map_err(|why| (Some(line), why))?);
    }
    Ok(rows)
}

fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} cells, the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => error.to_string(),
    }
}

fn json_rows(text: &str) -> Result<Vec<Row>, RowError> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = u64::try_from(n).unwrap_or(u64::MAX).saturating_add(1);
        if line.trim().is_empty() {
            continue;
        }
        let fail = |why: String| (Some(line_no), why);
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| fail(format!("not JSON: {e}")))?;
        let Some(object) = value.as_object() else {
            return Err(fail("not a JSON object".into()));
        };
        check_columns(object.keys().map(String::as_str)).map_err(fail)?;
        let mut owned = BTreeMap::new();
        for (key, value) in object {
            let text = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) if s.trim().is_empty() => continue,
                serde_json::Value::String(s) => s.trim().to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Array(items) if key == "features" => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| fail("features: a list of strings".into()))?
                    .join(";"),
                _ => return Err(fail(format!("{key}: a string or a number"))),
            };
            owned.insert(key.as_str(), text);
        }
        let cells: BTreeMap<&str, &str> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        rows.push(row(line_no, &cells).map_err(fail)?);
    }
    Ok(rows)
}

/// Every column must be one of [`COLUMNS`], once; `order` must be there.
fn check_columns<'a>(columns: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut seen = Vec::new();
    for column in columns {
        if !COLUMNS.contains(&column) {
            return Err(format!(
                "unknown column {column:?}; the columns are {}",
                COLUMNS.join(",")
            ));
        }
        if seen.contains(&column) {
            return Err(format!("column {column:?} is given twice"));
        }
        seen.push(column);
    }
    if !seen.contains(&"order") {
        return Err("no \"order\" column: every licence needs its order id".into());
    }
    Ok(())
}

/// One row from its non-empty cells.
fn row(line: u64, cells: &BTreeMap<&str, &str>) -> Result<Row, String> {
    let get = |column: &str| cells.get(column).copied();
    let required = |column: &str| get(column).ok_or_else(|| format!("{column}: missing"));
    let number = |column: &str| -> Result<Option<u32>, String> {
        get(column)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("{column}: {v:?} is not a whole number"))
            })
            .transpose()
    };
    let date = |column: &str| -> Result<Option<u64>, String> {
        get(column)
            .map(|v| parse_date(v).map_err(|e| format!("{column}: {e}")))
            .transpose()
    };
    let order = required("order")?.to_string();
    check_order_id(&order).map_err(|e| e.to_string())?;
    // A tenant names a file (`issue --batch --out-dir`): one character set,
    // checked here for every row, new or repeated; so are the companies
    // that sold it.
    for column in ["tenant", "reseller", "distributor"] {
        if let Some(id) = get(column).filter(|t| !entitle_verify::names::is_valid_tenant(t)) {
            return Err(format!(
                "{column}: {id:?} is not a company id (1 to 64 of A-Z a-z 0-9 . _ - :, starting with a letter or digit)"
            ));
        }
    }
    let kind = match get("kind") {
        None | Some("base") => KindArg::Base,
        Some("addon") => KindArg::Addon,
        Some(other) => return Err(format!("kind: {other:?} is not base or addon")),
    };
    let model = match get("model") {
        None | Some("named") => ModelArg::Named,
        Some("concurrent") => ModelArg::Concurrent,
        Some(other) => return Err(format!("model: {other:?} is not named or concurrent")),
    };
    let expires = match required("expires").map_err(|_| {
        "expires: missing; give a date or \"perpetual\" (a licence's term is never guessed)"
            .to_string()
    })? {
        "perpetual" => None,
        _ => date("expires")?,
    };
    let mut features: Vec<String> = get("features")
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    features.sort_unstable();
    Ok(Row {
        line,
        order,
        request: Request {
            product: required("product")?.to_string(),
            edition: required("edition")?.to_string(),
            kind,
            seats: number("seats")?,
            cap: number("cap")?,
            model,
            tenant: get("tenant").map(str::to_string),
            not_before: date("not_before")?,
            expires,
            updates_until: date("updates_until")?,
            features,
            reseller: get("reseller").map(str::to_string),
            distributor: get("distributor").map(str::to_string),
        },
    })
}
