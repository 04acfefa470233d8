/**
 * Light/dark: the system's preference (prefers-color-scheme) unless the user picked one with the toggle, which
 * is remembered in localStorage. The choice is a data-theme attribute on <html>; styles.css does the rest.
 */
export type Theme = 'light' | 'dark';
const KEY = 'kubelab-console-theme';

export function storedTheme(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

export function systemTheme(): Theme {
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function effectiveTheme(): Theme {
  return storedTheme() ?? systemTheme();
}

export function applyTheme(): void {
  const t = storedTheme();
  if (t) document.documentElement.dataset['theme'] = t;
  else delete document.documentElement.dataset['theme'];
}

/** Switches to the other theme and remembers it. Returns the new one. */
export function toggleTheme(): Theme {
  const next: Theme = effectiveTheme() === 'dark' ? 'light' : 'dark';
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // storage refused (private mode): the toggle still works for this page
  }
  document.documentElement.dataset['theme'] = next;
  return next;
}
