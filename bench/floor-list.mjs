// The floor for `cluster list`: a plain Node program (no atlasctl code, no dependencies) that does one
// digest-authenticated GET of a project's cluster list, the challenge leg included, and prints the body.
// Usage: ATLAS_BASE_URL=… MONGODB_ATLAS_PUBLIC_API_KEY=… MONGODB_ATLAS_PRIVATE_API_KEY=… node bench/floor-list.mjs GROUP_ID
import {createHash, randomBytes} from 'node:crypto'

const env = process.env
const uri = `/api/atlas/v2/groups/${process.argv[2]}/clusters`
const url = `${env.ATLAS_BASE_URL}${uri}`
const headers = {accept: 'application/vnd.atlas.2024-08-05+json'}
const md5 = (s) => createHash('md5').update(s).digest('hex')

const challenge = await fetch(url, {headers})
await challenge.arrayBuffer()
const www = challenge.headers.get('www-authenticate') ?? ''
const field = (name) => new RegExp(`${name}="([^"]*)"`).exec(www)?.[1] ?? ''
const realm = field('realm')
const nonce = field('nonce')
const cnonce = randomBytes(8).toString('hex')
const nc = '00000001'
const ha1 = md5(`${env.MONGODB_ATLAS_PUBLIC_API_KEY}:${realm}:${env.MONGODB_ATLAS_PRIVATE_API_KEY}`)
const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${md5(`GET:${uri}`)}`)
const res = await fetch(url, {
  headers: {
    ...headers,
    authorization: `Digest username="${env.MONGODB_ATLAS_PUBLIC_API_KEY}", realm="${realm}", nonce="${nonce}", uri="${uri}", qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", algorithm=MD5`,
  },
})
process.stdout.write(`${await res.text()}\n`)
process.exitCode = res.ok ? 0 : 1
