//! The page's words in English and German. The seed's German names of
//! the functions stay the words on the German page.

use entitle_lifecycle::{Role, ViewFunction};

/// The page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// German.
    De,
}

impl Lang {
    /// `en` or `de`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// From a code, a cookie or a switch.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    /// The browser's first language of the two, from Accept-Language.
    pub fn from_accept(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase())
            .find_map(|tag| Lang::from_code(tag.split('-').next().unwrap_or_default()))
            .unwrap_or(Lang::En)
    }

    /// The word `key`, in this language.
    pub fn word(self, key: &str) -> &'static str {
        let (en, de) = match key {
            "title" => ("Enterprise Portal", "Enterprise Portal"),
            "sign_in" => ("Sign in", "Anmelden"),
            "sign_out" => ("Sign out", "Abmelden"),
            "email" => ("E-mail address", "E-Mail-Adresse"),
            "password" => ("Password", "Passwort"),
            "views" => ("Views", "Views"),
            "licences" => ("Licences", "Lizenzen"),
            "serial" => ("Serial", "Seriennummer"),
            "product" => ("Product", "Produkt"),
            "seats" => ("Seats", "Plätze"),
            "status" => ("Status", "Status"),
            "term" => ("Term", "Laufzeit"),
            "service" => ("Update service until", "Update Service bis"),
            "activated" => ("Activated on", "Aktiviert auf"),
            "machines" => ("machine(s)", "Gerät(en)"),
            "perpetual" => ("perpetual", "unbefristet"),
            "all_builds" => ("every build", "alle Versionen"),
            "none" => (
                "No licences in this view.",
                "Keine Lizenzen in dieser View.",
            ),
            "active" => ("active", "aktiv"),
            "renewed" => ("renewed", "verlängert"),
            "expired" => ("expired", "abgelaufen"),
            "revoked" => ("destroyed", "vernichtet"),
            "refused" => ("not valid", "ungültig"),
            "request" => (
                "Activation request from the appliance",
                "Aktivierungsanfrage des Geräts",
            ),
            "receipt" => (
                "Deactivation receipt of the old machine (optional)",
                "Deaktivierungsbeleg des alten Geräts (optional)",
            ),
            "response" => (
                "The signed response: carry it to the appliance (text or QR code) and run entitle activate accept.",
                "Die signierte Antwort: zum Gerät bringen (Text oder QR-Code) und dort entitle activate accept ausführen.",
            ),
            "note" => (
                "What should the quote cover?",
                "Was soll das Angebot umfassen?",
            ),
            "quote_done" => (
                "Your request for a non-binding quote was sent to the vendor.",
                "Ihre Anfrage nach einem unverbindlichen Angebot wurde an den Hersteller gesendet.",
            ),
            "confirm_destroy" => (
                "Destroy these licence keys? They stop counting on every appliance that takes the revocation list. This cannot be undone.",
                "Diese Lizenzschlüssel vernichten? Sie zählen auf keinem Gerät mehr, das die Sperrliste übernimmt. Das lässt sich nicht rückgängig machen.",
            ),
            "destroyed" => (
                "The licence keys were destroyed. Give the appliance this revocation list:",
                "Die Lizenzschlüssel wurden vernichtet. Geben Sie dem Gerät diese Sperrliste:",
            ),
            "yes_destroy" => ("Yes, destroy them", "Ja, vernichten"),
            "cancel" => ("Cancel", "Abbrechen"),
            "back" => ("Back to the licences", "Zurück zu den Lizenzen"),
            "no_downloads" => (
                "No version here is covered by this licence's update service.",
                "Keine Version hier ist vom Update Service dieser Lizenz abgedeckt.",
            ),
            "version" => ("Version", "Version"),
            "file" => ("File", "Datei"),
            "refused_title" => ("Not done", "Nicht ausgeführt"),
            "list" => ("Revocation list", "Sperrliste"),
            "choose" => (
                "Tick the licences, then choose a function below.",
                "Lizenzen ankreuzen, dann unten eine Funktion wählen.",
            ),
            "wrong" => (
                "The e-mail address or the password is wrong.",
                "E-Mail-Adresse oder Passwort sind falsch.",
            ),
            "too_many" => (
                "Too many failed sign-ins: wait 15 minutes.",
                "Zu viele fehlgeschlagene Anmeldungen: bitte 15 Minuten warten.",
            ),
            "beside" => ("Beside the licence", "Zur Lizenz"),
            "extra_done" => (
                "Your free extra key, with its certificate: give both lines to the appliance with its licences.",
                "Ihr kostenfreier Zusatz-Lizenzschlüssel mit seinem Zertifikat: beide Zeilen dem Gerät mit seinen Lizenzen geben.",
            ),
            "renew" => ("Renew", "Verlängern"),
            "renewal" => ("Renewal", "Verlängerung"),
            "renewed_done" => (
                "Renewed; the customer's page offers this renewal for the appliance:",
                "Verlängert; die Seite des Kunden bietet diese Verlängerung für das Gerät an:",
            ),
            "renew_note" => (
                "New end of term (YYYY-MM-DD, or perpetual) and, optionally, of the update service.",
                "Neues Laufzeitende (JJJJ-MM-TT oder perpetual) und, wenn gewünscht, des Update Service.",
            ),
            "search" => ("Search", "Suchen"),
            "search_hint_view" => (
                "serial, product, edition or company id",
                "Seriennummer, Produkt, Edition oder Firmen-ID",
            ),
            "page" => ("Page", "Seite"),
            "counted" => ("licences", "Lizenzen"),
            "previous" => ("« previous", "« zurück"),
            "next" => ("next »", "weiter »"),
            "search_hint" => (
                "serial, product or company id",
                "Seriennummer, Produkt oder Firmen-ID",
            ),
            "quotes" => (
                "Requests for service quotes",
                "Anfragen nach Service-Angeboten",
            ),
            "vendor_view" => ("Vendor View", "Hersteller-View"),
            _ => ("?", "?"),
        };
        match self {
            Lang::En => en,
            Lang::De => de,
        }
    }

    /// A view's name (the seed's names, the same in both languages but
    /// for the word "View").
    pub fn view(self, view: Role) -> &'static str {
        match view {
            Role::Customer => "Customer",
            Role::SystemIntegrator => "System Integrator",
            Role::ServiceProvider => "Service Provider",
            Role::Reseller => "Reseller",
            Role::Distributor => "Distributor",
            Role::Partner => "Partner",
        }
    }

    /// A function's button: the seed's words on the German page.
    pub fn function(self, function: ViewFunction) -> &'static str {
        match (self, function) {
            (Lang::De, ViewFunction::Download) => "Software-Download",
            (Lang::De, ViewFunction::Activation) => "Software-Aktivierung",
            (Lang::De, ViewFunction::ServiceQuote) => {
                "Anforderung von unverbindlichen Service-Angeboten"
            }
            (Lang::De, ViewFunction::DestroyKeys) => "Vernichtung von Lizenzschlüsseln",
            (Lang::De, ViewFunction::ExtraKeys) => "Abruf kostenfreier Zusatz-Lizenzschlüssel",
            (Lang::En, ViewFunction::Download) => "Software download",
            (Lang::En, ViewFunction::Activation) => "Software activation",
            (Lang::En, ViewFunction::ServiceQuote) => "Request a non-binding service quote",
            (Lang::En, ViewFunction::DestroyKeys) => "Destroy licence keys",
            (Lang::En, ViewFunction::ExtraKeys) => "Obtain free extra licence keys",
        }
    }
}
