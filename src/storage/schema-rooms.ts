// Tables of rooms: events, state, streams, memberships, aliases.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RoomTables {}
