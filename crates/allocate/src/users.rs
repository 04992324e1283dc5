//! The users of an installation and the licenses configured for them, read
//! from CSV: `id,site,group,team,role,licenses` (roles and licenses
//! separated by `;`).

use std::collections::HashMap;

use crate::error::Error;

/// One configured user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Unique id; the allocation serves users in ascending id order.
    pub id: String,
    /// Site (location).
    pub site: String,
    /// Configuration group.
    pub group: String,
    /// Team, empty for none.
    pub team: String,
    /// `member`, `leader`, or roles the catalog declares; several separated
    /// by `;` (an Architekt who also uses pcvisit: `architekt;pcvisit`).
    /// [`User::roles`] lists them.
    pub role: String,
    /// Configured licenses as written: `name`, `product/name`, with an
    /// optional `:usage` (`voicemail:mobile`), each once.
    pub licenses: Vec<String>,
    /// How many times each of `licenses` was listed (three phones).
    pub quantities: Vec<u32>,
    /// The line of the file it came from (1 is the header), for messages.
    pub line: usize,
}

impl User {
    /// The user's roles: one or more, as users.csv lists them (`;` between).
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.role
            .split(';')
            .map(str::trim)
            .filter(|r| !r.is_empty())
    }

    /// Whether the user holds `role`. Asked for every license of every
    /// user: one role (the common case) is compared whole, without
    /// splitting.
    pub fn has_role(&self, role: &str) -> bool {
        if self.role.len() == role.len() {
            // A list of several roles is longer than any one of them.
            return self.role == role;
        }
        self.role.as_bytes().contains(&b';') && self.roles().any(|r| r == role)
    }
}

/// The columns, in the order the header names them.
pub const COLUMNS: [&str; 6] = ["id", "site", "group", "team", "role", "licenses"];

/// Parses users CSV. Refuses a missing or unknown column, a line with too
/// many or too few fields, an empty id, site, group or role, and an id used
/// twice, naming the line.
pub fn parse_users(text: &str) -> Result<Vec<User>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header_error = |message: String| Error::Users { line: 1, message };
    let headers = reader
        .headers()
        .map_err(|e| header_error(e.to_string()))?
        .clone();
    let mut index = [0usize; 6];
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        *slot = headers.iter().position(|h| h == column).ok_or_else(|| {
            header_error(format!(
                "the header has no column {column:?}; it must name {}",
                COLUMNS.join(",")
            ))
        })?;
    }
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(h)) {
        return Err(header_error(format!(
            "unknown column {unknown:?}; the columns are {}",
            COLUMNS.join(",")
        )));
    }

    let mut users: Vec<User> = Vec::new();
    let mut lines_by_id: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::Users {
            line: e
                .position()
                .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0)),
            message: csv_message(&e),
        })?;
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        let field = |i: usize| {
            record
                .get(index.get(i).copied().unwrap_or(0))
                .unwrap_or_default()
        };
        let bad = |message: String| Error::Users { line, message };
        let [id, site, group, team, role, licenses] = [0, 1, 2, 3, 4, 5].map(field);
        for (name, value) in [("id", id), ("site", site), ("group", group), ("role", role)] {
            if value.is_empty() {
                return Err(bad(format!("the {name} is empty")));
            }
        }
        // A license listed twice (two phones) is configured once, and
        // counted.
        let mut list: Vec<String> = Vec::new();
        let mut quantities: Vec<u32> = Vec::new();
        for entry in licenses.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            match list.iter().position(|e| e == entry) {
                Some(at) => {
                    if let Some(q) = quantities.get_mut(at) {
                        *q = q.saturating_add(1);
                    }
                }
                None => {
                    list.push(entry.to_string());
                    quantities.push(1);
                }
            }
        }
        if let Some(first) = lines_by_id.insert(id.to_string(), line) {
            return Err(bad(format!(
                "user id {id:?} is used on line {first} already"
            )));
        }
        users.push(User {
            id: id.to_string(),
            site: site.to_string(),
            group: group.to_string(),
            team: team.to_string(),
            role: role.to_string(),
            licenses: list,
            quantities,
            line,
        });
    }
    Ok(users)
}

fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} fields, expected {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => error.to_string(),
    }
}
