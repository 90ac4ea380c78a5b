import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import type {ProjectSummary} from '../../services/projects.js'

export type Result = ProjectSummary

export default class ProjectDescribe extends AtlasCommand<Result> {
  static override summary = 'Show a project: id, name, organization, cluster count, creation date, tags.'
  static override args = {
    project: Args.string({
      description:
        "Project name or id (default: MONGODB_ATLAS_PROJECT_ID / ATLAS_PROJECT_ID, then the profile's projectId).",
    }),
  }
  static override examples = [
    '<%= config.bin %> project describe hackathon-2026',
    '<%= config.bin %> project describe 5f1d7c3e9a1b2c3d4e5f6a7b --json',
  ]

  protected async execute(): Promise<Result> {
    const {args} = await this.parse(ProjectDescribe)
    return this.project(args.project)
  }

  protected override render(p: Result): void {
    this.out.data(
      [
        `name:     ${p.name}`,
        `id:       ${p.id}`,
        `org:      ${p.orgId}`,
        `clusters: ${p.clusterCount}`,
        `created:  ${p.created}`,
        `tags:     ${p.tags.map((t) => `${t.key}=${t.value}`).join(' ')}`,
      ].join('\n'),
    )
  }
}
