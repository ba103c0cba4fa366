/**
 * Ordered sensitivity levels and the level each tag needs. A request's level is the highest its tags need;
 * a route may carry it only if the route's clearance is at least that level.
 */
export interface Sensitivity {
  readonly levels: readonly string[];
  /** Position of a level, 0 = lowest; -1 when unknown. */
  rankOf(level: string): number;
  /** The highest level these tags need (the lowest level when none needs more). A level's name is a tag for it. */
  rankOfTags(tags: readonly string[]): number;
}

export function createSensitivity(levels: readonly string[], tagLevels: Readonly<Record<string, string>>): Sensitivity {
  const rank = new Map(levels.map((level, i) => [level, i]));
  const tagRank = new Map([
    ...rank,
    ...Object.entries(tagLevels).map(([tag, level]): [string, number] => [tag, rank.get(level) ?? 0]),
  ]);
  return {
    levels,
    rankOf: (level) => rank.get(level) ?? -1,
    rankOfTags(tags) {
      let highest = 0;
      for (const tag of tags) highest = Math.max(highest, tagRank.get(tag) ?? 0);
      return highest;
    },
  };
}
