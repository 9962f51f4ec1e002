/**
 * SigV4 signing of JSON-RPC requests to an IAM-protected API Gateway endpoint
 * (service `execute-api`), with the SDK's own signer and the default credential chain.
 */
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface SigV4Options {
  /** @default the region in an `execute-api` host, else AWS_REGION */
  region?: string;
  /** @default 'execute-api' */
  service?: string;
  /** @default the default credential chain (environment, SSO, profile, instance/container role…) */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The signing time; tests pass a fixed one. @default now */
  clock?: () => Date;
}

/** `<api-id>.execute-api.<region>.amazonaws.com` (or .com.cn): a deployed API Gateway endpoint. */
const EXECUTE_API = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** The region of an `execute-api` URL, or undefined when the host is not one. */
export function executeApiRegion(url: string | URL): string | undefined {
  return EXECUTE_API.exec(new URL(url).hostname)?.[1];
}

/** Headers to add to a POST of `body` to `url`: Authorization, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token. */
export type RequestSigner = (
  url: URL,
  body: string,
  headers: Record<string, string>,
) => Promise<Record<string, string>>;

export function createSigV4Signer(options: SigV4Options = {}, url?: URL): RequestSigner {
  const region =
    options.region ?? (url && executeApiRegion(url)) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('SigV4 needs a region: give one, or set AWS_REGION');
  // The credential chain is loaded only when needed: a token or local client never pulls it in.
  // The chain caches and refreshes what it resolved: build it once.
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  const credentials =
    options.credentials ??
    (async () => {
      chain ??= import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider());
      return (await chain)();
    });
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  return async (target, body, headers) => {
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port ? Number(target.port) : undefined,
        path: target.pathname,
        query: Object.fromEntries(target.searchParams),
        headers: { ...headers, host: target.host },
        body,
      },
      { signingDate: options.clock?.() },
    );
    const { host: _host, ...rest } = signed.headers;
    return rest;
  };
}
