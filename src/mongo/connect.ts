import type {MongoClient, MongoClientOptions} from 'mongodb'
import {AtlasCtlError, AuthError, ExitCode} from '../lib/errors.js'
import {redactor} from '../lib/secrets.js'
import {mongoDns} from './dns.js'

/** The driver is imported here only: commands that never touch MongoDB never load it. */
export async function connect(uri: string, options: MongoClientOptions = {}): Promise<MongoClient> {
  const {MongoClient} = await import('mongodb')
  if (uri.startsWith('mongodb+srv://')) {
    const {lookup} = await mongoDns()
    options = {...(lookup ? {lookup} : {}), ...options}
  }
  const m = /^mongodb(\+srv)?:\/\/[^:]*:([^@]*)@/.exec(uri)
  if (m) redactor.add(decodeURIComponent(m[2]))
  try {
    return await MongoClient.connect(uri, {serverSelectionTimeoutMS: 10_000, appName: 'atlasctl', ...options})
  } catch (error) {
    const message = (error as Error).message
    const host = uri.replace(/\/\/[^@/]*@/, '//')
    if (/auth|SCRAM|mechanism/i.test(message))
      throw new AuthError(`MongoDB at ${host} refused the credentials: ${message}`, {
        hint: 'Check the user and password (--credentials-file), and that the user exists on that cluster.',
      })
    throw new AtlasCtlError(`Cannot connect to MongoDB at ${host}: ${message}`, ExitCode.failure, {
      code: 'MONGO_CONNECT',
      hint: 'Check the URI, and for Atlas that this machine\'s IP is on the access list ("atlasctl ip add").',
    })
  }
}

export type {MongoClient}
