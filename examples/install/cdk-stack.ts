// lib/<name>-stack.ts
import { Stack } from 'aws-cdk-lib';
import { TaskQueue } from 'skytask/cdk';

export class TasksStack extends Stack {
  // in the stack's constructor:
  readonly tasks = new TaskQueue(this, 'Tasks', { jobs: 'jobs.ts' }); // relative to where cdk runs
}
