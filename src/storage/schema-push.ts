// Tables of push rules: the rules users made, and users' changes to the server-default rules (whose
// definitions live in code, services/push/default-rules.ts). Booleans are integers 0/1; JSON is text.

export interface PushRulesTable {
  user_id: string;
  /** override, content, room, sender or underride. */
  kind: string;
  rule_id: string;
  /** Order within the user's rules of this kind: 0 is the most important. */
  position: number;
  /** JSON array of conditions (override and underride rules); null for other kinds. */
  conditions: string | null;
  /** The glob pattern of a content rule; null for other kinds. */
  pattern: string | null;
  /** JSON array of actions. */
  actions: string;
  enabled: number;
}

export interface PushRuleDefaultsTable {
  user_id: string;
  kind: string;
  /** A server-default rule id, e.g. `.m.rule.master`. */
  rule_id: string;
  /** null: the default's own value. */
  enabled: number | null;
  /** JSON array of actions; null: the default's own actions. */
  actions: string | null;
}

export interface PushTables {
  push_rules: PushRulesTable;
  push_rule_defaults: PushRuleDefaultsTable;
}
