import type {IncomingMessage, ServerResponse} from 'node:http'

/** An Atlas-shaped error; thrown by handlers and rendered as the spec's ApiError body. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly detail: string,
    /** null: the answer has no parameters at all, as Atlas's 401. */
    readonly parameters: unknown[] | null = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export function sendProblem(res: ServerResponse, p: ApiProblem, extraHeaders: Record<string, string> = {}): void {
  const body = JSON.stringify({
    detail: p.detail,
    error: p.status,
    errorCode: p.errorCode,
    ...(p.parameters ? {parameters: p.parameters} : {}),
    reason: REASONS[p.status] ?? 'Error',
  })
  res.writeHead(p.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
    ...p.headers,
  })
  res.end(body)
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers)
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers})
  res.end(text)
}

export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new ApiProblem(400, 'INVALID_JSON', 'The request body is too large.')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiProblem(400, 'INVALID_JSON', 'Received JSON is malformed.')
  }
}
