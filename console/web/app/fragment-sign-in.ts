/**
 * A login link (`URL/#token=...`) opened in a browser that already has a console session: the server served the
 * app (it never sees a fragment), so the app signs in with the link's token itself: a link for another user
 * switches user. The fragment leaves the address bar and the history entry before anything renders or routes
 * (history.replaceState: the entry is rewritten, none is added), so the token is never shown, bookmarked or
 * reachable with Back, whether the sign-in succeeds or not.
 */
import { loginFragmentToken, urlWithoutFragment } from '../lib/login-fragment.ts';
import { CONSOLE_HEADER } from './transport.ts';

export type FragmentSignIn = { kind: 'none' } | { kind: 'signed-in'; user: string } | { kind: 'failed'; message: string };

/**
 * Takes a login token out of the current URL (rewriting the history entry without the fragment) and signs in
 * with it: POST /login, which replaces the session cookie. 'none' when the URL carries no login fragment.
 */
export async function signInFromFragment(): Promise<FragmentSignIn> {
  const token = loginFragmentToken(location.hash);
  if (token === undefined) return { kind: 'none' };
  history.replaceState(null, '', urlWithoutFragment(location));
  if (!token) return { kind: 'failed', message: 'the login link carries no token' };
  let res: Response;
  try {
    res = await fetch('/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', [CONSOLE_HEADER]: '1' },
      body: JSON.stringify({ token }),
    });
  } catch (err) {
    return { kind: 'failed', message: (err as Error).message };
  }
  const text = await res.text().catch(() => '');
  let body: { user?: unknown; message?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: the status line speaks
  }
  if (!res.ok) return { kind: 'failed', message: typeof body.message === 'string' ? body.message : `${res.status} ${res.statusText}` };
  return { kind: 'signed-in', user: typeof body.user === 'string' ? body.user : '' };
}

/**
 * Replaces the page with the failed sign-in (the session the browser had, if any, is unchanged): the message
 * and a way on, reloading the console as whoever the browser's session is (the login page without one).
 */
export function showSignInFailure(root: HTMLElement, message: string): void {
  root.textContent = '';
  const main = document.createElement('main');
  main.className = 'page';
  main.dataset['testid'] = 'link-sign-in-failed';
  const h1 = document.createElement('h1');
  h1.textContent = 'Sign-in failed';
  const p = document.createElement('p');
  p.setAttribute('role', 'alert');
  p.textContent = `The login link's token was refused: ${message}`;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Continue';
  button.addEventListener('click', () => location.replace(urlWithoutFragment(location)));
  main.append(h1, p, button);
  root.append(main);
  button.focus();
}
