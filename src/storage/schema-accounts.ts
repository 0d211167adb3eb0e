// Tables of accounts: users, access tokens, devices, profiles, account data, filters, UIA sessions.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AccountTables {}
