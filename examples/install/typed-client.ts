// ES modules or TypeScript, with the jobs module's types
import { createHttpClient } from 'skytask/client';
const client = createHttpClient<typeof import('./jobs.js')>({ url: process.env.SKYTASK_URL! });
export default client;
