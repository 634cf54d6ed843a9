// The one Node.js API the library uses; workerd provides it without the nodejs_compat flag.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
