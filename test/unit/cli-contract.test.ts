import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {buildContract, CONTRACT_FILE, serializeContract, stableJson} from '../support/cli-contract.js'
import {ROOT} from '../support/run-cli.js'

/** Where two JSON values differ, as "added", "removed" or "changed" paths; arrays compare whole. */
function changes(before: unknown, after: unknown, at = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObject(before) || !isObject(after)) return stableJson(before) === stableJson(after) ? [] : [`changed ${at}`]
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].sort().flatMap((k) => {
    const key = `${at}${at ? '.' : ''}${k}`
    if (!(k in before)) return [`added ${key}`]
    if (!(k in after)) return [`removed ${key}`]
    return changes(before[k], after[k], key)
  })
}

// Flags, args, aliases and --json results are what scripts rely on: a change to one is made on purpose, and reviewed.
describe('the CLI contract snapshot', () => {
  it("matches the commands' flags and result types", async () => {
    const file = path.relative(ROOT, CONTRACT_FILE)
    const fresh = serializeContract(await buildContract())
    const committed = fs.readFileSync(CONTRACT_FILE, 'utf8')
    const changed = changes(JSON.parse(committed), JSON.parse(fresh))
    expect(
      changed,
      `${file} is stale: run "npm run contract" and commit it, after checking that each change is meant`,
    ).toEqual([])
    expect(committed, `${file} is not as the generator writes it: run "npm run contract"`).toBe(fresh)
  })
})
