import type {TransportOptions} from './transport.js'

const int = (v: string | undefined) =>
  v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined

/** Tuning knobs for the HTTP layer: ATLASCTL_HTTP_TIMEOUT_MS, ATLASCTL_MAX_RETRIES, ATLASCTL_RETRY_BASE_MS, ATLASCTL_RETRY_MAX_MS. */
export function httpOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<TransportOptions, 'timeoutMs' | 'retry'> {
  const retry = {
    maxRetries: int(env.ATLASCTL_MAX_RETRIES),
    baseDelayMs: int(env.ATLASCTL_RETRY_BASE_MS),
    maxDelayMs: int(env.ATLASCTL_RETRY_MAX_MS),
  }
  return {
    timeoutMs: int(env.ATLASCTL_HTTP_TIMEOUT_MS),
    retry: Object.fromEntries(Object.entries(retry).filter(([, v]) => v !== undefined)),
  }
}
