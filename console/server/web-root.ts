import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The front-end build of the tree this module belongs to: dist/console/web/ beside dist/console/server/ when
 * compiled, or the checkout's dist/console/web/ when run from source.
 */
export function defaultWebRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const consoleDir = dirname(here);
  if (basename(dirname(consoleDir)) === 'dist') return join(consoleDir, 'web');
  return join(dirname(consoleDir), 'dist', 'console', 'web');
}
