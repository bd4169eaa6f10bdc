//! Which web pages may open a socket or call the API: the defence against
//! cross-site WebSocket hijacking.
//!
//! Browsers attach `Origin` to every WebSocket handshake and cross-site request, and a
//! page cannot forge it. WebSockets are not covered by CORS, so without this check any
//! site a player visits could open a socket in their name. A browser page's `Origin`
//! is always one serialised origin (`scheme://host[:port]`) or `null`; anything else
//! in the header was put there by something that is not a browser page, and is judged
//! as such.
//!
//! # What real WeChat clients send
//!
//! Mini-programs are not web pages, but their sockets and requests do carry an
//! `Origin` on some devices and base libraries. Each value below was reported by people
//! who logged real handshakes; each is allowed while `ALLOW_WECHAT_ORIGINS` is on (the
//! default), because no browser page can claim it:
//!
//! - `weapp://wechat-game-runtime`: iOS mini-games' sockets
//!   (wechat-miniprogram/minigame-unity-webgl-transform issue #703, in Tencent's own
//!   organisation, whose maintainer says every mini-game sends it now; and the juejin.cn
//!   write-up 7502486668894601231). More generally any scheme that is not a web scheme
//!   ([`WEB_SCHEMES`]) or a browser extension's ([`EXTENSION_SCHEMES`]): a page can only
//!   ever present `http(s)` or `null`.
//! - `https://servicewechat.com`: WeChat's own domain, the one in every mini-program
//!   request's `Referer` (`https://servicewechat.com/{appid}/{version}/page-frame.html`,
//!   WeChat's network docs). No third-party page is served from it.
//! - The server's own `https://` origin: Android mini-games (the same juejin write-up).
//!   Allowed anyway, as the same origin.
//! - Comma-joined values such as `http://host,undefined` from `wx.connectSocket`
//!   (saya-ch/dsh-mobile PR #34). A browser never joins origins, so the value is judged
//!   part by part: every part must be allowed by itself, and the literal `undefined`
//!   (JavaScript's text for a missing value) names no origin and is skipped.
//!
//! Still refused: foreign `http(s)` origins, `null` (sandboxed frames, `data:` and
//! `file:` pages: an opaque origin any site can make), extension origins, and anything
//! malformed. Which player plays is decided by the session token, never by `Origin`.

/// Schemes of the pages a browser serves. An origin with one of these is a web page,
/// and only the server's own origin or a listed one may connect from it.
pub const WEB_SCHEMES: [&str; 2] = ["http", "https"];
/// Schemes of browser extensions' own pages (Chrome, Firefox, Safari, old Edge). Not
/// web pages, but not WeChat either: refused unless listed.
pub const EXTENSION_SCHEMES: [&str; 4] = [
    "chrome-extension",
    "moz-extension",
    "safari-web-extension",
    "ms-browser-extension",
];
/// WeChat's own web origin (see the module notes).
pub const WECHAT_ORIGIN: &str = "https://servicewechat.com";

/// Which web pages besides the Worker's own may connect (`ALLOWED_ORIGINS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedPages {
    /// Unset: only pages served by this Worker itself (same origin).
    SameOrigin,
    /// `*`: any page (for local experiments only).
    Any,
    /// A comma-separated list of origins, e.g. `https://arena.example.com`; the
    /// Worker's own origin is always allowed too.
    List(Vec<String>),
}

/// The `ALLOWED_ORIGINS` and `ALLOW_WECHAT_ORIGINS` settings together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPolicy {
    pub pages: AllowedPages,
    /// Let through the origins real WeChat clients send (module notes). On unless
    /// `ALLOW_WECHAT_ORIGINS` is `0`.
    pub wechat_clients: bool,
}

/// What the check made of an `Origin` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No header, or only `undefined` parts: not a browser page; the token decides.
    NoOrigin,
    /// A web page this service serves or lists: CORS answers may name it.
    Page,
    /// A WeChat client (module notes): allowed, but not a page, so no CORS answer.
    WechatClient,
    /// Refused, and why (for the operator's log).
    Refused(Refusal),
}

