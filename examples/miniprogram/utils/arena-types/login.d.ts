/**
 * Wraps `fetchSession` into an `auth` callback that reuses the session until it nearly
 * expires or the server refuses it. `store` ({load, save}) keeps it across app launches.
 * @param {SessionSource} fetchSession
 * @param {{ clock?: { now(): number }, store?: SessionStore }} [options]
 * @returns {(opts?: { refresh?: boolean }) => Promise<string>}
 */
export function sessionAuth(fetchSession: SessionSource, { clock, store }?: {
    clock?: {
        now(): number;
    };
    store?: SessionStore;
}): (opts?: {
    refresh?: boolean;
}) => Promise<string>;
/**
 * POSTs JSON with `wx.request` (mini-programs).
 * @param {{ request: (opts: any) => unknown }} wx
 * @returns {Post}
 */
export function wxPost(wx: {
    request: (opts: any) => unknown;
}): Post;
/**
 * The part of `fetch` the SDK uses.
 * @typedef {(url: string, init: { method: string, headers: Record<string, string>, body: string }) => Promise<{ status: number, json(): Promise<any> }>} FetchLike
 */
/**
 * POSTs JSON with `fetch` (browsers, Node).
 * @param {FetchLike} [fetchImpl]
 * @returns {Post}
 */
export function fetchPost(fetchImpl?: FetchLike): Post;
/**
 * WeChat login: wx.login() for a code, POST {apiBase}/api/login for our token.
 * @param {{ login: (opts: any) => unknown, request: (opts: any) => unknown }} wx
 * @param {string} apiBase e.g. 'https://arena.example.com'
 * @returns {SessionSource}
 */
export function wechatSession(wx: {
    login: (opts: any) => unknown;
    request: (opts: any) => unknown;
}, apiBase: string): SessionSource;
/**
 * A guest token: POST {apiBase}/api/guest. `post` is wxPost(wx) or fetchPost().
 * @param {string} apiBase
 * @param {Post} [post]
 * @returns {SessionSource}
 */
export function guestSession(apiBase: string, post?: Post): SessionSource;
/**
 * Keeps sessions in a mini-program's storage, one key per kind (`<key>:wechat`,
 * `<key>:guest`).
 * @param {{ getStorageSync: (key: string) => any, setStorageSync: (key: string, value: any) => void }} wx
 * @param {string} [key]
 * @returns {SessionStore}
 */
export function wxStore(wx: {
    getStorageSync: (key: string) => any;
    setStorageSync: (key: string, value: any) => void;
}, key?: string): SessionStore;
/**
 * Keeps sessions in a browser's localStorage (or sessionStorage), one key per kind.
 * @param {{ getItem(key: string): string | null, setItem(key: string, value: string): void }} [storage]
 * @param {string} [key]
 * @returns {SessionStore}
 */
export function webStore(storage?: {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
}, key?: string): SessionStore;
/**
 * `wss://host/ws` → `https://host` (where the login API lives).
 * @param {string} wsUrl
 */
export function apiBaseOf(wsUrl: string): string;
/**
 * What the login API answers (`POST /api/login`, `POST /api/guest`), plus how it was
 * made once it is kept.
 * @typedef {object} Session
 * @property {string} token
 * @property {number} expires_at ms since the epoch
 * @property {string} [player]
 * @property {string} [kind] 'wechat' or 'guest'
 * @property {string} [api] the API base it came from
 */
/**
 * Gets a new session. `kind` and `api` say what it makes (sessionAuth keeps sessions
 * apart by them).
 * @typedef {(() => Promise<Session>) & { kind?: string, api?: string }} SessionSource
 */
/**
 * Keeps a session across app launches, by kind.
 * @typedef {object} SessionStore
 * @property {(kind?: string) => Session | null} load
 * @property {(session: Session, kind?: string) => void} save
 */
/**
 * A POST of a JSON body that resolves with the status and the parsed answer. `headers`
 * are added to the request (e.g. `authorization` for `POST /api/rooms`).
 * @typedef {(url: string, body: unknown, headers?: Record<string, string>) => Promise<{ status: number, data: any }>} Post
 */
/** An error from the HTTP API: `status` and the server's stable `error` code. */
export class ApiError extends Error {
    /**
     * @param {number} status the HTTP status, 0 when the request did not get through
     * @param {string} [error] the server's error code (`invalid_code`, `not_configured`, …)
     * @param {string} [message]
     */
    constructor(status: number, error?: string, message?: string);
    status: number;
    error: string;
}
/** An error from the login API (`POST /api/login`, `POST /api/guest`). */
export class LoginError extends ApiError {
}
/**
 * The part of `fetch` the SDK uses.
 */
export type FetchLike = (url: string, init: {
    method: string;
    headers: Record<string, string>;
    body: string;
}) => Promise<{
    status: number;
    json(): Promise<any>;
}>;
/**
 * What the login API answers (`POST /api/login`, `POST /api/guest`), plus how it was
 * made once it is kept.
 */
export type Session = {
    token: string;
    /**
     * ms since the epoch
     */
    expires_at: number;
    player?: string | undefined;
    /**
     * 'wechat' or 'guest'
     */
    kind?: string | undefined;
    /**
     * the API base it came from
     */
    api?: string | undefined;
};
/**
 * Gets a new session. `kind` and `api` say what it makes (sessionAuth keeps sessions
 * apart by them).
 */
export type SessionSource = (() => Promise<Session>) & {
    kind?: string;
    api?: string;
};
/**
 * Keeps a session across app launches, by kind.
 */
export type SessionStore = {
    load: (kind?: string) => Session | null;
    save: (session: Session, kind?: string) => void;
};
/**
 * A POST of a JSON body that resolves with the status and the parsed answer. `headers`
 * are added to the request (e.g. `authorization` for `POST /api/rooms`).
 */
export type Post = (url: string, body: unknown, headers?: Record<string, string>) => Promise<{
    status: number;
    data: any;
}>;
