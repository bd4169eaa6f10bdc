//! Web addresses: the parts of a request's URL the Worker reads (origin, path, query
//! parameters) and the query strings it writes onto its own internal URLs.
//!
//! Why not the `url` crate (which `worker::Request::url` returns): every URL the Worker
//! sees has already been parsed and serialised by the runtime (WHATWG form: scheme and
//! host lower-case, default port dropped, the path starting at the first `/` after the
//! host, `?` and `#` percent-encoded inside it), so splitting that text is enough, and
//! the full parser with its host and IDNA handling was about 45 KB of the wasm (issue
//! 19's size target). Query values are read as `application/x-www-form-urlencoded`, the
//! same decoding `url::Url::query_pairs` applies, so the wire behaviour is unchanged.

use std::borrow::Cow;

/// A URL split into its parts, borrowed from the serialised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address<'a> {
    /// `scheme://host[:port]`, without user info.
    origin: &'a str,
    /// From the first `/` after the host up to `?` or `#`; `/` when empty.
    path: &'a str,
    /// After `?`, up to `#`; empty when there is none.
    query: &'a str,
}

impl<'a> Address<'a> {
    /// Splits `url`. A text with no `scheme://` is read as a path (with its query).
    pub fn parse(url: &'a str) -> Address<'a> {
        let url = url.split_once('#').map_or(url, |(before, _)| before);
        let scheme_end = url.find("://").filter(|&i| {
            i > 0
                && url[..i]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        });
        let (origin, rest) = match scheme_end {
            Some(i) => {
                let after = i + 3;
                let end = url[after..]
                    .find(['/', '?'])
                    .map_or(url.len(), |j| after + j);
                (&url[..end], &url[end..])
            }
            None => ("", url),
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        Address {
            origin,
            path: if path.is_empty() { "/" } else { path },
            query,
        }
    }

    /// The path, still percent-encoded as it came.
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The origin as a browser writes it in its `Origin` header: scheme and host in
    /// lower case, no user info, no default port (80 for http, 443 for https).
    pub fn origin(&self) -> String {
        let Some((scheme, authority)) = self.origin.split_once("://") else {
            return String::new();
        };
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" | "ws" => Some(":80"),
            "https" | "wss" => Some(":443"),
            _ => None,
        };
        let host = match default_port {
            Some(port) => host.strip_suffix(port).unwrap_or(host),
            None => host,
        };
        format!("{scheme}://{}", host.to_ascii_lowercase())
    }

    /// The query's `key=value` pairs in order, decoded (`+` is a space, `%XX` a byte;
    /// bytes that are not UTF-8 become U+FFFD). Empty pieces (`a&&b`) are skipped; a
    /// piece without `=` is a key with an empty value.
    pub fn query_pairs(&self) -> impl Iterator<Item = (Cow<'a, str>, Cow<'a, str>)> + 'a {
        self.query
            .split('&')
            .filter(|piece| !piece.is_empty())
            .map(|piece| {
                let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
                (form_decode(key), form_decode(value))
            })
    }

    /// The first value of query parameter `key`.
    pub fn param(&self, key: &str) -> Option<Cow<'a, str>> {
        self.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// `url` (which may have a query already) with `pairs` added to its query, each key and
/// value `application/x-www-form-urlencoded`.
pub fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(url.len() + 16 * pairs.len());
    out.push_str(url);
    let mut sep = if url.contains('?') { '&' } else { '?' };
    for (key, value) in pairs {
        out.push(sep);
        form_encode(key, &mut out);
        out.push('=');
        form_encode(value, &mut out);
        sep = '&';
    }
    out
}

/// Appends `text` form-encoded: ASCII letters, digits and `*-._` stay, a space becomes
/// `+`, every other byte `%XX` (upper-case hex), as the URL standard's
/// urlencoded serializer writes them.
fn form_encode(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
    }
}

