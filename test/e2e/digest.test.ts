import {afterEach, describe, expect, it} from 'vitest'
import {AtlasClient} from '../../src/atlas/client.js'
import {DigestAuth} from '../../src/atlas/digest.js'
import {type Exchange} from '../../src/emulator/server.js'
import {startTestEmulator, TestClock, type TestEmulator} from '../support/emulator.js'

// Digest against the real emulator, which keeps Atlas's rules: a nonce is reused with a new count per request, a count
// seen before is a replay, and an expired nonce is answered with stale=TRUE.
describe('digest auth: one challenge per run', () => {
  let emu: TestEmulator | undefined
  afterEach(async () => {
    await emu?.close()
    emu = undefined
  })

  const clientOf = (e: TestEmulator, privateKey = e.credentials.privateKey) =>
    new AtlasClient({
      baseUrl: e.url,
      credentials: {type: 'apiKey', publicKey: e.credentials.publicKey, privateKey},
      retry: {baseDelayMs: 5, maxDelayMs: 20, maxRetries: 8},
    })
  const listGroups = async (c: AtlasClient) => (await c.api.GET('/api/atlas/v2/groups')).response.status
  /** nonce and nc of every authenticated exchange. */
  const signatures = (xs: Exchange[]) =>
    xs.map((x) => {
      const h = String(x.requestHeaders.authorization)
      return `${/nonce="([^"]+)"/.exec(h)?.[1]}/${/nc=([0-9a-f]+)/.exec(h)?.[1]}`
    })

  it('N sequential requests cost N+1 exchanges', async () => {
    emu = await startTestEmulator()
    const c = clientOf(emu)
    for (let i = 0; i < 6; i++) expect(await listGroups(c)).toBe(200)
    expect(emu.stats.exchanges).toBe(7)
    expect(emu.stats.challenges).toBe(1)
  })

  it('concurrent requests share one challenge, each with its own count, none used twice', async () => {
    const seen: Exchange[] = []
    emu = await startTestEmulator({onExchange: (x) => seen.push(x)})
    const c = clientOf(emu)
    const statuses = await Promise.all(Array.from({length: 30}, () => listGroups(c)))
    expect(statuses).toEqual(Array(30).fill(200))
    expect(emu.stats.challenges).toBe(1)
    expect(emu.stats.exchanges).toBe(31)
    const sigs = signatures(seen)
    expect(new Set(sigs).size).toBe(30)
    expect(new Set(sigs.map((s) => s.split('/')[0])).size).toBe(1)
  })

  it('under dropped connections and 5xx answers, retries sign with new counts and never need a new challenge', async () => {
    emu = await startTestEmulator({faults: {errorRate: 0.1, dropRate: 0.2, seed: 3}})
    const c = clientOf(emu)
    const statuses = await Promise.all(Array.from({length: 40}, () => listGroups(c)))
    expect(statuses).toEqual(Array(40).fill(200))
    expect(emu.stats.faults).toBeGreaterThan(0)
    // A dropped request's count was seen by the server: a retry that signed it again would be refused as a replay.
    expect(emu.stats.challenges).toBe(1)
  })

  it('re-challenges on stale=TRUE only: an expired nonce costs one more exchange, wrong keys no retry', async () => {
    // Nonces live 40 ms of a test clock that moves only here: a slow machine cannot expire one early.
    const clock = new TestClock()
    emu = await startTestEmulator({nonceTtlMs: 40, clock: clock.now})
    const c = clientOf(emu)
    expect(await listGroups(c)).toBe(200)
    clock.advance(80)
    expect(await listGroups(c)).toBe(200)
    // challenge + request, then the stale 401 (with its new nonce) + the request signed again.
    expect(emu.stats.exchanges).toBe(4)
    expect(emu.stats.challenges).toBe(2)

    const before = emu.stats.exchanges
    const bad = clientOf(emu, 'not-the-private-key')
    expect(await listGroups(bad)).toBe(401)
    expect(emu.stats.exchanges - before).toBe(2)
  })

  it('the emulator takes a reused nonce with a new count, out of order within a window, and refuses a replay', async () => {
    emu = await startTestEmulator()
    const {publicKey, privateKey} = emu.credentials
    const uri = '/api/atlas/v2/groups'
    const url = `${emu.url}${uri}`
    const accept = {accept: 'application/vnd.atlas.2023-01-01+json'}
    const send = async (header: string) => {
      const r = await fetch(url, {headers: {...accept, authorization: header}})
      await r.arrayBuffer()
      return {status: r.status, www: r.headers.get('www-authenticate') ?? ''}
    }
    const auth = new DigestAuth(publicKey, privateKey)
    auth.learn((await fetch(url, {headers: accept})).headers.get('www-authenticate'))
    const signed = Array.from({length: 300}, () => auth.sign('GET', uri)!.header)
    expect((await send(signed[2])).status).toBe(200) // nc 3 first
    expect((await send(signed[0])).status).toBe(200) // then 1 and 2: late, not replays
    expect((await send(signed[1])).status).toBe(200)
    const replay = await send(signed[1])
    expect(replay.status).toBe(401)
    expect(replay.www).toMatch(/stale=FALSE/)
    expect((await send(signed[299])).status).toBe(200) // nc 300
    expect((await send(signed[10])).status).toBe(401) // nc 11: far below the highest, refused
  })

  it('an expired nonce is stale=TRUE for a right digest, and not stale for a wrong one', async () => {
    const clock = new TestClock()
    emu = await startTestEmulator({nonceTtlMs: 30, clock: clock.now})
    const {publicKey, privateKey} = emu.credentials
    const uri = '/api/atlas/v2/groups'
    const url = `${emu.url}${uri}`
    const accept = {accept: 'application/vnd.atlas.2023-01-01+json'}
    const challenge = (await fetch(url, {headers: accept})).headers.get('www-authenticate')
    const right = new DigestAuth(publicKey, privateKey)
    const wrong = new DigestAuth(publicKey, 'wrong')
    right.learn(challenge)
    wrong.learn(challenge)
    clock.advance(60)
    const r1 = await fetch(url, {headers: {...accept, authorization: right.sign('GET', uri)!.header}})
    expect(r1.status).toBe(401)
    expect(r1.headers.get('www-authenticate')).toMatch(/stale=TRUE/)
    const r2 = await fetch(url, {headers: {...accept, authorization: wrong.sign('GET', uri)!.header}})
    expect(r2.status).toBe(401)
    expect(r2.headers.get('www-authenticate')).toMatch(/stale=FALSE/)
  })
})
