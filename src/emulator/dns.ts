import dgram from 'node:dgram'

export type DnsRecord =
  {type: 'A'; address: string} | {type: 'TXT'; text: string} | {type: 'SRV'; port: number; target: string}

const TYPES = {A: 1, TXT: 16, SRV: 33} as const

/** The records for a name and query type; undefined is NXDOMAIN, [] a name without records of that type. */
export type DnsAnswer = (name: string, type: keyof typeof TYPES | 'OTHER') => DnsRecord[] | undefined

export interface DnsServer {
  /** host:port, as `dns.setServers` and ATLASCTL_DNS_SERVER take it. */
  address: string
  close(): Promise<void>
}

function encodeName(name: string): Buffer {
  return Buffer.concat([
    ...name
      .split('.')
      .filter(Boolean)
      .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])),
    Buffer.from([0]),
  ])
}

function rdata(r: DnsRecord): Buffer {
  if (r.type === 'A') return Buffer.from(r.address.split('.').map(Number))
  if (r.type === 'TXT') return Buffer.concat([Buffer.from([r.text.length]), Buffer.from(r.text, 'ascii')])
  const head = Buffer.alloc(6)
  head.writeUInt16BE(0, 0)
  head.writeUInt16BE(0, 2)
  head.writeUInt16BE(r.port, 4)
  return Buffer.concat([head, encodeName(r.target)])
}

/** One question in, one authoritative answer out: enough DNS (RFC 1035) for SRV, TXT and A look-ups. */
function respond(query: Buffer, answer: DnsAnswer): Buffer | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined
  const labels: string[] = []
  let i = 12
  while (i < query.length && query[i] !== 0) {
    labels.push(query.subarray(i + 1, i + 1 + query[i]).toString('ascii'))
    i += query[i] + 1
  }
  if (i + 5 > query.length) return undefined
  const qtype = query.readUInt16BE(i + 1)
  const question = query.subarray(12, i + 5)
  const kind = (Object.entries(TYPES).find(([, v]) => v === qtype)?.[0] ?? 'OTHER') as keyof typeof TYPES | 'OTHER'
  const records = answer(labels.join('.').toLowerCase(), kind)
  const header = Buffer.alloc(12)
  header.writeUInt16BE(query.readUInt16BE(0), 0)
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (records ? 0 : 3), 2)
  header.writeUInt16BE(1, 4)
  const matching = (records ?? []).filter((r) => TYPES[r.type] === qtype)
  header.writeUInt16BE(matching.length, 6)
  const answers = matching.map((r) => {
    const data = rdata(r)
    const fixed = Buffer.alloc(12)
    fixed.writeUInt16BE(0xc00c, 0)
    fixed.writeUInt16BE(qtype, 2)
    fixed.writeUInt16BE(1, 4)
    fixed.writeUInt32BE(60, 6)
    fixed.writeUInt16BE(data.length, 10)
    return Buffer.concat([fixed, data])
  })
  return Buffer.concat([header, question, ...answers])
}

/** A UDP DNS server on 127.0.0.1 that answers from `answer` (the emulator's clusters' SRV, TXT and A records). */
export async function startDnsServer(answer: DnsAnswer, port = 0): Promise<DnsServer> {
  const socket = dgram.createSocket('udp4')
  socket.on('message', (msg, from) => {
    const reply = respond(msg, answer)
    if (reply) socket.send(reply, from.port, from.address)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, '127.0.0.1', () => resolve())
  })
  const bound = socket.address()
  return {
    address: `127.0.0.1:${bound.port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}
