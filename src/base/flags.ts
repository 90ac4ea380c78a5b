import {Flags} from '@oclif/core'
import {parseDuration} from '../lib/duration.js'

/** Shared flags, declared once so every command spells and documents them alike. */
// `aliases` are the official Atlas CLI's names for the same flag (--projectId, --watch, --deleteAfter).
export const projectFlag = Flags.string({
  char: 'p',
  aliases: ['projectId'],
  description:
    "Project name or id (default: MONGODB_ATLAS_PROJECT_ID / ATLAS_PROJECT_ID, then the profile's projectId).",
})

/** Where new projects go: the one org-id flag of the commands that create projects. */
export const orgIdFlag = Flags.string({
  description:
    "Organization for new projects (default: MONGODB_ATLAS_ORG_ID, the profile's orgId, or the only org the key sees).",
})

export const waitFlag = Flags.boolean({
  allowNo: true,
  aliases: ['watch'],
  description: 'Wait until Atlas finishes (default: on a terminal).',
})
/** Atlas shows an M0 UPDATING while it takes a database-user change; the credentials work after. */
export const userWaitFlag = Flags.boolean({
  allowNo: true,
  aliases: ['watch'],
  description:
    'Wait until each M0 the user reaches has taken the change; Atlas shows it UPDATING meanwhile (default: on a terminal).',
})
/** A duration flag, parsed and checked at parse time (90s, 15m, 1h, 7d): a bad value is exit 2 naming it. */
export const durationFlag = Flags.custom<number>({
  parse: async (value, _context, options) => parseDuration(value, options.name),
})

export const timeoutFlag = durationFlag({
  description:
    'Give up waiting after this long (exit 5), e.g. 90s, 15m, 1h. Default: four times what Atlas usually takes for the change, at least 10m (an M10 creation: 1h; an upgrade from M0: 1h40m).',
})

export const credentialFlags = {
  'credentials-file': Flags.string({
    description:
      'Write the user name, password and connection string to this file (mode 0600; other users in it are kept).',
  }),
  'show-password': Flags.boolean({description: 'Print the password (and include it in --json).'}),
}

/** Where MongoDB-side commands connect: a URI, or an Atlas cluster resolved through the API. */
export const targetFlags = {
  uri: Flags.string({description: 'MongoDB connection string of the target.', exclusive: ['cluster']}),
  cluster: Flags.string({description: 'Atlas cluster name: its connection string comes from the Atlas API.'}),
  project: projectFlag,
  'credentials-file': Flags.string({
    description: 'With --cluster: the user and password (as written by "user add --credentials-file").',
  }),
  'db-user': Flags.string({
    description: 'With --cluster: the database user to connect as, when --credentials-file holds several.',
  }),
}

/** mongorestore's namespace flags. */
export const nsFlags = {
  'ns-include': Flags.string({
    multiple: true,
    description: 'Only these namespaces (db.collection; * matches anything); repeatable.',
  }),
  'ns-exclude': Flags.string({multiple: true, description: 'Leave these namespaces out; repeatable.'}),
  'ns-from': Flags.string({
    multiple: true,
    description: 'Rename from this pattern ($name$ captures), paired with --ns-to; repeatable.',
  }),
  'ns-to': Flags.string({multiple: true, description: 'Rename to this pattern ($name$ from --ns-from); repeatable.'}),
}
