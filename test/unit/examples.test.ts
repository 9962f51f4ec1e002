/**
 * The examples that can run without emulators run with `npm test`: the tests of
 * examples/jobs.test.ts (docs/testing.md quotes them) register here.
 */
import '../../examples/jobs.test.js';
