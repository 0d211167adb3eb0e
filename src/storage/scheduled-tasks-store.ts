// The scheduled_tasks table: background work (room deletion, history purges) with its status, parameters
// and progress, so that a status can be asked for later and a task interrupted by a crash can resume.
import type { Kysely } from 'kysely';
import type { JsonObject } from '../protocol/canonical-json.js';
import type { Schema } from './schema.js';

export type TaskStatus = 'scheduled' | 'active' | 'complete' | 'failed';

export interface ScheduledTask {
  id: string;
  action: string;
  status: TaskStatus;
  timestamp: number;
  resourceId: string | null;
  params: JsonObject;
  result: JsonObject | null;
  error: string | null;
}

export interface TaskFilter {
  actions?: readonly string[];
  resourceId?: string;
  statuses?: readonly TaskStatus[];
  /** Only tasks whose timestamp is strictly lower. */
  maxTimestamp?: number;
}

type Row = Schema['scheduled_tasks'];

function taskOf(row: Row): ScheduledTask {
  return {
    id: row.id,
    action: row.action,
    status: row.status as TaskStatus,
    timestamp: Number(row.timestamp),
    resourceId: row.resource_id,
    params: JSON.parse(row.params) as JsonObject,
    result: row.result === null ? null : (JSON.parse(row.result) as JsonObject),
    error: row.error,
  };
}

export async function insertTask(db: Kysely<Schema>, task: ScheduledTask): Promise<void> {
  await db
    .insertInto('scheduled_tasks')
    .values({
      id: task.id,
      action: task.action,
      status: task.status,
      timestamp: task.timestamp,
      resource_id: task.resourceId,
      params: JSON.stringify(task.params),
      result: task.result === null ? null : JSON.stringify(task.result),
      error: task.error,
    })
    .execute();
}

export async function updateTask(
  db: Kysely<Schema>,
  id: string,
  change: { status?: TaskStatus; timestamp?: number; result?: JsonObject | null; error?: string | null },
): Promise<void> {
  await db
    .updateTable('scheduled_tasks')
    .set({
      ...(change.status === undefined ? {} : { status: change.status }),
      ...(change.timestamp === undefined ? {} : { timestamp: change.timestamp }),
      ...(change.result === undefined
        ? {}
        : { result: change.result === null ? null : JSON.stringify(change.result) }),
      ...(change.error === undefined ? {} : { error: change.error }),
    })
    .where('id', '=', id)
    .execute();
}

export async function getTask(db: Kysely<Schema>, id: string): Promise<ScheduledTask | undefined> {
  const row = await db.selectFrom('scheduled_tasks').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? taskOf(row) : undefined;
}

/** Tasks matching every given condition, oldest first. */
export async function listTasks(db: Kysely<Schema>, filter: TaskFilter): Promise<ScheduledTask[]> {
  const rows = await db
    .selectFrom('scheduled_tasks')
    .selectAll()
    .$if(filter.actions !== undefined, (qb) => qb.where('action', 'in', filter.actions!))
    .$if(filter.resourceId !== undefined, (qb) => qb.where('resource_id', '=', filter.resourceId!))
    .$if(filter.statuses !== undefined, (qb) => qb.where('status', 'in', filter.statuses!))
    .$if(filter.maxTimestamp !== undefined, (qb) => qb.where('timestamp', '<', filter.maxTimestamp!))
    .orderBy('timestamp')
    .orderBy('id')
    .execute();
  return rows.map(taskOf);
}

/** Deletes complete and failed tasks whose last change was before `before`; returns how many. */
export async function deleteFinishedTasks(db: Kysely<Schema>, before: number): Promise<number> {
  const result = await db
    .deleteFrom('scheduled_tasks')
    .where('status', 'in', ['complete', 'failed'])
    .where('timestamp', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
