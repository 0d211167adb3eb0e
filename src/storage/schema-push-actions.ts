// The event_push_actions table: per local user, the events a push rule said to notify them of.

export interface EventPushActionsTable {
  room_id: string;
  user_id: string;
  event_id: string;
  /** events.stream_ordering of event_id: compared with the user's read receipt. */
  stream_ordering: number;
  /** 'main' for the main timeline, else the thread root's event id. */
  thread_id: string;
  /** 1: the rule's actions included notify (rows are only written then, kept for clarity and later use). */
  notify: number;
  /** 1: the rule set the highlight tweak. */
  highlight: number;
}

/** Both tables of notification rows: every read and delete of the rows looks at both. */
export const PUSH_ACTION_TABLES = ['event_push_actions', 'event_push_actions_recent'] as const;

export interface PushActionTables {
  event_push_actions: EventPushActionsTable;
  /** New rows, ordered by stream ordering, until moved into event_push_actions (push-actions-store.ts). */
  event_push_actions_recent: EventPushActionsTable;
}
