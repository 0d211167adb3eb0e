// Tables of migration 17 (ratelimit). Placeholder filled in by the work that owns it (issue 8).

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RatelimitTables {}
