//! Session tokens: who a connection belongs to.
//!
//! A token is a JWT in compact form signed with HMAC-SHA256 (`HS256`) under the
//! server's `TOKEN_SECRET`. We issue it ourselves after a WeChat login (or as a guest)
//! and accept nothing else: the header must be byte for byte the one we write, so
//! `alg: none` and algorithm-confusion tricks fail before any signature check, and the
//! signature is compared in constant time. Using the JWT shape costs nothing and lets a
//! developer's own backend verify our tokens with any JWT library.
//!
//! The subject (`sub`) is the player's identity everywhere in the service: `wx:<openid>`
//! for a WeChat user, `guest:<random>` for a guest. A client never names itself.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// `{"alg":"HS256","typ":"JWT"}`, base64url: the only header we issue or accept.
const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
/// Longest token we look at; ours are about 200 bytes.
pub const MAX_TOKEN_BYTES: usize = 1024;
/// Longest subject (`wx:` + a 28-character openid, or `guest:` + 16 hex digits).
const MAX_SUBJECT_CHARS: usize = 96;
/// Shortest `TOKEN_SECRET` we sign with: 32 bytes, as much as the hash.
pub const MIN_SECRET_BYTES: usize = 32;

/// Where a player's identity comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Logged in through WeChat (`POST /api/login`).
    Wechat,
    /// A guest token (`POST /api/guest`), for browsers and local development.
    Guest,
}

/// What a token says. Times are seconds since the epoch, as JWT has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    pub sub: String,
    pub kind: Kind,
    pub iat: u64,
    pub exp: u64,
}

impl Claims {
    /// Claims for `sub`, valid from `now_ms` for `ttl_s` seconds.
    pub fn new(sub: String, kind: Kind, now_ms: u64, ttl_s: u64) -> Claims {
        let iat = now_ms / 1000;
        Claims {
            sub,
            kind,
            iat,
            exp: iat.saturating_add(ttl_s),
        }
    }

    /// The expiry in ms since the epoch (what the HTTP API reports).
    pub fn expires_at_ms(&self) -> u64 {
        self.exp.saturating_mul(1000)
    }
}

/// Why a token was refused. Each maps to one documented answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No token was presented.
    Missing,
    /// Not a token of ours: wrong shape, wrong header, bad encoding, bad claims.
    Malformed,
    /// Well formed, but the signature does not match (forged or another secret).
    BadSignature,
    /// Genuine but past its `exp`: log in again.
    Expired,
    /// A guest token while guests are switched off.
    GuestsDisabled,
}

impl AuthError {
    pub fn message(self) -> &'static str {
        match self {
            AuthError::Missing => {
                "a session token is required: get one from POST /api/login (or /api/guest)"
            }
            AuthError::Malformed => "that is not a session token of this server",
            AuthError::BadSignature => "the token's signature is not valid",
            AuthError::Expired => "the token has expired: log in again",
            AuthError::GuestsDisabled => "guest tokens are not accepted here: log in",
        }
    }
}

/// Signs and checks tokens with one secret.
pub struct TokenKey {
    mac: HmacSha256,
}

impl TokenKey {
    /// A key from the server's secret; `None` when it is too short to be one.
    pub fn new(secret: &[u8]) -> Option<TokenKey> {
        if secret.len() < MIN_SECRET_BYTES {
            return None;
        }
        Some(TokenKey {
            mac: HmacSha256::new_from_slice(secret).ok()?,
        })
    }

    /// A signed token carrying `claims`.
    pub fn issue(&self, claims: &Claims) -> String {
        // Serialising a struct of strings and integers cannot fail.
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{HEADER}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(self.sign(&signing_input));
        format!("{signing_input}.{signature}")
    }

