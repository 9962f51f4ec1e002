/**
 * Files of the skytask package, named by their source path. In the repository the code
 * runs from its TypeScript sources (under tsx); installed, from the build in `dist/`, which
 * has the same layout with `.js` files. Both are one folder below the package root here.
 */
import { fileURLToPath } from 'node:url';

/** Whether this process runs skytask from its TypeScript sources (a loader such as tsx is active). */
export const fromSources = import.meta.url.endsWith('.ts');

/**
 * The absolute path of a file of the package: `packageFile('functions/consumer.ts')` is
 * that file in the repository, `…/dist/functions/consumer.js` in an installed package.
 */
export function packageFile(sourcePath: string): string {
  const path = fromSources ? sourcePath : sourcePath.replace(/\.ts$/, '.js');
  return fileURLToPath(new URL(`../${path}`, import.meta.url));
}
