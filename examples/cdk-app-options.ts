/** A CDK app with skytask, some props and a caller of the endpoint (docs/deploy.md quotes it). */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Role } from 'aws-cdk-lib/aws-iam';
import { TaskQueue } from 'skytask/cdk';

const app = new App();
const stack = new Stack(app, 'Tasks');
const tasks = new TaskQueue(stack, 'Tasks', {
  jobs: 'src/jobs.ts', // relative to where `cdk` runs, or absolute
  consumerTimeout: Duration.minutes(5),
});
// Who may call POST /rpc: here an existing role of one of your services.
tasks.grantInvoke(Role.fromRoleName(stack, 'Billing', 'billing-service'));
// A monitoring role that may only read tasks and queue statistics (POST /rpc/read).
tasks.grantRead(Role.fromRoleName(stack, 'Monitoring', 'monitoring'));
