/**
 * The payload bucket (docs/payloads.md): kwargs and results over a task item's budget.
 * Encrypted (SSE-S3), public access blocked, TLS only, no versions (a copy onto itself
 * replaces the object: lifecycle counts days from the copy). Two lifecycle rules, on the
 * `skytask-expiry` tag: uploads no task took go after a day, payloads of ended tasks after the
 * retention plus a day (`endedDays`); unfinished multipart uploads after a day. Grants are
 * per function and per prefix: `payloadAccess`.
 */
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EXPIRY_TAG } from '../lib/payload-store.js';
import { endedDays, TASKS, UPLOAD_DAYS, UPLOADS } from '../lib/payloads/ref.js';
import { SECONDS_PER_DAY, SETTINGS } from '../lib/settings.js';

export function createPayloadBucket(
  scope: Construct,
  p: { removalPolicy: RemovalPolicy; taskRetentionDays: number },
): Bucket {
  const bucket = new Bucket(scope, 'Payloads', {
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: p.removalPolicy,
    lifecycleRules: [
      { id: 'uploads-no-task-took', tagFilters: { [EXPIRY_TAG]: 'upload' }, expiration: Duration.days(UPLOAD_DAYS) },
      {
        id: 'payloads-of-ended-tasks',
        tagFilters: { [EXPIRY_TAG]: 'ended' },
        expiration: Duration.days(endedDays(p.taskRetentionDays * SECONDS_PER_DAY)),
      },
      { id: 'unfinished-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions::AwsSolutions-S1',
    reason:
      'The bucket holds task payloads that only the TaskQueue functions read and write, each object named by its ' +
      'task; who queued what is on the task record and in the API access logs. Server access logs would be a second ' +
      'bucket with its own findings; enable CloudTrail S3 data events where an audit needs object access.',
  });
  return bucket;
}

/** What a function does with the bucket: the RPC function, the consumer, the reconciler. */
export type PayloadUser = 'rpc' | 'consumer' | 'reconciler';

/**
 * The environment and statements a function needs for the bucket, and no more:
 * - every user: read a task's objects, write them (a large sub-task's kwargs, a result) and
 *   copy them onto themselves with a tag when their task ends (Get, Put, PutObjectTagging);
 * - the RPC function: also read uploads and sign their PUTs (a presigned URL carries its
 *   signer's rights: Put and PutObjectTagging on `uploads/`), and delete a deleted task's objects;
 * - the consumer: delete an object whose record was not written (a lost race for an id).
 */
export function payloadAccess(bucket: Bucket, user: PayloadUser) {
  const rw = ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'];
  const statements = [
    new PolicyStatement({
      actions: user === 'reconciler' ? rw : ['s3:DeleteObject', ...rw],
      resources: [bucket.arnForObjects(`${TASKS}*`)],
    }),
  ];
  if (user === 'rpc')
    statements.push(new PolicyStatement({ actions: rw, resources: [bucket.arnForObjects(`${UPLOADS}*`)] }));
  return { environment: { [SETTINGS.payloadBucket.env]: bucket.bucketName }, statements };
}

/** cdk-nag's IAM5 for a role with `payloadAccess`: object keys are task ids, known only at run time. */
export function acknowledgePayloadWildcards(role: Construct, bucket: Bucket, user: PayloadUser): void {
  const prefixes = user === 'rpc' ? [TASKS, UPLOADS] : [TASKS];
  for (const prefix of prefixes) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId(bucket)}.Arn>/${prefix}*]`,
      reason: `The payload bucket names each object after its task (${prefix}<task id>/…): the keys exist only at run time.`,
    });
  }
}

const logicalId = (bucket: Bucket) => Stack.of(bucket).resolve((bucket.node.defaultChild as CfnBucket).logicalId);
