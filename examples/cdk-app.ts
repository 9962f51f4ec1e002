/** The smallest CDK app with skytask (the README quotes it). Deploy: `npx cdk deploy`. */
import { App, Stack } from 'aws-cdk-lib';
import { TaskQueue } from 'skytask/cdk';

const app = new App();
const stack = new Stack(app, 'MyApp');
new TaskQueue(stack, 'Tasks', { jobs: 'src/jobs.ts' });
