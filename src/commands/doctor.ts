import {Flags} from '@oclif/core'
import {AtlasCommand} from '../base/atlas-command.js'
import {durationFlag, projectFlag} from '../base/flags.js'
import {CheckFailedError, MissingValueError} from '../lib/errors.js'
import type {DoctorResult} from '../services/doctor/doctor.js'
import {animated, startProgress} from '../ui/spinner.js'

export type Result = DoctorResult

export default class Doctor extends AtlasCommand<Result> {
  static override summary = "Why can't my application connect? Checks each cause in order and prints the fix."
  static override description =
    "Against Atlas: the cluster's state, this machine's address on the access list (expiry included), and the database user (existence, expiry, cluster scope, roles for the database the connection string names). Against the network and the server: SRV and TXT look-ups, TCP to each host, the TLS handshake when the string asks for it, authentication, a ping, and on M0 the connection and storage limits. Every check runs; one that needs an earlier one that failed is skipped and says so. Exit 0 when all pass, 8 when any fails (the report says why and how to fix it), 2 for bad input. Passwords never show."
  static override examples = [
    '<%= config.bin %> doctor --cluster main --project my-project --credentials-file app.json',
    "<%= config.bin %> doctor --cluster main --uri 'mongodb+srv://app:PASSWORD@main.abcde.mongodb.net/shop'",
    '<%= config.bin %> doctor --cluster main --credentials-file app.json --json',
  ]

  static override flags = {
    cluster: Flags.string({description: 'Atlas cluster name (default: ATLAS_CLUSTER_NAME).'}),
    project: projectFlag,
    'credentials-file': Flags.string({
      exclusive: ['uri'],
      description: 'The database user and password (as written by "user add --credentials-file").',
    }),
    'db-user': Flags.string({description: 'With --credentials-file: the user to check, when the file holds several.'}),
    uri: Flags.string({
      description: 'The connection string the application uses (its user, password and database are checked too).',
    }),
    timeout: durationFlag({description: 'How long each network step may take (default 10s).'}),
  }

  protected async execute(): Promise<Result> {
    const {flags} = await this.parse(Doctor)
    const {parseMongoUri} = await import('../services/doctor/uri.js')
    // Bad input is exit 2 before any request: the string, then the file.
    const uri = flags.uri === undefined ? undefined : parseMongoUri(flags.uri)
    const settings = await this.settings({projectId: flags.project, clusterName: flags.cluster})
    if (!settings.clusterName) throw new MissingValueError('cluster', 'cluster (--cluster NAME)')
    const {readCredentialsFile} = await import('../services/mongo-target.js')
    const file = flags['credentials-file']
    const project = await this.project(flags.project)
    const credentials = file ? readCredentialsFile(file, flags['db-user'], project.name) : undefined
    const {runDoctor} = await import('../services/doctor/doctor.js')
    const progress = animated() && !this.jsonEnabled() ? await startProgress('Checking', {json: false}) : undefined
    let result: Result
    try {
      result = await runDoctor({
        atlas: await this.atlas(),
        project,
        cluster: settings.clusterName,
        uri,
        credentials,
        credentialsFile: file,
        timeoutMs: flags.timeout ?? 10_000,
        command: (words) => this.followUp(words),
        onCheck: (id) => progress?.update(`Checking ${id}`),
      })
    } finally {
      progress?.stop()
    }
    if (result.failed > 0) {
      const failed = result.checks.filter((c) => c.status === 'fail').map((c) => c.id)
      return this.failWith(
        result,
        new CheckFailedError(`${failed.length} of ${result.checks.length} checks failed: ${failed.join(', ')}.`, {
          hint: 'Each failed check shows its fix.',
          details: {result},
        }),
      )
    }
    return result
  }

  protected override render(r: Result): void {
    const width = Math.max(...r.checks.map((c) => c.id.length))
    const pad = ' '.repeat(6 + width + 2)
    const lines = [
      `Cluster ${r.cluster} in project ${r.project}${r.user ? `, as ${r.user}` : ''}${r.connectionString ? `: ${r.connectionString}` : ''}`,
    ]
    for (const c of r.checks) {
      lines.push(`${c.status.toUpperCase().padEnd(6)}${c.id.padEnd(width + 2)}${c.summary}`)
      if (c.fix) lines.push(`${pad}fix: ${c.fix}`)
      if (c.command) lines.push(`${pad}  ${c.command}`)
    }
    lines.push(`${r.checks.length} checks: ${r.passed} pass, ${r.failed} fail, ${r.skipped} skipped.`)
    this.out.data(lines.join('\n'))
  }
}
