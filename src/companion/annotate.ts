// The companion's marks on a frame's detections: `tasks` (indexes of the ToonTasks a Cog counts
// towards), `tasksUnsure` ({task, reason} where it may, a term of the task not being known about the
// Cog) and `invasion: true` for the invading Cog type; as the frame messages and /view carry them.
import type { CompanionStatus } from './client.ts';
import { matchCog, type CogSighting, type MatchTask } from './match.ts';

export interface TaskMarks {
  tasks?: number[];
  tasksUnsure?: { task: number; reason: string }[];
  invasion?: true;
}

/** The detections with their marks (new objects where marked; the same ones where not). */
export function markDetections<T extends CogSighting>(dets: readonly T[], status: CompanionStatus | undefined): (T & TaskMarks)[] {
  const tasks: MatchTask[] = status?.tasks ?? [];
  const invasionCog = status?.invasion?.cog;
  if (tasks.length === 0 && !invasionCog) return [...dets];
  const ctx = { location: status?.location, invasionCog };
  return dets.map((d) => {
    if (d.label !== 'cog') return d;
    const m = matchCog(d, tasks, ctx);
    if (m.tasks.length === 0 && m.tasksUnsure.length === 0 && !m.invasion) return d;
    return {
      ...d,
      ...(m.tasks.length ? { tasks: m.tasks } : {}),
      ...(m.tasksUnsure.length ? { tasksUnsure: m.tasksUnsure } : {}),
      ...(m.invasion ? { invasion: true as const } : {}),
    };
  });
}
