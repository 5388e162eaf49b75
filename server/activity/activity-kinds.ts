/**
 * The activity log's directions and outcomes (R-ACT-1). A module of its own, free of database code, because the
 * Activity screen's client bundle reaches it through list-activity.ts.
 */
export const ACTIVITY_DIRECTIONS = ["INBOUND", "OUTBOUND"] as const;
export const ACTIVITY_OUTCOMES = ["DELIVERED", "BOUNCED", "DROPPED", "QUEUED", "DEFERRED", "DUPLICATE", "QUARANTINED"] as const;
export type ActivityDirection = (typeof ACTIVITY_DIRECTIONS)[number];
export type ActivityOutcome = (typeof ACTIVITY_OUTCOMES)[number];
