/** How long the emulator's asynchronous work takes: the profiles, and scaling them. */

export interface Delays {
  /** A dedicated replica set's creation; the kinds below fall back to these four when not set. */
  clusterCreateMs: number
  clusterUpdateMs: number
  clusterDeleteMs: number
  accessEntryMs: number
  m0CreateMs?: number
  flexCreateMs?: number
  /** A sharded or multi-region cluster's creation. */
  largeCreateMs?: number
  /** An M0's or a flex cluster's deletion. */
  sharedDeleteMs?: number
  /** Pausing or resuming a dedicated cluster. */
  pauseMs?: number
  /** An M0's UPDATING after a database user changes. */
  userSyncMs?: number
  /** An M0 → dedicated upgrade, end to end, and the part of it during which the cluster still answers as the M0. */
  tenantUpgradeMs?: number
  tenantUpgradeAsM0Ms?: number
}

/** Seconds, as a user trying the CLI would see Atlas (which takes minutes): long enough to watch, short enough to wait for. */
export const DEMO_DELAYS: Delays = {
  clusterCreateMs: 8000,
  clusterUpdateMs: 5000,
  clusterDeleteMs: 3000,
  accessEntryMs: 1500,
}

/**
 * Atlas's own durations, as recorded (docs/emulator.md has the sources): `emulator start --realistic`,
 * scaled by --time-scale. Scaling and access entries are not in the recordings; those are estimates.
 */
export const RECORDED_DELAYS: Required<Delays> = {
  clusterCreateMs: 13 * 60_000,
  m0CreateMs: 7000,
  flexCreateMs: 8000,
  largeCreateMs: 20 * 60_000,
  clusterUpdateMs: 10 * 60_000,
  pauseMs: 40_000,
  userSyncMs: 20_000,
  tenantUpgradeMs: 25 * 60_000,
  tenantUpgradeAsM0Ms: 2 * 60_000,
  clusterDeleteMs: 4 * 60_000,
  sharedDeleteMs: 30_000,
  accessEntryMs: 5000,
}

/** Every duration multiplied by `factor` (a test runs the recorded profile at 1/1000). */
export function scaleDelays(d: Delays, factor: number): Delays {
  const f = (v: number) => Math.round(v * factor)
  const o = (v?: number) => (v === undefined ? undefined : f(v))
  return {
    clusterCreateMs: f(d.clusterCreateMs),
    clusterUpdateMs: f(d.clusterUpdateMs),
    clusterDeleteMs: f(d.clusterDeleteMs),
    accessEntryMs: f(d.accessEntryMs),
    m0CreateMs: o(d.m0CreateMs),
    flexCreateMs: o(d.flexCreateMs),
    largeCreateMs: o(d.largeCreateMs),
    sharedDeleteMs: o(d.sharedDeleteMs),
    pauseMs: o(d.pauseMs),
    userSyncMs: o(d.userSyncMs),
    tenantUpgradeMs: o(d.tenantUpgradeMs),
    tenantUpgradeAsM0Ms: o(d.tenantUpgradeAsM0Ms),
  }
}

/** Milliseconds for tests and benchmarks (`--fast`). */
export const FAST_DELAYS: Delays = {
  clusterCreateMs: 300,
  clusterUpdateMs: 200,
  clusterDeleteMs: 150,
  accessEntryMs: 100,
}
