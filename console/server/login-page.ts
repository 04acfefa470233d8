/**
 * The page a browser gets with the 401 of any console path when it has no session: self-contained (inline CSS and
 * script under a per-response nonce, no external fetch but POST /login), readable in light and dark, usable by
 * keyboard. It takes a token from the URL fragment (`#token=...`: fragments never reach a server), removes it
 * from the address bar at once, posts it to /login and reloads into the app; or from the token field.
 */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function loginPage(opts: { nonce: string; message?: string }): string {
  const nonce = escapeHtml(opts.nonce);
  const message = opts.message ? escapeHtml(opts.message) : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>kubelab console: sign in</title>
<style nonce="${nonce}">
:root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1b1f24; --card: #fff; --line: #c9ced6; --accent: #2557d6; --err: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --bg: #15181d; --fg: #e6e8eb; --card: #1e2228; --line: #3a414b; --accent: #7aa2ff; --err: #ff8a80; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, sans-serif; }
main { width: min(32rem, calc(100vw - 2rem)); background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1.5rem; }
h1 { font-size: 1.25rem; margin: 0 0 .5rem; }
p { margin: .25rem 0 1rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
textarea { width: 100%; min-height: 6rem; font: 13px/1.4 ui-monospace, monospace; color: inherit; background: transparent; border: 1px solid var(--line); border-radius: 4px; padding: .5rem; resize: vertical; }
button { margin-top: .75rem; padding: .5rem 1.25rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
code { font: 13px ui-monospace, monospace; }
#error { color: var(--err); min-height: 1.5em; margin: .75rem 0 0; }
</style>
</head>
<body>
<main>
<h1>kubelab console</h1>
<p>Sign in with a Kubernetes bearer token the API server accepts, e.g. from <code>bin/kubelab console login</code> or <code>kubectl create token NAME -n NAMESPACE</code>. Your own RBAC permissions apply.</p>
<form id="login" method="post" action="/login">
<label for="token">Token</label>
<textarea id="token" name="token" autocomplete="off" spellcheck="false" required autofocus></textarea>
<button type="submit">Sign in</button>
</form>
<p id="error" role="alert">${message}</p>
</main>
<script nonce="${nonce}">
(function () {
  var form = document.getElementById('login');
  var field = document.getElementById('token');
  var error = document.getElementById('error');
  function signIn(token) {
    error.textContent = '';
    return fetch('/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-Kubelab-Console': '1' },
      body: JSON.stringify({ token: token })
    }).then(function (res) {
      if (res.ok) { location.replace(location.pathname + location.search); return; }
      return res.json().then(function (s) { throw new Error(s && s.message ? s.message : res.status + ' ' + res.statusText); },
        function () { throw new Error(res.status + ' ' + res.statusText); });
    }).catch(function (e) { error.textContent = 'Sign-in failed: ' + e.message; field.focus(); });
  }
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var t = field.value.trim();
    if (t) signIn(t);
  });
  var m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m) {
    // The token never stays in the address bar or the history.
    history.replaceState(null, '', location.pathname + location.search);
    var token = '';
    try { token = decodeURIComponent(m[1]); } catch (e) { token = m[1]; }
    if (token) signIn(token);
  }
})();
</script>
</body>
</html>
`;
}
