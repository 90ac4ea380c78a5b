import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {deleteProject, type ProjectSummary, resolveProject} from '../../services/projects.js'

export type Result = ProjectSummary

export default class ProjectDelete extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['project:rm', 'projects:delete', 'projects:rm']
  static override summary = 'Delete an empty project (Atlas refuses while it has clusters).'
  static override args = {project: Args.string({required: true, description: 'Project name or id.'})}
  static override examples = ['<%= config.bin %> project delete hackathon-2026 --yes']

  protected async execute(): Promise<ProjectSummary> {
    const {args} = await this.parse(ProjectDelete)
    const client = await this.atlas()
    const project = await resolveProject(client, args.project)
    await this.confirm(`This deletes project "${project.name}" (${project.id}).`)
    await deleteProject(client, project.id)
    return project
  }

  protected override render(p: ProjectSummary): void {
    this.out.info(`Deleted project ${p.name} (${p.id}).`)
  }
}
