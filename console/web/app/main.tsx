/**
 * The console's entry: theme first (no flash); a login link's token taken out of the URL and signed in with
 * (fragment-sign-in.ts) before anything renders or routes; then the runtime (informers) and the app.
 */
import { render } from 'preact';
import { App } from './app.tsx';
import { signInFromFragment, showSignInFailure } from './fragment-sign-in.ts';
import { RuntimeContext } from './hooks.ts';
import { ConsoleRuntime } from './runtime.ts';
import { applyTheme } from './theme.ts';
import { loginFragmentToken } from '../lib/login-fragment.ts';
import './styles.css';

applyTheme();
const root = document.getElementById('app');
if (!root) throw new Error('#app is missing from index.html');
const appRoot: HTMLElement = root;
let runtime: ConsoleRuntime | undefined;

// A login link opened on a console tab that is already open is a same-document navigation (only the fragment
// changes): this listener, added before the app's router, takes the token before any route sees it, then
// reloads the console as the link's user. Capture phase on window: it runs first.
window.addEventListener(
  'hashchange',
  (e) => {
    if (loginFragmentToken(location.hash) === undefined) return;
    e.stopImmediatePropagation();
    void signInFromFragment().then((r) => {
      if (r.kind === 'signed-in') location.reload();
      else if (r.kind === 'failed') stopAndShowFailure(r.message);
    });
  },
  { capture: true },
);

function stopAndShowFailure(message: string): void {
  if (runtime) {
    render(null, appRoot);
    runtime.stop();
    runtime = undefined;
  }
  showSignInFailure(appRoot, message);
}

async function boot(): Promise<void> {
  const signIn = await signInFromFragment();
  if (signIn.kind === 'failed') {
    showSignInFailure(appRoot, signIn.message);
    return;
  }
  runtime = new ConsoleRuntime();
  runtime.start();
  appRoot.textContent = '';
  render(
    <RuntimeContext.Provider value={runtime}>
      <App />
    </RuntimeContext.Provider>,
    appRoot,
  );
}

void boot();
