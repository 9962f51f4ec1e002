/**
 * A Lambda function's environment variables, as Lambda counts and refuses them. The CDK
 * construct checks every function it makes against this at synth (cdk/environment-size.ts).
 *
 * Sources (AWS, 2026-11): Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
 * "Function environment variables: 4 KB, for all environment variables associated with the
 * function, in aggregate"; "Working with Lambda environment variables" (configuration-envvars):
 * the total size of all of them must not exceed 4 KB. What is counted is what CreateFunction
 * and UpdateFunctionConfiguration refuse with: "Lambda was unable to configure your
 * environment variables because the environment variables you have provided exceeded the
 * 4KB limit. String measured: {"KEY":"value",…}" — the variables as one JSON object, keys
 * and values with their quotes, colons, commas and escapes (LocalStack measures the same
 * compact JSON, in UTF-8 bytes, against 4,096).
 */
import { utf8Bytes } from '../bytes.js';

export const LAMBDA_LIMITS = {
  /** A function's environment variables together, counted by `environmentBytes`: 4 KB. */
  environmentBytes: 4 * 1024,
} as const;

/** The bytes Lambda counts for a function's environment variables: the UTF-8 bytes of their compact JSON object. */
export const environmentBytes = (variables: Readonly<Record<string, string>>): number =>
  utf8Bytes(JSON.stringify(variables));
