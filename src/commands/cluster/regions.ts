import {Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {PROVIDERS} from '../../atlas/catalog.js'
import {type Catalog, catalog} from '../../services/clusters/regions.js'

export type Result = Catalog

/** Region names, a few to a line, so a terminal shows them as a block. */
const rows = (names: string[], perLine = 6) =>
  Array.from(
    {length: Math.ceil(names.length / perLine)},
    (_, i) => `    ${names.slice(i * perLine, (i + 1) * perLine).join(' ')}`,
  )

export default class ClusterRegions extends AtlasCommand<Result> {
  static override summary =
    'List the cloud providers, their regions and the tiers, with prices, that cluster create offers.'
  static override description =
    'The lists come from the Atlas Admin API specification vendored with atlasctl, so this needs no credentials and sends no request. Prices are approximate on-demand list prices for AWS US_EAST_1 (docs/prices.md). Atlas offers M0 in some regions only.'
  static override examples = [
    '<%= config.bin %> cluster regions',
    '<%= config.bin %> cluster regions --provider GCP',
    '<%= config.bin %> cluster regions --tier M30 --json',
  ]
  static override flags = {
    provider: Flags.option({options: PROVIDERS, description: 'Only this cloud provider.'})(),
    tier: Flags.string({description: 'Only this tier, and the providers that offer it, e.g. M30, R40, FLEX.'}),
  }

  protected async execute(): Promise<Result> {
    const {flags} = await this.parse(ClusterRegions)
    return catalog({provider: flags.provider, tier: flags.tier})
  }

  protected override render(r: Result): void {
    const lines = r.providers.flatMap((p) => [
      `${p.provider} (default region ${p.defaultRegion})`,
      '  regions:',
      ...rows(p.regions),
      '  tiers:',
      ...p.tiers.map((t) => `    ${t.tier.padEnd(16)} ${t.price}`),
    ])
    this.out.data([...lines, `Prices as of ${r.pricesAsOf}.`].join('\n'))
  }
}
