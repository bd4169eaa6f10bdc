// The app. Going to the background and coming back needs no code here or in the pages:
// each page's client (utils/session.js) uses the SDK's wx transport, which listens to
// wx.onAppHide / wx.onAppShow itself. WeChat closes a backgrounded mini-program's sockets
// after about 5 s (onClose 1000 "interrupted"); the client waits for the show, then
// reconnects at once and resumes its seat (within the server's RESUME_GRACE_MS).
App({
  globalData: {},
});
