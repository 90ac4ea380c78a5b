import {describe, expect, it} from 'vitest'
import {retrying} from '../../src/lib/retry.js'

const policy = {maxRetries: 3, baseDelayMs: 1, maxDelayMs: 4}

describe('the one retry loop', () => {
  it('tries again while the failure is transient, at most maxRetries times, then throws the last failure', async () => {
    const seen: number[] = []
    const e = await retrying(
      async (attempt) => {
        seen.push(attempt)
        throw new Error(`try ${attempt}`)
      },
      {policy, retryable: () => true},
    ).catch((x: Error) => x)
    expect(seen).toEqual([0, 1, 2, 3])
    expect((e as Error).message).toBe('try 3')
  })

  it('stops at once on a failure the caller does not call transient, and returns the first success', async () => {
    let calls = 0
    await expect(
      retrying(
        async () => {
          calls++
          throw new Error('permanent')
        },
        {policy, retryable: (x) => (x as Error).message !== 'permanent'},
      ),
    ).rejects.toThrow('permanent')
    expect(calls).toBe(1)
    expect(
      await retrying(
        async (attempt) => {
          if (attempt < 2) throw new Error('flaky')
          return 'ok'
        },
        {policy, retryable: () => true},
      ),
    ).toBe('ok')
  })

  it('waits at least the floor (a Retry-After) and tells onRetry the wait', async () => {
    const waits: number[] = []
    await retrying(
      async (attempt) => {
        if (attempt === 0) throw new Error('429')
        return 1
      },
      {policy, retryable: () => true, floorMs: () => 30, onRetry: (_e, _a, w) => void waits.push(w)},
    )
    expect(waits).toEqual([30])
  })
})