/// Why an `Origin` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A web page on a site that is neither this one nor listed.
    ForeignPage,
    /// `null`: an opaque origin (sandboxed frame, `data:` or `file:` page).
    Opaque,
    /// Not `scheme://host[:port]`.
    Malformed,
    /// A browser extension's page.
    Extension,
    /// A WeChat client's origin while `ALLOW_WECHAT_ORIGINS` is `0`.
    WechatOff,
}

impl Refusal {
    /// For the log line an operator sees.
    pub fn describe(self) -> &'static str {
        match self {
            Refusal::ForeignPage => "a web page on a site not in ALLOWED_ORIGINS",
            Refusal::Opaque => "an opaque origin (null)",
            Refusal::Malformed => "not scheme://host[:port]",
            Refusal::Extension => "a browser extension",
            Refusal::WechatOff => "a WeChat client, but ALLOW_WECHAT_ORIGINS is 0",
        }
    }
}

impl Verdict {
    pub fn allowed(self) -> bool {
        !matches!(self, Verdict::Refused(_))
    }
}

impl OriginPolicy {
    /// From the two vars as set (missing ones take their defaults).
    pub fn parse(allowed_origins: Option<&str>, allow_wechat: Option<&str>) -> OriginPolicy {
        let var = allowed_origins.map(str::trim).unwrap_or("");
        let pages = if var.is_empty() {
            AllowedPages::SameOrigin
        } else if var == "*" {
            AllowedPages::Any
        } else {
            AllowedPages::List(
                var.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                    .filter(|o| !o.is_empty())
                    .collect(),
            )
        };
        OriginPolicy {
            pages,
            wechat_clients: allow_wechat.map(str::trim) != Some("0"),
        }
    }

    /// May a request with this `Origin` header reach a Worker serving `own_origin`
    /// (`scheme://host[:port]` of the request URL)?
    pub fn allows(&self, origin: Option<&str>, own_origin: &str) -> bool {
        self.judge(origin, own_origin).allowed()
    }

    /// The full verdict on an `Origin` header (see the module notes).
    pub fn judge(&self, origin: Option<&str>, own_origin: &str) -> Verdict {
        let Some(header) = origin else {
            return Verdict::NoOrigin;
        };
        if self.pages == AllowedPages::Any {
            return Verdict::Page; // "*": anything goes, for local experiments
        }
        let own = own_origin.to_ascii_lowercase();
        if !header.contains(',') {
            return self.judge_one(&header.trim().to_ascii_lowercase(), &own);
        }
        // Joined by a non-browser client: every part must pass by itself.
        let mut verdict = Verdict::NoOrigin;
        for part in header.split(',').map(|p| p.trim().to_ascii_lowercase()) {
            if part == "undefined" {
                continue;
            }
            match self.judge_one(&part, &own) {
                refused @ Verdict::Refused(_) => return refused,
                Verdict::NoOrigin => {}
                // A joined value is never a browser page's, so never a CORS answer.
                _ => verdict = Verdict::WechatClient,
            }
        }
        // Only WeChat joins origins: with its clients switched off, so is this form.
        match self.wechat_clients {
            true => verdict,
            false => Verdict::Refused(Refusal::WechatOff),
        }
    }

