// Every test file counts towards coverage of everything under src/ except the worker entry,
// which only runs inside worker threads (invisible to coverage) and the process entry, which
// the end-to-end tests run as a separate process (server.ts and serve.ts), and the CLI's process entry (src/cli/bin.ts), likewise.
// The TypeScript client package (clients/typescript/src) counts too: tests import its build, whose
// source maps point coverage back at its sources.
export default () => [
  'src/**/*.ts',
  'clients/typescript/src/**/*.ts',
  '!src/worker.ts',
  '!src/server.ts',
  '!src/serve.ts',
  '!src/cli/bin.ts',
];
