import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {AtlasClient} from '../../src/atlas/client.js'
import {AtlasApiError} from '../../src/atlas/errors.js'
import {createTransport} from '../../src/atlas/transport.js'
import {FaultInjector} from '../../src/emulator/faults.js'
import {RateLimiter} from '../../src/emulator/ratelimit.js'
import {startEmulator} from '../../src/emulator/server.js'
import {startTestEmulator, TestClock} from '../support/emulator.js'
import {runCli, tempHome} from '../support/run-cli.js'

const apiClient = (emu: {url: string; credentials: {publicKey: string; privateKey: string}}, retries = 0) =>
  new AtlasClient({
    baseUrl: emu.url,
    credentials: {type: 'apiKey', publicKey: emu.credentials.publicKey, privateKey: emu.credentials.privateKey},
    retry: {maxRetries: retries, baseDelayMs: 5, maxDelayMs: 20},
  })

describe('emulator', () => {
  it('rate limits with token buckets: 429 RATE_LIMITED_TOKEN_BUCKET with Retry-After, then refills', async () => {
    const emu = await startTestEmulator({
      rateLimits: [
        {
          name: 'api/atlas/v2/groups',
          scope: 'USER',
          match: /^\/api\/atlas\/v2\/groups/,
          spec: {capacity: 3, refillRate: 1, refillSeconds: 2},
        },
      ],
    })
    try {
      const c = apiClient(emu)
      for (let i = 0; i < 3; i++) await c.ok(c.api.GET('/api/atlas/v2/groups'))
      const e = (await c.ok(c.api.GET('/api/atlas/v2/groups')).catch((x: unknown) => x)) as AtlasApiError
      expect(e.status).toBe(429)
      expect(e.errorCode).toBe('RATE_LIMITED_TOKEN_BUCKET')
      expect(e.message).toContain('Request capacity: 3')
      // Orgs are another endpoint set and are not limited here.
      await c.ok(c.api.GET('/api/atlas/v2/orgs'))
      // A client that retries waits out Retry-After and succeeds.
      const patient = apiClient(emu, 3)
      await patient.ok(patient.api.GET('/api/atlas/v2/groups'))
      expect(patient.stats.rateLimited).toBeGreaterThan(0)
      expect(emu.stats.rateLimited).toBeGreaterThanOrEqual(2)
      expect(emu.contract.violations).toEqual([])
    } finally {
      await emu.close()
    }
  })

  it('token buckets refill at their rate, per scope', () => {
    let now = 0
    const limiter = new RateLimiter(
      [{name: 's', scope: 'GROUP', match: /^\/g/, spec: {capacity: 2, refillRate: 1, refillSeconds: 10}}],
      () => now,
    )
    const scopes = (g: string) => ({USER: 'u', GROUP: g, ORGANIZATION: 'o', IP: 'i'})
    expect(limiter.take('/g', scopes('a')).allowed).toBe(true)
    expect(limiter.take('/g', scopes('a')).allowed).toBe(true)
    const denied = limiter.take('/g', scopes('a'))
    expect(denied).toMatchObject({allowed: false, retryAfterSeconds: 10})
    expect(limiter.take('/g', scopes('b')).allowed).toBe(true)
    now = 10_000
    expect(limiter.take('/g', scopes('a')).allowed).toBe(true)
    expect(limiter.take('/g', scopes('a')).allowed).toBe(false)
  })

  it('injects faults deterministically from a seed, and the client never retries an unsafe request blindly', async () => {
    const a = new FaultInjector({errorRate: 0.2, dropRate: 0.1, latencyMs: 0, seed: 7})
    const b = new FaultInjector({errorRate: 0.2, dropRate: 0.1, latencyMs: 0, seed: 7})
    const seqA = Array.from({length: 200}, () => a.next().kind)
    expect(seqA).toEqual(Array.from({length: 200}, () => b.next().kind))
    expect(seqA.filter((k) => k === 'error').length).toBeGreaterThan(20)
    expect(seqA.filter((k) => k === 'drop').length).toBeGreaterThan(5)

    const emu = await startTestEmulator({faults: {errorRate: 0.3, dropRate: 0.1, seed: 42}})
    try {
      const c = apiClient(emu, 8)
      // Safe requests are retried through 500s, 503s and dropped connections.
      for (let i = 0; i < 10; i++) await c.ok(c.api.GET('/api/atlas/v2/groups'))
      expect(c.stats.retries).toBeGreaterThan(0)
      // Unsafe ones are retried only on 503 (never processed); a 500 was not applied, a drop was.
      const outcomes: Record<string, string> = {}
      for (let i = 0; i < 30; i++) {
        const name = `p${i}`
        const r = await c
          .ok(c.api.POST('/api/atlas/v2/groups', {body: {name, orgId: emu.credentials.orgId} as never}))
          .then(
            () => 'ok',
            (e: unknown) => (e instanceof AtlasApiError ? String(e.status) : (e as Error).name),
          )
        outcomes[name] = r
      }
      const names = new Set(Object.values(emu.state.groups).map((x) => x.name))
      for (const [name, r] of Object.entries(outcomes))
        expect([name, names.has(name)]).toEqual([name, r === 'ok' || r === 'NetworkError'])
      expect(Object.values(outcomes)).toContain('500')
      expect(Object.values(outcomes)).toContain('NetworkError')
      expect(emu.contract.violations).toEqual([])
    } finally {
      await emu.close()
    }
  })

  it('persists state across a restart with --data-dir, written atomically', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-emu-'))
    const first = await startEmulator({dataDir: dir, rateLimits: 'off', delays: {clusterCreateMs: 10}})
    const c1 = apiClient(first)
    const g = await c1.ok(
      c1.api.POST('/api/atlas/v2/groups', {body: {name: 'kept', orgId: first.credentials.orgId} as never}),
    )
    await first.close()
    expect(fs.readdirSync(dir)).toEqual(['state.json'])
    expect(fs.statSync(path.join(dir, 'state.json')).mode & 0o777).toBe(0o600)

    const second = await startEmulator({dataDir: dir, rateLimits: 'off'})
    try {
      expect(second.credentials).toEqual(first.credentials)
      const c2 = apiClient(second)
      expect((await c2.ok(c2.api.GET('/api/atlas/v2/groups/{groupId}', {params: {path: {groupId: g.id!}}}))).name).toBe(
        'kept',
      )
    } finally {
      await second.close()
    }
  })

  it('authenticates: wrong keys get 401 with a digest challenge; service-account tokens work, then expire', async () => {
    const clock = new TestClock()
    const emu = await startTestEmulator({tokenTtlSeconds: 1, clock: clock.now})
    try {
      const wrong = new AtlasClient({
        baseUrl: emu.url,
        credentials: {type: 'apiKey', publicKey: emu.credentials.publicKey, privateKey: 'wrong'},
        retry: {maxRetries: 0},
      })
      expect(
        ((await wrong.ok(wrong.api.GET('/api/atlas/v2/groups')).catch((e: unknown) => e)) as AtlasApiError).status,
      ).toBe(401)
      const raw = await fetch(`${emu.url}/api/atlas/v2/groups`, {
        headers: {accept: 'application/vnd.atlas.2023-01-01+json'},
      })
      expect(raw.status).toBe(401)
      expect(raw.headers.get('www-authenticate')).toMatch(/^Digest realm="MMS Public API".*qop="auth"/)

      const c = apiClient(emu)
      const g = await c.ok(
        c.api.POST('/api/atlas/v2/groups', {body: {name: 'mine', orgId: emu.credentials.orgId} as never}),
      )
      const sa = new AtlasClient({
        baseUrl: emu.url,
        credentials: {
          type: 'serviceAccount',
          clientId: emu.credentials.clientId,
          clientSecret: emu.credentials.clientSecret,
        },
        retry: {maxRetries: 0},
      })
      expect((await sa.ok(sa.api.GET('/api/atlas/v2/groups/{groupId}', {params: {path: {groupId: g.id!}}}))).name).toBe(
        'mine',
      )
      const token = (await (
        await fetch(`${emu.url}/api/oauth/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${emu.credentials.clientId}:${emu.credentials.clientSecret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials',
        })
      ).json()) as {access_token: string; expires_in: number}
      expect(token.expires_in).toBe(1)
      clock.advance(999)
      const still = await fetch(`${emu.url}/api/atlas/v2/groups`, {
        headers: {authorization: `Bearer ${token.access_token}`, accept: 'application/vnd.atlas.2023-01-01+json'},
      })
      expect(still.status).toBe(200)
      clock.advance(2)
      const expired = await fetch(`${emu.url}/api/atlas/v2/groups`, {
        headers: {authorization: `Bearer ${token.access_token}`, accept: 'application/vnd.atlas.2023-01-01+json'},
      })
      expect(expired.status).toBe(401)
    } finally {
      await emu.close()
    }
  })

  it("refuses another org's project to a key of that other org", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-emu-'))
    const first = await startEmulator({dataDir: dir, rateLimits: 'off'})
    const c = apiClient(first)
    const g = await c.ok(
      c.api.POST('/api/atlas/v2/groups', {body: {name: 'org-a', orgId: first.credentials.orgId} as never}),
    )
    first.state.orgs.push({id: 'ffffffffffffffffffffffff', name: 'org-b'})
    first.state.apiKeys.push({publicKey: 'orgbkey', privateKey: 'orgbprivatekey', orgId: 'ffffffffffffffffffffffff'})
    await c.ok(c.api.POST('/api/atlas/v2/groups', {body: {name: 'org-a-2', orgId: first.credentials.orgId} as never}))
    await first.close()
    const second = await startEmulator({dataDir: dir, rateLimits: 'off'})
    try {
      const b = new AtlasClient({
        baseUrl: second.url,
        credentials: {type: 'apiKey', publicKey: 'orgbkey', privateKey: 'orgbprivatekey'},
        retry: {maxRetries: 0},
      })
      expect((await b.ok(b.api.GET('/api/atlas/v2/groups'))).totalCount).toBe(0)
      const e = (await b
        .ok(b.api.GET('/api/atlas/v2/groups/{groupId}', {params: {path: {groupId: g.id!}}}))
        .catch((x: unknown) => x)) as AtlasApiError
      expect(e.status).toBe(401)
    } finally {
      await second.close()
    }
  })

  it('expired deleteAfterDate users and access entries disappear', async () => {
    const emu = await startTestEmulator()
    try {
      const c = apiClient(emu)
      const g = await c.ok(
        c.api.POST('/api/atlas/v2/groups', {body: {name: 'exp', orgId: emu.credentials.orgId} as never}),
      )
      const path = {groupId: g.id!}
      const soon = new Date(Date.now() + 3000).toISOString()
      await c.ok(
        c.api.POST('/api/atlas/v2/groups/{groupId}/databaseUsers', {
          params: {path},
          body: {
            databaseName: 'admin',
            groupId: g.id,
            username: 'tmp',
            password: 'long-enough-pw',
            roles: [{roleName: 'read', databaseName: 'x'}],
            deleteAfterDate: soon,
          } as never,
        }),
      )
      await c.ok(
        c.api.POST('/api/atlas/v2/groups/{groupId}/accessList', {
          params: {path},
          body: [{ipAddress: '192.0.2.1', deleteAfterDate: soon}] as never,
        }),
      )
      expect((await c.ok(c.api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path}}))).totalCount).toBe(
        1,
      )
      await new Promise((r) => setTimeout(r, 3200))
      expect((await c.ok(c.api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path}}))).totalCount).toBe(
        0,
      )
      expect((await c.ok(c.api.GET('/api/atlas/v2/groups/{groupId}/accessList', {params: {path}}))).totalCount).toBe(0)
    } finally {
      await emu.close()
    }
  })

  it('an access-list entry lives at its CIDR with the slash encoded, as its self link says; its bare address reaches it too', async () => {
    const emu = await startTestEmulator()
    try {
      const env = {...tempHome().env, ...emu.env}
      expect((await runCli(['project', 'create', 'acl'], {env})).code).toBe(0)
      expect((await runCli(['ip', 'add', '192.0.2.1', '10.0.0.0/16', '--project', 'acl'], {env})).code).toBe(0)
      const groupId = Object.keys(emu.state.groups)[0]
      const c = apiClient(emu)
      const get = (entryValue: string) =>
        c.ok(
          c.api.GET('/api/atlas/v2/groups/{groupId}/accessList/{entryValue}', {params: {path: {groupId, entryValue}}}),
        )
      const base = `${emu.url}/api/atlas/v2/groups/${groupId}/accessList`
      expect((await get('192.0.2.1/32')).links).toEqual([{href: `${base}/192.0.2.1%2F32`, rel: 'self'}])
      expect((await get('192.0.2.1')).cidrBlock).toBe('192.0.2.1/32')
      expect((await get('10.0.0.0/16')).links).toEqual([{href: `${base}/10.0.0.0%2F16`, rel: 'self'}])
      expect((await runCli(['ip', 'delete', '192.0.2.1', '--project', 'acl', '--yes'], {env})).code).toBe(0)
      expect(
        (await c.ok(c.api.GET('/api/atlas/v2/groups/{groupId}/accessList', {params: {path: {groupId}}}))).totalCount,
      ).toBe(1)
      expect(emu.contract.violations).toEqual([])
    } finally {
      await emu.close()
    }
  })

  it('the unauthenticated health endpoint tells liveness only; the traffic counts need the API key', async () => {
    const {env} = tempHome()
    const started = await runCli(['emulator', 'start', '--detach', '--port', '0', '--fast', '--json'], {env})
    expect(started.code, started.stderr).toBe(0)
    const url = started.json.result.url as string
    try {
      expect((await runCli(['project', 'create', 'counted'], {env})).code).toBe(0)
      const health = await fetch(`${url}/__emulator/health`)
      expect(health.status).toBe(200)
      const text = await health.text()
      expect(JSON.parse(text)).toEqual({ok: true})
      const local = JSON.parse(fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'config.json'), 'utf8'))
        .profiles.local
      expect(text).not.toContain(local.orgId)
      expect((await runCli(['emulator', 'status', '--json'], {env})).json.result.running).toBe(true)

      expect((await fetch(`${url}/__emulator/stats`)).status).toBe(401)
      const transport = createTransport({
        baseUrl: url,
        credentials: {type: 'apiKey', publicKey: local.publicApiKey, privateKey: local.privateApiKey},
        retry: {maxRetries: 0},
      })
      const stats = await transport.fetch(new Request(`${url}/__emulator/stats`))
      expect(stats.status).toBe(200)
      expect(((await stats.json()) as {stats: {requests: number}}).stats.requests).toBeGreaterThan(0)
    } finally {
      await runCli(['emulator', 'stop'], {env})
    }
  })

  it('emulator start --detach, status, and stop through the binary; the local profile just works', async () => {
    const {env} = tempHome()
    const started = await runCli(['emulator', 'start', '--detach', '--port', '0', '--fast', '--json'], {env})
    expect(started.code, started.stderr).toBe(0)
    const url = started.json.result.url as string
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    try {
      const status = await runCli(['emulator', 'status', '--json'], {env})
      expect(status.json.result).toMatchObject({running: true, url, profile: 'local'})
      const profiles = await runCli(['config', 'list', '--json'], {env})
      expect(profiles.json.result.active).toBe('local')
      expect((await runCli(['project', 'list', '--json'], {env})).json.result).toEqual([])
      const again = await runCli(['emulator', 'start', '--detach', '--port', '0'], {env})
      expect(again.code).toBe(6)
    } finally {
      const stopped = await runCli(['emulator', 'stop', '--json'], {env})
      expect(stopped.json.result.stopped).toBe(true)
    }
    expect((await runCli(['emulator', 'status', '--json'], {env})).json.result.running).toBe(false)
  })

  it('emulator start: --realistic and --fast exclude each other, and a bad --time-scale is exit 2 naming the value; nothing starts', async () => {
    const {env} = tempHome()
    const both = await runCli(['emulator', 'start', '--detach', '--port', '0', '--fast', '--realistic', '--json'], {
      env,
    })
    expect(both.code).toBe(2)
    expect(both.json.error.message).toMatch(/--realistic|--fast/)
    for (const v of ['0', '-1', 'fast']) {
      const bad = await runCli(
        ['emulator', 'start', '--detach', '--port', '0', '--realistic', '--time-scale', v, '--json'],
        {env},
      )
      expect(bad.code, v).toBe(2)
      // The flag's own message, without oclif's "Parsing --time-scale" wrapper and help pointer.
      expect(bad.json.error.message).toMatch(
        new RegExp(`^Invalid --time-scale "${v}": use a number above 0, e\\.g\\. 0\\.01\\.$`),
      )
    }
    expect((await runCli(['emulator', 'status', '--json'], {env})).json.result.running).toBe(false)
  })
})
