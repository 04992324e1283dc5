//! The admin page's words, in English and German: the language the
//! browser prefers, unless the page's switch chose one (a cookie).

use axum::http::{HeaderMap, header};

/// The page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    De,
}

/// The cookie that keeps the language chosen with the switch.
pub(crate) const LANG_COOKIE: &str = "entitle_lang";

impl Lang {
    /// `chosen` (the switch, `?lang=`), else the cookie, else the first
    /// of the browser's languages that the page speaks, else English.
    pub(crate) fn of(headers: &HeaderMap, chosen: Option<&str>) -> Lang {
        if let Some(lang) = chosen.and_then(Lang::from_code) {
            return lang;
        }
        let cookie = super::cookie(headers, LANG_COOKIE).and_then(|value| Lang::from_code(&value));
        if let Some(lang) = cookie {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(',')
            .filter_map(|item| item.split(';').next())
            .find_map(|tag| Lang::from_code(tag.trim().get(..2).unwrap_or_default()))
            .unwrap_or(Lang::En)
    }

    fn from_code(code: &str) -> Option<Lang> {
        match code.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    /// `en` or `de`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// `word` in this language.
    pub(crate) fn t(self, word: Word) -> &'static str {
        let (en, de) = word.texts();
        match self {
            Lang::En => en,
            Lang::De => de,
        }
    }
}

/// Every fixed text of the page. Texts with `{…}` are filled in by the
/// caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Word {
    Title,
    SignIn,
    SignInLabel,
    SignInWrong,
    AccountRemoved,
    SignedInAs,
    SignOut,
    Refresh,
    Pools,
    Pool,
    SharedInUse,
    NamedAssigned,
    Agents,
    Servers,
    Of,
    Lapsed,
    ActiveSessions,
    NoSessions,
    EndSelected,
    Agent,
    Email,
    Seat,
    Since,
    Heartbeat,
    Lease,
    Shared,
    Named,
    NamedSeat,
    Yes,
    No,
    Assign,
    TakeBack,
    TakeBackNow,
    Revoke,
    RevokeNow,
    Search,
    SearchLabel,
    Page,
    Previous,
    Next,
    GrantAnAgent,
    AgentId,
    Name,
    Grant,
    Accounts,
    Account,
    Role,
    Remove,
    AddAccount,
    Administrator,
    Manager,
    AddRemoveUsers,
    ManageProducts,
    NoPermission,
    AccountsNote,
    AuditLog,
    Time,
    Event,
    By,
    Detail,
    Back,
    Cancel,
    NotDone,
    StoreUnreadable,
    NoSelection,
    EndQuestion,
    EndThem,
    RevokeQuestion,
    TakeBackQuestion,
    RegrantQuestion,
    GrantAgain,
    Granted,
    GrantedText,
    AccountAdded,
    AccountAddedText,
    MsgEnded,
    MsgAssigned,
    MsgUnassigned,
    MsgRevoked,
    MsgAccountRemoved,
}

