declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  interface S3rverOptions {
    port?: number;
    address?: string;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    configureBuckets?: { name: string }[];
  }
  /** A Koa app: `middleware` is Koa's list, composed when the server starts. */
  export default class S3rver {
    constructor(options: S3rverOptions);
    middleware: ((ctx: any, next: () => Promise<void>) => Promise<void>)[];
    store: any;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
