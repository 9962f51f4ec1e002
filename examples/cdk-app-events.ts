/** A CDK app whose task events go to a queue and a function (docs/events.md quotes it). */
import { App, Stack } from 'aws-cdk-lib';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Function as LambdaFn } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { TaskQueue } from 'skytask/cdk';

const app = new App();
const stack = new Stack(app, 'Tasks');
const failuresQueue = Queue.fromQueueArn(stack, 'Failures', 'arn:aws:sqs:us-east-1:123456789012:failures');
const notify = LambdaFn.fromFunctionName(stack, 'Notify', 'notify');

const tasks = new TaskQueue(stack, 'Tasks', { jobs: 'src/jobs.ts', events: true });
tasks.onTaskEvent('Failures', { kinds: ['failed', 'deadLettered'] }, new SqsQueue(failuresQueue));
tasks.onTaskEvent('Reports', { kinds: ['succeeded'], jobs: ['monthly-report'] }, new LambdaFunction(notify));
