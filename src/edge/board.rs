//! Read-only HTTP APIs over the game's state: `GET /api/me`, `GET /api/leaderboard`
//! and `GET /api/rooms`. Shapes are documented in the README.
//!
//! The leaderboard is assembled in the Worker from every stats shard (each shard's top
//! N, merged; a rank is one plus the players with a higher total on every shard), so
//! reading it costs `STATS_SHARDS` small requests and writes never wait for it.

use futures_util::future::try_join_all;
use serde_json::value::RawValue;
use worker::{Env, Response};

use super::access::{check_origin, Credentials, Door};
use super::hop::Hop;
use super::vars::{self, AuthSettings};
use super::{json_error, matchmaker, stats_shard, with_query, STATS_BINDING};
use crate::address::Address;
use crate::auth::Claims;
use crate::games::GameKind;
use crate::stats::{merge_top, rank_from_counts, PlayerStats, Ranked};

/// Largest `limit` the leaderboard accepts.
const MAX_LIMIT: usize = 100;

/// `GET /api/me?game=rps|dig|…` with the session token (`Authorization: Bearer …` or
/// `?token=`): the caller's stats and rank in that game (rock-paper-scissors when none
/// is named). A player with no rounds yet gets zeros and no rank.
pub async fn me(req: worker::Request, env: &Env) -> worker::Result<Response> {
    let settings = AuthSettings::read(env);
    if let Door::Refused(refused) = check_origin(req.inner(), &settings)? {
        return Ok(refused);
    }
    let claims = match Credentials::of(req.inner()).verify(&settings) {
        Ok(claims) => claims,
        Err(why) => return json_error(401, "unauthorized", why.message()),
    };
    /// `Ranked`, with no rank before the first round.
    #[derive(serde::Serialize)]
    struct Me {
        rank: Option<u64>,
        #[serde(flatten)]
        stats: PlayerStats,
    }
    let game = match game_of(&req)? {
        Ok(game) => game,
        Err(refused) => return Ok(refused),
    };
    let me = match ranked_player(env, game, &claims).await? {
        Some(Ranked { rank, stats }) => Me {
            rank: Some(rank),
            stats,
        },
        None => Me {
            rank: None,
            stats: PlayerStats {
                player: claims.sub,
                game: game.name().to_string(),
                ..PlayerStats::default()
            },
        },
    };
    Response::from_json(&me)
}

/// `GET /api/leaderboard?game=…&limit=N` (default rock-paper-scissors, 10, at most 100):
/// the top players of that game; with a token, also `me`, the caller's own line.
pub async fn leaderboard(req: worker::Request, env: &Env) -> worker::Result<Response> {
    let settings = AuthSettings::read(env);
    if let Door::Refused(refused) = check_origin(req.inner(), &settings)? {
        return Ok(refused);
    }
    let limit = Address::parse(&req.inner().url())
        .param("limit")
        .map(|v| v.parse::<usize>())
        .unwrap_or(Ok(10));
    let limit = match limit {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
        _ => return json_error(400, "bad_request", "limit must be 1 to 100"),
    };
    let game = match game_of(&req)? {
        Ok(game) => game,
        Err(refused) => return Ok(refused),
    };
    let credentials = Credentials::of(req.inner());
    let me = match credentials.verify(&settings) {
        Ok(claims) => ranked_player(env, game, &claims).await?,
        Err(_) => None,
    };
    let shards = vars::stats_shards(env);
    let name = game.name();
    let tops = try_join_all((0..shards).map(|n| {
        let url = format!("https://stats.internal/top?game={name}&limit={limit}");
        shard_get::<Vec<PlayerStats>>(env, n, url)
    }))
    .await?;
    let top = merge_top(tops.into_iter().flatten().collect(), limit);
    #[derive(serde::Serialize)]
    struct Leaderboard {
        game: &'static str,
        top: Vec<Ranked>,
        me: Option<Ranked>,
    }
    Response::from_json(&Leaderboard {
        game: name,
        top,
        me,
    })
}

