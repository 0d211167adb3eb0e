// Relationships between events (client-server-api, "Forming relationships between events", and the
// rules each rel_type adds: event replacements, annotations, threads, references). Pure: given a child and
// its parent, says whether the relationship counts. Relationships that break the rules are ignored, not
// rejected: the child is still an ordinary event.
import type { JsonObject } from './canonical-json.js';
import { isJsonObject } from './canonical-json.js';

export interface Relation {
  relType: string;
  eventId: string;
  /** The annotation key of an m.annotation. */
  key?: string;
}

/** The parts of an event the rules look at. */
export interface RelatedEvent {
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  state_key?: string;
  content: JsonObject;
}

/** content['m.relates_to'] when it has the shape the spec requires (rel_type and event_id strings). */
export function relationOf(content: JsonObject | undefined): Relation | undefined {
  const relatesTo = content?.['m.relates_to'];
  if (typeof relatesTo !== 'object' || relatesTo === null || Array.isArray(relatesTo)) return undefined;
  const { rel_type: relType, event_id: eventId, key } = relatesTo;
  if (typeof relType !== 'string' || typeof eventId !== 'string') return undefined;
  return typeof key === 'string' ? { relType, eventId, key } : { relType, eventId };
}

/**
 * Whether `child`'s relation to `parent` is valid. `parentRelation` is the parent's own relation, or
 * undefined when it has none (a redacted parent has none: redaction removes m.relates_to).
 */
export function isValidRelation(
  child: RelatedEvent,
  relation: Relation,
  parent: RelatedEvent,
  parentRelation: Relation | undefined,
): boolean {
  if (parent.room_id !== child.room_id || parent.event_id === child.event_id) return false;
  switch (relation.relType) {
    case 'm.replace':
      return (
        parent.sender === child.sender &&
        parent.type === child.type &&
        parent.state_key === undefined &&
        child.state_key === undefined &&
        parentRelation?.relType !== 'm.replace' &&
        // Encrypted edits carry m.new_content inside the ciphertext, out of the server's sight.
        (child.type === 'm.room.encrypted' || isJsonObject(child.content['m.new_content']))
      );
    case 'm.annotation':
      return (
        relation.key !== undefined &&
        parentRelation?.relType !== 'm.annotation' &&
        parentRelation?.relType !== 'm.replace'
      );
    case 'm.thread':
      // A thread root is an event without a relation of its own, so threads never nest.
      return parentRelation === undefined;
    default:
      return true;
  }
}