    /// One origin, lowercased and trimmed.
    fn judge_one(&self, origin: &str, own: &str) -> Verdict {
        if origin == "undefined" {
            return match self.wechat_clients {
                true => Verdict::NoOrigin,
                false => Verdict::Refused(Refusal::WechatOff),
            };
        }
        if origin == "null" {
            return Verdict::Refused(Refusal::Opaque);
        }
        let Some(scheme) = scheme_of(origin) else {
            return Verdict::Refused(Refusal::Malformed);
        };
        if origin == own {
            return Verdict::Page;
        }
        if let AllowedPages::List(list) = &self.pages {
            if list.iter().any(|o| o == origin) {
                return Verdict::Page;
            }
        }
        let wechat = origin == WECHAT_ORIGIN
            || !(WEB_SCHEMES.contains(&scheme) || EXTENSION_SCHEMES.contains(&scheme));
        match (wechat, self.wechat_clients) {
            (true, true) => Verdict::WechatClient,
            (true, false) => Verdict::Refused(Refusal::WechatOff),
            (false, _) if EXTENSION_SCHEMES.contains(&scheme) => {
                Verdict::Refused(Refusal::Extension)
            }
            (false, _) => Verdict::Refused(Refusal::ForeignPage),
        }
    }
}

/// The scheme of a well-formed origin `scheme://host[:port]` (lowercase), or `None`.
/// The host is letters, digits, `.`, `-` and `_` (or a bracketed IPv6 address); no
/// path, query, user or trailing slash: a browser never sends those in `Origin`.
fn scheme_of(origin: &str) -> Option<&str> {
    let (scheme, rest) = origin.split_once("://")?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_lowercase())
        && scheme
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
    let (host_ok, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let (addr, after) = v6.split_once(']')?;
            let ok = !addr.is_empty() && addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
            (
                ok,
                after
                    .strip_prefix(':')
                    .or(Some(after).filter(|a| !a.is_empty())),
            )
        }
        None => {
            let (host, port) = match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            };
            let ok = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_');
            (ok, port)
        }
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (scheme_ok && host_ok && port_ok).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "https://arena.example.com";

    fn default_policy() -> OriginPolicy {
        OriginPolicy::parse(None, None)
    }

    /// Every class of `Origin`, with where the value comes from, and what the default
    /// policy (same origin, WeChat clients on) and WeChat-off make of it.
    #[test]
    fn the_table() {
        use Refusal::*;
        use Verdict::*;
        #[rustfmt::skip]
        let cases: &[(&str, Option<&str>, Verdict, Verdict)] = &[
            // (what, Origin header, default, ALLOW_WECHAT_ORIGINS=0)
            ("no header: mini-program base libraries, native apps", None, NoOrigin, NoOrigin),
            ("our own page", Some(OWN), Page, Page),
            ("our own page, case differs", Some("HTTPS://Arena.Example.com"), Page, Page),
            ("Android mini-game: the server's own https origin (juejin write-up)", Some(OWN), Page, Page),
            ("iOS mini-game (minigame-unity-webgl-transform #703)", Some("weapp://wechat-game-runtime"), WechatClient, Refused(WechatOff)),
            ("another non-web scheme", Some("file://wechat"), WechatClient, Refused(WechatOff)),
            ("WeChat's own domain (the Referer's)", Some("https://servicewechat.com"), WechatClient, Refused(WechatOff)),
            ("wx.connectSocket, comma-joined (dsh-mobile PR #34)", Some("https://arena.example.com,undefined"), WechatClient, Refused(WechatOff)),
            ("comma-joined with a WeChat origin", Some("weapp://wechat-game-runtime, undefined"), WechatClient, Refused(WechatOff)),
            ("only undefined", Some("undefined"), NoOrigin, Refused(WechatOff)),
            ("a foreign page", Some("https://evil.example"), Refused(ForeignPage), Refused(ForeignPage)),
            ("a foreign page over http", Some("http://evil.example"), Refused(ForeignPage), Refused(ForeignPage)),
            ("our host, other scheme", Some("http://arena.example.com"), Refused(ForeignPage), Refused(ForeignPage)),
            ("a look-alike of WeChat's domain", Some("https://servicewechat.com.evil.example"), Refused(ForeignPage), Refused(ForeignPage)),
            ("WeChat's domain over http", Some("http://servicewechat.com"), Refused(ForeignPage), Refused(ForeignPage)),
            ("an opaque origin", Some("null"), Refused(Opaque), Refused(Opaque)),
            ("a foreign page joined with undefined", Some("http://evil.example,undefined"), Refused(ForeignPage), Refused(ForeignPage)),
            ("our page joined with a foreign one", Some("https://arena.example.com,https://evil.example"), Refused(ForeignPage), Refused(ForeignPage)),
            ("null joined with undefined", Some("null,undefined"), Refused(Opaque), Refused(Opaque)),
            ("an extension", Some("chrome-extension://abcdef"), Refused(Extension), Refused(Extension)),
            ("empty", Some(""), Refused(Malformed), Refused(Malformed)),
            ("a path", Some("https://arena.example.com/"), Refused(Malformed), Refused(Malformed)),
            ("no scheme", Some("arena.example.com"), Refused(Malformed), Refused(Malformed)),
            ("user info", Some("https://a@arena.example.com"), Refused(Malformed), Refused(Malformed)),
            ("a bad port", Some("https://arena.example.com:x"), Refused(Malformed), Refused(Malformed)),
            ("an empty part", Some("https://arena.example.com,"), Refused(Malformed), Refused(Malformed)),
            ("a word", Some("wechat"), Refused(Malformed), Refused(Malformed)),
        ];
        let on = default_policy();
        let off = OriginPolicy::parse(None, Some("0"));
        for (what, header, want_on, want_off) in cases {
            assert_eq!(on.judge(*header, OWN), *want_on, "{what}: {header:?}");
            assert_eq!(
                off.judge(*header, OWN),
                *want_off,
                "{what}, WeChat off: {header:?}"
            );
        }
    }

    #[test]
    fn wechat_clients_are_on_unless_switched_off() {
        assert!(OriginPolicy::parse(None, None).wechat_clients);
        assert!(OriginPolicy::parse(None, Some("1")).wechat_clients);
        assert!(OriginPolicy::parse(None, Some("")).wechat_clients);
        assert!(!OriginPolicy::parse(None, Some(" 0 ")).wechat_clients);
    }

    #[test]
    fn a_list_adds_origins() {
        let policy = OriginPolicy::parse(
            Some(" https://game.example.cn/ , http://localhost:5173"),
            None,
        );
        assert!(policy.allows(Some("https://game.example.cn"), OWN));
        assert!(policy.allows(Some("http://localhost:5173"), OWN));
        assert!(policy.allows(Some(OWN), OWN));
        assert!(!policy.allows(Some("https://game.example.cn.evil.example"), OWN));
        assert!(!policy.allows(Some("http://localhost:5174"), OWN));
        assert_eq!(
            policy.judge(Some("http://localhost:5173,undefined"), OWN),
            Verdict::WechatClient,
            "a listed part passes, but a joined value never gets a CORS answer"
        );
        // An operator may list an extension deliberately.
        let listed = OriginPolicy::parse(Some("chrome-extension://abcdef"), None);
        assert!(listed.allows(Some("chrome-extension://abcdef"), OWN));
    }

    #[test]
    fn star_allows_any() {
        let any = OriginPolicy::parse(Some("*"), None);
        assert!(any.allows(Some("https://anything.example"), OWN));
        assert!(any.allows(Some("null"), OWN));
    }

    #[test]
    fn well_formed_origins() {
        assert_eq!(scheme_of("http://127.0.0.1:8787"), Some("http"));
        assert_eq!(scheme_of("https://[::1]:8787"), Some("https"));
        assert_eq!(scheme_of("weapp://wechat-game-runtime"), Some("weapp"));
        assert_eq!(scheme_of("https://[::1"), None);
        assert_eq!(scheme_of("https://[]"), None);
        assert_eq!(scheme_of("https://host:123456"), None);
        assert_eq!(scheme_of("1http://host"), None);
        assert_eq!(scheme_of("https://host?x"), None);
        assert_eq!(scheme_of("https://"), None);
    }
}
