/**
 * The root package's "exports" ".": the TypeScript client, which lives in its own package
 * (clients/typescript, `focal-loss-client`, no dependencies) and is re-exported here unchanged, so
 * code importing the service package's client keeps working without a second copy of it.
 */
export * from 'focal-loss-client';
