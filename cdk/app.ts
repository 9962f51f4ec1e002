/**
 * This repository's CDK app: skytask with the sample jobs of examples/. `npm run synth`,
 * `npx cdk deploy`. A team's own app does the same with its jobs module.
 */
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TaskQueue } from './task-queue.js';

const app = new App();
const stack = new Stack(app, 'Skytask', { description: 'skytask: a distributed task queue (sample jobs)' });
new TaskQueue(stack, 'Tasks', { jobs: fileURLToPath(new URL('../examples/jobs.ts', import.meta.url)) });
// A finding that is not acknowledged with a reason fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
