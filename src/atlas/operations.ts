import {OPERATIONS} from './operations.generated.js'

export type Operation = (typeof OPERATIONS)[number]
export type OperationId = Operation['operationId']

interface Compiled {
  op: Operation
  regex: RegExp
  names: string[]
  literalSegments: number
}

const compiled: Compiled[] = OPERATIONS.map((op) => {
  const names: string[] = []
  const source = op.path
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part)
      if (m) return (names.push(m[1]), '([^/]+)')
      return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    })
    .join('')
  return {
    op,
    regex: new RegExp(`^${source}$`),
    names,
    literalSegments: op.path.split('/').filter((s) => s && !s.startsWith('{')).length,
  }
})
// Literal segments win over parameters: /clusters/tenantUpgrade before /clusters/{clusterName}.
compiled.sort((a, b) => b.literalSegments - a.literalSegments)

export function matchOperation(
  method: string,
  pathname: string,
): {op: Operation; params: Record<string, string>} | undefined {
  for (const c of compiled) {
    if (c.op.method !== method.toUpperCase()) continue
    const m = c.regex.exec(pathname)
    if (!m) continue
    const params: Record<string, string> = {}
    c.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])))
    return {op: c.op, params}
  }
  return undefined
}

/** The one name of a call, in errors, traces and the audit log: the spec's operationId, else the method and path. */
export function operationName(method: string, pathname: string): string {
  return matchOperation(method, pathname)?.op.operationId ?? `${method.toUpperCase()} ${pathname}`
}

/** True when some operation exists at this path for another method (405 rather than 404). */
export function pathExists(pathname: string): boolean {
  return compiled.some((c) => c.regex.test(pathname))
}

export const mediaType = (version: string) => `application/vnd.atlas.${version}+json`
