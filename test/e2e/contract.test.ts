import {afterAll, beforeAll, describe, expect, it, onTestFinished} from 'vitest'
import {AtlasClient} from '../../src/atlas/client.js'
import {AtlasApiError} from '../../src/atlas/errors.js'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

// Drives every vendored operation through the real client against the emulator; each request and
// response is validated against the official spec (validator-friendly copy).
describe('emulator contract', () => {
  let emu: TestEmulator
  let client: AtlasClient

  const start = async () => {
    // Entries stay PENDING for a second, so the test sees PENDING even on a loaded machine.
    const e = await startTestEmulator({
      delays: {clusterCreateMs: 300, clusterUpdateMs: 200, clusterDeleteMs: 150, accessEntryMs: 1000},
    })
    const c = e.credentials
    const atlas = new AtlasClient({
      baseUrl: e.url,
      credentials: {type: 'apiKey', publicKey: c.publicKey, privateKey: c.privateKey},
      retry: {maxRetries: 0},
    })
    return {emu: e, client: atlas}
  }
  beforeAll(async () => {
    ;({emu, client} = await start())
  })
  afterAll(() => emu.close())

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  const expectError = async (p: Promise<unknown>, status: number, code: string) => {
    const e = await p.then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(e).toBeInstanceOf(AtlasApiError)
    expect((e as AtlasApiError).status).toBe(status)
    expect((e as AtlasApiError).errorCode).toBe(code)
  }

  it('serves every operation atlasctl uses, within the spec', async () => {
    // An emulator of its own: the org holds only this test's project, and the operations counted are its own.
    const {emu, client} = await start()
    onTestFinished(() => emu.close())
    const api = client.api
    const ok = client.ok.bind(client)
    const orgs = await ok(api.GET('/api/atlas/v2/orgs'))
    expect(orgs.results).toHaveLength(1)
    const orgId = orgs.results![0].id!
    expect((await ok(api.GET('/api/atlas/v2/orgs/{orgId}', {params: {path: {orgId}}}))).id).toBe(orgId)

    const g = await ok(
      api.POST('/api/atlas/v2/groups', {body: {name: 'contract', orgId, tags: [{key: 'event', value: 'e1'}]} as never}),
    )
    const groupId = g.id!
    expect((await ok(api.GET('/api/atlas/v2/groups/{groupId}', {params: {path: {groupId}}}))).name).toBe('contract')
    expect(
      (await ok(api.GET('/api/atlas/v2/groups/byName/{groupName}', {params: {path: {groupName: 'contract'}}}))).id,
    ).toBe(groupId)
    await ok(
      api.PATCH('/api/atlas/v2/groups/{groupId}', {
        params: {path: {groupId}},
        body: {tags: [{key: 'event', value: 'e2'}]},
      }),
    )
    const groups = await ok(api.GET('/api/atlas/v2/groups', {params: {query: {itemsPerPage: 1, pageNum: 1}}}))
    expect(groups.totalCount).toBe(1)
    await expectError(
      ok(api.POST('/api/atlas/v2/groups', {body: {name: 'contract', orgId} as never})),
      409,
      'GROUP_ALREADY_EXISTS',
    )

    const path = {groupId}
    const m0 = {
      name: 'free',
      clusterType: 'REPLICASET',
      replicationSpecs: [
        {
          regionConfigs: [
            {
              providerName: 'TENANT',
              backingProviderName: 'AWS',
              regionName: 'US_EAST_1',
              priority: 7,
              electableSpecs: {instanceSize: 'M0'},
            },
          ],
        },
      ],
    }
    const created = await ok(api.POST('/api/atlas/v2/groups/{groupId}/clusters', {params: {path}, body: m0 as never}))
    expect(created.stateName).toBe('CREATING')
    await expectError(
      ok(api.POST('/api/atlas/v2/groups/{groupId}/clusters', {params: {path}, body: {...m0, name: 'free2'} as never})),
      400,
      'CANNOT_CREATE_FREE_CLUSTER_VIA_PUBLIC_API',
    )
    await expectError(
      ok(api.POST('/api/atlas/v2/groups/{groupId}/clusters', {params: {path}, body: m0 as never})),
      400,
      'DUPLICATE_CLUSTER_NAME',
    )
    const dedicated = {
      name: 'big',
      clusterType: 'REPLICASET',
      terminationProtectionEnabled: true,
      replicationSpecs: [
        {
          regionConfigs: [
            {
              providerName: 'AWS',
              regionName: 'US_EAST_1',
              priority: 7,
              electableSpecs: {instanceSize: 'M10', nodeCount: 3},
            },
          ],
        },
      ],
    }
    await ok(api.POST('/api/atlas/v2/groups/{groupId}/clusters', {params: {path}, body: dedicated as never}))
    await expectError(
      ok(
        api.POST('/api/atlas/v2/groups/{groupId}/clusters', {
          params: {path},
          body: {
            ...dedicated,
            name: 'bad',
            replicationSpecs: [
              {regionConfigs: [{...dedicated.replicationSpecs[0].regionConfigs[0], regionName: 'MARS_1'}]},
            ],
          } as never,
        }),
      ),
      400,
      'INVALID_ATTRIBUTE',
    )
    await ok(
      api.POST('/api/atlas/v2/groups/{groupId}/flexClusters', {
        params: {path},
        body: {name: 'flexy', providerSettings: {backingProviderName: 'GCP', regionName: 'CENTRAL_US'}} as never,
      }),
    )
    await sleep(400)

    const list = await ok(api.GET('/api/atlas/v2/groups/{groupId}/clusters', {params: {path}}))
    expect(list.results!.map((c) => [c.name, c.stateName])).toEqual([
      ['free', 'IDLE'],
      ['big', 'IDLE'],
    ])
    expect(
      (
        await ok(
          api.GET('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
            params: {path: {groupId, clusterName: 'big'}},
          }),
        )
      ).connectionStrings?.standard,
    ).toMatch(/^mongodb:\/\//)
    await expectError(
      ok(
        api.GET('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
          params: {path: {groupId, clusterName: 'flexy'}},
        }),
      ),
      400,
      'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API',
    )
    expect((await ok(api.GET('/api/atlas/v2/groups/{groupId}/flexClusters', {params: {path}}))).results).toHaveLength(1)
    expect(
      (
        await ok(
          api.GET('/api/atlas/v2/groups/{groupId}/flexClusters/{name}', {params: {path: {groupId, name: 'flexy'}}}),
        )
      ).stateName,
    ).toBe('IDLE')

    // Scale the dedicated cluster; M0 cannot be PATCHed to another tier.
    const m20 = {
      replicationSpecs: [
        {
          regionConfigs: [
            {
              providerName: 'AWS',
              regionName: 'US_EAST_1',
              priority: 7,
              electableSpecs: {instanceSize: 'M20', nodeCount: 3},
            },
          ],
        },
      ],
    }
    expect(
      (
        await ok(
          api.PATCH('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
            params: {path: {groupId, clusterName: 'big'}},
            body: m20 as never,
          }),
        )
      ).stateName,
    ).toBe('UPDATING')
    await expectError(
      ok(
        api.PATCH('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
          params: {path: {groupId, clusterName: 'free'}},
          body: {
            replicationSpecs: [
              {
                regionConfigs: [
                  {providerName: 'AWS', regionName: 'US_EAST_1', priority: 7, electableSpecs: {instanceSize: 'M10'}},
                ],
              },
            ],
          } as never,
        }),
      ),
      400,
      'TENANT_CLUSTER_UPDATE_UNSUPPORTED',
    )
    // M0 → FLEX through the tenant upgrade, then FLEX → M10.
    const up = await ok(
      api.POST('/api/atlas/v2/groups/{groupId}/clusters/tenantUpgrade', {
        params: {path},
        body: {
          name: 'free',
          providerSettings: {
            providerName: 'FLEX',
            instanceSizeName: 'FLEX',
            backingProviderName: 'AWS',
            regionName: 'US_EAST_1',
          },
        } as never,
      }),
    )
    expect(up.stateName).toBe('UPDATING')
    await sleep(300)
    await ok(
      api.POST('/api/atlas/v2/groups/{groupId}/flexClusters:tenantUpgrade', {
        params: {path},
        body: {
          name: 'free',
          replicationSpecs: [
            {
              regionConfigs: [
                {
                  providerName: 'AWS',
                  regionName: 'US_EAST_1',
                  priority: 7,
                  electableSpecs: {instanceSize: 'M10', nodeCount: 3},
                },
              ],
            },
          ],
        } as never,
      }),
    )
    await sleep(300)
    const free = await ok(
      api.GET('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
        params: {path: {groupId, clusterName: 'free'}},
      }),
    )
    expect(free.replicationSpecs![0].regionConfigs![0]).toMatchObject({
      providerName: 'AWS',
      electableSpecs: {instanceSize: 'M10'},
    })

    // Database users, with scopes and an expiry.
    const user = {
      databaseName: 'admin',
      groupId,
      username: 'alice',
      password: 'correct-horse-battery',
      roles: [{roleName: 'readWrite', databaseName: 'app'}],
      scopes: [{name: 'big', type: 'CLUSTER'}],
      deleteAfterDate: new Date(Date.now() + 3600_000).toISOString(),
    }
    const u = await ok(api.POST('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path}, body: user as never}))
    expect(u).not.toHaveProperty('password')
    await expectError(
      ok(api.POST('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path}, body: user as never})),
      409,
      'USER_ALREADY_EXISTS',
    )
    await expectError(
      ok(
        api.POST('/api/atlas/v2/groups/{groupId}/databaseUsers', {
          params: {path},
          body: {...user, username: 'bob', scopes: [{name: 'nope', type: 'CLUSTER'}]} as never,
        }),
      ),
      400,
      'INVALID_ATTRIBUTE',
    )
    const upath = {groupId, databaseName: 'admin', username: 'alice'}
    await ok(
      api.PATCH('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {
        params: {path: upath},
        body: {...user, password: 'another-long-password'} as never,
      }),
    )
    expect(
      (
        await ok(
          api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {params: {path: upath}}),
        )
      ).username,
    ).toBe('alice')
    expect((await ok(api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path}}))).totalCount).toBe(1)

    // The access list: an array POST, idempotent, PENDING then ACTIVE.
    const entries = [{cidrBlock: '203.0.113.0/24', comment: 'office'}, {ipAddress: '198.51.100.7'}]
    await ok(api.POST('/api/atlas/v2/groups/{groupId}/accessList', {params: {path}, body: entries as never}))
    const again = await ok(
      api.POST('/api/atlas/v2/groups/{groupId}/accessList', {params: {path}, body: entries as never}),
    )
    expect(again.totalCount).toBe(2)
    await expectError(
      ok(
        api.POST('/api/atlas/v2/groups/{groupId}/accessList', {
          params: {path},
          body: [{cidrBlock: '300.1.1.1/8'}] as never,
        }),
      ),
      400,
      'INVALID_IP_ADDRESS_OR_CIDR_NOTATION',
    )
    const epath = {groupId, entryValue: '203.0.113.0/24'}
    expect(
      (await ok(api.GET('/api/atlas/v2/groups/{groupId}/accessList/{entryValue}/status', {params: {path: epath}})))
        .STATUS,
    ).toBe('PENDING')
    await sleep(1100)
    expect(
      (await ok(api.GET('/api/atlas/v2/groups/{groupId}/accessList/{entryValue}/status', {params: {path: epath}})))
        .STATUS,
    ).toBe('ACTIVE')
    expect(
      (await ok(api.GET('/api/atlas/v2/groups/{groupId}/accessList/{entryValue}', {params: {path: epath}}))).comment,
    ).toBe('office')
    await ok(api.DELETE('/api/atlas/v2/groups/{groupId}/accessList/{entryValue}', {params: {path: epath}}))
    expect((await ok(api.GET('/api/atlas/v2/groups/{groupId}/accessList', {params: {path}}))).totalCount).toBe(1)
    await ok(
      api.DELETE('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {params: {path: upath}}),
    )

    // Termination protection, then deletion: DELETING → 404; the project refuses to close meanwhile.
    await expectError(
      ok(
        api.DELETE('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
          params: {path: {groupId, clusterName: 'big'}},
        }),
      ),
      400,
      'CANNOT_TERMINATE_CLUSTER_WHEN_TERMINATION_PROTECTION_ENABLED',
    )
    await sleep(250)
    await ok(
      api.PATCH('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
        params: {path: {groupId, clusterName: 'big'}},
        body: {terminationProtectionEnabled: false},
      }),
    )
    for (const clusterName of ['big', 'free'])
      await ok(
        api.DELETE('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {params: {path: {groupId, clusterName}}}),
      )
    await ok(
      api.DELETE('/api/atlas/v2/groups/{groupId}/flexClusters/{name}', {params: {path: {groupId, name: 'flexy'}}}),
    )
    await expectError(
      ok(api.DELETE('/api/atlas/v2/groups/{groupId}', {params: {path}})),
      409,
      'CANNOT_CLOSE_GROUP_ACTIVE_ATLAS_CLUSTERS',
    )
    await sleep(250)
    await expectError(
      ok(
        api.GET('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
          params: {path: {groupId, clusterName: 'big'}},
        }),
      ),
      404,
      'CLUSTER_NOT_FOUND',
    )
    await ok(api.DELETE('/api/atlas/v2/groups/{groupId}', {params: {path}}))

    expect(emu.contract.violations).toEqual([])
    const operations = new Set([...emu.contract.seen].map((s) => s.split(' ')[0]))
    expect(operations.size).toBe(29)
  })

  it('serves every version the spec lists, with Deprecation and Sunset on old ones, and 406 for any other', async () => {
    const c = emu.credentials
    const {DigestClient} = await import('digest-fetch')
    const digest = new DigestClient(c.publicKey, c.privateKey)
    const plain = (await digest.fetch(`${emu.url}/api/atlas/v2/groups`, {
      headers: {accept: 'application/json'},
    })) as Response
    expect(plain.status).toBe(406)
    const unlisted = (await digest.fetch(`${emu.url}/api/atlas/v2/groups/x/clusters`, {
      headers: {accept: 'application/vnd.atlas.2022-01-01+json'},
    })) as Response
    expect(unlisted.status).toBe(406)
    expect(await unlisted.json()).toMatchObject({error: 406, errorCode: 'INVALID_VERSION_DATE'})
    const later = (await digest.fetch(`${emu.url}/api/atlas/v2/groups`, {
      headers: {accept: 'application/vnd.atlas.2025-03-12+json'},
    })) as Response
    expect(later.status).toBe(406)
    // Clusters at 2023-02-01: its own shape (one diskSizeGB, numShards per zone) and the headers Atlas sends.
    const groupId = (
      (await (
        (await digest.fetch(`${emu.url}/api/atlas/v2/groups`, {
          method: 'POST',
          headers: {accept: 'application/vnd.atlas.2023-01-01+json', 'content-type': 'application/json'},
          body: JSON.stringify({name: 'versions', orgId: c.orgId}),
        })) as Response
      ).json()) as Json
    ).id
    const body = {
      name: 'old',
      clusterType: 'REPLICASET',
      diskSizeGB: 30,
      replicationSpecs: [
        {
          numShards: 1,
          regionConfigs: [
            {
              providerName: 'AWS',
              regionName: 'US_EAST_1',
              priority: 7,
              electableSpecs: {instanceSize: 'M10', nodeCount: 3},
            },
          ],
        },
      ],
    }
    const v2023 = (await digest.fetch(`${emu.url}/api/atlas/v2/groups/${groupId}/clusters`, {
      method: 'POST',
      headers: {
        accept: 'application/vnd.atlas.2023-02-01+json',
        'content-type': 'application/vnd.atlas.2023-02-01+json',
      },
      body: JSON.stringify(body),
    })) as Response
    expect(v2023.status).toBe(201)
    expect(v2023.headers.get('content-type')).toBe('application/vnd.atlas.2023-02-01+json')
    expect(v2023.headers.get('deprecation')).toBe('Mon, 5 Aug 2024 00:00:00 GMT')
    expect(v2023.headers.get('sunset')).toBe('Thu, 1 Jul 2027 00:00:00 GMT')
    const doc = (await v2023.json()) as Json
    expect(doc.diskSizeGB).toBe(30)
    expect(doc.replicationSpecs[0].numShards).toBe(1)
    expect(doc.effectiveReplicationSpecs).toBeUndefined()
    const now = (await (
      (await digest.fetch(`${emu.url}/api/atlas/v2/groups/${groupId}/clusters/old`, {
        headers: {accept: 'application/vnd.atlas.2024-08-05+json'},
      })) as Response
    ).json()) as Json
    expect(now.diskSizeGB).toBeUndefined()
    expect(now.replicationSpecs[0].regionConfigs[0]).toMatchObject({
      electableSpecs: {instanceSize: 'M10', diskSizeGB: 30, nodeCount: 3},
      readOnlySpecs: {instanceSize: 'M10', nodeCount: 0},
      analyticsSpecs: {instanceSize: 'M10', nodeCount: 0},
    })
  })

  it('OIDC users: a workforce group lives in admin as <IdP id>/<group> without a password, as recorded; a password on one is refused', async () => {
    const api = client.api
    const ok = client.ok.bind(client)
    const g = await ok(api.POST('/api/atlas/v2/groups', {body: {name: 'oidc', orgId: emu.credentials.orgId} as never}))
    const groupId = g.id!
    const path = {groupId}
    const idp = '0123456789abcdef01234567'
    // The body the official CLI sends for `dbusers create --oidcType IDP_GROUP` (TestDBUsersWithStdin/Create_OIDC_user).
    const group = await ok(
      api.POST('/api/atlas/v2/groups/{groupId}/databaseUsers', {
        params: {path},
        body: {
          groupId,
          databaseName: 'admin',
          username: `${idp}/devs`,
          oidcAuthType: 'IDP_GROUP',
          roles: [{roleName: 'atlasAdmin', databaseName: 'admin'}],
        } as never,
      }),
    )
    expect(group).toMatchObject({
      databaseName: 'admin',
      username: `${idp}/devs`,
      oidcAuthType: 'IDP_GROUP',
      awsIAMType: 'NONE',
      ldapAuthType: 'NONE',
      x509Type: 'NONE',
    })
    expect(group).not.toHaveProperty('password')
    const person = await ok(
      api.POST('/api/atlas/v2/groups/{groupId}/databaseUsers', {
        params: {path},
        body: {
          groupId,
          databaseName: '$external',
          username: `${idp}/ada@example.com`,
          oidcAuthType: 'USER',
          roles: [{roleName: 'read', databaseName: 'shop'}],
        } as never,
      }),
    )
    expect(person).toMatchObject({databaseName: '$external', oidcAuthType: 'USER'})
    const refuse = (body: Json) =>
      expectError(
        ok(
          api.POST('/api/atlas/v2/groups/{groupId}/databaseUsers', {
            params: {path},
            body: {groupId, roles: [{roleName: 'read', databaseName: 'shop'}], ...body} as never,
          }),
        ),
        400,
        'INVALID_ATTRIBUTE',
      )
    await refuse({databaseName: 'admin', username: `${idp}/pw`, oidcAuthType: 'IDP_GROUP', password: 'a-password-here'})
    await refuse({databaseName: '$external', username: `${idp}/wrongdb`, oidcAuthType: 'IDP_GROUP'})
    await refuse({databaseName: 'admin', username: 'no-idp-prefix', oidcAuthType: 'IDP_GROUP'})
    await refuse({databaseName: 'admin', username: `${idp}/two`, oidcAuthType: 'IDP_GROUP', x509Type: 'MANAGED'})
    // The PATCH names the user in its body too, as every recorded client sends it (TestDBUserWithFlags).
    await expectError(
      ok(
        api.PATCH('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {
          params: {path: {groupId, databaseName: 'admin', username: `${idp}/devs`}},
          body: {groupId, databaseName: 'admin', username: `${idp}/devs`, password: 'now-with-password'} as never,
        }),
      ),
      400,
      'INVALID_ATTRIBUTE',
    )
    const listed = await ok(api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path}}))
    expect(listed.results!.map((u) => u.username).sort()).toEqual([`${idp}/ada@example.com`, `${idp}/devs`])
  })
})
