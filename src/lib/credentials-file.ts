import fs from 'node:fs'
import {z} from 'zod'
import {UsageError} from './errors.js'
import {redactor} from './secrets.js'
import {checkSecretDestination, writeSecretFile} from './secret-file.js'

/**
 * A credentials file (docs/credentials.md) holds one user as a flat object, as older versions wrote it,
 * or several as `{"users": [...]}`. Fields beyond the user name and password are kept as they are.
 */
const entrySchema = z.looseObject({username: z.string().min(1), password: z.string(), project: z.string().optional()})
const manySchema = z.strictObject({users: z.array(entrySchema).min(1)})

export type CredentialsEntry = z.infer<typeof entrySchema>

const notCredentials = (file: string, flag: string) =>
  new UsageError(`The credentials file ${file} has no username and password.`, {
    code: 'BAD_CREDENTIALS_FILE',
    details: {flag, file},
  })

/** Every user in the file; [] when it does not exist. Exit 2 when it is something else. */
export function readCredentialsEntries(file: string, flag = 'credentials-file'): CredentialsEntry[] {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new UsageError(`Cannot read the credentials file ${file}: ${(error as Error).message}`, {
      code: 'BAD_CREDENTIALS_FILE',
      details: {flag, file},
    })
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`Cannot read the credentials file ${file}: ${(error as Error).message}`, {
      code: 'BAD_CREDENTIALS_FILE',
      details: {flag, file},
    })
  }
  const many = manySchema.safeParse(data)
  const one = entrySchema.safeParse(data)
  const entries = many.success ? many.data.users : one.success ? [one.data] : undefined
  if (!entries) throw notCredentials(file, flag)
  for (const e of entries) redactor.add(e.password)
  return entries
}

/**
 * The one user of the file, or the one `dbUser` names (the same name in several projects: the one of
 * `project`); several without a name is exit 2 listing them.
 */
export function pickCredentials(file: string, dbUser?: string, project?: string): CredentialsEntry {
  const entries = readCredentialsEntries(file)
  if (entries.length === 0)
    throw new UsageError(`Cannot read the credentials file ${file}: no such file.`, {
      code: 'BAD_CREDENTIALS_FILE',
      details: {flag: 'credentials-file', file},
    })
  const names = entries.map((e) =>
    entries.filter((x) => x.username === e.username).length > 1 && e.project
      ? `${e.username} (${e.project})`
      : e.username,
  )
  if (dbUser !== undefined) {
    const named = entries.filter((e) => e.username === dbUser)
    const found = named.length > 1 ? named.find((e) => e.project === project) : named[0]
    if (found) return found
    if (named.length > 1)
      throw new UsageError(
        `The credentials file ${file} holds user "${dbUser}" for projects ${named.map((e) => e.project).join(', ')}, none of them ${project ?? 'this one'}.`,
        {code: 'UNKNOWN_DB_USER', details: {flag: 'project', users: names}},
      )
    throw new UsageError(`The credentials file ${file} has no user "${dbUser}"; it holds: ${names.join(', ')}.`, {
      code: 'UNKNOWN_DB_USER',
      details: {flag: 'db-user', users: names},
    })
  }
  if (entries.length === 1) return entries[0]
  throw new UsageError(
    `The credentials file ${file} holds several users (${names.join(', ')}): pass --db-user NAME to choose one.`,
    {code: 'DB_USER_REQUIRED', details: {flag: 'db-user', users: names}},
  )
}

/** Before any change in Atlas: the file can be written, and what it holds already is a credentials file. */
export function checkCredentialsDestination(file: string, flag = 'credentials-file'): void {
  checkSecretDestination(file, flag)
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() !== '') readCredentialsEntries(file, flag)
}

const sameUser = (a: CredentialsEntry, b: CredentialsEntry) => a.username === b.username && a.project === b.project

/**
 * Adds one user, or replaces it (same name and project), and keeps the others: read, merge, then one
 * atomic 0600 write. A single user stays in the flat format that older readers know.
 */
export function mergeCredentialsFile(file: string, entry: CredentialsEntry): void {
  const current = fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() !== '' ? readCredentialsEntries(file) : []
  // In place, so the file's order stays the order users were added in.
  const users = current.some((e) => sameUser(e, entry))
    ? current.map((e) => (sameUser(e, entry) ? entry : e))
    : [...current, entry]
  writeSecretFile(file, `${JSON.stringify(users.length === 1 ? users[0] : {users}, null, 2)}\n`)
}
