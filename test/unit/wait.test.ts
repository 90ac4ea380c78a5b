import {describe, expect, it} from 'vitest'
import {TimeoutError} from '../../src/lib/errors.js'
import {defaultTimeoutMs, waitFor} from '../../src/lib/wait.js'

describe('the one poller', () => {
  it('defaults --timeout to four times what Atlas usually takes, never under 10 minutes; 30 minutes when unknown', () => {
    expect(defaultTimeoutMs({ms: 13 * 60_000, what: "an M10's creation"})).toBe(52 * 60_000)
    expect(defaultTimeoutMs({ms: 25 * 60_000, what: 'an upgrade from M0'})).toBe(100 * 60_000)
    expect(defaultTimeoutMs({ms: 10_000, what: "an M0's creation"})).toBe(10 * 60_000)
    expect(defaultTimeoutMs()).toBe(30 * 60_000)
  })

  it('judges what to expect from the first state seen, and names it on a timeout', async () => {
    const seen: string[] = []
    const e = await waitFor<string>({
      poll: async () => 'CREATING',
      done: () => false,
      describe: (s) => s ?? 'gone',
      what: 'thing',
      subject: 'cluster t',
      timeoutMs: 30,
      intervalMs: 10,
      expected: (s) => {
        seen.push(s ?? 'gone')
        return {ms: 13 * 60_000, what: "an M10's creation"}
      },
    }).catch((error: unknown) => error)
    expect(e).toBeInstanceOf(TimeoutError)
    expect((e as TimeoutError).hint).toContain("Atlas usually takes about 13 minutes for an M10's creation.")
    expect(seen).toEqual(['CREATING'])
  })
})
