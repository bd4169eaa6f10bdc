//! Which web pages may open a socket or call the API: the defence against
//! cross-site WebSocket hijacking.
//!
//! Browsers attach `Origin` to every WebSocket handshake and cross-site request, and a
//! page cannot forge it. WebSockets are not covered by CORS, so without this check any
//! site a player visits could open a socket in their name. Mini-programs and native
//! clients send no `Origin`; they are let through here and still need a valid token,
//! which a foreign page cannot read.

/// The `ALLOWED_ORIGINS` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginPolicy {
    /// Unset: only pages served by this Worker itself (same origin).
    SameOrigin,
    /// `*`: any page (for local experiments only).
    Any,
    /// A comma-separated list of origins, e.g. `https://arena.example.com`; the
    /// Worker's own origin is always allowed too.
    List(Vec<String>),
}

impl OriginPolicy {
    pub fn parse(var: Option<&str>) -> OriginPolicy {
        let var = var.map(str::trim).unwrap_or("");
        if var.is_empty() {
            return OriginPolicy::SameOrigin;
        }
        if var == "*" {
            return OriginPolicy::Any;
        }
        OriginPolicy::List(
            var.split(',')
                .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|o| !o.is_empty())
                .collect(),
        )
    }

    /// May a request with this `Origin` header reach a Worker serving `own_origin`
    /// (`scheme://host[:port]` of the request URL)?
    pub fn allows(&self, origin: Option<&str>, own_origin: &str) -> bool {
        let Some(origin) = origin else {
            return true; // not a browser page; the token decides
        };
        let origin = origin.trim().to_ascii_lowercase();
        if origin == own_origin.to_ascii_lowercase() {
            return true;
        }
        match self {
            OriginPolicy::SameOrigin => false,
            OriginPolicy::Any => true,
            OriginPolicy::List(list) => list.contains(&origin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "https://arena.example.com";

    #[test]
    fn same_origin_by_default() {
        let policy = OriginPolicy::parse(None);
        assert!(policy.allows(Some(OWN), OWN));
        assert!(policy.allows(Some("HTTPS://Arena.Example.com"), OWN));
        assert!(!policy.allows(Some("https://evil.example"), OWN));
        assert!(!policy.allows(Some("null"), OWN));
        assert!(
            !policy.allows(Some("http://arena.example.com"), OWN),
            "scheme matters"
        );
        assert!(policy.allows(None, OWN), "mini-programs send no Origin");
    }

    #[test]
    fn a_list_adds_origins() {
        let policy = OriginPolicy::parse(Some(" https://game.example.cn/ , http://localhost:5173"));
        assert!(policy.allows(Some("https://game.example.cn"), OWN));
        assert!(policy.allows(Some("http://localhost:5173"), OWN));
        assert!(policy.allows(Some(OWN), OWN));
        assert!(!policy.allows(Some("https://game.example.cn.evil.example"), OWN));
        assert!(!policy.allows(Some("http://localhost:5174"), OWN));
    }

    #[test]
    fn star_allows_any() {
        assert!(OriginPolicy::parse(Some("*")).allows(Some("https://anything.example"), OWN));
    }
}
