import {Args, Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {eventStatus, type TeamStatus} from '../../services/events/status.js'
import {table} from '../../ui/output.js'

export type Result = TeamStatus[]

export default class EventStatus extends AtlasCommand<Result> {
  static override summary =
    'Show every team of an event: project, cluster state, users, access entries (read from Atlas tags).'
  static override args = {event: Args.string({required: true, description: 'Event id.'})}
  static override flags = {team: Flags.string({description: 'Only this team.'})}
  static override examples = ['<%= config.bin %> event status mh26', '<%= config.bin %> event status mh26 --json']

  protected async execute(): Promise<TeamStatus[]> {
    const {args, flags} = await this.parse(EventStatus)
    const {teams, unreadable} = await eventStatus(await this.atlas(), args.event, flags.team)
    if (unreadable.length > 0) {
      return this.failPartly(
        teams,
        `${unreadable.length} of ${teams.length + unreadable.length} teams could not be read: ${unreadable.map((u) => `${u.team} (${u.project}: ${u.error})`).join('; ')}.`,
        {
          hint: `Re-run: atlasctl event status ${args.event}${flags.team ? ` --team ${flags.team}` : ''}`,
          details: {teams, unreadable},
        },
      )
    }
    return teams
  }

  protected override async render(r: TeamStatus[]): Promise<void> {
    if (r.length === 0) return this.out.info('No projects are tagged with this event.')
    this.out.data(
      await table(
        ['team', 'project', 'cluster', 'state', 'users', 'access entries'],
        r.map((t) => [
          t.team,
          t.project,
          t.clusters.map((c) => `${c.name} (${c.tier})`).join(' '),
          t.clusters.map((c) => c.state).join(' ') || 'no cluster',
          t.users,
          t.accessEntries,
        ]),
      ),
    )
  }
}
