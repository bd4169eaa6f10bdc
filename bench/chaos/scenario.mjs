// The chaos scenario: players in rooms play timed rounds of rock-paper-scissors through
// the real SDK while the server is crashed (SIGKILL of its whole process group, then a
// start on the same local storage) or deployed (a graceful stop, then a start of a new
// version: a changed var makes a new version), over and over. At the end the invariants
// (invariants.mjs) are checked over what every player was sent and what /api/me says.
//
// Used at full size by bench/chaos.sh and small by tests/chaos.test.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer } from '../../tests/support/server.mjs';
import { check } from './invariants.mjs';
import { ChaosPlayer, now, seeded } from './player.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {object} o
 * @param {number} o.players even: two per room
 * @param {number} o.roundMs ROUND_MS
 * @param {number} o.durationS seconds of play, faults included
 * @param {[number, number]} o.faultEveryS a fault every this many seconds (uniform)
 * @param {number} [o.maxFaults] stop faulting after this many
 * @param {number} [o.graceMs] RESUME_GRACE_MS
 * @param {number} [o.statsFlushMs] STATS_FLUSH_MS
 * @param {number} [o.seed]
 * @param {(line: string) => void} [o.log]
 */
export async function runChaos({
  players: count, roundMs, durationS, faultEveryS, maxFaults = Infinity,
  graceMs = 30_000, statsFlushMs = 10_000, seed = 1, log = () => {},
}) {
  const random = seeded(seed);
  const dir = mkdtempSync(join(tmpdir(), 'edge-arena-chaos-'));
  const vars = {
    ROUND_MS: roundMs,
    RESUME_GRACE_MS: graceMs,
    STATS_FLUSH_MS: statsFlushMs,
    // People only: a bot would take the seat of a player who is slow to come back.
    BOT_WAIT_MS: 600_000,
    DEPLOY_VERSION: 0,
  };
  let server = await startServer({ vars, persistTo: dir });
  const { port, url, wsUrl } = server;
  const players = [];
  const faults = [];
  try {
    // Every player logs in once, as a guest: the token is who they are for /api/me.
    for (let i = 0; i < count; i++) {
      const res = await fetch(`${url}/api/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (!res.ok) throw new Error(`POST /api/guest: ${res.status} ${await res.text()}`);
      const { token } = await res.json();
      players.push(new ChaosPlayer({ wsUrl, name: `p${String(i).padStart(3, '0')}`, session: token, random }));
    }
    // They arrive over a second or two, a few at a time, and pair up.
    for (const p of players) {
      p.start();
      await sleep(5);
    }
    const seatedBy = now() + 30_000;
    while (players.some((p) => p.seat === null) && now() < seatedBy) await sleep(200);
    const unseated = players.filter((p) => p.seat === null).length;
    if (unseated) throw new Error(`${unseated} players have no seat after 30 s`);
    log(`${count} players seated in ${new Set(players.map((p) => p.room)).size} rooms`);

    const t0 = now();
    const end = t0 + durationS * 1000;
    let version = 0;
    while (faults.length < maxFaults) {
      const [lo, hi] = faultEveryS;
      const at = now() + (lo + random() * (hi - lo)) * 1000;
      if (at >= end) break;
      await sleep(at - now());
      // Every other fault is a deploy; the first is a crash.
      const kind = faults.length % 2 === 0 ? 'crash' : 'deploy';
      const fault = { kind, at: now(), up: 0 };
      if (kind === 'crash') {
        await server.kill();
      } else {
        await server.stop();
        version += 1;
      }
      fault.stopped = now();
      server = await startServer({ vars: { ...vars, DEPLOY_VERSION: version }, persistTo: dir, port });
      fault.up = now();
      faults.push(fault);
      log(`${kind} at +${Math.round((fault.at - t0) / 1000)} s: answering again after ${Math.round(fault.up - fault.at)} ms`);
    }
    await sleep(Math.max(0, end - now()));

    // Wind down: no new rounds; the running ones settle and their results arrive.
    for (const p of players) p.windDown();
    await sleep(roundMs + 5_000);
    log('play over; waiting for the stats to arrive');

    // Stats go out in batches (STATS_FLUSH_MS) and are retried: ask until they agree, or
    // until a minute has passed, and judge what /api/me says then.
    let verdict;
    const judgeBy = now() + statsFlushMs + 60_000;
    for (;;) {
      const stats = {};
      await Promise.all(players.map(async (p) => {
        const res = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${p.session}` } });
        if (res.ok) stats[p.name] = await res.json();
      }));
      verdict = check({ players, faults, stats, graceMs });
      const waitingForStats = verdict.violations.some((v) => v.rule === 'stats_match_results');
      if (!waitingForStats || now() > judgeBy) break;
      await sleep(3_000);
    }
    verdict.figures.round_ms = roundMs;
    verdict.figures.duration_s = durationS;
    return { ...verdict, serverLog: server.log() };
  } finally {
    for (const p of players) {
      try { p.leave(); } catch { /* already closed */ }
    }
    await sleep(200);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