impl Word {
    fn texts(self) -> (&'static str, &'static str) {
        use Word as W;
        match self {
            W::Title => ("Seat server", "Lizenzserver"),
            W::SignIn => ("Sign in", "Anmelden"),
            W::SignInLabel => (
                "Your credential (your account's, or the file admin.credential in the server's state directory)",
                "Ihr Zugangsschlüssel (der Ihres Kontos oder die Datei admin.credential im Zustandsverzeichnis des Servers)",
            ),
            W::SignInWrong => (
                "That is not the credential of an administrator or manager here.",
                "Das ist nicht der Zugangsschlüssel eines Administrators oder Managers hier.",
            ),
            W::AccountRemoved => (
                "The account you signed in with was removed.",
                "Das Konto, mit dem Sie angemeldet waren, wurde entfernt.",
            ),
            W::SignedInAs => ("Signed in as", "Angemeldet als"),
            W::SignOut => ("Sign out", "Abmelden"),
            W::Refresh => ("Refresh", "Aktualisieren"),
            W::Pools => ("Pools", "Lizenzpools"),
            W::Pool => ("pool", "Pool"),
            W::SharedInUse => ("shared seats in use", "gemeinsame Lizenzen belegt"),
            W::NamedAssigned => ("named seats assigned", "benannte Lizenzen zugewiesen"),
            W::Agents => ("Agents", "Techniker"),
            W::Servers => ("servers (shared, named)", "Server (gemeinsam, benannt)"),
            W::Of => ("of", "von"),
            W::Lapsed => ("lapsed", "abgelaufen"),
            W::ActiveSessions => ("Active sessions", "Aktive Sitzungen"),
            W::NoSessions => ("No active sessions.", "Keine aktiven Sitzungen."),
            W::EndSelected => ("End selected sessions…", "Ausgewählte Sitzungen beenden…"),
            W::Agent => ("agent", "Techniker"),
            W::Email => ("e-mail", "E-Mail"),
            W::Seat => ("seat", "Lizenz"),
            W::Since => ("since", "seit"),
            W::Heartbeat => ("last heartbeat", "letztes Lebenszeichen"),
            W::Lease => ("lease", "Lease"),
            W::Shared => ("shared", "gemeinsam"),
            W::Named => ("named", "benannt"),
            W::NamedSeat => ("named seat", "benannte Lizenz"),
            W::Yes => ("yes", "ja"),
            W::No => ("no", "nein"),
            W::Assign => ("Assign", "Zuweisen"),
            W::TakeBack => ("Take back…", "Entziehen…"),
            W::TakeBackNow => ("Take back", "Entziehen"),
            W::Revoke => ("Revoke…", "Zugriff entziehen…"),
            W::RevokeNow => ("Revoke", "Zugriff entziehen"),
            W::Search => ("Search", "Suchen"),
            W::SearchLabel => (
                "Agent id, name or e-mail",
                "Kennung, Name oder E-Mail des Technikers",
            ),
            W::Page => ("Page {page} of {pages}", "Seite {page} von {pages}"),
            W::Previous => ("Previous", "Zurück"),
            W::Next => ("Next", "Weiter"),
            W::GrantAnAgent => ("Grant an agent", "Techniker freischalten"),
            W::AgentId => ("Agent id", "Kennung"),
            W::Name => ("Name", "Name"),
            W::Grant => ("Grant", "Freischalten"),
            W::Accounts => ("Administrators and managers", "Administratoren und Manager"),
            W::Account => ("account", "Konto"),
            W::Role => ("role", "Rolle"),
            W::Remove => ("Remove", "Entfernen"),
            W::AddAccount => ("Add account", "Konto hinzufügen"),
            W::Administrator => ("administrator", "Administrator"),
            W::Manager => ("manager", "Manager"),
            W::AddRemoveUsers => ("add/remove users", "Benutzer hinzufügen/löschen"),
            W::ManageProducts => ("manage products", "Produkte verwalten"),
            W::NoPermission => ("no permission", "keine Berechtigung"),
            W::AccountsNote => (
                "A manager grants and revokes access only with both permissions; only administrators end sessions and manage accounts.",
                "Manager gewähren und entziehen den Zugriff nur mit beiden Berechtigungen; nur Administratoren beenden Sitzungen und verwalten Konten.",
            ),
            W::AuditLog => ("Audit log (newest first)", "Protokoll (neueste zuerst)"),
            W::Time => ("time", "Zeit"),
            W::Event => ("event", "Ereignis"),
            W::By => ("by", "durch"),
            W::Detail => ("detail", "Details"),
            W::Back => ("Back", "Zurück"),
            W::Cancel => ("Cancel", "Abbrechen"),
            W::NotDone => ("Not done", "Nicht ausgeführt"),
            W::StoreUnreadable => (
                "The store cannot be read now.",
                "Der Speicher kann gerade nicht gelesen werden.",
            ),
            W::NoSelection => ("No session was selected.", "Keine Sitzung ausgewählt."),
            W::EndQuestion => (
                "End {n} session(s)? Their agents lose their seats now.",
                "{n} Sitzung(en) beenden? Die Techniker verlieren ihre Lizenz sofort.",
            ),
            W::EndThem => ("End them", "Beenden"),
            W::RevokeQuestion => (
                "Revoke {agent}? Its credential stops working, and its sessions end now.",
                "{agent} den Zugriff entziehen? Der Zugangsschlüssel wird ungültig, die Sitzungen enden sofort.",
            ),
            W::TakeBackQuestion => (
                "Take {agent}'s named seat back? Its sessions on it end now.",
                "{agent} die benannte Lizenz entziehen? Die Sitzungen darauf enden sofort.",
            ),
            W::RegrantQuestion => (
                "{agent} is granted already ({name}, {email}). Granting it again replaces its name, e-mail address and credential; its running sessions keep their seats.",
                "{agent} ist bereits freigeschaltet ({name}, {email}). Erneutes Freischalten ersetzt Name, E-Mail-Adresse und Zugangsschlüssel; laufende Sitzungen behalten ihre Lizenz.",
            ),
            W::GrantAgain => ("Grant again", "Erneut freischalten"),
            W::Granted => ("Agent granted", "Techniker freigeschaltet"),
            W::GrantedText => (
                "{agent} may use the pool now. Give the agent app this credential; it is shown this once (the server keeps only its SHA-256):",
                "{agent} kann die Lizenzen jetzt nutzen. Geben Sie der Techniker-App diesen Zugangsschlüssel; er wird nur dieses eine Mal angezeigt (der Server speichert nur seinen SHA-256):",
            ),
            W::AccountAdded => ("Account added", "Konto hinzugefügt"),
            W::AccountAddedText => (
                "{agent} may sign in here now with this credential; it is shown this once (the server keeps only its SHA-256):",
                "{agent} kann sich jetzt mit diesem Zugangsschlüssel hier anmelden; er wird nur dieses eine Mal angezeigt (der Server speichert nur seinen SHA-256):",
            ),
            W::MsgEnded => ("{n} session(s) ended.", "{n} Sitzung(en) beendet."),
            W::MsgAssigned => (
                "{agent} holds a named seat now.",
                "{agent} hat jetzt eine benannte Lizenz.",
            ),
            W::MsgUnassigned => (
                "{agent}'s named seat was taken back.",
                "{agent} wurde die benannte Lizenz entzogen.",
            ),
            W::MsgRevoked => (
                "{agent}'s access was revoked.",
                "{agent} wurde der Zugriff entzogen.",
            ),
            W::MsgAccountRemoved => (
                "Account {agent} was removed.",
                "Konto {agent} wurde entfernt.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_language_is_chosen_then_kept_then_the_browsers() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::of(&headers, None), Lang::En);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("de-DE,de;q=0.9,en;q=0.8"),
        );
        assert_eq!(Lang::of(&headers, None), Lang::De);
        assert_eq!(Lang::of(&headers, Some("en")), Lang::En);
        headers.insert(header::COOKIE, HeaderValue::from_static("entitle_lang=en"));
        assert_eq!(Lang::of(&headers, None), Lang::En);
        assert_eq!(Lang::De.t(Word::SignIn), "Anmelden");
    }
}
