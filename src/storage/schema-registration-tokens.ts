// The registration tokens an admin hands out (migration 0014).

export interface RegistrationTokensTable {
  token: string;
  uses_allowed: number | null;
  pending: number;
  completed: number;
  expiry_time: number | null;
}

export interface RegistrationTokenTables {
  registration_tokens: RegistrationTokensTable;
}
