/**
 * The CDK app: skytask's TaskQueue with the jobs of src/jobs.ts (bundled into its Lambda
 * functions with esbuild, no Docker). `npx cdk synth` (offline: `npm run synth`),
 * `npx cdk deploy`. Its props, IAM, alarms and outputs: skytask's docs/deploy.md.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TaskQueue } from 'skytask/cdk';

const app = new App();
const stack = new Stack(app, 'MyApp');
new TaskQueue(stack, 'Tasks', { jobs: 'src/jobs.ts' }); // relative to where cdk runs: this project
// cdk-nag's AWS Solutions checks: a finding that is not acknowledged with a reason fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
