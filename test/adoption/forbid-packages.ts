/**
 * Which packages an import pulls in, checked by Node's module hooks: `--import` the URL
 * `forbidPackagesImport(names)` returns, and resolving any of those packages throws (the
 * import fails, naming it). Used on `skytask/client`, which services import to queue tasks:
 * it must not load the local stack's emulators, tsx, the CDK or the Lambda middleware.
 * Only imports resolved by the ES module loader are seen, which is how skytask's own
 * modules import every package.
 */

/** What importing `skytask/client` must not load. */
export const CLIENT_MUST_NOT_LOAD = [
  'dynalite',
  'fauxqs',
  's3rver',
  'tsx',
  'esbuild',
  'aws-cdk-lib',
  'constructs',
  '@middy/core',
  '@middy/sqs-partial-batch-failure',
  'commander',
  'pino-pretty',
];

const hooks = (names: string[]) => `
const forbidden = new Set(${JSON.stringify(names)});
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const match = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url);
  if (match && forbidden.has(match[1])) {
    throw new Error('forbidden package loaded: ' + match[1] + ' (imported by ' + context.parentURL + ')');
  }
  return resolved;
}`;

const dataUrl = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;

/** A URL for `node --import`: registers hooks that refuse to resolve any of `names`. */
export function forbidPackagesImport(names: string[]): string {
  return dataUrl(`import { register } from 'node:module'; register(${JSON.stringify(dataUrl(hooks(names)))});`);
}