/// Decodes one form-encoded key or value. A `%` not followed by two hex digits stays as
/// it is, as the URL standard's percent-decode leaves it.
fn form_decode(text: &str) -> Cow<'_, str> {
    if !text.contains(['+', '%']) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(|&h| hex_value(h)),
                bytes.get(i + 2).and_then(|&l| hex_value(l)),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(text) => Cow::Owned(text),
        Err(err) => Cow::Owned(String::from_utf8_lossy(err.as_bytes()).into_owned()),
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(url: &str) -> Vec<(String, String)> {
        Address::parse(url)
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn splits_what_the_runtime_hands_over() {
        let a = Address::parse("https://arena.example.com/ws?token=a.b.c&name=Ann#frag");
        assert_eq!(a.path(), "/ws");
        assert_eq!(a.origin(), "https://arena.example.com");
        assert_eq!(a.param("token").as_deref(), Some("a.b.c"));
        assert_eq!(a.param("name").as_deref(), Some("Ann"));
        assert_eq!(a.param("missing"), None);

        let bare = Address::parse("http://127.0.0.1:8787");
        assert_eq!(bare.path(), "/");
        assert_eq!(bare.origin(), "http://127.0.0.1:8787");
        assert_eq!(bare.query_pairs().count(), 0);

        let query_only = Address::parse("https://h?x=1");
        assert_eq!(
            (query_only.path(), query_only.origin().as_str()),
            ("/", "https://h")
        );
        assert_eq!(query_only.param("x").as_deref(), Some("1"));

        // A `://` inside the query is not a scheme.
        let inner = Address::parse("/r?next=https://x/y");
        assert_eq!((inner.path(), inner.origin().as_str()), ("/r", ""));
        assert_eq!(inner.param("next").as_deref(), Some("https://x/y"));

        let path_only = Address::parse("/debug/rooms/r-1?plan=after");
        assert_eq!(path_only.path(), "/debug/rooms/r-1");
        assert_eq!(path_only.origin(), "");
        assert_eq!(path_only.param("plan").as_deref(), Some("after"));
    }

    #[test]
    fn origin_is_written_as_browsers_write_it() {
        for (url, origin) in [
            (
                "HTTPS://Arena.Example.COM:443/ws",
                "https://arena.example.com",
            ),
            ("http://localhost:80/", "http://localhost"),
            ("http://localhost:8787/", "http://localhost:8787"),
            ("https://user:pw@example.com/x", "https://example.com"),
            ("https://[::1]:8443/", "https://[::1]:8443"),
        ] {
            assert_eq!(Address::parse(url).origin(), origin, "{url}");
        }
    }

    #[test]
    fn query_is_form_decoded() {
        assert_eq!(
            pairs("https://h/p?name=Ann+Lee&avatar=%F0%9F%98%80&flag&&empty=&a=1=2"),
            [
                ("name", "Ann Lee"),
                ("avatar", "😀"),
                ("flag", ""),
                ("empty", ""),
                ("a", "1=2"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        // Broken escapes stay as they are; bytes that are not UTF-8 become U+FFFD.
        assert_eq!(
            pairs("https://h/?a=100%&b=%zz&c=%C3&d=%4"),
            [("a", "100%"), ("b", "%zz"), ("c", "\u{FFFD}"), ("d", "%4")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        // Repeated keys: the first wins for `param`, all are listed.
        let a = Address::parse("https://h/?game=dig&game=rps");
        assert_eq!(a.param("game").as_deref(), Some("dig"));
        assert_eq!(a.query_pairs().count(), 2);
    }

    #[test]
    fn with_query_encodes_and_appends() {
        assert_eq!(
            with_query(
                "https://room.internal/connect",
                &[("name", "Ann Lee & co"), ("x", "é")]
            ),
            "https://room.internal/connect?name=Ann+Lee+%26+co&x=%C3%A9"
        );
        assert_eq!(
            with_query(
                "https://m.internal/seat?game=rps",
                &[("player", "g-1_a.b*c~")]
            ),
            "https://m.internal/seat?game=rps&player=g-1_a.b*c%7E"
        );
        assert_eq!(with_query("https://h/p", &[]), "https://h/p");
    }

    proptest! {
        /// Whatever is written is read back as it was, and other keys are not disturbed.
        #[test]
        fn what_is_written_reads_back(
            key in "\\PC{0,12}",
            value in "\\PC{0,40}",
            other in "[a-z]{1,5}",
        ) {
            let url = with_query(&format!("https://h/p?{other}=1"), &[(&key, &value)]);
            let read = pairs(&url);
            prop_assert_eq!(read.len(), 2);
            prop_assert_eq!(&read[0], &(other, "1".to_string()));
            prop_assert_eq!(&read[1], &(key, value));
        }

        /// Reading and writing agree with `form_urlencoded`, the code `url` (and so
        /// `worker::Request::url`) uses, on any query at all.
        #[test]
        fn agrees_with_form_urlencoded(
            query in "([a-z%+=&]|%[0-9a-fA-F]{2}|%[0-9a-fA-F]|[^#\\p{C}]){0,40}",
            key in "\\PC{0,12}",
            value in "\\PC{0,24}",
        ) {
            let ours = pairs(&format!("https://h/p?{query}"));
            let theirs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            prop_assert_eq!(ours, theirs);
            let written = with_query("https://h/p", &[(&key, &value)]);
            let expected = form_urlencoded::Serializer::new(String::new())
                .append_pair(&key, &value)
                .finish();
            prop_assert_eq!(written, format!("https://h/p?{expected}"));
        }

        /// Any text at all is split without a panic, and the path always starts with `/`
        /// when the text has a scheme.
        #[test]
        fn any_text_splits(text in "\\PC{0,80}") {
            let a = Address::parse(&text);
            let _ = a.origin();
            let _ = a.query_pairs().count();
            let before_fragment = text.split('#').next().unwrap_or_default();
            if !a.origin().is_empty() || before_fragment.starts_with('/') {
                prop_assert!(a.path().starts_with('/'));
                prop_assert!(before_fragment.ends_with(a.path()) || before_fragment.contains('?'));
            }
        }
    }
}
