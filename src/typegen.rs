//! Generates the client SDK's protocol files from the Rust types, so the wire format is
//! written once. `cargo test` fails when the committed files differ from what the types
//! say; `UPDATE_TYPES=1 cargo test typegen` rewrites them.
//!
//! - `client/src/protocol.d.ts`: TypeScript declarations of every frame (via ts-rs).
//! - `client/src/codes.js`: the values the SDK needs at run time (ping frame, close codes).

use ts_rs::{Config, TS};

use crate::protocol::{
    Cell, ChatLine, ClientFrame, CloseCode, ErrorCode, Face, GameKind, MovementKind, PresenceEvent,
    RoomPhase, SeatGold, SeatResult, SeatView, ServerFrame, PING_FRAME, PONG_FRAME,
};
use crate::protocol::{Choice, MAX_FRAME_BYTES};

const HEADER: &str =
    "// Generated from src/protocol.rs by `UPDATE_TYPES=1 cargo test typegen`. Do not edit.\n";

fn declarations() -> String {
    // JSON numbers arrive in JS as `number`; the default `bigint` would be wrong.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        Choice::decl(&cfg),
        Face::decl(&cfg),
        MovementKind::decl(&cfg),
        RoomPhase::decl(&cfg),
        GameKind::decl(&cfg),
        SeatGold::decl(&cfg),
        Cell::decl(&cfg),
        PresenceEvent::decl(&cfg),
        ChatLine::decl(&cfg),
        ErrorCode::decl(&cfg),
        SeatView::decl(&cfg),
        SeatResult::decl(&cfg),
        ClientFrame::decl(&cfg),
        ServerFrame::decl(&cfg),
    ];
    let mut out = String::from(HEADER);
    for decl in decls {
        out.push('\n');
        out.push_str("export ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

fn constants() -> String {
    let codes = [
        CloseCode::Normal,
        CloseCode::RateLimited,
        CloseCode::TooBig,
        CloseCode::HeartbeatTimeout,
        CloseCode::Replaced,
        CloseCode::SeatGone,
        CloseCode::Unauthorized,
    ];
    let mut out = String::from(HEADER);
    out.push_str(&format!(
        "\n/** The heartbeat, byte for byte: the server's auto-response matches it exactly. */\nexport const PING_FRAME = {PING_FRAME:?};\nexport const PONG_FRAME = {PONG_FRAME:?};\n"
    ));
    out.push_str(&format!(
        "export const MAX_FRAME_BYTES = {MAX_FRAME_BYTES};\n"
    ));
    out.push_str("\n/** Close codes the server sends, by name. */\nexport const CLOSE_CODES = {\n");
    for code in codes {
        out.push_str(&format!("  {:?}: {},\n", code, code.code()));
    }
    out.push_str("};\n");
    out
}

fn check(path: &str, want: String) {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var("UPDATE_TYPES").is_ok_and(|v| v == "1") {
        std::fs::write(&full, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        have == want,
        "{path} is out of date with src/protocol.rs; run `UPDATE_TYPES=1 cargo test typegen` \
         and commit the result"
    );
}

#[test]
fn typegen_protocol_declarations_are_up_to_date() {
    check("client/src/protocol.d.ts", declarations());
}

#[test]
fn typegen_constants_are_up_to_date() {
    check("client/src/codes.js", constants());
}
