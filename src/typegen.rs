//! Generates the client SDK's protocol files from the Rust types, so the wire format is
//! written once: the shared frames, then each published game's from the registry
//! (`crate::games`), joined into the `ClientFrame` and `ServerFrame` unions.
//! `cargo test` fails when the committed files differ from what the types say;
//! `UPDATE_TYPES=1 cargo test typegen` rewrites them.
//!
//! - `client/src/protocol.d.ts`: TypeScript declarations of every frame (via ts-rs).
//! - `client/src/codes.js`: the values the SDK needs at run time (ping frame, close codes).

use ts_rs::{Config, TS};

use crate::games::GameKind;
use crate::protocol::{
    CloseCode, ErrorCode, RoomPhase, SeatView, SharedClientFrame, SharedServerFrame,
    MAX_FRAME_BYTES, PING_FRAME, PONG_FRAME,
};

const HEADER: &str = "// Generated from the protocol (src/protocol.rs) and every registered game \
     (src/games/) by `UPDATE_TYPES=1 cargo test typegen`. Do not edit.\n";

fn declarations() -> String {
    // JSON numbers arrive in JS as `number`; the default `bigint` would be wrong.
    let cfg = Config::new().with_large_int("number");
    let games: Vec<GameKind> = GameKind::ALL
        .iter()
        .copied()
        .filter(|g| g.published())
        .collect();
    let names: Vec<String> = games.iter().map(|g| format!("{:?}", g.name())).collect();
    let mut decls = vec![
        format!("type GameKind = {};", names.join(" | ")),
        RoomPhase::decl(&cfg),
        ErrorCode::decl(&cfg),
        SeatView::decl(&cfg),
        SharedClientFrame::decl(&cfg),
        SharedServerFrame::decl(&cfg),
    ];
    let mut client = vec![SharedClientFrame::ident(&cfg)];
    let mut server = vec![SharedServerFrame::ident(&cfg)];
    for game in games {
        let ts = game.typescript(&cfg);
        decls.extend(ts.declarations);
        client.push(ts.client_frames);
        server.push(ts.server_frames);
    }
    let mut out = String::from(HEADER);
    for decl in decls {
        out.push_str("\nexport ");
        out.push_str(&decl);
        out.push('\n');
    }
    out.push_str(&format!(
        "\n/** Every frame a client may send: the shared ones and each game's. */\n\
         export type ClientFrame = {};\n",
        client.join(" | ")
    ));
    out.push_str(&format!(
        "\n/** Every frame the server sends: the shared ones and each game's. */\n\
         export type ServerFrame = {};\n",
        server.join(" | ")
    ));
    out
}

fn constants() -> String {
    let mut out = String::from(HEADER);
    out.push_str(&format!(
        "\n/** The heartbeat, byte for byte: the server's auto-response matches it exactly. */\nexport const PING_FRAME = {PING_FRAME:?};\nexport const PONG_FRAME = {PONG_FRAME:?};\n"
    ));
    out.push_str(&format!(
        "export const MAX_FRAME_BYTES = {MAX_FRAME_BYTES};\n"
    ));
    out.push_str("\n/** Close codes the server sends, by name. */\nexport const CLOSE_CODES = {\n");
    for code in CloseCode::ALL {
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
        "{path} is out of date with the protocol and the games; run `UPDATE_TYPES=1 cargo test typegen` \
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
