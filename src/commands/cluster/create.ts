import {Args, Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {orgIdFlag, projectFlag, timeoutFlag, waitFlag} from '../../base/flags.js'
import {INSTANCE_SIZES, type Provider, PROVIDERS, REGIONS} from '../../atlas/catalog.js'
import {describePrice, PRICES_AS_OF} from '../../lib/prices.js'
import {CLUSTER_NAME, validateSpec} from '../../services/clusters/clusters.js'
import {createClusterFlow, type CreateResult, type ProjectTarget} from '../../services/clusters/create.js'
import {DEFAULT_REGION} from '../../services/clusters/regions.js'
import {
  findProjectByName,
  listProjects,
  parseTags,
  projectNameProblem,
  resolveOrgId,
  resolveProject,
} from '../../services/projects.js'
import {checkWith} from '../../ui/prompts.js'
import {reportWait, startProgress} from '../../ui/spinner.js'

const WIZARD_TIERS = ['M0', 'FLEX', 'M10', 'M20', 'M30', 'M40', 'M50', 'M60', 'M80']
const VERSIONS = ['8.0', '7.0']
const splitWords = (v: string) => v.split(/\s+/).filter(Boolean)

export type Result = CreateResult

export default class ClusterCreate extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['clusters:create']
  static override summary = 'Create a cluster: M0 (free), FLEX, or dedicated M10 and up.'
  static override description =
    'A wizard asks for each missing value on a terminal (project, name, provider, region, tier with its price, version, tags, termination protection) and shows a review before anything is created. Every prompt has a flag; with --non-interactive (or without a TTY) NAME, --project and --tier are required.'
  static override examples = [
    '<%= config.bin %> cluster create',
    '<%= config.bin %> cluster create demo --project my-project --tier M0 --provider AWS --region US_EAST_1 --wait',
    '<%= config.bin %> cluster create api --project prod --create-project --tier M10 --mdb-version 8.0 --tag env=prod --termination-protection --if-not-exists',
  ]

  static override args = {name: Args.string({description: 'Cluster name: letters, digits and hyphens.'})}
  static override flags = {
    project: projectFlag,
    'create-project': Flags.boolean({
      description: 'Create the --project (by name) if it does not exist; it is deleted again if the cluster fails.',
    }),
    'org-id': orgIdFlag,
    provider: Flags.option({options: PROVIDERS, description: 'Cloud provider (default AWS without a terminal).'})(),
    region: Flags.string({
      description: 'Atlas region name, e.g. US_EAST_1 (AWS), CENTRAL_US (GCP), US_EAST_2 (AZURE).',
    }),
    tier: Flags.string({description: 'M0 (free), FLEX, or M10 and up.'}),
    'mdb-version': Flags.option({options: VERSIONS, description: 'MongoDB major version (dedicated tiers).'})(),
    tag: Flags.string({multiple: true, description: 'Tag as key=value; repeatable.'}),
    'termination-protection': Flags.boolean({allowNo: true, description: 'Refuse deletion until it is turned off.'}),
    'if-not-exists': Flags.boolean({
      description: 'Succeed if a cluster with this name and the same spec exists; a different spec is exit 6.',
    }),
    wait: waitFlag,
    timeout: timeoutFlag,
  }

  protected async execute(): Promise<CreateResult> {
    const {args, flags} = await this.parse(ClusterCreate)
    const timeoutMs = flags.timeout
    const tags = parseTags(flags.tag)
    const p = this.prompt
    const settings = await this.settings({projectId: flags.project, orgId: flags['org-id']})
    const client = await this.atlas(settings)
    let asked = false
    const ask = <V>(value: V | undefined, prompt: () => Promise<V>): Promise<V> =>
      value !== undefined ? Promise.resolve(value) : ((asked = true), prompt())

    // Project: an existing one, or (explicitly) a new one.
    let project: ProjectTarget
    if (settings.projectId) {
      const found = flags['create-project']
        ? await findProjectByName(client, settings.projectId)
        : await resolveProject(client, settings.projectId)
      project = found
        ? {existing: found}
        : {create: {name: settings.projectId, orgId: await resolveOrgId(client, settings.orgId)}}
    } else {
      const projects = await (p.interactive ? listProjects(client) : Promise.resolve([]))
      const choice = await ask<string>(undefined, () =>
        p.select({
          flag: 'project',
          message: 'Project',
          choices: [
            ...projects.map((x) => ({name: `${x.name} (${x.clusterCount} clusters)`, value: x.id})),
            {name: 'Create a new project…', value: ''},
          ],
        }),
      )
      project = choice
        ? {existing: projects.find((x) => x.id === choice)!}
        : {
            create: {
              name: await p.input({
                flag: 'project',
                message: 'New project name:',
                validate: (v) => projectNameProblem(v) ?? true,
              }),
              orgId: await resolveOrgId(client, settings.orgId),
            },
          }
    }

    const name = await ask(args.name, () =>
      p.input({
        flag: 'NAME',
        message: 'Cluster name:',
        validate: (v) =>
          CLUSTER_NAME.test(v) ? true : 'letters, digits and hyphens, starting with a letter or digit (at most 64)',
      }),
    )
    const provider =
      flags.provider ??
      (p.interactive
        ? await ask<Provider>(undefined, () =>
            p.select({
              flag: 'provider',
              message: 'Cloud provider',
              choices: PROVIDERS.map((x) => ({name: x, value: x})),
              default: 'AWS',
            }),
          )
        : 'AWS')
    const region =
      flags.region ??
      (p.interactive
        ? await ask<string>(undefined, () =>
            p.select({
              flag: 'region',
              message: `${provider} region`,
              choices: REGIONS[provider].map((r) => ({name: r, value: r})),
              default: DEFAULT_REGION[provider],
            }),
          )
        : DEFAULT_REGION[provider])
    const tier = await ask(flags.tier?.toUpperCase(), () =>
      p.select({
        flag: 'tier',
        message: `Tier (prices as of ${PRICES_AS_OF})`,
        choices: WIZARD_TIERS.filter((t) => t === 'M0' || t === 'FLEX' || INSTANCE_SIZES[provider].includes(t)).map(
          (t) => ({name: `${t.padEnd(5)} ${describePrice(t)}`, value: t}),
        ),
        default: 'M0',
      }),
    )
    const dedicated = tier !== 'M0' && tier !== 'FLEX'
    const version =
      flags['mdb-version'] ??
      (dedicated && p.interactive
        ? await ask<string>(undefined, () =>
            p.select({
              flag: 'mdb-version',
              message: 'MongoDB version',
              choices: VERSIONS.map((v) => ({name: v, value: v})),
            }),
          )
        : undefined)
    let allTags = tags
    let terminationProtection = flags['termination-protection']
    if (asked) {
      if (!flags.tag)
        allTags = parseTags(
          splitWords(
            await p.input({
              flag: 'tag',
              message: 'Tags (key=value, space-separated; optional):',
              default: '',
              validate: checkWith((v) => parseTags(splitWords(v))),
            }),
          ),
        )
      terminationProtection ??= await p.confirm({message: 'Enable termination protection?', default: false})
    }
    const spec = validateSpec({
      name,
      provider,
      region,
      tier,
      mongoDBMajorVersion: version,
      tags: allTags,
      terminationProtection: terminationProtection ?? false,
    })

    if (asked) {
      const projectLine =
        'existing' in project ? `project ${project.existing.name}` : `NEW project ${project.create.name}`
      await this.confirm(
        [
          'Review:',
          `  ${projectLine}`,
          `  cluster ${name}: ${tier} on ${provider} ${region}${version ? `, MongoDB ${version}` : ''}`,
          `  cost: ${describePrice(tier)}`,
          `  tags: ${allTags.map((t) => `${t.key}=${t.value}`).join(' ') || '(none)'}; termination protection: ${spec.terminationProtection ? 'on' : 'off'}`,
        ].join('\n'),
      )
    }

    const wait = this.shouldWait(flags.wait)
    const progress = await startProgress(`Creating cluster ${name}`, {json: this.jsonEnabled()})
    const report = reportWait(progress, `Cluster ${name}`)
    // Polling means the cluster exists: a failure from then on is a failed wait, not a failed create.
    let polled = false
    try {
      const result = await createClusterFlow(client, {
        project,
        spec,
        ifNotExists: flags['if-not-exists'],
        wait: wait
          ? {
              timeoutMs,
              onProgress: (...a) => ((polled = true), report(...a)),
              resume: this.followUp([
                'cluster',
                'describe',
                name,
                '--project',
                'existing' in project ? project.existing.name : project.create.name,
              ]),
            }
          : false,
        log: (line) => this.out.info(line),
      })
      progress.succeed(`Cluster ${name} is ${result.cluster.state}.`)
      return result
    } catch (error) {
      progress.fail(polled ? `Stopped waiting for cluster ${name}.` : `Cluster ${name} was not created.`)
      throw error
    }
  }

  protected override render(r: CreateResult): void {
    const c = r.cluster
    if (c.state === 'IDLE' && c.connectionString) this.out.data(c.connectionString)
    else
      this.out.info(
        `${r.created ? 'Requested' : 'Found'} ${c.tier} cluster ${c.name} in project ${r.project.name} (${c.state}). "atlasctl cluster describe ${c.name} --project ${r.project.name}" shows its progress.`,
      )
  }
}
