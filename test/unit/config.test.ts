import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {resolveSettings} from '../../src/config/settings.js'
import {ConfigStore} from '../../src/config/store.js'
import {AuthError} from '../../src/lib/errors.js'
import {mask, Redactor} from '../../src/lib/secrets.js'
import {listProfiles, setValue} from '../../src/services/profiles.js'

const ORG = '5f1d7c6e0f3c2a1b4d5e6f70'
const PROJECT = '6a1d7c6e0f3c2a1b4d5e6f71'

describe('config store', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-config-'))
  })

  it('writes the file with mode 0600', async () => {
    const store = await ConfigStore.open(dir)
    store.saveProfile('default', {publicApiKey: 'pubkey01', privateApiKey: 'private-secret-1234'})
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600)
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
  })

  it('tightens the mode of an existing world-readable file on write', async () => {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({profiles: {}}), {mode: 0o644})
    const store = await ConfigStore.open(dir)
    store.saveProfile('x', {orgId: ORG})
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600)
  })

  it('rejects a malformed file with a message naming it, and leaves it unchanged', async () => {
    const file = path.join(dir, 'config.json')
    fs.writeFileSync(file, '{"profiles": {"a": {"publicApiKey": 42}}')
    const before = fs.readFileSync(file, 'utf8')
    const error = await ConfigStore.open(dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toContain(file)
    expect((error as Error).message).toContain('not valid JSON')
    expect(fs.readFileSync(file, 'utf8')).toBe(before)

    fs.writeFileSync(file, JSON.stringify({profiles: {a: {orgId: 'not-an-id'}}}))
    const invalid = await ConfigStore.open(dir).catch((e: unknown) => e)
    expect((invalid as Error).message).toMatch(/profiles\.a\.orgId/)
    expect(fs.readFileSync(file, 'utf8')).toBe(JSON.stringify({profiles: {a: {orgId: 'not-an-id'}}}))
  })

  it('masks secrets in listings and in values read back', async () => {
    const store = await ConfigStore.open(dir)
    store.saveProfile('default', {authType: 'apiKey', publicApiKey: 'pubkey01', privateApiKey: 'private-secret-1234'})
    const listing = JSON.stringify(listProfiles(store))
    expect(listing).not.toContain('private-secret-1234')
    expect(listing).toContain('****1234')
    expect(setValue(store, 'default', 'clientSecret', 'sa-secret-abcd').value).toBe('****abcd')
    expect(mask('short')).toBe('****')
  })

  it('resolves flag > environment > profile', async () => {
    const store = await ConfigStore.open(dir)
    store.saveProfile('default', {
      publicApiKey: 'profilepub',
      privateApiKey: 'profilepriv',
      projectId: PROJECT,
      orgId: ORG,
      baseUrl: 'http://profile.example',
    })
    const fromProfile = resolveSettings({store, env: {}})
    expect(fromProfile).toMatchObject({
      profile: 'default',
      projectId: PROJECT,
      baseUrl: 'http://profile.example',
      credentials: {type: 'apiKey', publicKey: 'profilepub'},
    })
    expect(fromProfile.sources).toMatchObject({projectId: 'profile', credentials: 'profile'})

    const env = {
      ATLAS_PROJECT_ID: 'envproject',
      ATLAS_PUBLIC_KEY: 'envpub',
      ATLAS_PRIVATE_KEY: 'envpriv',
      MONGODB_ATLAS_OPS_MANAGER_URL: 'http://env.example/',
    }
    const fromEnv = resolveSettings({store, env})
    expect(fromEnv).toMatchObject({
      projectId: 'envproject',
      baseUrl: 'http://env.example',
      credentials: {publicKey: 'envpub', privateKey: 'envpriv'},
    })
    // The official CLI's names win over the short ones.
    expect(resolveSettings({store, env: {...env, MONGODB_ATLAS_PROJECT_ID: 'official'}}).projectId).toBe('official')

    const fromFlag = resolveSettings({store, env, flags: {projectId: 'flagproject'}})
    expect(fromFlag.projectId).toBe('flagproject')
    expect(fromFlag.sources.projectId).toBe('flag')
  })

  it('prefers a service account from the environment and rejects half a key pair', async () => {
    const store = await ConfigStore.open(dir)
    expect(
      resolveSettings({store, env: {MONGODB_ATLAS_CLIENT_ID: 'id', MONGODB_ATLAS_CLIENT_SECRET: 'secret-value'}})
        .credentials,
    ).toEqual({type: 'serviceAccount', clientId: 'id', clientSecret: 'secret-value'})
    expect(() => resolveSettings({store, env: {MONGODB_ATLAS_PUBLIC_API_KEY: 'only-public'}})).toThrow(AuthError)
  })

  it('gives exit 3 and the known profiles for an unknown --profile', async () => {
    const store = await ConfigStore.open(dir)
    store.saveProfile('prod', {orgId: ORG})
    store.saveProfile('dev', {orgId: ORG})
    const error = (() => {
      try {
        resolveSettings({store, profileFlag: 'staging', env: {}})
      } catch (e) {
        return e as AuthError
      }
    })()
    expect(error?.exitCode).toBe(3)
    expect(error?.message).toContain('dev, prod')
  })
})

describe('redactor', () => {
  it('removes registered secrets and auth headers', () => {
    const r = new Redactor()
    r.add('super-secret-private-key')
    const out = r.redact(
      'key=super-secret-private-key Authorization: Digest username="x", response="abc" {"password":"hunter2hunter2"}',
    )
    expect(out).not.toContain('super-secret-private-key')
    expect(out).not.toContain('response="abc"')
    expect(out).not.toContain('hunter2hunter2')
    expect(out).toContain('****-key')
  })
})
