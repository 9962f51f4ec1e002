/**
 * Lambda's 4 KB for a function's environment (lib/aws-rules/lambda.ts), checked at synth for
 * every skytask function. Most of a skytask function's environment is names CloudFormation
 * makes at deploy time — SKYTASK_QUEUES holds four SQS queue names per routed queue
 * (docs/routing.md) —, so the synth counts each reference as the value it will have:
 * a generated name as CloudFormation makes it, `<stack>-<logical id>-<13 characters>` cut to
 * the service's longest name, inside the URL or ARN the reference gives, with the longest
 * region, partition and URL suffix AWS has when the stack's environment is not fixed.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct, IConstruct } from 'constructs';
import { utf8Bytes } from '../lib/bytes.js';
import { environmentBytes, LAMBDA_LIMITS } from '../lib/aws-rules/lambda.js';

/** The longest value of each pseudo parameter (when the stack's account and region are not fixed). */
const PSEUDO: Record<string, string> = {
  'AWS::Region': 'ap-southeast-5',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws-us-gov',
  'AWS::URLSuffix': 'amazonaws.com.cn',
};
const [REGION, ACCOUNT, PARTITION, URL_SUFFIX] = Object.values(PSEUDO);

/** What a reference to a resource without a name of its own stands for: too long rather than too short. */
const UNKNOWN = 'x'.repeat(256);

/** A resource type whose references skytask's functions carry: its name property, longest name, Ref and attributes. */
interface Kind {
  nameProp: string;
  maxName: number;
  ref: (name: string) => string;
  attrs: Record<string, (name: string) => string>;
}

const arn = (service: string, resource: string, regional = true) =>
  `arn:${PARTITION}:${service}:${regional ? REGION : ''}:${ACCOUNT}:${resource}`;
const queueUrl = (name: string) => `https://sqs.${REGION}.${URL_SUFFIX}/${ACCOUNT}/${name}`;

const KINDS: Record<string, Kind> = {
  'AWS::SQS::Queue': {
    nameProp: 'queueName',
    maxName: 80,
    ref: queueUrl,
    attrs: { QueueName: (n) => n, QueueUrl: queueUrl, Arn: (n) => arn('sqs', n) },
  },
  'AWS::DynamoDB::Table': {
    nameProp: 'tableName',
    maxName: 255,
    ref: (n) => n,
    attrs: { Arn: (n) => arn('dynamodb', `table/${n}`) },
  },
  'AWS::S3::Bucket': {
    nameProp: 'bucketName',
    maxName: 63,
    ref: (n) => n,
    attrs: { Arn: (n) => `arn:${PARTITION}:s3:::${n}` },
  },
  'AWS::IAM::Role': {
    nameProp: 'roleName',
    maxName: 64,
    ref: (n) => n,
    attrs: { Arn: (n) => arn('iam', `role/${n}`, false) },
  },
  'AWS::Events::EventBus': {
    nameProp: 'name',
    maxName: 256,
    ref: (n) => n,
    attrs: { Name: (n) => n, Arn: (n) => arn('events', `event-bus/${n}`) },
  },
};

/** A resource's name once deployed: its own, or the one CloudFormation generates for it. */
function deployedName(stack: Stack, resource: CfnResource, kind: Kind): string {
  const own = (resource as unknown as Record<string, unknown>)[kind.nameProp];
  if (typeof own === 'string' && !own.startsWith('${Token')) return own;
  return `${stack.stackName}-${stack.resolve(resource.logicalId)}-${'X'.repeat(13)}`.slice(0, kind.maxName);
}

/** A resolved CloudFormation value (a string, Ref, Fn::GetAtt, Fn::Join) as the text it will be once deployed. */
function deployedValue(stack: Stack, resources: Map<string, CfnResource>, value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v?.['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => deployedValue(stack, resources, part)).join(separator);
  }
  const [id, attr] = v?.Ref !== undefined ? [v.Ref, undefined] : (v?.['Fn::GetAtt'] ?? []);
  if (typeof id === 'string' && attr === undefined && PSEUDO[id]) return PSEUDO[id];
  const resource = resources.get(id);
  const kind = resource && KINDS[resource.cfnResourceType];
  if (!resource || !kind) return UNKNOWN;
  const name = deployedName(stack, resource, kind);
  if (attr === undefined) return kind.ref(name);
  return kind.attrs[attr]?.(name) ?? UNKNOWN;
}

/** The environment of a function as it will be once deployed (values estimated as the module says). */
export function deployedEnvironment(fn: IConstruct): Record<string, string> {
  const stack = Stack.of(fn);
  const resources = new Map(
    stack.node
      .findAll()
      .filter(CfnResource.isCfnResource)
      .map((r) => [stack.resolve(r.logicalId) as string, r]),
  );
  const environment = stack.resolve((fn.node.defaultChild as CfnFunction).environment) ?? {};
  const variables: Record<string, unknown> = environment.variables ?? environment.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [key, deployedValue(stack, resources, value)]),
  );
}

/**
 * The synth's error when `fn`'s environment would pass Lambda's 4 KB once deployed: its size,
 * the limit, and its largest variables. Added to every skytask function as a validation
 * (`node.addValidation`), so that it also counts variables added after the construct.
 */
export function environmentErrors(fn: Construct): string[] {
  const variables = deployedEnvironment(fn);
  const bytes = environmentBytes(variables);
  if (bytes <= LAMBDA_LIMITS.environmentBytes) return [];
  const largest = Object.entries(variables)
    .map(([key, value]) => ({ key, bytes: utf8Bytes(JSON.stringify({ [key]: value })) - 2 }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((v) => `${v.key} ${v.bytes.toLocaleString('en')} bytes`);
  return [
    `TaskQueue: the environment of function ${fn.node.path} would be about ${bytes.toLocaleString('en')} bytes ` +
      `once deployed, over Lambda's limit of 4 KB (${LAMBDA_LIMITS.environmentBytes.toLocaleString('en')} bytes ` +
      `for all its variables, keys and values, as the JSON Lambda measures). The largest: ${largest.join(', ')}. ` +
      'SKYTASK_QUEUES names four SQS queues per routed queue: declare fewer queues (defineQueue), or give the ' +
      'stack and the construct shorter names (docs/routing.md#what-gets-deployed)',
  ];
}
