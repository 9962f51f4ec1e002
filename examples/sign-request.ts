/**
 * A SigV4-signed JSON-RPC call with plain fetch (docs/deploy.md quotes it). The HTTP client
 * of skytask/client does this for you; this is the same signer, for a request of your own.
 */
import { createSigV4Signer } from 'skytask/client';

const url = new URL(process.env.RPC_URL!); // https://<api id>.execute-api.<region>.amazonaws.com/rpc
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'get_task', params: { id: 'some-id' } });
// The region comes from the execute-api host; the credentials from the default AWS chain.
const sign = createSigV4Signer({}, url);
const headers = await sign(url, body, { 'content-type': 'application/json' });
const response = await fetch(url, { method: 'POST', headers, body });
console.log(await response.json());
