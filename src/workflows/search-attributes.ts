// Search attribute keys the monitor sets, so operators can filter monitors in the Temporal UI.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const deploymentIdKey = defineSearchAttributeKey('DeploymentId', SearchAttributeType.KEYWORD);
export const serviceKey = defineSearchAttributeKey('Service', SearchAttributeType.KEYWORD);
export const monitorPhaseKey = defineSearchAttributeKey('MonitorPhase', SearchAttributeType.KEYWORD);
export const monitorHealthKey = defineSearchAttributeKey('MonitorHealth', SearchAttributeType.KEYWORD);

/** Every custom attribute, for registration on a server (`temporal operator search-attribute create`). */
export const SEARCH_ATTRIBUTES = [deploymentIdKey, serviceKey, monitorPhaseKey, monitorHealthKey] as const;
