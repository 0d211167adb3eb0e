// Avoiding duplicate annotations (client-server-api, "Event annotations and reactions"): a local client's
// second annotation with the same sender, event type, annotated event and key is refused with 400
// M_DUPLICATE_ANNOTATION. A redacted annotation does not count, so un-reacting and reacting again works.
//
// The check runs under the room's lock, but relation rows are written after their event commits (and
// after the lock is released): an annotation persisted and not yet recorded is held here from the
// after-persist hook, which runs before the lock is released, until its row is written.
import type { StoredEvent } from '../../storage/events-store.js';
import { annotationsOf, type AnnotationKey } from '../../storage/relations-store.js';
import { relationOf } from '../../protocol/relations.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import type { RoomServices } from '../rooms/index.js';

/** The annotation an event's content makes, if any. */
export function annotationOf(type: string, sender: string, content: JsonObject): AnnotationKey | undefined {
  const relation = relationOf(content);
  if (relation?.relType !== 'm.annotation' || relation.key === undefined) return undefined;
  return { relatesToId: relation.eventId, sender, type, key: relation.key };
}

const keyOf = (a: AnnotationKey) => JSON.stringify([a.relatesToId, a.sender, a.type, a.key]);

export class DuplicateAnnotations {
  /** Annotations persisted whose relation rows are not written yet: key -> their event ids. */
  private readonly pending = new Map<string, Set<string>>();

  constructor(
    private readonly rooms: RoomServices,
    /** Resolves once the start-up catch-up has recorded what a crash lost. */
    private readonly caughtUp: () => Promise<void>,
  ) {}

  /** Holds a persisted annotation until `recorded` (call from the after-persist hook). */
  persisted(stored: StoredEvent): void {
    const { event } = stored;
    const a = annotationOf(event.type, event.sender, event.content);
    if (!a) return;
    const key = keyOf(a);
    const ids = this.pending.get(key) ?? new Set<string>();
    ids.add(event.event_id);
    this.pending.set(key, ids);
  }

  /** The annotation's relation row is written (or was found invalid): the table now answers for it. */
  recorded(stored: StoredEvent): void {
    const { event } = stored;
    const a = annotationOf(event.type, event.sender, event.content);
    if (!a) return;
    const key = keyOf(a);
    const ids = this.pending.get(key);
    ids?.delete(event.event_id);
    if (ids?.size === 0) this.pending.delete(key);
  }

  /** Refuses an event that would repeat one of its sender's live annotations. */
  async check(draft: { type: string; sender: string; content: JsonObject }): Promise<void> {
    const a = annotationOf(draft.type, draft.sender, draft.content);
    if (!a) return;
    await this.caughtUp();
    const candidates = [...(this.pending.get(keyOf(a)) ?? [])];
    candidates.push(...(await annotationsOf(this.rooms.store.db, a)));
    for (const eventId of candidates) {
      const stored = await this.rooms.store.getEvent(eventId);
      if (stored && !stored.redactedBy) {
        throw new MatrixError(400, 'M_DUPLICATE_ANNOTATION', "Can't send the same annotation twice");
      }
    }
  }
}
