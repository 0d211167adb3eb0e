// Synapse's server_notices section: the system user that sends notices and how its room looks. Absent,
// server notices are off (the Admin API then answers 400, as Synapse). docs/configuration.md documents it.
import { ConfigValueError, boolean, map, object, optional, string, withDefault } from './schema.js';

/** The spec's localpart grammar (lowercase letters, digits and `._=-/+`). */
const localpart = map(string({ nonEmpty: true }), (value, path) => {
  if (!/^[a-z0-9._=\-/+]+$/.test(value))
    throw new ConfigValueError(path, 'a user id localpart (a-z, 0-9, ._=-/+)', value);
  return value;
});

export const serverNoticesConfig = optional(
  object({
    system_mxid_localpart: localpart,
    system_mxid_display_name: optional(string()),
    system_mxid_avatar_url: optional(string()),
    room_name: withDefault(string(), 'Server Notices'),
    room_avatar_url: optional(string()),
    room_topic: optional(string()),
    auto_join: withDefault(boolean(), false),
  }),
);

export type ServerNoticesConfig = NonNullable<ReturnType<typeof serverNoticesConfig>>;
