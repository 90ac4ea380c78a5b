import {describe, expect, it} from 'vitest'
import {accessTo, covers, parseMongoUri} from '../../src/services/doctor/uri.js'

describe('doctor: connection strings, access-list coverage and roles', () => {
  it('splits a connection string: SRV, hosts, user, database, TLS', () => {
    expect(parseMongoUri('mongodb+srv://app:p%40ss@main.abc.mongodb.net/shop?retryWrites=true')).toMatchObject({
      srv: true,
      hosts: [{host: 'main.abc.mongodb.net', port: 27017}],
      username: 'app',
      password: 'p@ss',
      database: 'shop',
      tls: true,
    })
    expect(parseMongoUri('mongodb+srv://main.abc.mongodb.net/?tls=false').tls).toBe(false)
    expect(parseMongoUri('mongodb://a:1,b,[::1]:3/?ssl=true')).toMatchObject({
      srv: false,
      hosts: [
        {host: 'a', port: 1},
        {host: 'b', port: 27017},
        {host: '::1', port: 3},
      ],
      username: undefined,
      database: undefined,
      tls: true,
    })
    expect(parseMongoUri('mongodb://h/').tls).toBe(false)
  })

  it('refuses what is not a connection string, naming the flag and never the password', () => {
    for (const bad of ['http://h', 'mongodb://', 'mongodb://h:port/', 'mongodb+srv://a,b/', 'mongodb+srv://h:27017/'])
      expect(() => parseMongoUri(bad), bad).toThrow(/--uri/)
    expect(() => parseMongoUri('mongodb://u:secret@h:x/')).toThrow(expect.objectContaining({exitCode: 2}))
    expect(() => parseMongoUri('mongodb://u:secret@h:x/')).not.toThrow(/secret/)
  })

  it('an entry covers an address: the address itself, its block, IPv6, never another family', () => {
    expect(covers('203.0.113.7', '203.0.113.7')).toBe(true)
    expect(covers('203.0.113.7/32', '203.0.113.8')).toBe(false)
    expect(covers('203.0.113.0/24', '203.0.113.200')).toBe(true)
    expect(covers('0.0.0.0/0', '198.51.100.1')).toBe(true)
    expect(covers('2001:db8::/32', '2001:db8::1')).toBe(true)
    expect(covers('0.0.0.0/0', '2001:db8::1')).toBe(false)
    expect(covers('sg-12345', '203.0.113.7')).toBe(false)
  })

  it('roles reach a database: any-database roles, roles on that database, read only, or not at all', () => {
    expect(accessTo([{roleName: 'readWriteAnyDatabase', databaseName: 'admin'}], 'shop')).toEqual({
      access: 'readWrite',
      by: ['readWriteAnyDatabase@admin'],
    })
    expect(accessTo([{roleName: 'read', databaseName: 'shop', collectionName: 'orders'}], 'shop')).toEqual({
      access: 'read',
      by: ['read@shop.orders'],
    })
    expect(
      accessTo(
        [
          {roleName: 'read', databaseName: 'shop'},
          {roleName: 'readWrite', databaseName: 'shop'},
        ],
        'shop',
      ).access,
    ).toBe('readWrite')
    expect(accessTo([{roleName: 'readWrite', databaseName: 'other'}], 'shop')).toEqual({access: 'none', by: []})
    expect(accessTo([{roleName: 'clusterMonitor', databaseName: 'admin'}], 'admin').access).toBe('none')
  })
})
