/**
 * The dashboard's page: static files of the package (local/dashboard/static/, copied to
 * dist/ by the build), served by the local HTTP server at `/` and `/dashboard/<file>` —
 * the local stack's and `skytask dashboard`'s alike. No build step: plain HTML, CSS and ES
 * modules that speak the JSON-RPC API of the same origin (docs/dashboard.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { packageFile } from '../../lib/package-file.js';

/** Where the page's files are served: `/` is index.html, the others are under this path. */
export const ASSET_PATH = '/dashboard/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * What every file of the page is sent with. The page shows what callers put in tasks
 * (kwargs, results, errors): it writes them as text, never as HTML, and the policy lets
 * only the page's own scripts run, so text that looks like a script stays text. Framing is
 * refused (a site that frames the page could trick a click on "purge"), nothing is cached,
 * and no Referer leaves the page (the proxy's URL carries its token in the fragment, which
 * browsers never send; this keeps the path out too).
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

interface Asset {
  type: string;
  body: string;
}

let assets: Map<string, Asset> | undefined;

/** The page's files by URL path, read once: only the names in the folder are served, so no path can leave it. */
function load(): Map<string, Asset> {
  const dir = packageFile('local/dashboard/static');
  const files = readdirSync(dir).filter((name) => TYPES[extname(name)] && /^[a-z][a-z0-9-]*\.[a-z]+$/.test(name));
  return new Map(
    files.map((name) => [
      name === 'index.html' ? '/' : `${ASSET_PATH}${name}`,
      { type: TYPES[extname(name)], body: readFileSync(join(dir, name), 'utf8') },
    ]),
  );
}

/** The response for a GET of `path`, or undefined when the page has no such file. */
export function dashboardAsset(path: string): APIGatewayProxyStructuredResultV2 | undefined {
  assets ??= load();
  const asset = assets.get(path);
  if (!asset) return undefined;
  return { statusCode: 200, headers: { ...PAGE_HEADERS, 'content-type': asset.type }, body: asset.body };
}
