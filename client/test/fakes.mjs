// A clock and a transport for the SDK's tests: nothing runs until the test says so, and
// the test plays the server.

/** A clock whose time moves only when the test says so. */
export function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    /** Runs every timer due up to now + ms, in time order. */
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
  };
}

/** A transport that records every socket; the test plays the server. */
export function fakeTransport() {
  const sockets = [];
  const transport = (url, protocols) => {
    const socket = { url, protocols, sent: [], closed: null };
    socket.send = (text) => socket.sent.push(text);
    socket.close = (code, reason) => { socket.closed = { code, reason }; };
    sockets.push(socket);
    return socket;
  };
  return { transport, sockets, last: () => sockets[sockets.length - 1] };
}
