/**
 * The file piscina loads in each worker: a CommonJS module whose export is the promise of the
 * worker module (worker.ts), imported with import().
 *
 * Why not worker.ts itself: piscina loads a worker's file with require() first. On Node 20,
 * require() of an ES module instantiates its graph synchronously, and a worker terminated in that
 * moment (piscina terminates the worker of an aborted task, which happens whenever a client
 * leaves) aborts the whole process with the V8 fatal error "v8::Module::IsGraphAsync must be used
 * on an instantiated module" (Node's InstantiateSync does not check for termination). Measured:
 * 16 clients abandoning requests after 0-30 ms brought the service down within 70 s. import()
 * instantiates asynchronously and a termination there only ends the worker.
 *
 * piscina takes a CommonJS export that is not a function as a namespace and awaits its
 * `default`, here the promise of worker.ts's default export.
 */
module.exports = import('./worker.js').then((worker) => worker.default);
