import {Args, Flags} from '@oclif/core'
import {orgIdFlag} from '../../base/flags.js'
import {AtlasCommand} from '../../base/atlas-command.js'
import {
  createProject,
  parseTags,
  type ProjectSummary,
  resolveOrgId,
  validateProjectName,
} from '../../services/projects.js'

export type Result = ProjectSummary

export default class ProjectCreate extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['projects:create']
  static override summary = 'Create a project.'
  static override args = {name: Args.string({required: true, description: 'Project name.'})}
  static override flags = {
    'org-id': orgIdFlag,
    tag: Flags.string({multiple: true, description: 'Tag as key=value; repeatable.'}),
  }
  static override examples = ['<%= config.bin %> project create hackathon-2026 --tag event=hack26']

  protected async execute(): Promise<ProjectSummary> {
    const {args, flags} = await this.parse(ProjectCreate)
    validateProjectName(args.name, 'NAME')
    const tags = parseTags(flags.tag)
    const settings = await this.settings({orgId: flags['org-id']})
    const client = await this.atlas(settings)
    return createProject(client, {name: args.name, orgId: await resolveOrgId(client, settings.orgId), tags})
  }

  protected override render(p: ProjectSummary): void {
    this.out.data(`Created project ${p.name} (${p.id}).`)
  }
}
