import {describe, expect, it} from 'vitest'
import {OPERATIONS} from '../../src/atlas/operations.generated.js'
import {FAST_DELAYS} from '../../src/emulator/delays.js'
import {AtlasModel, handlers, type Handlers} from '../../src/emulator/model.js'
import {freshState} from '../../src/emulator/state.js'

describe("the emulator's handler table", () => {
  const state = freshState()
  const table = handlers(new AtlasModel(state, FAST_DELAYS, 'mongodb://127.0.0.1:27017'))

  it('has one handler for each operation of the spec, bound to the model', () => {
    expect(Object.keys(table).sort()).toEqual(OPERATIONS.map((o) => o.operationId).sort())
    const principal = {
      kind: 'apiKey' as const,
      id: state.apiKeys[0].publicKey,
      orgId: state.orgs[0].id,
      roles: [{orgId: state.orgs[0].id, roleName: 'ORG_OWNER'}],
    }
    const reply = table.listOrgs({
      principal,
      params: {},
      query: new URLSearchParams(),
      body: undefined,
      baseUrl: 'http://emulator',
      version: '2023-01-01',
    })
    expect(reply).toMatchObject({status: 200, body: {totalCount: 1}})
  })

  it('is keyed by operationId, so a table without a handler does not compile', () => {
    const {getOrg: _dropped, ...incomplete} = table
    // @ts-expect-error getOrg has no handler: typecheck fails here if Handlers stops requiring every operationId.
    const refused: Handlers = incomplete
    expect(refused).not.toHaveProperty('getOrg')
  })
})