    /// The claims of a genuine, unexpired token. `guests` says whether guest tokens
    /// are accepted right now (switching guests off also stops the ones out there).
    pub fn verify(&self, token: &str, now_ms: u64, guests: bool) -> Result<Claims, AuthError> {
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AuthError::Malformed);
        };
        if header != HEADER {
            return Err(AuthError::Malformed);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| AuthError::Malformed)?;
        let mut mac = self.mac.clone();
        mac.update(&token.as_bytes()[..header.len() + 1 + payload.len()]);
        mac.verify_slice(&signature)
            .map_err(|_| AuthError::BadSignature)?;
        // Only now, with the signature checked, is the payload worth reading.
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(AuthError::Malformed)?;
        if !valid_subject(&claims) {
            return Err(AuthError::Malformed);
        }
        if claims.exp.saturating_mul(1000) <= now_ms {
            return Err(AuthError::Expired);
        }
        if claims.kind == Kind::Guest && !guests {
            return Err(AuthError::GuestsDisabled);
        }
        Ok(claims)
    }

    fn sign(&self, input: &str) -> Vec<u8> {
        let mut mac = self.mac.clone();
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// The subject matches its kind and is short and printable.
fn valid_subject(claims: &Claims) -> bool {
    let prefix = match claims.kind {
        Kind::Wechat => "wx:",
        Kind::Guest => "guest:",
    };
    claims.sub.len() > prefix.len()
        && claims.sub.chars().count() <= MAX_SUBJECT_CHARS
        && claims.sub.starts_with(prefix)
        && claims
            .sub
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
}

/// The subject for a WeChat user.
pub fn wechat_subject(openid: &str) -> String {
    format!("wx:{openid}")
}

/// The subject for a new guest, from 64 random bits.
pub fn guest_subject(random: u64) -> String {
    format!("guest:{random:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: u64 = 1_800_000_000_000;

    fn key() -> TokenKey {
        TokenKey::new(SECRET).unwrap()
    }

    fn guest() -> Claims {
        Claims::new(guest_subject(0xabc), Kind::Guest, NOW, 3600)
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let token = key().issue(&guest());
        assert_eq!(key().verify(&token, NOW, true), Ok(guest()));
        assert_eq!(key().verify(&token, NOW + 3_599_000, true), Ok(guest()));
        assert_eq!(
            key().verify(&token, NOW + 3_600_000, true),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn the_header_is_the_standard_hs256_one() {
        let json = URL_SAFE_NO_PAD.decode(HEADER).unwrap();
        assert_eq!(json, br#"{"alg":"HS256","typ":"JWT"}"#);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(TokenKey::new(b"short").is_none());
        assert!(TokenKey::new(&[7; MIN_SECRET_BYTES]).is_some());
    }

    #[test]
    fn another_secret_or_a_changed_payload_fails_the_signature() {
        let token = key().issue(&guest());
        let other = TokenKey::new(b"another secret, just as long as it must be").unwrap();
        assert_eq!(
            other.verify(&token, NOW, true),
            Err(AuthError::BadSignature)
        );

        // Same signature, claims of someone else.
        let (head_payload, sig) = token.rsplit_once('.').unwrap();
        let (head, _) = head_payload.split_once('.').unwrap();
        let mut claims = guest();
        claims.sub = "wx:victim".into();
        claims.kind = Kind::Wechat;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        let forged = format!("{head}.{forged_payload}.{sig}");
        assert_eq!(
            key().verify(&forged, NOW, true),
            Err(AuthError::BadSignature)
        );
    }

    #[test]
    fn alg_none_and_other_headers_are_malformed() {
        let token = key().issue(&guest());
        let (_, rest) = token.split_once('.').unwrap();
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            key().verify(&format!("{none}.{rest}"), NOW, true),
            Err(AuthError::Malformed)
        );
        let (unsigned, _) = token.rsplit_once('.').unwrap();
        assert_eq!(
            key().verify(&format!("{unsigned}."), NOW, true),
            Err(AuthError::BadSignature)
        );
        for junk in ["x", "a.b", "a.b.c.d", "..", "€.€.€", &"a".repeat(5000)] {
            assert!(key().verify(junk, NOW, true).is_err(), "{junk}");
        }
        assert_eq!(key().verify("", NOW, true), Err(AuthError::Missing));
    }

    #[test]
    fn guests_can_be_switched_off() {
        let token = key().issue(&guest());
        assert_eq!(
            key().verify(&token, NOW, false),
            Err(AuthError::GuestsDisabled)
        );
        let wechat = Claims::new(
            wechat_subject("o6_bmjrPTlm6_2sgVt7hMZOPfL2M"),
            Kind::Wechat,
            NOW,
            60,
        );
        assert_eq!(key().verify(&key().issue(&wechat), NOW, false), Ok(wechat));
    }

    #[test]
    fn a_subject_must_match_its_kind() {
        let mut claims = guest();
        claims.sub = "wx:someone".into();
        assert_eq!(
            key().verify(&key().issue(&claims), NOW, true),
            Err(AuthError::Malformed)
        );
    }

    proptest! {
        // Anything at all is answered, never a panic, and never accepted.
        #[test]
        fn verify_is_total(token in any::<String>()) {
            prop_assert!(key().verify(&token, NOW, true).is_err());
        }

        // Flipping any one character of a genuine token makes it invalid.
        #[test]
        fn every_character_matters(at in 0usize..200, with in "[A-Za-z0-9_.-]") {
            let token = key().issue(&guest());
            let at = at % token.len();
            let mut bytes = token.clone().into_bytes();
            let replacement = with.as_bytes()[0];
            prop_assume!(bytes[at] != replacement);
            bytes[at] = replacement;
            let changed = String::from_utf8(bytes).unwrap();
            // base64 without padding has slack bits in its last character; a change
            // there can decode to the same bytes, which is then the same token.
            let same = URL_SAFE_NO_PAD.decode(changed.rsplit('.').next().unwrap()).ok()
                == URL_SAFE_NO_PAD.decode(token.rsplit('.').next().unwrap()).ok()
                && changed.rsplit_once('.').map(|p| p.0) == token.rsplit_once('.').map(|p| p.0);
            prop_assert!(same || key().verify(&changed, NOW, true).is_err());
        }
    }
}
