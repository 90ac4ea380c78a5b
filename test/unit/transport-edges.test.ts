import {afterEach, describe, expect, it, vi} from 'vitest'
import {createTransport} from '../../src/atlas/transport.js'

afterEach(() => vi.unstubAllGlobals())

describe('transport: a host that is not there', () => {
  it('a name that does not resolve is said at once with the URL, each retry shown, and given up within 3 s', async () => {
    const calls: number[] = []
    vi.stubGlobal('fetch', async () => {
      calls.push(Date.now())
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), {code: 'ENOTFOUND'}),
      })
    })
    const lines: string[] = []
    const {fetch} = createTransport({
      baseUrl: 'https://atlas.example.invalid',
      retry: {maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 30_000},
      random: () => 0,
      onConnectionRetry: (line) => lines.push(line),
    })
    const started = Date.now()
    await expect(fetch(new Request('https://atlas.example.invalid/api/atlas/v2/groups'))).rejects.toThrow(
      /atlas\.example\.invalid for listGroups: host name atlas\.example\.invalid not found \(3 attempts\)/,
    )
    // Waits of 500 and 1000 ms; the next (2000) would pass the 3 s budget. The full backoff would be 15.5 s.
    expect(lines).toEqual([
      'listGroups: host name atlas.example.invalid not found at https://atlas.example.invalid; retry 1/5 in 500 ms',
      'listGroups: host name atlas.example.invalid not found at https://atlas.example.invalid; retry 2/5 in 1000 ms',
    ])
    expect(calls).toHaveLength(3)
    expect(Date.now() - started).toBeLessThan(3000)
  })
})

describe('transport: a port fetch refuses', () => {
  it('is not retried: no retry can change it', async () => {
    const lines: string[] = []
    const {fetch} = createTransport({
      baseUrl: 'http://127.0.0.1:9',
      retry: {maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 30_000},
      onConnectionRetry: (line) => lines.push(line),
    })
    const started = Date.now()
    await expect(fetch(new Request('http://127.0.0.1:9/api/atlas/v2/groups'))).rejects.toThrow(
      /for listGroups: fetch never connects to port 9 \(1 attempt\)/,
    )
    expect(lines).toEqual([])
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