/// `GET /api/rooms`: rooms with people in them (game, seats taken and free, open or
/// full) and how many people are seated across the service, from every matchmaker of
/// every game.
pub async fn rooms(req: worker::Request, env: &Env) -> worker::Result<Response> {
    let settings = AuthSettings::read(env);
    if let Door::Refused(refused) = check_origin(req.inner(), &settings)? {
        return Ok(refused);
    }
    /// A matchmaker shard's `/rooms` answer (and ours: the sum of them). The rooms
    /// pass through as the JSON text the shard wrote; nothing here reads them.
    #[derive(serde::Deserialize, serde::Serialize)]
    struct Listing {
        /// People in rooms, connected or held for a resume.
        online: u64,
        /// Of `online`, those whose connection dropped (seat held for a resume).
        #[serde(default)]
        away: u64,
        rooms: Vec<Box<RawValue>>,
    }
    let shards = vars::matchmaker_shards(env);
    let owners = GameKind::ALL
        .iter()
        .copied()
        .flat_map(|game| (0..shards).map(move |n| (game, n)));
    let listings = try_join_all(owners.map(|(game, n)| async move {
        let (stub, url) = matchmaker(env, game, n, "/rooms")?;
        stub.get(&url).await?.json::<Listing>()
    }))
    .await?;
    let online: u64 = listings.iter().map(|l| l.online).sum();
    let away: u64 = listings.iter().map(|l| l.away).sum();
    let rooms = listings.into_iter().flat_map(|l| l.rooms).collect();
    Response::from_json(&Listing {
        online,
        away,
        rooms,
    })
}

/// `?game=` of a request (rock-paper-scissors when absent), or the 400 to answer.
fn game_of(req: &worker::Request) -> worker::Result<Result<GameKind, Response>> {
    let href = req.inner().url();
    Ok(match Address::parse(&href).param("game") {
        None => Ok(GameKind::default()),
        Some(name) => match GameKind::from_name(&name) {
            Some(game) => Ok(game),
            None => Err(json_error(400, "bad_request", "no such game")?),
        },
    })
}

/// The caller's stats in `game` with their rank, or `None` before their first round.
async fn ranked_player(
    env: &Env,
    game: GameKind,
    claims: &Claims,
) -> worker::Result<Option<Ranked>> {
    let shards = vars::stats_shards(env);
    let home = crate::stats::shard_of(&claims.sub, shards);
    let url = with_query(
        "https://stats.internal/player",
        &[("id", claims.sub.as_str()), ("game", game.name())],
    );
    let Some(stats) = shard_get::<PlayerStats>(env, home, url).await? else {
        return Ok(None);
    };
    #[derive(serde::Deserialize)]
    struct Higher {
        count: u64,
    }
    let counts = try_join_all((0..shards).map(|n| {
        shard_get::<Higher>(
            env,
            n,
            format!(
                "https://stats.internal/higher?game={}&total={}",
                game.name(),
                stats.total
            ),
        )
    }))
    .await?;
    let higher: Vec<u64> = counts.into_iter().flatten().map(|h| h.count).collect();
    Ok(Some(Ranked {
        rank: rank_from_counts(&higher),
        stats,
    }))
}

/// GETs `url` from stats shard `n`: the JSON body, or `None` on 404.
async fn shard_get<T: serde::de::DeserializeOwned>(
    env: &Env,
    n: u32,
    url: String,
) -> worker::Result<Option<T>> {
    let stub = Hop::to(&env.durable_object(STATS_BINDING)?, &stats_shard(n))?;
    let answer = stub.get(&url).await?;
    match answer.status {
        200 => Ok(Some(answer.json()?)),
        404 => Ok(None),
        other => Err(format!("stats shard {n} answered {other}").into()),
    }
}
