// Kept apart from the zod schema so workflow code can use it without bundling zod.
export const PRIORITIES = ['P0', 'P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];
