// Re-exported for the HTTP layer; the class lives in src/matrix-error.ts so services can throw it too.
export * from '../matrix-error.js';
