import {createHash} from 'node:crypto'
import type {MongoClient} from 'mongodb'

/** A SCRAM database user as the backing server should hold it. */
export interface BackingUser {
  username: string
  password: string
  roles: Array<{roleName: string; databaseName: string; collectionName?: string}>
}

/** Atlas's built-in roles that mongod lacks, as the mongod roles they grant (Atlas documents them so). */
const ATLAS_ROLES: Record<string, string[]> = {
  atlasAdmin: ['readWriteAnyDatabase', 'dbAdminAnyDatabase', 'clusterMonitor', 'backup', 'userAdminAnyDatabase'],
}

function mongodRoles(roles: BackingUser['roles']): Array<{role: string; db: string}> {
  return roles.flatMap((r) =>
    (ATLAS_ROLES[r.roleName] ?? [r.roleName]).map((role) => ({
      role,
      db: ATLAS_ROLES[r.roleName] ? 'admin' : r.databaseName,
    })),
  )
}

const NOT_IMPLEMENTED = 238

/**
 * Keeps the backing server's users equal to the emulator's SCRAM users, so the credentials atlasctl
 * hands out authenticate for real. It acts only when the backing URI carries an administrator's
 * credentials; every other user on that server is the emulator's to create, change and drop.
 */
export class BackingUsers {
  /** What the clusters' connection strings show: the backing URI without the administrator. */
  readonly publicUri: string
  private readonly admin: string
  private client?: Promise<MongoClient>
  private applied = new Map<string, string>()
  private queue: Promise<void> = Promise.resolve()
  /** FerretDB v1 stores users but not their roles (NotImplemented): they are then created without roles. */
  rolesUnsupported = false

  private constructor(
    private readonly uri: string,
    url: URL,
  ) {
    this.admin = decodeURIComponent(url.username)
    url.username = ''
    url.password = ''
    this.publicUri = url.toString().replace(/\/$/, '')
  }

  /** Undefined when the URI has no credentials: the server then takes any user, and nothing needs syncing. */
  static from(uri: string): BackingUsers | undefined {
    let url: URL
    try {
      url = new URL(uri)
    } catch {
      return undefined
    }
    return url.username ? new BackingUsers(uri, url) : undefined
  }

  /** Makes the server hold exactly `desired` (besides the administrator); runs one at a time, in call order. */
  reconcile(desired: BackingUser[]): Promise<void> {
    const run = this.queue.then(() => this.apply(desired))
    this.queue = run.catch(() => {})
    return run
  }

  private async connect(): Promise<MongoClient> {
    this.client ??= import('mongodb').then(async ({MongoClient}) =>
      new MongoClient(this.uri, {serverSelectionTimeoutMS: 5000}).connect(),
    )
    try {
      return await this.client
    } catch (error) {
      this.client = undefined
      throw error
    }
  }

  private async apply(desired: BackingUser[]): Promise<void> {
    const admin = (await this.connect()).db('admin')
    const info = (await admin.command({usersInfo: 1})) as {users: Array<{user: string; db: string}>}
    const present = new Set(info.users.filter((u) => u.db === 'admin' && u.user !== this.admin).map((u) => u.user))
    const wanted = new Map(desired.filter((u) => u.username !== this.admin).map((u) => [u.username, u]))
    for (const name of present) {
      if (wanted.has(name)) continue
      await admin.command({dropUser: name})
      this.applied.delete(name)
    }
    for (const [name, u] of wanted) {
      const print = createHash('sha256')
        .update(JSON.stringify([u.password, u.roles]))
        .digest('hex')
      if (present.has(name) && this.applied.get(name) === print) continue
      await this.write(
        admin,
        present.has(name) ? {updateUser: name, pwd: u.password} : {createUser: name, pwd: u.password},
        u,
      )
      this.applied.set(name, print)
    }
  }

  private async write(admin: import('mongodb').Db, command: Record<string, unknown>, u: BackingUser): Promise<void> {
    if (!this.rolesUnsupported) {
      try {
        await admin.command({...command, roles: mongodRoles(u.roles)})
        return
      } catch (error) {
        if ((error as {code?: number}).code !== NOT_IMPLEMENTED) throw error
        this.rolesUnsupported = true
      }
    }
    await admin.command({...command, roles: []})
  }

  async close(): Promise<void> {
    const client = this.client
    this.client = undefined
    await (await client?.catch(() => undefined))?.close()
  }
}
