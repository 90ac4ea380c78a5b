import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {
  checkExportDir,
  exportNeed,
  MANIFEST,
  MARKER,
  prepareExportDir,
  readManifest,
} from '../../src/services/events/export-first.js'
import {Ledger} from '../../src/services/events/ledger.js'

const tmpdir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-export-first-'))
const manifest = (team: string, projectId = 'p1') => ({
  format: 1,
  event: 'e1',
  team,
  project: `mh-e1-${team}`,
  projectId,
  exportedAt: '2026-01-01T00:00:00Z',
  verified: true,
  clusters: [{cluster: team, dir: team, collections: [], docs: 0}],
})

describe('the export folder', () => {
  it('a missing folder is fine when its nearest parent is writable; preparing it makes it 0700 with a marker', () => {
    const dir = path.join(tmpdir(), 'a', 'b')
    expect(checkExportDir(dir, 'e1')).toEqual({exists: false})
    expect(fs.existsSync(dir)).toBe(false)
    prepareExportDir(dir, 'e1')
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
    expect(JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')).event).toBe('e1')
    // An earlier run's folder is taken again, whatever it holds now.
    fs.mkdirSync(path.join(dir, 't1'))
    expect(checkExportDir(dir, 'e1')).toEqual({exists: true})
  })

  it('an empty folder is taken; a file, another event, other content or a damaged marker are refused (exit 2)', () => {
    const base = tmpdir()
    expect(checkExportDir(base, 'e1')).toEqual({exists: true})
    const file = path.join(base, 'f')
    fs.writeFileSync(file, '')
    const other = fs.mkdtempSync(path.join(base, 'o-'))
    fs.writeFileSync(path.join(other, 'x'), '')
    const damaged = fs.mkdtempSync(path.join(base, 'd-'))
    fs.writeFileSync(path.join(damaged, MARKER), '{')
    const foreign = fs.mkdtempSync(path.join(base, 'g-'))
    prepareExportDir(foreign, 'e2')
    for (const [dir, needle] of [
      [file, 'is a file'],
      [path.join(file, 'below'), 'is not a folder'],
      [other, 'holds other files (x)'],
      [damaged, 'is not an atlasctl export folder'],
      [foreign, 'export folder of event e2'],
    ] as const) {
      expect(() => checkExportDir(dir, 'e1')).toThrow(expect.objectContaining({exitCode: 2, code: 'BAD_EXPORT_DIR'}))
      expect(() => checkExportDir(dir, 'e1')).toThrow(needle)
    }
  })

  it('only a complete, verified manifest of this team and project counts as an export', () => {
    const dir = tmpdir()
    fs.mkdirSync(path.join(dir, 't1'))
    expect(readManifest(dir, 't1')).toBeUndefined()
    fs.writeFileSync(path.join(dir, 't1', MANIFEST), JSON.stringify(manifest('t1')))
    expect(readManifest(dir, 't1', 'p1')).toMatchObject({team: 't1'})
    expect(readManifest(dir, 't1', 'p2')).toBeUndefined()
    fs.writeFileSync(path.join(dir, 't1', MANIFEST), JSON.stringify({...manifest('t1'), verified: false}))
    expect(readManifest(dir, 't1')).toBeUndefined()
    fs.writeFileSync(path.join(dir, 't1', MANIFEST), JSON.stringify(manifest('t2')))
    expect(readManifest(dir, 't1')).toBeUndefined()
  })
})

describe('what a team needs', () => {
  const m = manifest('t1') as Parameters<typeof exportNeed>[1]
  it('skips a team whose clusters are gone (or going) when its export exists; re-checks one whose cluster is still there', () => {
    expect(exportNeed([], undefined)).toBe('none')
    expect(exportNeed([], m)).toBe('existing')
    expect(exportNeed([{name: 't1', state: 'DELETING'}], m)).toBe('existing')
    expect(exportNeed([{name: 't1', state: 'IDLE'}], m)).toBe('recheck')
    expect(exportNeed([{name: 't1', state: 'IDLE'}], undefined)).toBe('export')
  })
})

describe('the ledger records temporary users', () => {
  it('before they exist, and forgets them once deleted; an older ledger without the field reads as none', () => {
    const dir = tmpdir()
    const l = new Ledger(dir, 'e1')
    l.recordExportUser('t1', {projectId: 'p1', username: 'atlasctl-export-1', createdAt: '2026-01-01T00:00:00Z'})
    expect(new Ledger(dir, 'e1').data.exportUsers).toEqual({
      t1: {projectId: 'p1', username: 'atlasctl-export-1', createdAt: '2026-01-01T00:00:00Z'},
    })
    l.clearExportUser('t1')
    expect(new Ledger(dir, 'e1').data.exportUsers).toEqual({})
    fs.mkdirSync(path.dirname(Ledger.path(dir, 'e3')), {recursive: true})
    fs.writeFileSync(Ledger.path(dir, 'e3'), JSON.stringify({eventId: 'e3', outDirs: [], teams: {}}))
    expect(new Ledger(dir, 'e3').data.exportUsers).toEqual({})
  })
})
