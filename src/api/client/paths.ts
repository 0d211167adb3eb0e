// Client-server endpoints answer under /v3 and, exactly the same, under the older /r0 that Synapse still
// serves (older clients, bridges and test suites use it).
export function clientPaths(path: string): string[] {
  return [`/_matrix/client/v3${path}`, `/_matrix/client/r0${path}`];
}
