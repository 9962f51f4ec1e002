/**
 * The examples that run without emulators run with `npm test`: the tests of
 * examples/*.test.ts (docs/testing.md quotes them) register here.
 */
import '../../examples/jobs.test.js';
import '../../examples/task-lifecycle.test.js';
import '../../examples/workflow-jobs.test.js';
