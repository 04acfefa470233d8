/** The console's entry: theme first (no flash), then the runtime (informers) and the app. */
import { render } from 'preact';
import { App } from './app.tsx';
import { RuntimeContext } from './hooks.ts';
import { ConsoleRuntime } from './runtime.ts';
import { applyTheme } from './theme.ts';
import './styles.css';

applyTheme();
const runtime = new ConsoleRuntime();
runtime.start();
const root = document.getElementById('app');
if (!root) throw new Error('#app is missing from index.html');
root.textContent = '';
render(
  <RuntimeContext.Provider value={runtime}>
    <App />
  </RuntimeContext.Provider>,
  root,
);
